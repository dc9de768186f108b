// export-menu.tsx — exports the open conversation as Markdown or JSON (a file download).
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
  const run = async (format: 'markdown' | 'json') => {
    const v = await exportConversation(format);
    if (v) download(v.filename, v.mime, v.content);
  };
  return (
    <span className="export-menu" role="group" aria-label="Export">
      <button type="button" className="button" disabled={disabled} onClick={() => void run('markdown')} data-testid="export-markdown">Export .md</button>
      <button type="button" className="button" disabled={disabled} onClick={() => void run('json')} data-testid="export-json">.json</button>
    </span>
  );
}
