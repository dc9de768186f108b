// sidebar.tsx — new chat, search, and the conversations (or the search's hits).
import { useEffect, useState } from 'react';
import { useApp } from '../store/index.js';
import { ConversationItem } from './conversation-item.js';
import { SearchResults } from './search-results.js';

export const searchInputId = 'sidebar-search';

export function Sidebar() {
  const list = useApp((s) => s.conversations);
  const newChat = useApp((s) => s.newChat);
  const search = useApp((s) => s.search);
  const hits = useApp((s) => s.searchHits);
  const quarantined = useApp((s) => s.quarantinedConversations);
  const togglePanel = useApp((s) => s.togglePanel);
  const [query, setQuery] = useState('');
  useEffect(() => {
    const t = setTimeout(() => void search(query), 200);
    return () => clearTimeout(t);
  }, [query, search]);
  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="sidebar-top">
        <span className="brand" aria-hidden="true">Cairn</span>
        <button type="button" className="button primary" onClick={newChat} data-testid="new-chat" title="New chat (Ctrl+Shift+O)">New chat</button>
      </div>
      <label htmlFor={searchInputId} className="visually-hidden">Search conversations</label>
      <input id={searchInputId} type="search" className="search" placeholder="Search (Ctrl+K)" value={query}
        onChange={(e) => setQuery(e.target.value)} data-testid="search-input"
        onKeyDown={(e) => { if (e.key === 'Escape' && query) { e.stopPropagation(); setQuery(''); } }} />
      {hits ? <SearchResults hits={hits} /> : (
        <ul className="conversation-list" data-testid="conversation-list">
          {list.map((c) => <ConversationItem key={c.id} id={c.id} />)}
          {list.length === 0 ? <li className="muted">No conversations yet</li> : null}
        </ul>
      )}
      {quarantined.length > 0
        ? <p className="warning" title={quarantined.map((q) => `${q.id}: ${q.reason}`).join('\n')}>{quarantined.length} damaged conversation(s) set aside</p>
        : null}
      <div className="sidebar-bottom">
        <button type="button" className="button" onClick={() => togglePanel('appSettings', true)} data-testid="app-settings-button">Preferences</button>
        <button type="button" className="button" onClick={() => togglePanel('shortcuts', true)} aria-label="Keyboard shortcuts">Shortcuts</button>
      </div>
    </nav>
  );
}
