// engine-host.ts — the engine host's operations (HostOps, common/host-protocol.ts) over the real
// engine: the current Model + Tokenizer and its ConversationPool (a cache of actors: a conversation
// it lacks resumes from the store's `.cairn` or is prefilled from the branch main sends), token
// batches, progress and errors as data. One request → one response; events in between.
//
// Responsiveness: generation yields to the event loop between tokens and long prefills run in
// chunks of ~PREFILL_CHUNK_MS, so 'ping' and 'cancel' are answered while an answer streams.
// Blocking calls remain in model.load / model.inspect (the native load) and snapshot I/O; the
// supervisor gives those a longer deadline.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { GenerateResult, HostInbound, HostMessage, HostOpName, HostOps, HostOutbound, HostStats } from '../../common/host-protocol.js';
import type { ModelInfo, Progress } from '../../common/schemas.js';
import { ConversationPool } from '../actor-pool.js';
import { Conversation, modelSha256, modelTokenizer } from '../conversation.js';
import { Model } from '../model.js';
import type { Tokenizer } from '../tokenizer/index.js';
import { HostError, toApiError } from './errors.js';
import { describeModel, inspectModel, kvBytesPerPosition } from './model-info.js';
import { fromEngine, toEngine, withoutSeed, type EngineSettingsPatch } from './settings.js';
import { TokenBatcher } from './token-batcher.js';

/** Target duration of one prefill chunk (between two yields to the event loop). */
export const PREFILL_CHUNK_MS = 100;
/** Prompts with more new tokens than this report 'prefill' progress. */
export const PREFILL_PROGRESS_MIN = 64;

interface Loaded {
  id: string; model: Model; tokenizer: Tokenizer; pool: ConversationPool; info: ModelInfo;
  /** Operations using it now; a replaced model is closed when this reaches 0. */
  active: number; retired: boolean; hashed: boolean;
}

interface Run { requestId: string; conversationId: string; cancelled: boolean; conv?: Conversation }

type Ops = { [K in HostOpName]: (args: HostOps[K][0]) => Promise<HostOps[K][1]> };

const now = () => performance.now();
/** Test hook (see host-main.ts): a crash as a model is loaded. */
function crashHook(path: string): void {
  const hook = process.env.CAIRN_HOST_TEST_CRASH_ON_LOAD;
  if (hook && path.includes(hook)) process.kill(process.pid, 'SIGKILL');
}
/** Whether a process with this id runs (EPERM: it does, as another user's). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try { process.kill(pid, 0); return true; } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
}
const toHost = (ms: readonly { role: string; content: string }[]): HostMessage[] =>
  ms.map((m) => ({ role: m.role as HostMessage['role'], content: m.content }));

export class EngineHost {
  private current: Loaded | undefined;
  private readonly runs = new Map<string, Run>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly poolDir: string;
  private seq = 0;

  constructor(private readonly out: (msg: HostOutbound) => void, poolRoot = process.env.CAIRN_HOST_POOL_DIR) {
    // the pools' hibernation snapshots: a cache of this process only, <root>/<pid>; the folders of
    // hosts that are gone (killed: no exit handler ran) are removed here
    if (poolRoot) {
      mkdirSync(poolRoot, { recursive: true });
      for (const name of readdirSync(poolRoot)) if (!isAlive(Number(name))) rmSync(join(poolRoot, name), { recursive: true, force: true });
      this.poolDir = join(poolRoot, String(process.pid));
      mkdirSync(this.poolDir, { recursive: true });
    } else this.poolDir = mkdtempSync(join(tmpdir(), 'cairn-host-'));
    process.once('exit', () => rmSync(this.poolDir, { recursive: true, force: true }));
  }

  /** One message from the supervisor: answered by exactly one response. */
  handle(msg: HostInbound): void {
    if (msg?.kind !== 'req' || typeof msg.id !== 'number') return;
    const { id, op } = msg;
    if (op === 'ping') { this.out({ kind: 'res', id, ok: true, value: { at: Date.now() } }); return; }
    const fn = Object.hasOwn(this.ops, op) ? (this.ops[op] as (a: unknown) => Promise<unknown>) : undefined;
    if (!fn) { this.out({ kind: 'res', id, ok: false, error: { code: 'E_ARGS', message: `unknown operation '${String(op)}'` } }); return; }
    fn(msg.args).then(
      (value) => this.out({ kind: 'res', id, ok: true, value }),
      (e: unknown) => this.out({ kind: 'res', id, ok: false, error: toApiError(e) }),
    );
  }

  private readonly ops: Ops = {
    'model.load': async (a) => this.load(a.path, a.builtin, a.threads),
    'model.inspect': async (a) => { crashHook(a.path); return inspectModel(a.path, a.nCtx); },
    'model.unload': async (a) => {
      if (!this.current || this.current.id !== a.id) return { unloaded: false };
      this.retire(this.current);
      this.current = undefined;
      return { unloaded: true };
    },
    'generate': (a) => this.generate(a),
    'cancel': async (a) => {
      const run = this.runs.get(a.requestId);
      if (!run) return { cancelled: false };
      run.cancelled = true;
      run.conv?.interrupt();
      return { cancelled: true };
    },
    'fork': (a) => this.using(async (l) => {
      if (!l.pool.has(a.from)) return { forked: false };
      await this.dropIdle(l, a.to);
      const child = await l.pool.use(a.from, (c) => c.fork());
      child.setMessages(a.messages);
      const rest = withoutSeed(toEngine(a.settings)); // (the fork carries the sampler's RNG on)
      if (child.settings.nCtx === rest.nCtx) child.configure(rest);
      await l.pool.adopt(a.to, child);
      return { forked: true };
    }),
    'snapshot.save': (a) => this.using(async (l) => {
      this.idle(a.conversationId);
      return this.serial(a.conversationId, () => this.save(l, a));
    }),
    'snapshot.open': (a) => this.using(async (l) => {
      this.idle(a.conversationId);
      return this.serial(a.conversationId, () => this.open(l, a));
    }),
    'conversation.drop': async (a) => {
      this.idle(a.conversationId);
      return this.serial(a.conversationId, async () => {
        const l = this.current;
        return { dropped: !!l?.pool.has(a.conversationId) && await l.pool.delete(a.conversationId) };
      });
    },
    'stats': async (a) => this.stats(a.conversationId),
    'ping': async () => ({ at: Date.now() }),
  };

  // ---- snapshots

  private async save(l: Loaded, a: HostOps['snapshot.save'][0]): Promise<HostOps['snapshot.save'][1]> {
    if (!l.pool.has(a.conversationId)) {
      if (!a.messages.length) throw new HostError('E_NOT_FOUND', `conversation ${a.conversationId} is not in the engine`);
      await l.pool.create(a.conversationId, toEngine(a.settings));
    }
    await this.hashModel(l, a.conversationId);
    return l.pool.use(a.conversationId, async (conv) => {
      if (a.messages.length && (conv.setMessages(a.messages) < a.messages.length || conv.position === 0)) conv.prime();
      const p = this.progress('snapshot-save', `Saving ${basename(a.path)}`, a.conversationId, 1);
      const t0 = now();
      try {
        const r = await conv.save(a.path);
        p.end('done');
        return { bytes: r.bytes, nTokens: r.nTokens, ms: now() - t0 };
      } catch (e) { p.end('failed'); throw e; }
    });
  }

  private async open(l: Loaded, a: HostOps['snapshot.open'][0]): Promise<HostOps['snapshot.open'][1]> {
    if (l.pool.has(a.conversationId)) await l.pool.delete(a.conversationId);
    await this.hashModel(l, a.conversationId);
    const p = this.progress('snapshot-restore', `Opening ${basename(a.path)}`, a.conversationId, 1);
    const t0 = now();
    let r;
    try { r = await Conversation.resume(a.path, l.model, l.tokenizer, { deferPrefill: true }); } catch (e) { p.end('failed'); throw e; }
    const conv = r.conversation;
    if (!conv.messages.length) {
      conv.release();
      p.end('failed');
      throw new HostError('E_SNAPSHOT', `${a.path}: nothing to resume: ${r.reason}`);
    }
    p.end('done');
    await l.pool.adopt(a.conversationId, conv);
    const sys = conv.messages[0].role === 'system' ? conv.messages[0].content : undefined;
    const reason = r.path === 'restored' ? r.reason : `${r.reason}; the transcript is prefilled on the next turn`;
    return { messages: toHost(conv.messages), settings: fromEngine(conv.settings, sys), restore: { path: r.path, reason, ms: now() - t0 } };
  }

  // ---- models

  private load(path: string, builtin: boolean, threads: number): ModelInfo {
    crashHook(path);
    const p = this.progress('model-load', `Loading ${basename(path)}`, undefined, 1);
    let model: Model | undefined;
    try {
      model = Model.load(path, { threads });
      const tokenizer = modelTokenizer(model);
      const id = `m-${randomBytes(6).toString('hex')}`;
      const info = describeModel(model, { id, builtin });
      const pool = new ConversationPool(model, tokenizer, { dir: join(this.poolDir, id) });
      if (this.current) this.retire(this.current);
      this.current = { id, model, tokenizer, pool, info, active: 0, retired: false, hashed: false };
      p.end('done');
      return info;
    } catch (e) {
      model?.close();
      p.end('failed');
      // (a tokenizer the GGUF's vocabulary cannot make is the model's fault too)
      if (!(e instanceof HostError) && toApiError(e).code === 'E_INTERNAL') throw new HostError('E_MODEL', `${path}: ${(e as Error).message}`);
      throw e;
    }
  }

  /** The model stops being current; closed (its conversations dropped) once nothing uses it. */
  private retire(l: Loaded): void {
    l.retired = true;
    if (l.active === 0) this.close(l);
  }

  /** Drops a retired model's conversations and closes it (a failure leaves it to the process's end). */
  private close(l: Loaded): void {
    (async () => {
      for (const id of l.pool.ids()) await l.pool.delete(id);
      l.model.close();
    })().catch((e: unknown) => process.stderr.write(`cairn engine host: closing ${l.model.path}: ${String(e)}\n`));
  }

  /** Runs fn with the current model held (not closed while fn runs). */
  private async using<T>(fn: (l: Loaded) => Promise<T>): Promise<T> {
    const l = this.current;
    if (!l) throw new HostError('E_MODEL', 'no model is loaded');
    l.active++;
    try { return await fn(l); } finally {
      l.active--;
      if (l.retired && l.active === 0) this.close(l);
    }
  }

  /** The model's sha256 (what snapshots are matched by), with 'model-hash' progress the first time. */
  private async hashModel(l: Loaded, conversationId: string | undefined): Promise<void> {
    if (l.hashed) return;
    const p = this.progress('model-hash', `Identifying ${basename(l.model.path)}`, conversationId, l.info.fileBytes);
    try { await modelSha256(l.model); } catch (e) { p.end('failed'); throw e; }
    l.hashed = true;
    p.end('done');
  }

  // ---- conversations

  /** Runs fn after every earlier serial() of the same conversation (a turn waits for a snapshot
   *  being written, a drop for the turn). */
  private serial<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.chains.get(conversationId) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.chains.set(conversationId, tail);
    void tail.then(() => { if (this.chains.get(conversationId) === tail) this.chains.delete(conversationId); });
    return run;
  }

  /** Throws E_BUSY while the conversation is generating. */
  private idle(conversationId: string): void {
    for (const r of this.runs.values()) {
      if (r.conversationId === conversationId) throw new HostError('E_BUSY', `conversation ${conversationId} is generating`);
    }
  }

  /** Drops a conversation the pool holds (not generating), to put another in its place. */
  private async dropIdle(l: Loaded, conversationId: string): Promise<void> {
    this.idle(conversationId);
    if (l.pool.has(conversationId)) await l.pool.delete(conversationId);
  }

  private generate(a: HostOps['generate'][0]): Promise<GenerateResult> {
    return this.using(async (l) => {
      const last = a.messages[a.messages.length - 1];
      if (!last || last.role !== 'user') throw new HostError('E_ARGS', 'generate: the last message must be a user message');
      this.idle(a.conversationId);
      const run: Run = { requestId: a.requestId, conversationId: a.conversationId, cancelled: false };
      this.runs.set(a.requestId, run);
      try { return await this.serial(a.conversationId, () => this.answer(l, run, a)); } finally { this.runs.delete(a.requestId); }
    });
  }

  private async answer(l: Loaded, run: Run, a: HostOps['generate'][0]): Promise<GenerateResult> {
    const stall = process.env.CAIRN_HOST_TEST_STALL_ON_PROMPT; // test hook, see host-main.ts
    if (stall && a.messages[a.messages.length - 1].content.includes(stall)) await new Promise(() => {});
    const t0 = now();
    const settings = toEngine(a.settings), history = a.messages.slice(0, -1);
    // a different context size needs another actor: the conversation starts over in one
    if (l.pool.has(a.conversationId) && (await l.pool.get(a.conversationId)).settings.nCtx !== settings.nCtx) {
      await l.pool.delete(a.conversationId);
    }
    let restore: GenerateResult['restore'];
    if (!l.pool.has(a.conversationId)) restore = await this.bring(l, a.conversationId, a.snapshotPath, settings, history.length > 0);
    const batcher = new TokenBatcher((b) => this.out({
      kind: 'evt', type: 'tokens', requestId: run.requestId, conversationId: run.conversationId, ...b, sentAt: performance.timeOrigin + performance.now(),
    }));
    let ttft: number | undefined, last = 0;
    let prefill: ReturnType<EngineHost['progress']> | undefined;
    const r = await l.pool.use(a.conversationId, (conv) => {
      run.conv = conv;
      conv.configure(settings.seed === conv.settings.seed ? withoutSeed(settings) : settings); // (a seed given again would reseed the RNG)
      conv.setMessages(history);
      // (send clears the actor's cancel flag as it starts: a cancel that came before it ends it here)
      if (run.cancelled) return { text: '', tokens: [], reason: 'cancelled' as const, reused: 0, prefilled: 0, prefillMs: 0, decodeMs: 0, dropped: 0 };
      return conv.send(a.messages[a.messages.length - 1].content, (text) => batcher.piece(text), {
        yieldEveryToken: true, maxTokens: settings.maxTokens, prefillChunkMs: PREFILL_CHUNK_MS,
        onPrefill: (done, total) => {
          if (done === total) last = now(); // (the first token's latency counts from here)
          if (total <= PREFILL_PROGRESS_MIN) return;
          prefill ??= this.progress('prefill', 'Reading the prompt', a.conversationId, total, run.requestId);
          prefill.update(done);
        },
        onToken: () => {
          const t = now();
          if (ttft === undefined) ttft = t - t0;
          batcher.token(last ? t - last : 0);
          last = t;
        },
      });
    });
    batcher.flush();
    if (prefill) prefill.end(r.reason === 'cancelled' && !r.tokens.length ? 'cancelled' : 'done');
    if (restore?.path === 'reprefilled') restore.ms += r.prefillMs;
    return {
      text: r.text, tokens: r.tokens.length, reason: r.reason === 'callback' ? 'stop' : r.reason,
      promptTokens: r.reused + r.prefilled, reusedTokens: r.reused, prefilledTokens: r.prefilled,
      ttftMs: ttft ?? now() - t0, prefillMs: r.prefillMs, decodeMs: r.decodeMs, dropped: r.dropped, ...(restore ? { restore } : {}),
    };
  }

  /** Puts a conversation the pool lacks into it: resumed from its snapshot when there is one, else
   *  new (the turn then prefills the branch). Returns how its KV was obtained, when it had history. */
  private async bring(l: Loaded, id: string, snapshotPath: string | undefined, settings: EngineSettingsPatch, history: boolean): Promise<GenerateResult['restore']> {
    if (snapshotPath && existsSync(snapshotPath)) {
      await this.hashModel(l, id);
      const p = this.progress('snapshot-restore', 'Restoring the conversation', id, 1);
      const t0 = now();
      const rest = withoutSeed(settings); // (the snapshot's RNG state carries on)
      try {
        // (a snapshot that cannot be restored: the turn prefills the branch, in chunks)
        const r = await Conversation.resume(snapshotPath, l.model, l.tokenizer, { settings: rest, deferPrefill: true });
        await l.pool.adopt(id, r.conversation);
        p.end('done');
        return history ? { path: r.path, reason: r.reason, ms: now() - t0 } : undefined;
      } catch (e) { p.end('failed'); throw e; }
    }
    await l.pool.create(id, settings);
    return history ? { path: 'reprefilled', reason: snapshotPath ? 'no snapshot file yet' : 'no snapshot', ms: 0 } : undefined;
  }

  // ---- events, stats

  /** A progress item: emitted now (running), then on update() and end(). */
  private progress(kind: Progress['kind'], label: string, conversationId: string | undefined, total: number, id?: string) {
    const base = { id: id ?? `${kind}-${process.pid}-${++this.seq}`, kind, label, ...(conversationId ? { conversationId } : {}), total,
      cancellable: kind === 'prefill' };
    const t0 = now();
    const send = (done: number, state: Progress['state']) => {
      const el = now() - t0;
      const etaMs = state === 'running' && done > 0 && done < total ? (el / done) * (total - done) : undefined;
      this.out({ kind: 'evt', type: 'progress', progress: { ...base, done, state, ...(etaMs !== undefined ? { etaMs } : {}) } });
    };
    send(0, 'running');
    return {
      update: (done: number) => send(done, 'running'),
      end: (state: 'done' | 'failed' | 'cancelled') => send(state === 'done' ? total : 0, state),
    };
  }

  private stats(conversationId: string | undefined): HostStats {
    const l = this.current;
    const conversations: HostStats['conversations'] = [];
    if (l) {
      const perPos = kvBytesPerPosition(l.model);
      for (const id of l.pool.ids()) {
        const c = l.pool.peek(id);
        if (!c || (conversationId && id !== conversationId)) continue;
        conversations.push({ id, position: c.position, nCtx: c.settings.nCtx, kvUsedBytes: c.position * perPos,
          kvAllocatedBytes: c.settings.nCtx * perPos, actorBytes: c.memoryBytes });
      }
    }
    return {
      pid: process.pid, rssBytes: process.memoryUsage.rss(),
      model: l ? { id: l.id, weightsBytes: l.info.memory.weightsBytes, weights: l.info.weights ?? 'mapped', bytesCopied: l.model.bytesCopied } : null,
      conversations,
    };
  }
}
