// message-actions.tsx — what can be done to a message: copy, edit, regenerate (answers), fork.
import type { Message } from '../../../electron/common/schemas.js';
import { useApp } from '../store/index.js';
import { CopyButton } from './copy-button.js';

export function MessageActions({ message, text, onEdit }: { message: Message; text: string; onEdit: () => void }) {
  const regenerate = useApp((s) => s.regenerate);
  const fork = useApp((s) => s.fork);
  const busy = useApp((s) => s.messages[s.currentLeafId ?? '']?.status === 'streaming');
  const settled = message.status !== 'streaming';
  return (
    <div className="message-actions" role="toolbar" aria-label="Message actions">
      <CopyButton text={text} label="Copy message" />
      <button type="button" className="icon-button" onClick={onEdit} disabled={busy || !settled} data-testid="edit-button">Edit</button>
      {message.role === 'assistant'
        ? <button type="button" className="icon-button" onClick={() => void regenerate(message.id)} disabled={busy}
          data-testid="regenerate-button">Regenerate</button>
        : null}
      <button type="button" className="icon-button" onClick={() => void fork(message.id)} disabled={!settled}
        title="Fork: a new chat with the conversation up to here" data-testid="fork-button">Fork</button>
    </div>
  );
}
