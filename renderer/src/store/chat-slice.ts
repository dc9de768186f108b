// chat-slice.ts — the open conversation's message tree and what the user does to it: send, stop,
// regenerate, edit, fork, switch branch, its settings, export and snapshot save. Answers stream in
// as events (events.ts); the actions only place the messages each call returns.
import type { ConversationSettings, Message } from '../../../electron/common/schemas.js';
import type { OpResult } from '../../../electron/common/contract.js';
import { applyDelta, upsertMessages, type ThreadState } from './reduce.js';
import { formatBytes } from '../format.js';
import { unwrap } from './stats-slice.js';
import { newestLeafUnder } from './tree.js';
import type { SliceCreator } from './types.js';

export interface RestoreInfo { path: 'restored' | 'reprefilled'; reason: string; ms: number }

export interface ChatSlice extends Omit<ThreadState, 'activeId'> {
  conversationSettings: ConversationSettings | null;
  /** How the open conversation was resumed from a snapshot (shown until another one is opened). */
  restoreInfo: RestoreInfo | null;
  place(conversationId: string, messages: Message[], leafId?: string): void;
  applyDelta(conversationId: string, messageId: string, text: string): void;
  send(text: string): Promise<boolean>;
  stop(): Promise<void>;
  regenerate(messageId: string): Promise<void>;
  edit(messageId: string, content: string): Promise<boolean>;
  fork(messageId: string): Promise<void>;
  switchBranch(messageId: string): Promise<void>;
  saveConversationSettings(patch: Partial<ConversationSettings>): Promise<void>;
  exportConversation(format: 'markdown' | 'json'): Promise<OpResult<'conversations.export'> | null>;
  /** Saves the open conversation's snapshot (to `path` when a Save dialog chose one). */
  saveSnapshot(path?: string): Promise<void>;
}

export const chatSlice: SliceCreator<ChatSlice> = (set, get, api) => {
  const active = (): string | null => get().activeId;
  return {
    messages: {},
    children: {},
    currentLeafId: null,
    path: [],
    liveText: {},
    orphanDeltas: {},
    conversationSettings: null,
    restoreInfo: null,
    place: (conversationId, messages, leafId) => {
      const change = upsertMessages(get(), conversationId, messages, leafId);
      if (change) set(change);
    },
    applyDelta: (conversationId, messageId, text) => {
      const change = applyDelta(get(), conversationId, messageId, text);
      if (change) set(change);
    },
    send: async (text) => {
      let id = active();
      if (!id) {
        const created = unwrap(get, await api['conversations.create']({}));
        if (!created) return false;
        get().showDetail(created);
        id = created.id;
      }
      const v = unwrap(get, await api['chat.send']({ conversationId: id, text }));
      if (!v) return false;
      get().place(id, [v.userMessage, v.assistantMessage], v.assistantMessage.id);
      return true;
    },
    stop: async () => {
      const id = active();
      if (id) unwrap(get, await api['chat.stop']({ conversationId: id }));
    },
    regenerate: async (messageId) => {
      const id = active();
      if (!id) return;
      const v = unwrap(get, await api['chat.regenerate']({ conversationId: id, messageId }));
      if (v) get().place(id, [v.assistantMessage], v.assistantMessage.id);
    },
    edit: async (messageId, content) => {
      const id = active();
      if (!id) return false;
      const v = unwrap(get, await api['chat.edit']({ conversationId: id, messageId, content }));
      if (!v) return false;
      const placed = v.assistantMessage ? [v.message, v.assistantMessage] : [v.message];
      get().place(id, placed, placed[placed.length - 1].id);
      return true;
    },
    fork: async (messageId) => {
      const id = active();
      if (!id) return;
      const v = unwrap(get, await api['chat.fork']({ conversationId: id, messageId }));
      if (!v) return;
      get().showDetail(v);
      set({ restoreInfo: null });
      void get().refreshConversations();
    },
    switchBranch: async (messageId) => {
      const id = active();
      if (!id) return;
      const leafId = newestLeafUnder(get().children, messageId);
      const v = unwrap(get, await api['conversations.selectBranch']({ id, leafId }));
      if (v && active() === id) get().showDetail(v);
    },
    saveConversationSettings: async (patch) => {
      const id = active();
      if (!id) return;
      const v = unwrap(get, await api['conversations.setSettings']({ id, settings: patch }));
      if (v && active() === id) set({ conversationSettings: v.settings });
    },
    exportConversation: async (format) => {
      const id = active();
      return id ? unwrap(get, await api['conversations.export']({ id, format })) : null;
    },
    saveSnapshot: async (path) => {
      const id = active();
      if (!id) { get().notify('error', 'Open a conversation to save its snapshot'); return; }
      const v = unwrap(get, await api['snapshots.save']({ conversationId: id, ...(path ? { path } : {}) }));
      if (v) get().notify('info', `Snapshot saved: ${v.path} (${v.nTokens} tokens, ${formatBytes(v.bytes)}, ${Math.round(v.ms)} ms)`);
    },
  };
};

