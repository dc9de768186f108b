// message-editor.tsx — edits a message as a new branch: a user message is answered again, an
// answer is kept as written (the next turn continues from it).
import { useEffect, useRef, useState } from 'react';
import type { Message } from '../../../electron/common/schemas.js';
import { useApp } from '../store/index.js';

export function MessageEditor({ message, onDone }: { message: Message; onDone: () => void }) {
  const edit = useApp((s) => s.edit);
  const [text, setText] = useState(message.content);
  const ref = useRef<HTMLTextAreaElement>(null);
  useEffect(() => { ref.current?.focus(); }, []);
  const save = async () => {
    if (text.trim() === '' || text === message.content) { onDone(); return; }
    if (await edit(message.id, text)) onDone();
  };
  return (
    <form className="message-editor" onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <textarea ref={ref} value={text} onChange={(e) => setText(e.target.value)} aria-label="Edit message" data-testid="edit-input"
        rows={Math.min(12, Math.max(2, text.split('\n').length))}
        onKeyDown={(e) => {
          if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); onDone(); }
          if (e.key === 'Enter' && (e.metaKey || e.ctrlKey)) { e.preventDefault(); void save(); }
        }} />
      <div className="message-editor-actions">
        <button type="button" className="button" onClick={onDone}>Cancel</button>
        <button type="submit" className="button primary" data-testid="edit-save">
          {message.role === 'user' ? 'Save and answer' : 'Save'}
        </button>
      </div>
    </form>
  );
}
