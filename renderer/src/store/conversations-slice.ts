// conversations-slice.ts — the sidebar: conversation summaries, quarantined ones, which one is
// open, search; opening one loads its whole tree into the chat slice.
import type { ConversationDetail, ConversationSummary, Quarantine, SearchHit } from '../../../electron/common/schemas.js';
import { indexChildren, pathTo } from './tree.js';
import { unwrap } from './stats-slice.js';
import type { AppState, SliceCreator } from './types.js';

export interface ConversationsSlice {
  conversations: ConversationSummary[];
  quarantinedConversations: Quarantine[];
  /** The conversation shown; null = a new chat not created yet (created by its first message). */
  activeId: string | null;
  searchQuery: string;
  /** Hits of the current query; null when there is no query. */
  searchHits: SearchHit[] | null;
  refreshConversations(): Promise<void>;
  newChat(): void;
  openConversation(id: string): Promise<void>;
  showDetail(detail: ConversationDetail): void;
  renameConversation(id: string, title: string): Promise<void>;
  deleteConversation(id: string): Promise<void>;
  search(query: string): Promise<void>;
}

/** The chat slice's fields for a conversation (or for none). */
export function threadOf(detail: ConversationDetail | null): Partial<AppState> {
  if (!detail) return { activeId: null, messages: {}, children: {}, currentLeafId: null, path: [], liveText: {}, orphanDeltas: {}, conversationSettings: null };
  const messages = Object.fromEntries(detail.messages.map((m) => [m.id, m]));
  return {
    activeId: detail.id, messages, children: indexChildren(detail.messages), currentLeafId: detail.currentLeafId,
    path: pathTo(messages, detail.currentLeafId), liveText: {}, orphanDeltas: {}, conversationSettings: detail.settings,
  };
}

export const conversationsSlice: SliceCreator<ConversationsSlice> = (set, get, api) => ({
  conversations: [],
  quarantinedConversations: [],
  activeId: null,
  searchQuery: '',
  searchHits: null,
  refreshConversations: async () => {
    const v = unwrap(get, await api['conversations.list']({}));
    if (v) set({ conversations: v.conversations, quarantinedConversations: v.quarantined });
  },
  newChat: () => set({ ...threadOf(null), restoreInfo: null }),
  openConversation: async (id) => {
    const v = unwrap(get, await api['conversations.get']({ id }));
    if (v) set({ ...threadOf(v), restoreInfo: null });
  },
  showDetail: (detail) => set(threadOf(detail)),
  renameConversation: async (id, title) => {
    const v = unwrap(get, await api['conversations.rename']({ id, title }));
    if (v) set((s) => ({ conversations: s.conversations.map((c) => (c.id === v.id ? v : c)) }));
  },
  deleteConversation: async (id) => {
    const v = unwrap(get, await api['conversations.delete']({ id }));
    if (!v) return;
    set((s) => ({ conversations: s.conversations.filter((c) => c.id !== id) }));
    if (get().activeId === id) get().newChat();
  },
  search: async (query) => {
    set({ searchQuery: query });
    if (query.trim() === '') { set({ searchHits: null }); return; }
    const r = await api['conversations.search']({ query: query.trim() });
    if (get().searchQuery !== query) return; // a newer query superseded this one
    set({ searchHits: unwrap(get, r) ?? [] });
  },
});
