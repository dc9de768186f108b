// conversation-item.tsx — one conversation in the sidebar: open, rename in place, delete (asked twice).
import { useState } from 'react';
import { useApp } from '../store/index.js';

export function ConversationItem({ id }: { id: string }) {
  const c = useApp((s) => s.conversations.find((x) => x.id === id));
  const active = useApp((s) => s.activeId === id);
  const open = useApp((s) => s.openConversation);
  const rename = useApp((s) => s.renameConversation);
  const remove = useApp((s) => s.deleteConversation);
  const [renaming, setRenaming] = useState(false);
  const [confirming, setConfirming] = useState(false);
  if (!c) return null;
  const title = c.title || 'Untitled';
  return (
    <li className={`conversation-item${active ? ' active' : ''}`} data-testid="conversation-item">
      {renaming ? (
        <form onSubmit={(e) => {
          e.preventDefault();
          const t = String(new FormData(e.currentTarget).get('title') ?? '').trim();
          setRenaming(false);
          if (t && t !== c.title) void rename(id, t.slice(0, 200));
        }}>
          <input name="title" defaultValue={c.title} aria-label="New title" autoFocus maxLength={200} data-testid="rename-input"
            onKeyDown={(e) => { if (e.key === 'Escape') { e.stopPropagation(); setRenaming(false); } }}
            onBlur={(e) => e.currentTarget.form?.requestSubmit()} />
        </form>
      ) : (
        <button type="button" className="conversation-open" aria-current={active ? 'page' : undefined} onClick={() => void open(id)}
          title={title} data-testid="conversation-open">
          <span className="conversation-title">{title}</span>
          {c.busy ? <span className="busy-dot" aria-label="answering" /> : null}
        </button>
      )}
      <span className="conversation-tools">
        <button type="button" className="icon-button" aria-label={`Rename ${title}`} onClick={() => setRenaming(true)} data-testid="rename-button">Rename</button>
        {confirming
          ? <button type="button" className="icon-button danger" aria-label={`Confirm delete ${title}`} onClick={() => void remove(id)}
            onBlur={() => setConfirming(false)} autoFocus data-testid="confirm-delete">Delete?</button>
          : <button type="button" className="icon-button" aria-label={`Delete ${title}`} onClick={() => setConfirming(true)} data-testid="delete-button">Delete</button>}
      </span>
    </li>
  );
}
