// branch-switcher.tsx — "‹ 2 / 3 ›" beside a message that has siblings (edits, regenerations):
// moving to a sibling shows its newest branch.
import { useShallow } from 'zustand/react/shallow';
import { useApp } from '../store/index.js';
import { siblingsOf } from '../store/tree.js';

export function BranchSwitcher({ id }: { id: string }) {
  const siblings = useApp(useShallow((s) => siblingsOf(s.messages, s.children, id)));
  const switchBranch = useApp((s) => s.switchBranch);
  const busy = useApp((s) => s.messages[s.currentLeafId ?? '']?.status === 'streaming');
  if (siblings.length < 2) return null;
  const i = siblings.indexOf(id);
  return (
    <span className="branch-switcher" data-testid="branch-switcher">
      <button type="button" className="icon-button" aria-label="Previous version" disabled={i <= 0 || busy}
        onClick={() => void switchBranch(siblings[i - 1])}>‹</button>
      <span aria-label={`Version ${i + 1} of ${siblings.length}`}>{i + 1} / {siblings.length}</span>
      <button type="button" className="icon-button" aria-label="Next version" disabled={i >= siblings.length - 1 || busy}
        onClick={() => void switchBranch(siblings[i + 1])}>›</button>
    </span>
  );
}
