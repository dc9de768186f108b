// types.ts — the conversation store's interface (implemented in ./store.ts), as main's service
// uses it. Durability (RELIABILITY.md): every method that changes a conversation resolves only once
// the change is on disk (journal record appended and fsynced, or a header replaced atomically).
import type {
  ConversationDetail, ConversationSettings, ConversationSummary, FinishReason, Message, MessageStats,
  MessageStatus, Quarantine, SearchHit,
} from '../../common/schemas.js';

export interface NewMessage {
  parentId: string | null;
  role: Message['role'];
  content: string;
  status: MessageStatus;
  model?: string;
}

export interface MessageUpdate {
  content?: string;
  status?: MessageStatus;
  finishReason?: FinishReason;
  error?: string;
  stats?: MessageStats;
}

export interface IntegrityReport {
  ok: boolean;
  conversations: number;
  messages: number;
  /** Torn journal tails skipped (records after the last good one). */
  tornTails: number;
  quarantined: Quarantine[];
  problems: string[];
}

export interface ConversationStore {
  /** The data folder: conversations/<id>/ (one sub-folder per conversation) and quarantine/ under it. */
  readonly dir: string;
  list(): ConversationSummary[];
  /** Conversations that could not be read (moved aside, never deleted), and why. */
  quarantined(): Quarantine[];
  create(init: { title?: string; settings: ConversationSettings }): Promise<ConversationDetail>;
  /** Throws StoreError('E_NOT_FOUND') for an unknown id. */
  get(id: string): ConversationDetail;
  rename(id: string, title: string): Promise<ConversationSummary>;
  /** Removes the conversation's folder (its KV file included). */
  delete(id: string): Promise<boolean>;
  search(query: string, limit?: number): SearchHit[];
  setSettings(id: string, settings: Partial<ConversationSettings>): Promise<ConversationDetail>;
  /** Appends a message (durable before it resolves) and makes it the current leaf. */
  addMessage(conversationId: string, m: NewMessage): Promise<Message>;
  /** Changes a message: the streaming checkpoints (content so far) and the final state. */
  updateMessage(conversationId: string, messageId: string, u: MessageUpdate): Promise<Message>;
  /** Shows the branch through `leafId`; a message that has replies selects the newest leaf under it. */
  setCurrentLeaf(conversationId: string, leafId: string): Promise<ConversationDetail>;
  /** The messages root → `leafId` (default: the current leaf). */
  path(conversationId: string, leafId?: string): Message[];
  /** Where the conversation's KV snapshot lives (beside its journal); the file may not exist. */
  kvPath(conversationId: string): string;
  /** Marks the conversation busy (generating) or idle; only in memory (not persisted). */
  setBusy(conversationId: string, busy: boolean): void;
  /** Re-reads everything from disk and checks it (tests, `cairn doctor`-style checks). */
  check(): Promise<IntegrityReport>;
  close(): Promise<void>;
}
