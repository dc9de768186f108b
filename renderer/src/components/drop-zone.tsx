// drop-zone.tsx — drop a .gguf or .cairn anywhere on the window: an overlay says what will happen
// while files are dragged over, and each dropped file is opened by its extension.
import { useEffect, useState } from 'react';
import { useApp } from '../store/index.js';

const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files') || (e.dataTransfer?.files.length ?? 0) > 0;

export function DropZone() {
  const openFile = useApp((s) => s.openFile);
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const enter = (e: DragEvent) => { if (hasFiles(e)) { depth++; setOver(true); } };
    const leave = (e: DragEvent) => { if (hasFiles(e) && --depth <= 0) { depth = 0; setOver(false); } };
    const overHandler = (e: DragEvent) => { if (hasFiles(e)) { e.preventDefault(); if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'; } };
    const drop = (e: DragEvent) => {
      if (!e.dataTransfer || e.dataTransfer.files.length === 0) return;
      e.preventDefault();
      depth = 0;
      setOver(false);
      for (const f of Array.from(e.dataTransfer.files)) void openFile(f);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('drop', drop);
    };
  }, [openFile]);
  if (!over) return null;
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <p>Drop a <strong>.gguf</strong> to load a model, or a <strong>.cairn</strong> to resume a conversation</p>
    </div>
  );
}
