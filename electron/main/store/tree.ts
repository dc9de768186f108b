// tree.ts — one conversation in memory: its header, its message tree (creation order + index by id)
// and the current leaf; built by replaying the journal, kept in step with every append.
import type { ConversationDetail, ConversationSettings, ConversationSummary, Message } from '../../common/schemas.js';
import type { JournalRecord, Meta } from './records.js';

const MAX_CONTENT = 4_000_000;

/** The messages root → `leafId`, following parent links in `byId`. */
export function walkBranch(byId: ReadonlyMap<string, Message>, leafId: string | null): Message[] {
  const out: Message[] = [];
  for (let m = leafId === null ? undefined : byId.get(leafId); m; m = m.parentId === null ? undefined : byId.get(m.parentId)) out.push(m);
  return out.reverse();
}

export class ConversationTree {
  readonly messages: Message[] = [];
  readonly byId = new Map<string, Message>();
  leafId: string | null = null;
  lastRecordAt = 0;
  records = 0;
  busy = false;

  constructor(public meta: Meta, public settings: ConversationSettings) {}

  get id(): string { return this.meta.id; }
  get updatedAt(): number { return Math.max(this.meta.updatedAt, this.lastRecordAt); }

  /** Applies one journal record; throws (with why) on a record that does not fit the tree. */
  apply(r: JournalRecord): void {
    this.records++;
    if (r.t === 'msg') {
      const m = r.m;
      if (this.byId.has(m.id)) throw new Error(`message ${m.id} appears twice`);
      if (m.parentId !== null && !this.byId.has(m.parentId)) throw new Error(`message ${m.id}: parent ${m.parentId} is unknown`);
      const own = { ...m };
      this.messages.push(own);
      this.byId.set(m.id, own);
      this.leafId = m.id;
      this.lastRecordAt = Math.max(this.lastRecordAt, m.createdAt);
      return;
    }
    const m = this.byId.get(r.id);
    if (!m) throw new Error(`record '${r.t}' names unknown message ${r.id}`);
    this.lastRecordAt = Math.max(this.lastRecordAt, r.at);
    if (r.t === 'leaf') { this.leafId = r.id; return; }
    if (r.t === 'add') {
      if (m.content.length + r.s.length > MAX_CONTENT) throw new Error(`message ${r.id} grows past ${MAX_CONTENT} characters`);
      m.content += r.s;
      return;
    }
    if (r.content !== undefined) m.content = r.content;
    if (r.status !== undefined) m.status = r.status;
    if (r.finishReason !== undefined) m.finishReason = r.finishReason;
    if (r.error !== undefined) m.error = r.error;
    if (r.stats !== undefined) m.stats = r.stats;
  }

  /** Messages root → `leafId` (default: the current leaf). */
  path(leafId: string | null = this.leafId): Message[] {
    return walkBranch(this.byId, leafId).map((m) => ({ ...m }));
  }

  /** The newest leaf at or under `id` (the branch shown when the user picks message `id`). */
  newestLeafUnder(id: string): string {
    let cur = id;
    for (;;) {
      let child: Message | undefined;
      for (const m of this.messages) if (m.parentId === cur) child = m; // creation order: the last one is the newest
      if (!child) return cur;
      cur = child.id;
    }
  }

  summary(): ConversationSummary {
    return { id: this.id, title: this.meta.title, createdAt: this.meta.createdAt, updatedAt: this.updatedAt, messageCount: this.messages.length, busy: this.busy };
  }

  detail(): ConversationDetail {
    return { ...this.summary(), settings: { ...this.settings }, messages: this.messages.map((m) => ({ ...m })), currentLeafId: this.leafId };
  }

  /** The records that rebuild this tree from nothing (compaction). */
  snapshotRecords(): JournalRecord[] {
    const out: JournalRecord[] = this.messages.map((m) => ({ t: 'msg', m: { ...m } }));
    // always closes with the leaf: it also keeps the time of the last change (updatedAt)
    if (this.leafId !== null) out.push({ t: 'leaf', id: this.leafId, at: this.lastRecordAt });
    return out;
  }
}
