// kv-saver.ts — writes each conversation's KV snapshot (store.kvPath) when it has been idle for a
// while after an answer, and every pending one at shutdown. Snapshots are a cache (the journal is the
// truth): a failed write is logged and forgotten; a conversation busy again is retried later.
export class KvSaver {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly pending = new Set<string>();

  constructor(
    private readonly save: (conversationId: string) => Promise<void>,
    private readonly isBusy: (conversationId: string) => boolean,
    private readonly idleMs = 3000,
  ) {}

  /** The conversation's KV changed (an answer finished, a fork): save it once idle. */
  touch(conversationId: string): void {
    this.pending.add(conversationId);
    clearTimeout(this.timers.get(conversationId));
    const t = setTimeout(() => { void this.saveOne(conversationId); }, this.idleMs);
    t.unref();
    this.timers.set(conversationId, t);
  }

  /** Nothing to save any more (the conversation was deleted). */
  forget(conversationId: string): void {
    clearTimeout(this.timers.get(conversationId));
    this.timers.delete(conversationId);
    this.pending.delete(conversationId);
  }

  private async saveOne(conversationId: string): Promise<void> {
    this.timers.delete(conversationId);
    if (!this.pending.has(conversationId)) return;
    if (this.isBusy(conversationId)) { this.touch(conversationId); return; }
    this.pending.delete(conversationId);
    try { await this.save(conversationId); } catch (e) {
      console.error(`cairn: KV snapshot of ${conversationId} not written: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Saves every pending snapshot now (shutdown). */
  async flush(): Promise<void> {
    const ids = [...this.pending];
    for (const id of ids) { clearTimeout(this.timers.get(id)); this.timers.delete(id); }
    for (const id of ids) await this.saveOne(id);
  }
}
