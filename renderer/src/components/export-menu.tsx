// export-menu.tsx — exports the open conversation as Markdown or JSON (a file download).
import { useRef } from 'react';
import { useApp } from '../store/index.js';

function download(filename: string, mime: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportMenu({ disabled }: { disabled: boolean }) {
  const exportConversation = useApp((s) => s.exportConversation);
  const menu = useRef<HTMLDetailsElement>(null);
  const run = async (format: 'markdown' | 'json') => {
    if (menu.current) menu.current.open = false;
    const v = await exportConversation(format);
    if (v) download(v.filename, v.mime, v.content);
  };
  if (disabled) return <button type="button" className="button" disabled>Export</button>;
  return (
    <details className="menu" ref={menu}>
      <summary className="button" data-testid="export-menu">Export</summary>
      <div className="menu-items" role="group" aria-label="Export as">
        <button type="button" className="button" onClick={() => void run('markdown')} data-testid="export-markdown">Markdown (.md)</button>
        <button type="button" className="button" onClick={() => void run('json')} data-testid="export-json">JSON (.json)</button>
      </div>
    </details>
  );
}
