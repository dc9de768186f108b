// store.ts — the conversation store: one folder per conversation under <data>/conversations/<id>/
// holding meta.json (header, replaced atomically), journal.log (append-only records, see journal.ts)
// and kv.cairn (the engine's snapshot, a cache). Everything is read into memory on open; reads are
// served from memory; every change resolves once it is on disk. See ARCHITECTURE.md "Conversation
// store" for why files + journal, and RELIABILITY.md for the guarantees.
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ConversationDetail, ConversationSettings, ConversationSummary, ErrorCode, Message, Quarantine, SearchHit,
} from '../../common/schemas.js';
import { ConversationSettings as SettingsSchema, Id, Message as MessageSchema } from '../../common/schemas.js';
import { fsyncDir, writeFileAtomic, writeFileDurable } from './atomic.js';
import { isTempName } from '../../common/temp-file.js';
import { newId } from './ids.js';
import { encodeRecord, JournalWriter, scanJournal } from './journal.js';
import { FORMAT_VERSION, JournalRecord, Meta } from './records.js';
import { searchTrees } from './search.js';
import { defaultConversationSettings } from './settings.js';
import { ConversationTree } from './tree.js';
import type { ConversationStore, IntegrityReport, MessageUpdate, NewMessage } from './types.js';

export class StoreError extends Error {
  constructor(readonly code: ErrorCode, message: string) { super(message); this.name = 'StoreError'; }
}

export interface StoreOptions {
  /** A journal larger than this whose records fold into fewer is rewritten on open (default 1 MiB). */
  compactAboveBytes?: number;
}

/** What open() found and repaired. */
export interface Recovery {
  /** Conversations whose journal ended in a torn (unacknowledged) record, cut away. */
  tornTails: { id: string; at: number; bytes: number }[];
  /** Messages found `streaming` and marked `interrupted`. */
  interrupted: { conversationId: string; messageId: string }[];
  /** Conversations moved to quarantine/ by this open. */
  quarantined: Quarantine[];
  /** Conversations whose journal was compacted: bytes before → after. */
  compacted: { id: string; before: number; after: number }[];
}

const META = 'meta.json';
const JOURNAL = 'journal.log';
const KV = 'kv.cairn';
const REASON = 'reason.json';

class Corrupt extends Error {}

interface ReadResult { tree: ConversationTree; bytes: number; goodEnd: number; torn: { at: number; bytes: number } | null }

/** Reads one conversation folder without changing anything; throws Corrupt (with why) when it cannot. */
async function readConversation(dir: string, id: string): Promise<ReadResult> {
  let metaRaw: unknown;
  try { metaRaw = JSON.parse(await readFile(join(dir, META), 'utf8')); } catch (e) {
    throw new Corrupt(`${META}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}`);
  }
  const meta = Meta.safeParse(metaRaw);
  if (!meta.success) throw new Corrupt(`${META}: ${meta.error.issues[0]?.path.join('.')}: ${meta.error.issues[0]?.message}`);
  if (meta.data.id !== id) throw new Corrupt(`${META}: id ${meta.data.id} does not match the folder ${id}`);
  const settings = SettingsSchema.safeParse({ ...defaultConversationSettings, ...meta.data.settings });
  if (!settings.success) throw new Corrupt(`${META}: settings.${settings.error.issues[0]?.path.join('.')}: ${settings.error.issues[0]?.message}`);

  let buf: Buffer;
  try { buf = await readFile(join(dir, JOURNAL)); } catch (e) {
    throw new Corrupt(`${JOURNAL}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (e as Error).message}`);
  }
  const scan = scanJournal(buf);
  if (scan.tail.kind === 'corrupt') {
    throw new Corrupt(`${JOURNAL}: bad record at byte ${scan.tail.at} (${scan.tail.reason}) with valid records after it (from byte ${scan.tail.nextAt})`);
  }
  const tree = new ConversationTree(meta.data, settings.data);
  for (const r of scan.records) {
    try {
      const rec = JournalRecord.safeParse(JSON.parse(r.payload.toString('utf8')));
      if (!rec.success) throw new Error(`${rec.error.issues[0]?.path.join('.')}: ${rec.error.issues[0]?.message}`);
      tree.apply(rec.data);
    } catch (e) {
      throw new Corrupt(`${JOURNAL}: record at byte ${r.offset}: ${(e as Error).message}`);
    }
  }
  const torn = scan.tail.kind === 'torn' ? { at: scan.tail.at, bytes: scan.tail.bytes } : null;
  return { tree, bytes: buf.length, goodEnd: scan.end, torn };
}

const comparable = (t: ConversationTree) => JSON.stringify({ ...t.detail(), busy: false });

export class FileStore implements ConversationStore {
  private readonly trees = new Map<string, ConversationTree>();
  private readonly writers = new Map<string, JournalWriter>();
  private readonly metaWrites = new Map<string, Promise<unknown>>();
  private quarantine: Quarantine[] = [];
  readonly recovery: Recovery = { tornTails: [], interrupted: [], quarantined: [], compacted: [] };
  private closed = false;

  /** `dir`: the data folder (conversations/ and quarantine/ live under it). */
  constructor(readonly dir: string, private readonly opts: Required<StoreOptions>) {}

  get conversationsDir(): string { return join(this.dir, 'conversations'); }
  get quarantineDir(): string { return join(this.dir, 'quarantine'); }
  private folder(id: string): string { return join(this.conversationsDir, id); }

  // ---- open -------------------------------------------------------------------------------------

  /** @internal openStore's second half: read, repair, quarantine. */
  async load(): Promise<void> {
    await mkdir(this.conversationsDir, { recursive: true });
    await mkdir(this.quarantineDir, { recursive: true });
    for (const e of await readdir(this.conversationsDir, { withFileTypes: true })) {
      // leftovers of a create or delete that a crash interrupted (never visible conversations)
      if (e.name.startsWith('.new-') || e.name.startsWith('.del-')) { await rm(join(this.conversationsDir, e.name), { recursive: true, force: true }); continue; }
      if (!e.isDirectory() || !Id.safeParse(e.name).success) continue;
      await this.loadOne(e.name);
    }
    this.quarantine = await this.readQuarantine();
  }

  private async loadOne(id: string): Promise<void> {
    const dir = this.folder(id);
    for (const name of await readdir(dir)) if (isTempName(name)) /* a writer's temp left by a crash (temp-file.ts) */ await rm(join(dir, name), { force: true });
    let read: ReadResult;
    try { read = await readConversation(dir, id); } catch (e) {
      if (!(e instanceof Corrupt)) throw e;
      this.recovery.quarantined.push(await this.moveToQuarantine(id, e.message));
      return;
    }
    const { tree } = read;
    let size = read.bytes;
    if (read.torn) {
      await truncate(join(dir, JOURNAL), read.goodEnd);
      await fsyncFile(join(dir, JOURNAL));
      size = read.goodEnd;
      this.recovery.tornTails.push({ id, ...read.torn });
    }
    const journalPath = join(dir, JOURNAL);
    const folded = tree.snapshotRecords();
    if (size > this.opts.compactAboveBytes && tree.records > folded.length) {
      const bytes = Buffer.concat(folded.map(encodeRecord));
      await writeFileAtomic(journalPath, bytes);
      this.recovery.compacted.push({ id, before: size, after: bytes.length });
      size = bytes.length;
    }
    this.trees.set(id, tree);
    this.writers.set(id, new JournalWriter(journalPath, size));
    const stale = tree.messages.filter((m) => m.status === 'streaming');
    if (stale.length > 0) {
      await this.change(tree, stale.map((m): JournalRecord => ({ t: 'upd', id: m.id, at: Date.now(), status: 'interrupted', finishReason: 'interrupted' })));
      for (const m of stale) this.recovery.interrupted.push({ conversationId: id, messageId: m.id });
    }
  }

  private async moveToQuarantine(id: string, reason: string): Promise<Quarantine> {
    let name = id;
    for (let n = 1; await exists(join(this.quarantineDir, name)); n++) name = `${id}-${n}`;
    await rename(this.folder(id), join(this.quarantineDir, name));
    await writeFileAtomic(join(this.quarantineDir, name, REASON), JSON.stringify({ id, reason, at: Date.now() }) + '\n');
    await fsyncDir(this.quarantineDir);
    await fsyncDir(this.conversationsDir);
    return { id: name, reason };
  }

  private async readQuarantine(): Promise<Quarantine[]> {
    const out: Quarantine[] = [];
    for (const e of await readdir(this.quarantineDir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      let reason = 'unknown (reason.json unreadable)';
      try {
        const r = JSON.parse(await readFile(join(this.quarantineDir, e.name, REASON), 'utf8')) as { reason?: unknown };
        if (typeof r.reason === 'string') reason = r.reason;
      } catch { /* keep the placeholder reason */ }
      out.push({ id: e.name, reason });
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  // ---- reads ------------------------------------------------------------------------------------

  private tree(id: string): ConversationTree {
    this.assertOpen();
    const t = this.trees.get(id);
    if (!t) throw new StoreError('E_NOT_FOUND', `no conversation ${id}`);
    return t;
  }

  private message(t: ConversationTree, id: string): Message {
    const m = t.byId.get(id);
    if (!m) throw new StoreError('E_NOT_FOUND', `no message ${id} in conversation ${t.id}`);
    return m;
  }

  private newestFirst(): ConversationTree[] {
    return [...this.trees.values()].sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? 1 : -1));
  }

  list(): ConversationSummary[] { this.assertOpen(); return this.newestFirst().map((t) => t.summary()); }
  quarantined(): Quarantine[] { return this.quarantine.map((q) => ({ ...q })); }
  get(id: string): ConversationDetail { return this.tree(id).detail(); }
  path(conversationId: string, leafId?: string): Message[] {
    const t = this.tree(conversationId);
    if (leafId !== undefined) this.message(t, leafId);
    return t.path(leafId ?? t.leafId);
  }
  kvPath(conversationId: string): string { this.tree(conversationId); return join(this.folder(conversationId), KV); }
  setBusy(conversationId: string, busy: boolean): void { this.tree(conversationId).busy = busy; }
  search(query: string, limit = 50): SearchHit[] { this.assertOpen(); return searchTrees(this.newestFirst(), query, limit); }

  // ---- changes ----------------------------------------------------------------------------------

  async create(init: { title?: string; settings: ConversationSettings }): Promise<ConversationDetail> {
    this.assertOpen();
    const settings = parseOr('E_ARGS', SettingsSchema, init.settings);
    const title = cleanTitle(init.title ?? 'New chat');
    const id = newId();
    const now = Date.now();
    const meta: Meta = { v: FORMAT_VERSION, id, title, createdAt: now, updatedAt: now, settings };
    // built under a hidden name and renamed into place: a crash leaves either nothing visible or a
    // complete conversation
    const tmp = join(this.conversationsDir, `.new-${id}`);
    await mkdir(tmp);
    await writeFileDurable(join(tmp, META), JSON.stringify(meta) + '\n');
    await writeFileDurable(join(tmp, JOURNAL), new Uint8Array(0));
    await fsyncDir(tmp);
    await rename(tmp, this.folder(id));
    await fsyncDir(this.conversationsDir);
    const tree = new ConversationTree(meta, settings);
    this.trees.set(id, tree);
    this.writers.set(id, new JournalWriter(join(this.folder(id), JOURNAL), 0));
    return tree.detail();
  }

  async rename(id: string, title: string): Promise<ConversationSummary> {
    const t = this.tree(id);
    t.meta = { ...t.meta, title: cleanTitle(title), updatedAt: Date.now() };
    await this.writeMeta(t);
    return t.summary();
  }

  async setSettings(id: string, patch: Partial<ConversationSettings>): Promise<ConversationDetail> {
    const t = this.tree(id);
    const settings = parseOr('E_ARGS', SettingsSchema, { ...t.settings, ...patch });
    t.settings = settings;
    t.meta = { ...t.meta, settings, updatedAt: Date.now() };
    await this.writeMeta(t);
    return t.detail();
  }

  async delete(id: string): Promise<boolean> {
    this.assertOpen();
    if (!this.trees.has(id)) return false;
    this.trees.delete(id);
    const w = this.writers.get(id);
    this.writers.delete(id);
    await w?.close();
    await this.metaWrites.get(id);
    const gone = join(this.conversationsDir, `.del-${id}`);
    await rename(this.folder(id), gone);
    await fsyncDir(this.conversationsDir);
    await rm(gone, { recursive: true, force: true });
    return true;
  }

  async addMessage(conversationId: string, n: NewMessage): Promise<Message> {
    const t = this.tree(conversationId);
    if (n.parentId !== null) this.message(t, n.parentId);
    const m = parseOr('E_ARGS', MessageSchema, {
      id: newId(), parentId: n.parentId, role: n.role, content: n.content, status: n.status, createdAt: Date.now(),
      ...(n.model !== undefined ? { model: n.model } : {}),
    });
    await this.change(t, [{ t: 'msg', m }]);
    return { ...this.message(t, m.id) };
  }

  async updateMessage(conversationId: string, messageId: string, u: MessageUpdate): Promise<Message> {
    const t = this.tree(conversationId);
    const m = this.message(t, messageId);
    const at = Date.now();
    const records: JournalRecord[] = [];
    const upd: Extract<JournalRecord, { t: 'upd' }> = { t: 'upd', id: messageId, at };
    if (u.content !== undefined && u.content !== m.content) {
      if (u.content.length > 4_000_000) throw new StoreError('E_ARGS', 'message content exceeds 4,000,000 characters');
      // a streaming checkpoint extends the text: only the new part is written
      if (u.content.startsWith(m.content)) records.push({ t: 'add', id: messageId, s: u.content.slice(m.content.length), at });
      else upd.content = u.content;
    }
    if (u.status !== undefined && u.status !== m.status) upd.status = u.status;
    if (u.finishReason !== undefined) upd.finishReason = u.finishReason;
    if (u.error !== undefined) upd.error = u.error;
    if (u.stats !== undefined) upd.stats = u.stats;
    if (Object.keys(upd).length > 3) records.push(parseOr('E_ARGS', JournalRecord, upd));
    if (records.length > 0) await this.change(t, records);
    return { ...m };
  }

  /** Makes the branch through `leafId` current; a message that has replies selects its newest leaf. */
  async setCurrentLeaf(conversationId: string, leafId: string): Promise<ConversationDetail> {
    const t = this.tree(conversationId);
    this.message(t, leafId);
    const leaf = t.newestLeafUnder(leafId);
    if (leaf !== t.leafId) await this.change(t, [{ t: 'leaf', id: leaf, at: Date.now() }]);
    return t.detail();
  }

  /** Applies records in memory at once (so the next call sees them) and resolves once they are
   *  durable; if the write fails, the conversation is re-read from disk and the error thrown. */
  private async change(t: ConversationTree, records: JournalRecord[]): Promise<void> {
    for (const r of records) t.apply(r);
    await this.append(t.id, records);
  }

  private async append(id: string, records: JournalRecord[]): Promise<void> {
    const w = this.writers.get(id);
    if (!w) throw new StoreError('E_NOT_FOUND', `no conversation ${id}`);
    try { await w.append(records); } catch (e) {
      if (this.trees.has(id)) {
        const again = await readConversation(this.folder(id), id).catch(() => null);
        if (again) { again.tree.busy = this.trees.get(id)!.busy; this.trees.set(id, again.tree); }
      }
      throw new StoreError('E_INTERNAL', `could not write conversation ${id}: ${(e as Error).message}`);
    }
  }

  /** meta.json writes of one conversation, one at a time and in call order. */
  private writeMeta(t: ConversationTree): Promise<void> {
    const prev = this.metaWrites.get(t.id) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => writeFileAtomic(join(this.folder(t.id), META), JSON.stringify(t.meta) + '\n'));
    this.metaWrites.set(t.id, next);
    return next;
  }

  // ---- integrity --------------------------------------------------------------------------------

  async check(): Promise<IntegrityReport> {
    this.assertOpen();
    await this.settle();
    const problems: string[] = [];
    let conversations = 0, messages = 0, tornTails = 0;
    const onDisk = new Set<string>();
    for (const e of await readdir(this.conversationsDir, { withFileTypes: true })) {
      if (!e.isDirectory() || !Id.safeParse(e.name).success) continue;
      onDisk.add(e.name);
      try {
        const r = await readConversation(this.folder(e.name), e.name);
        conversations++;
        messages += r.tree.messages.length;
        if (r.torn) { tornTails++; problems.push(`${e.name}: torn journal tail at byte ${r.torn.at} (${r.torn.bytes} bytes)`); }
        const mine = this.trees.get(e.name);
        if (!mine) problems.push(`${e.name}: on disk but not open`);
        else if (comparable(mine) !== comparable(r.tree)) problems.push(`${e.name}: disk and memory differ`);
      } catch (err) {
        problems.push(`${e.name}: ${(err as Error).message}`);
      }
    }
    for (const id of this.trees.keys()) if (!onDisk.has(id)) problems.push(`${id}: open but missing on disk`);
    const quarantined = await this.readQuarantine();
    return { ok: problems.length === 0, conversations, messages, tornTails, quarantined, problems };
  }

  /** Waits until every queued write is on disk. */
  private async settle(): Promise<void> {
    await Promise.all([...this.metaWrites.values()].map((p) => p.catch(() => undefined)));
    await Promise.all([...this.writers.values()].map((w) => w.flushed()));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle();
    this.closed = true;
    await Promise.all([...this.writers.values()].map((w) => w.close()));
    this.writers.clear();
    this.trees.clear();
  }

  private assertOpen(): void { if (this.closed) throw new StoreError('E_INTERNAL', 'the conversation store is closed'); }
}

/** Opens (creating if needed) the store in `dataDir`: reads every conversation, cuts torn journal
 *  tails, quarantines unreadable conversations, marks `streaming` messages `interrupted`, compacts
 *  large journals. `store.recovery` says what it did. */
export async function openStore(dataDir: string, opts: StoreOptions = {}): Promise<FileStore> {
  const store = new FileStore(dataDir, { compactAboveBytes: opts.compactAboveBytes ?? 1024 * 1024 });
  await store.load();
  return store;
}

function cleanTitle(title: string): string {
  const t = title.replace(/\s+/g, ' ').trim().slice(0, 200);
  return t === '' ? 'New chat' : t;
}

function parseOr<T>(code: ErrorCode, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, v: unknown): T {
  const r = schema.safeParse(v);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new StoreError(code, `${issue?.path.join('.') || 'value'}: ${issue?.message}`);
}

async function exists(path: string): Promise<boolean> {
  try { await stat(path); return true; } catch (e) { return (e as NodeJS.ErrnoException).code !== 'ENOENT'; }
}

async function fsyncFile(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try { await fh.sync(); } finally { await fh.close(); }
}
