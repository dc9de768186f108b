// shortcuts.tsx — the keyboard shortcuts (one table: the handler and the help dialog both read it).
import { useEffect } from 'react';
import { useApp, useAppStore } from '../store/index.js';
import type { AppState } from '../store/index.js';
import { composerInputId } from './composer.js';
import { Modal } from './modal.js';
import { searchInputId } from './sidebar.js';

interface Shortcut { keys: string; what: string; match: (e: KeyboardEvent) => boolean; run: (s: AppState) => void }

const mod = (e: KeyboardEvent) => e.ctrlKey || e.metaKey;
const focus = (id: string) => { const el = document.getElementById(id); el?.focus(); (el as HTMLInputElement | null)?.select?.(); };
const typing = () => /^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement?.tagName ?? '');

export const shortcuts: Shortcut[] = [
  { keys: 'Ctrl/⌘ Shift O', what: 'New chat', match: (e) => mod(e) && e.shiftKey && e.key.toLowerCase() === 'o',
    run: (s) => { s.newChat(); setTimeout(() => focus(composerInputId)); } },
  { keys: 'Ctrl/⌘ K', what: 'Search conversations', match: (e) => mod(e) && !e.shiftKey && e.key.toLowerCase() === 'k', run: () => focus(searchInputId) },
  { keys: 'Shift Esc', what: 'Focus the message input', match: (e) => e.shiftKey && e.key === 'Escape', run: () => document.getElementById(composerInputId)?.focus() },
  { keys: 'Esc', what: 'Stop the answer', match: (e) => !e.shiftKey && e.key === 'Escape',
    run: (s) => { if (s.messages[s.currentLeafId ?? '']?.status === 'streaming') void s.stop(); } },
  { keys: 'Ctrl/⌘ Shift S', what: 'Show or hide the stats panel', match: (e) => mod(e) && e.shiftKey && e.key.toLowerCase() === 's', run: (s) => s.togglePanel('stats') },
  { keys: '?', what: 'This list', match: (e) => e.key === '?' && !mod(e) && !typing(), run: (s) => s.togglePanel('shortcuts', true) },
];

export function useShortcuts(): void {
  const store = useAppStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      const hit = shortcuts.find((k) => k.match(e));
      if (!hit) return;
      e.preventDefault();
      hit.run(store.getState());
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
}

export function ShortcutsDialog() {
  const open = useApp((s) => s.panels.shortcuts);
  const togglePanel = useApp((s) => s.togglePanel);
  if (!open) return null;
  return (
    <Modal title="Keyboard shortcuts" onClose={() => togglePanel('shortcuts', false)} testId="shortcuts">
      <dl className="figures">
        {shortcuts.map((k) => <div className="figure" key={k.keys}><dt>{k.what}</dt><dd><kbd>{k.keys}</kbd></dd></div>)}
      </dl>
    </Modal>
  );
}
