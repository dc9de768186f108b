// engine-client.ts — main's (and `cairn serve`'s) client and supervisor of the engine host process.
//
// API (what the service uses):
//   const engine = new EngineClient({ dataDir });            // options: see EngineClientOptions
//   await engine.start();                                    // spawns the host, resolves when it is ready
//   const r = await engine.request('model.load', { path, builtin: true, threads: 0 });
//   if (!r.ok) show(r.error);                                // Result<T>: errors are data {code, message}, never thrown
//   const off = engine.subscribe((e) => …);                  // EngineEvent: the host's 'tokens' and 'progress'
//                                                            // events, plus 'state', 'model', 'quarantined'
//   engine.status();        // { state: 'starting'|'ready'|'restarting'|'stopped', restarts, pid }
//   engine.currentModel();  // ModelInfo of the model loaded now (its id changes when a restart reloads it)
//   engine.quarantined();   // [{ id: real path, reason }] — models refused with E_QUARANTINED
//   engine.quarantineOf(path);  // that model's entry (matched by real path), or undefined
//   engine.unquarantine(path);
//   await engine.stop();
//
// Requests made while the host (re)starts wait for it (and for the current model's reload).
// Supervision:
//   - heartbeat: 'ping' every heartbeatMs (1 s); nothing heard for deadMs (5 s) ⇒ the host is killed
//     (SIGKILL) and replaced. While a slow operation runs (model.load / model.inspect: one blocking
//     native call; snapshot.save / snapshot.open: file I/O) the allowance is slowOpDeadlineMs, and
//     startDeadlineMs (30 s) for a starting host to say 'ready'.
//   - per-token deadline: a 'generate' with no token (nor prefill/restore progress) for
//     tokenDeadlineMs (30 s) ⇒ hung: killed and replaced.
//   - on exit: every request in flight fails with { code: 'E_ENGINE' } (the service marks the
//     streaming message interrupted), the host restarts after a backoff (restartMinMs doubling to
//     restartMaxMs; back to the minimum after a successful generate), the model that was current is
//     loaded again, then queued requests go out.
//   - quarantine: a model whose load (model.load, or model.inspect, which maps and validates it too)
//     was in flight when the host died twice (in this process's life)
//     is recorded in <dataDir>/quarantine.json, refused from then on with E_QUARANTINED (also across
//     app restarts: never auto-loaded again), and announced by a 'quarantined' event. A successful
//     load clears its count.
// main never imports electron/engine: it starts the compiled host entry (spawn.ts).
import { join } from 'node:path';
import type { HostEvent, HostInbound, HostOpName, HostOps, HostOutbound } from '../../common/host-protocol.js';
import type { Result } from '../../common/contract.js';
import type { ApiError, ModelInfo, Quarantine } from '../../common/schemas.js';
import { modelKey, QuarantineList } from './quarantine.js';
import { hostEntry, nodeSpawner, type HostProcess, type HostSpawner } from './spawn.js';

export type EngineState = 'starting' | 'ready' | 'restarting' | 'stopped';

export interface EngineStatus { state: EngineState; restarts: number; pid: number | null }

export type EngineEvent =
  | Extract<HostEvent, { type: 'tokens' | 'progress' }>
  /** The host's state changed; `reason` says why it is restarting. */
  | { kind: 'engine'; type: 'state'; status: EngineStatus; reason?: string }
  /** The current model changed without a request: reloaded after a restart (new id) or lost (null). */
  | { kind: 'engine'; type: 'model'; model: ModelInfo | null; reason?: string }
  | { kind: 'engine'; type: 'quarantined'; quarantine: Quarantine };

export interface EngineClientOptions {
  /** The app's data folder: quarantine.json and engine-pool/ (the host's hibernation cache). */
  dataDir: string;
  spawner?: HostSpawner;
  /** The host entry script (default: the compiled dist/electron/engine/host/host-main.js). */
  entry?: string;
  /** Extra environment for the host (on top of this process's). */
  env?: Record<string, string | undefined>;
  heartbeatMs?: number;
  deadMs?: number;
  tokenDeadlineMs?: number;
  slowOpDeadlineMs?: number;
  /** Allowance for a starting host to say 'ready' (a loaded machine starts processes slowly). */
  startDeadlineMs?: number;
  restartMinMs?: number;
  restartMaxMs?: number;
}

const SLOW_OPS = new Set<HostOpName>(['model.load', 'model.inspect', 'snapshot.save', 'snapshot.open']);
/** Operations that load a model into the host (a death during one is a strike against the model). */
const LOADS = new Set<HostOpName>(['model.load', 'model.inspect']);

interface Pending {
  id: number; op: HostOpName; args: unknown; sent: boolean;
  /** Last sign of progress (sent, a token, a progress event of its request or conversation). */
  activeAt: number;
  resolve: (r: Result<unknown>) => void;
}

const engineError = (message: string): ApiError => ({ code: 'E_ENGINE', message });

export class EngineClient {
  private readonly o: Required<Omit<EngineClientOptions, 'env' | 'entry'>> & { env: Record<string, string | undefined>; entry?: string };
  private readonly quarantine: QuarantineList;
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly pending = new Map<number, Pending>();
  private proc: HostProcess | undefined;
  private state: EngineState = 'stopped';
  private restarts = 0;
  private crashes = 0; // consecutive, for the backoff
  private seq = 0;
  private lastHeard = 0;
  private timer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** The model to have loaded (args of its last successful load) and its info. */
  private current: { args: HostOps['model.load'][0]; info: ModelInfo } | undefined;
  /** Host deaths while a model's load was in flight, by model key. */
  private readonly strikes = new Map<string, number>();
  /** Waiters of start(). */
  private readyWaiters: (() => void)[] = [];
  /** True until the current model was reloaded after a (re)start: queued requests wait. */
  private reloading = false;

  constructor(opts: EngineClientOptions) {
    this.o = {
      spawner: nodeSpawner, heartbeatMs: 1000, deadMs: 5000, tokenDeadlineMs: 30_000, slowOpDeadlineMs: 300_000, startDeadlineMs: 30_000,
      restartMinMs: 200, restartMaxMs: 10_000, ...opts, env: opts.env ?? {},
    };
    this.quarantine = new QuarantineList(join(opts.dataDir, 'quarantine.json'));
  }

  // ---- public API

  /** Starts the host; resolves once it is ready (and any current model reloaded), or stopped. */
  start(): Promise<void> {
    if (this.state === 'stopped') {
      this.timer = setInterval(() => this.tick(), this.o.heartbeatMs);
      this.timer.unref();
      this.spawn();
    }
    return this.whenReady();
  }

  /** Stops the host (SIGKILL: it holds nothing that is not also in the store); requests in flight fail. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    clearInterval(this.timer);
    clearTimeout(this.restartTimer);
    const p = this.proc;
    this.proc = undefined;
    for (const q of [...this.pending.values()]) {
      this.pending.delete(q.id);
      q.resolve({ ok: false, error: engineError('the engine was stopped') });
    }
    for (const w of this.readyWaiters.splice(0)) w();
    if (p) await new Promise<void>((res) => { p.onExit(() => res()); p.kill(); });
    this.emit({ kind: 'engine', type: 'state', status: this.status() });
  }

  /** One operation of the host. Never throws: failures come back as { ok: false, error }. */
  request<K extends HostOpName>(op: K, args: HostOps[K][0]): Promise<Result<HostOps[K][1]>> {
    if (this.state === 'stopped') return Promise.resolve({ ok: false, error: engineError('the engine is not running') });
    if (LOADS.has(op)) {
      const q = this.quarantine.find((args as HostOps['model.load'][0]).path);
      if (q) return Promise.resolve({ ok: false, error: { code: 'E_QUARANTINED', message: `${q.id} is quarantined: ${q.reason}` } });
    }
    return new Promise((resolve) => {
      const p: Pending = { id: ++this.seq, op, args, sent: false, activeAt: Date.now(), resolve: resolve as (r: Result<unknown>) => void };
      this.pending.set(p.id, p);
      if (this.state === 'ready' && !this.reloading) this.post(p);
    });
  }

  subscribe(fn: (e: EngineEvent) => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  status(): EngineStatus { return { state: this.state, restarts: this.restarts, pid: this.proc?.pid ?? null }; }
  currentModel(): ModelInfo | null { return this.current?.info ?? null; }
  quarantined(): Quarantine[] { return this.quarantine.list(); }
  /** The quarantine entry of a model path (matched by real path, as entries are kept), if any. */
  quarantineOf(path: string): Quarantine | undefined { return this.quarantine.find(path); }
  unquarantine(path: string): boolean {
    this.strikes.delete(modelKey(path));
    return this.quarantine.remove(path);
  }

  // ---- process life

  private spawn(): void {
    this.state = this.restarts ? 'restarting' : 'starting';
    this.lastHeard = Date.now();
    const env = { ...process.env, CAIRN_HOST_POOL_DIR: join(this.o.dataDir, 'engine-pool'), ...this.o.env };
    let proc: HostProcess;
    try { proc = this.o.spawner(this.o.entry ?? hostEntry(), { env }); } catch (e) {
      this.died(undefined, `could not start: ${(e as Error).message}`);
      return;
    }
    this.proc = proc;
    proc.onMessage((m) => { if (this.proc === proc) this.receive(m); });
    proc.onExit((code, signal) => { if (this.proc === proc) this.died(proc, `exited (${signal ?? `code ${code}`})`); });
    this.emit({ kind: 'engine', type: 'state', status: this.status() });
  }

  /** The host is gone (or was killed as hung): fail what was in flight, restart after a backoff. */
  private died(proc: HostProcess | undefined, why: string): void {
    if (this.state === 'stopped') return;
    this.proc = undefined;
    proc?.kill();
    this.restarts++;
    this.crashes++;
    this.reloading = false;
    const reason = `the engine host ${why}`;
    for (const p of [...this.pending.values()]) {
      if (!p.sent) continue;
      this.pending.delete(p.id);
      const q = LOADS.has(p.op) ? this.strike((p.args as HostOps['model.load'][0]).path, reason) : undefined;
      if (q && this.current && modelKey(this.current.args.path) === q.id) {
        this.current = undefined;
        this.emit({ kind: 'engine', type: 'model', model: null, reason: `${q.id} is quarantined` });
      }
      p.resolve({ ok: false, error: q ? { code: 'E_QUARANTINED', message: `${q.id} crashed the engine twice while loading: quarantined` } : engineError(reason) });
    }
    this.state = 'restarting';
    this.emit({ kind: 'engine', type: 'state', status: this.status(), reason });
    const delay = Math.min(this.o.restartMaxMs, this.o.restartMinMs * 2 ** Math.max(0, this.crashes - 1));
    this.restartTimer = setTimeout(() => { if (this.state !== 'stopped') this.spawn(); }, delay);
  }

  /** Counts a death during a model's load; quarantines it at the second. */
  private strike(path: string, reason: string): Quarantine | undefined {
    const key = modelKey(path), n = (this.strikes.get(key) ?? 0) + 1;
    this.strikes.set(key, n);
    if (n < 2) return undefined;
    const q = this.quarantine.add(path, `the engine host died twice while loading it (last: ${reason})`);
    this.emit({ kind: 'engine', type: 'quarantined', quarantine: q });
    return q;
  }

  private receive(m: HostOutbound): void {
    this.lastHeard = Date.now();
    if (m.kind === 'res') {
      const p = this.pending.get(m.id);
      if (!p) return; // a ping
      this.pending.delete(m.id);
      this.settled(p, m.ok ? { ok: true, value: m.value } : { ok: false, error: m.error });
      return;
    }
    if (m.type === 'ready') { void this.ready(); return; }
    for (const p of this.pending.values()) {
      if (p.op !== 'generate') continue;
      const a = p.args as HostOps['generate'][0];
      if (m.type === 'tokens' ? m.requestId === a.requestId : m.progress.conversationId === a.conversationId) p.activeAt = this.lastHeard;
    }
    this.emit(m);
  }

  /** Bookkeeping of a request's answer, then its caller's. */
  private settled(p: Pending, r: Result<unknown>): void {
    if (p.op === 'model.load') {
      const args = p.args as HostOps['model.load'][0];
      if (r.ok) {
        this.strikes.delete(modelKey(args.path));
        this.current = { args, info: r.value as ModelInfo };
      }
    } else if (p.op === 'model.unload' && r.ok && (r.value as { unloaded: boolean }).unloaded) this.current = undefined;
    else if (p.op === 'generate' && r.ok) this.crashes = 0;
    p.resolve(r);
  }

  /** The host said 'ready': reload the current model, then send what waited. */
  private async ready(): Promise<void> {
    this.reloading = !!this.current;
    this.state = 'ready';
    this.emit({ kind: 'engine', type: 'state', status: this.status() });
    if (this.current) {
      const proc = this.proc;
      const { args } = this.current;
      const r = await new Promise<Result<unknown>>((resolve) => {
        const p: Pending = { id: ++this.seq, op: 'model.load', args, sent: false, activeAt: Date.now(), resolve };
        this.pending.set(p.id, p);
        this.post(p);
      });
      if (this.proc !== proc) return; // died during the reload: the next start tries again
      this.reloading = false;
      if (r.ok) this.emit({ kind: 'engine', type: 'model', model: this.current?.info ?? null });
      else {
        this.current = undefined;
        this.emit({ kind: 'engine', type: 'model', model: null, reason: `reloading ${args.path} failed: ${r.error.message}` });
      }
    }
    for (const p of this.pending.values()) if (!p.sent) this.post(p);
    for (const w of this.readyWaiters.splice(0)) w();
  }

  private whenReady(): Promise<void> {
    if (this.state === 'ready' && !this.reloading) return Promise.resolve();
    return new Promise((res) => this.readyWaiters.push(res));
  }

  private post(p: Pending): void {
    p.sent = true;
    p.activeAt = Date.now();
    this.proc?.send({ kind: 'req', id: p.id, op: p.op, args: p.args } as HostInbound);
  }

  /** Heartbeat and deadlines. */
  private tick(): void {
    const proc = this.proc;
    if (!proc || this.state === 'stopped') return;
    const t = Date.now();
    let allowance = this.state === 'ready' ? this.o.deadMs : this.o.startDeadlineMs;
    for (const p of this.pending.values()) {
      if (!p.sent) continue;
      if (SLOW_OPS.has(p.op)) allowance = Math.max(allowance, this.o.slowOpDeadlineMs);
      if (p.op === 'generate' && t - p.activeAt > this.o.tokenDeadlineMs) {
        this.died(proc, `produced no token for ${Math.round((t - p.activeAt) / 1000)} s: killed as hung`);
        return;
      }
    }
    if (t - this.lastHeard > allowance) {
      this.died(proc, `did not answer for ${Math.round((t - this.lastHeard) / 1000)} s: killed as hung`);
      return;
    }
    if (this.state === 'ready') proc.send({ kind: 'req', id: 0, op: 'ping', args: {} });
  }

  private emit(e: EngineEvent): void {
    for (const fn of this.listeners) {
      try { fn(e); } catch { /* a listener's failure is its own */ }
    }
  }
}
