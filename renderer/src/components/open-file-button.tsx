// open-file-button.tsx — "Open…": choose a .gguf (load a model) or a .cairn (resume a snapshot).
import { useRef } from 'react';
import { useApp } from '../store/index.js';
import { acceptedFiles } from '../store/models-slice.js';

export function OpenFileButton() {
  const openFile = useApp((s) => s.openFile);
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="button" onClick={() => input.current?.click()} data-testid="open-file"
        title="Open a model (.gguf) or a snapshot (.cairn)">Open…</button>
      <input ref={input} type="file" accept={acceptedFiles} hidden data-testid="open-file-input" aria-label="Open a model or snapshot file"
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (f) void openFile(f);
        }} />
    </>
  );
}
