// search-results.tsx — hits of a sidebar search: the conversation and a snippet of the match.
import type { SearchHit } from '../../../electron/common/schemas.js';
import { useApp } from '../store/index.js';

export function SearchResults({ hits }: { hits: SearchHit[] }) {
  const open = useApp((s) => s.openConversation);
  if (hits.length === 0) return <p className="muted" data-testid="search-empty">No matches</p>;
  return (
    <ul className="conversation-list" aria-label="Search results" data-testid="search-results">
      {hits.map((h, i) => (
        <li key={`${h.conversationId}-${h.messageId ?? i}`} className="conversation-item">
          <button type="button" className="conversation-open" onClick={() => void open(h.conversationId)}>
            <span className="conversation-title">{h.title || 'Untitled'}</span>
            <span className="snippet">{h.snippet}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
