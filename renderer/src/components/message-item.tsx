// message-item.tsx — one message of the shown branch: role, text (Markdown for answers), its
// branch switcher, actions and, under an answer, its figures. Reads only its own message, so a
// streaming delta re-renders this row alone.
import { memo, useState } from 'react';
import { useApp } from '../store/index.js';
import { textOf } from '../store/reduce.js';
import { Markdown } from '../markdown/markdown.js';
import { BranchSwitcher } from './branch-switcher.js';
import { MessageActions } from './message-actions.js';
import { MessageEditor } from './message-editor.js';
import { MessageStats } from './message-stats.js';

const roleLabel = { user: 'You', assistant: 'Assistant', system: 'System' } as const;

export const MessageItem = memo(function MessageItem({ id }: { id: string }) {
  const m = useApp((s) => s.messages[id]);
  const text = useApp((s) => textOf(s, id));
  const [editing, setEditing] = useState(false);
  if (!m) return null;
  const streaming = m.status === 'streaming';
  return (
    <article className={`message message-${m.role}`} data-testid={`message-${m.role}`} data-status={m.status} data-message-id={m.id}
      aria-label={`${roleLabel[m.role]} message`} aria-busy={streaming}>
      <header className="message-head">
        <span className="message-role">{roleLabel[m.role]}</span>
        {m.role === 'assistant' && m.model ? <span className="message-model">{m.model}</span> : null}
        <BranchSwitcher id={m.id} />
      </header>
      {editing
        ? <MessageEditor message={m} onDone={() => setEditing(false)} />
        : (
          <div className="message-body" data-testid="message-body">
            {m.role === 'assistant'
              ? <Markdown text={text} streaming={streaming} />
              : <p className="message-plain">{text}</p>}
            {streaming && text === '' ? <span className="typing" aria-label="Thinking">…</span> : null}
            {m.status === 'error' ? <p className="message-error" role="alert">{m.error ?? 'The answer failed.'}</p> : null}
            {m.status === 'interrupted' ? <p className="message-warning">The engine stopped mid-answer; the text so far is kept.</p> : null}
          </div>
        )}
      {m.role === 'assistant' ? <MessageStats message={m} /> : null}
      {!editing ? <MessageActions message={m} text={text} onEdit={() => setEditing(true)} /> : null}
    </article>
  );
});
