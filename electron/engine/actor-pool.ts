// actor-pool.ts — many conversations over one Model + Tokenizer, at most `maxLive` of them live.
//
//   const pool = new ConversationPool(model, tokenizer, { dir: '/…/pool', maxLive: 16 });
//   await pool.create('a', { seed: 7 });
//   await pool.send('a', 'Hello', (t) => process.stdout.write(t));
//   await pool.hibernateIdle();                        // e.g. on app idle / quit
//
// Each live conversation owns one actor (one WebAssembly.Memory; V8 reserves ~8 GiB of address
// space per Wasm memory, so ~100 is the hard ceiling per process). When a conversation becomes live
// beyond maxLive, the least recently used idle one hibernates: Conversation.save writes its snapshot
// (atomically) to `<dir>/<name>.cairn`, then Conversation.release drops the actor so GC can free
// its memory. get() wakes a hibernated one through Conversation.resume: the same fast path
// ('restored': KV rows copied in) or, when the snapshot is unusable, 'reprefilled'. The pool keeps
// every transcript (and the settings) in memory, so a bad or missing snapshot costs time, never data;
// its copies keep the answers' generated ids (answer-ids.ts), so a woken conversation renders them
// as before.
//
// A conversation in use through send()/use() is pinned: it is never hibernated nor deleted while
// pinned. A Conversation returned by get() is only guaranteed live until the pool's next create/get
// of another conversation; hold it through use() to keep it. State transitions (create, wake,
// hibernate, delete) run one at a time; turns of different conversations may run concurrently.
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { copyMessages } from './answer-ids.js';
import { Conversation, type ConversationSettings, type RestorePath, type SendOptions, type TurnResult } from './conversation.js';
import type { Model } from './model.js';
import type { ChatMessage, Tokenizer } from './tokenizer/index.js';

/** Live actors one process can afford (V8 reserves ~8 GiB of address space per Wasm memory). */
export const HARD_MAX_LIVE = 100;
export const DEFAULT_MAX_LIVE = 16;

export interface PoolOptions {
  /** Directory of the hibernation snapshots (created on first use). */
  dir: string;
  /** Most conversations holding an actor at once: 1 … HARD_MAX_LIVE (default DEFAULT_MAX_LIVE). */
  maxLive?: number;
  /** Settings every create() starts from (its own settings override them). */
  defaults?: Partial<ConversationSettings>;
}

export interface PoolStats {
  maxLive: number;
  /** Conversations holding an actor now / hibernated now / all. */
  live: number; hibernated: number; total: number;
  /** Most live at once since the pool was made. */
  peakLive: number;
  /** Conversations pinned by a running send()/use(). */
  busy: number;
  hibernations: number;
  wakes: number;
  /** Wakes by restore path. */
  restored: number; reprefilled: number;
}

export interface WakeInfo { path: RestorePath; reason: string }

export type PoolErrorCode = 'POOL_E_ARG' | 'POOL_E_EXISTS' | 'POOL_E_UNKNOWN' | 'POOL_E_BUSY';

export class PoolError extends Error {
  constructor(readonly code: PoolErrorCode, message: string) {
    super(message);
    this.name = 'PoolError';
  }
}

interface Entry {
  readonly id: string;
  readonly file: string;
  /** The live conversation; undefined while hibernated. */
  conv?: Conversation;
  /** The transcript and settings as of the last hibernation (authoritative while hibernated). */
  messages: ChatMessage[];
  settings: ConversationSettings;
  hasSnapshot: boolean;
  pins: number;
  lastUse: number;
  lastUseAt: number;
  lastWake?: WakeInfo;
}

const sameMessages = (a: readonly ChatMessage[], b: readonly ChatMessage[]) =>
  a.length === b.length && a.every((m, i) => m.role === b[i].role && m.content === b[i].content);

/** A file name for an id: the id itself when it is plainly safe, else its sha256. */
function fileName(id: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? `c-${id}.cairn` : `h-${createHash('sha256').update(id).digest('hex')}.cairn`;
}

export class ConversationPool {
  readonly maxLive: number;
  private readonly entries = new Map<string, Entry>();
  private lock: Promise<unknown> = Promise.resolve();
  private tick = 0;
  private counters = { peakLive: 0, hibernations: 0, wakes: 0, restored: 0, reprefilled: 0 };
  private dirReady = false;

  constructor(readonly model: Model, readonly tokenizer: Tokenizer, private readonly opts: PoolOptions) {
    const m = opts.maxLive ?? DEFAULT_MAX_LIVE;
    if (!Number.isInteger(m) || m < 1 || m > HARD_MAX_LIVE) {
      throw new PoolError('POOL_E_ARG', `maxLive must be an integer in [1, ${HARD_MAX_LIVE}]: ${m}`);
    }
    if (!opts.dir) throw new PoolError('POOL_E_ARG', 'a pool needs a snapshot directory');
    this.maxLive = m;
  }

  has(id: string): boolean { return this.entries.has(id); }
  ids(): string[] { return [...this.entries.keys()]; }
  isLive(id: string): boolean { return this.entry(id).conv !== undefined; }
  /** How the conversation was last woken (undefined: never hibernated, or not since). */
  lastWake(id: string): WakeInfo | undefined { return this.entry(id).lastWake; }
  /** A copy of the transcript, live or hibernated. */
  transcript(id: string): ChatMessage[] {
    const e = this.entry(id);
    return copyMessages(e.conv ? e.conv.messages : e.messages);
  }
  /** Path of the conversation's hibernation snapshot (written on hibernation). */
  snapshotPath(id: string): string { return this.entry(id).file; }

  /** A new live conversation (hibernating the least recently used idle one when the pool is full). */
  create(id: string, settings: Partial<ConversationSettings> = {}): Promise<Conversation> {
    return this.exclusive(async () => {
      const conv = Conversation.create(this.model, this.tokenizer, { ...this.opts.defaults, ...settings });
      try { await this.insert(id, conv); } catch (e) { conv.release(); throw e; }
      return conv;
    });
  }

  /** Adds a live conversation made elsewhere (a fork, a resumed snapshot) as `id`. */
  adopt(id: string, conv: Conversation): Promise<void> {
    return this.exclusive(async () => {
      if (conv.model !== this.model || conv.tokenizer !== this.tokenizer) throw new PoolError('POOL_E_ARG', 'the conversation is of another model');
      await this.insert(id, conv);
    });
  }

  /** Under the lock: a new entry holding `conv` (room made first). */
  private async insert(id: string, conv: Conversation): Promise<void> {
    if (typeof id !== 'string' || id.length === 0) throw new PoolError('POOL_E_ARG', 'a conversation id must be a non-empty string');
    if (this.entries.has(id)) throw new PoolError('POOL_E_EXISTS', `conversation "${id}" exists`);
    await this.makeRoom();
    const e: Entry = { id, file: join(this.opts.dir, fileName(id)), conv, messages: [], settings: { ...conv.settings },
      hasSnapshot: false, pins: 0, lastUse: 0, lastUseAt: 0 };
    this.entries.set(id, e);
    this.touch(e);
    this.notePeak();
  }

  /** The conversation if it is live now (never wakes it; not pinned: read, don't keep). */
  peek(id: string): Conversation | undefined { return this.entries.get(id)?.conv; }

  /** The live conversation, woken from its snapshot when hibernated. */
  async get(id: string): Promise<Conversation> {
    const e = this.entry(id);
    return this.exclusive(() => this.acquire(e));
  }

  /** Runs fn with the live conversation pinned (never hibernated while fn runs). */
  async use<T>(id: string, fn: (conv: Conversation) => T | Promise<T>): Promise<T> {
    const e = this.entry(id);
    const conv = await this.exclusive(async () => {
      const c = await this.acquire(e);
      e.pins++;
      return c;
    });
    try {
      return await fn(conv);
    } finally {
      e.pins--;
      this.touch(e);
    }
  }

  /** One turn of a conversation (woken if needed, pinned while it generates). */
  send(id: string, text: string, onText?: (text: string) => void, o?: SendOptions): Promise<TurnResult> {
    return this.use(id, (c) => c.send(text, onText, o));
  }

  /** Hibernates one conversation now; false when it was not live. Throws POOL_E_BUSY when pinned. */
  async hibernate(id: string): Promise<boolean> {
    const e = this.entry(id);
    return this.exclusive(async () => {
      if (!e.conv) return false;
      if (e.pins > 0) throw new PoolError('POOL_E_BUSY', `conversation "${id}" is generating`);
      await this.hibernateEntry(e);
      return true;
    });
  }

  /** Hibernates every live conversation not in use and idle for at least idleMs; returns how many. */
  hibernateIdle(idleMs = 0): Promise<number> {
    return this.exclusive(async () => {
      const t = Date.now();
      const idle = [...this.entries.values()]
        .filter((e) => e.conv && e.pins === 0 && t - e.lastUseAt >= idleMs)
        .sort((a, b) => a.lastUse - b.lastUse);
      for (const e of idle) await this.hibernateEntry(e);
      return idle.length;
    });
  }

  /** Forgets a conversation and removes its snapshot; false when unknown. Throws POOL_E_BUSY when pinned. */
  delete(id: string): Promise<boolean> {
    return this.exclusive(async () => {
      const e = this.entries.get(id);
      if (!e) return false;
      if (e.pins > 0) throw new PoolError('POOL_E_BUSY', `conversation "${id}" is generating`);
      this.entries.delete(id);
      e.conv?.release();
      e.conv = undefined;
      await rm(e.file, { force: true });
      return true;
    });
  }

  stats(): PoolStats {
    let live = 0, busy = 0;
    for (const e of this.entries.values()) {
      if (e.conv) live++;
      if (e.pins > 0) busy++;
    }
    return { maxLive: this.maxLive, live, hibernated: this.entries.size - live, total: this.entries.size, busy, ...this.counters };
  }

  // ---- internals

  private entry(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new PoolError('POOL_E_UNKNOWN', `no conversation "${id}"`);
    return e;
  }

  /** Runs state transitions one at a time. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  private touch(e: Entry): void {
    e.lastUse = ++this.tick;
    e.lastUseAt = Date.now();
  }

  private liveCount(): number {
    let n = 0;
    for (const e of this.entries.values()) if (e.conv) n++;
    return n;
  }

  private notePeak(): void {
    this.counters.peakLive = Math.max(this.counters.peakLive, this.liveCount());
  }

  /** Under the lock: the entry's live conversation (woken when hibernated). */
  private async acquire(e: Entry): Promise<Conversation> {
    if (this.entries.get(e.id) !== e) throw new PoolError('POOL_E_UNKNOWN', `no conversation "${e.id}"`);
    if (!e.conv) {
      await this.makeRoom();
      e.conv = await this.wake(e);
      this.notePeak();
    }
    this.touch(e);
    return e.conv;
  }

  /** Under the lock: hibernates least recently used idle conversations until one more fits. */
  private async makeRoom(): Promise<void> {
    while (this.liveCount() >= this.maxLive) {
      let victim: Entry | undefined;
      for (const e of this.entries.values()) {
        if (e.conv && e.pins === 0 && (!victim || e.lastUse < victim.lastUse)) victim = e;
      }
      if (!victim) throw new PoolError('POOL_E_BUSY', `all ${this.maxLive} live conversations are generating`);
      await this.hibernateEntry(victim);
    }
  }

  /** Under the lock: snapshot, then drop the actor. A failed save leaves the conversation live. */
  private async hibernateEntry(e: Entry): Promise<void> {
    const conv = e.conv;
    if (!conv) return;
    if (!this.dirReady) { await mkdir(this.opts.dir, { recursive: true }); this.dirReady = true; }
    const messages = copyMessages(conv.messages), settings = { ...conv.settings };
    await conv.save(e.file);
    e.messages = messages;
    e.settings = settings;
    e.hasSnapshot = true;
    e.conv = undefined;
    conv.release();
    this.counters.hibernations++;
  }

  /** Under the lock: a conversation continuing from the snapshot, with the pool's transcript. */
  private async wake(e: Entry): Promise<Conversation> {
    const { seed, ...rest } = e.settings;
    let conv: Conversation, path: RestorePath, reason: string;
    try {
      if (!e.hasSnapshot) throw new Error('no snapshot');
      // the seed is not passed on: passing it would reseed the RNG the snapshot carries
      const r = await Conversation.resume(e.file, this.model, this.tokenizer, { settings: rest });
      ({ conversation: conv, path, reason } = r);
    } catch (err) {
      conv = Conversation.create(this.model, this.tokenizer, e.settings);
      path = 'reprefilled';
      reason = `snapshot unreadable (${(err as Error).message}): the transcript is prefilled on the next turn`;
    }
    // the snapshot's header was lost: the sampler restarts from the conversation's seed
    if (conv.settings.seed !== seed) conv.configure({ seed });
    if (!sameMessages(conv.messages, e.messages)) {
      conv.messages.splice(0, conv.messages.length, ...copyMessages(e.messages));
      if (path === 'restored') reason += '; the transcript differed from the pool\'s: it is re-synced on the next turn';
      path = 'reprefilled';
      reason += '; transcript taken from the pool';
    }
    this.counters.wakes++;
    this.counters[path]++;
    e.lastWake = { path, reason };
    return conv;
  }
}
