// answer-stream.ts — one assistant answer while the host generates it: text received so far,
// `message.delta` events, and checkpoints into the store (RELIABILITY.md: assistant text older than
// 250 ms or 32 tokens is on disk). Checkpoints never overlap: one write at a time, the latest text
// written next; finish() waits for the one in flight, then writes the final state.
import type { Message, MessageStats } from '../../common/schemas.js';
import type { ConversationStore, MessageUpdate } from '../store/types.js';
import type { EventHub } from './event-hub.js';

export const CHECKPOINT_MS = 250;
export const CHECKPOINT_TOKENS = 32;

export class AnswerStream {
  text = '';
  tokens = 0;
  readonly latenciesMs: number[] = [];
  private checkpointedTokens = 0;
  private writing: Promise<void> | null = null;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private finished = false;

  constructor(
    private readonly store: ConversationStore,
    private readonly hub: EventHub,
    readonly conversationId: string,
    readonly messageId: string,
  ) {}

  /** A batch of tokens from the host. */
  push(text: string, count: number, latenciesMs: number[]): void {
    if (this.finished) return;
    this.text += text;
    this.tokens += count;
    for (const l of latenciesMs) this.latenciesMs.push(l);
    this.hub.emit('message.delta', { conversationId: this.conversationId, messageId: this.messageId, text, tokens: count });
    if (this.tokens - this.checkpointedTokens >= CHECKPOINT_TOKENS) this.checkpoint();
    else this.timer ??= setTimeout(() => { this.timer = null; this.checkpoint(); }, CHECKPOINT_MS);
  }

  /** Writes the text so far (coalesced: at most one write in flight). */
  private checkpoint(): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.finished) return;
    if (this.writing) { this.dirty = true; return; }
    const text = this.text, tokens = this.tokens;
    this.writing = this.store.updateMessage(this.conversationId, this.messageId, { content: text })
      .then(() => { this.checkpointedTokens = tokens; })
      .catch((e) => { console.error(`cairn: checkpoint of ${this.messageId} failed:`, e); })
      .finally(() => {
        this.writing = null;
        if (this.dirty) { this.dirty = false; this.checkpoint(); }
      });
  }

  /** Writes the final state (after any checkpoint in flight) and announces it; `stored` runs between
   *  the two (the conversation is free for the next turn by the time anyone hears the answer ended). */
  async finish(u: MessageUpdate & { stats?: MessageStats }, stored?: () => void): Promise<Message> {
    this.finished = true;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    while (this.writing) await this.writing;
    const message = await this.store.updateMessage(this.conversationId, this.messageId, u);
    stored?.();
    this.hub.emit('message.updated', { conversationId: this.conversationId, message });
    return message;
  }
}
