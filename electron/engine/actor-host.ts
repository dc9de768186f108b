// actor-host.ts — hosts conversation actors (build/actor/actor.wasm, from electron/actor/).
// Each Actor owns one WebAssembly.Memory holding the whole conversation state:
//   header | token ids | sampler params | RNG | stop tokens | scratch | logits | K | V
// The actor (AssemblyScript) lays out its own regions and records every offset in the header;
// the engine's regions are planned by Model.planLayout after them. The actor calls the imports
// `forward` and `kvShift`, which hand the engine this memory's backing store (no copy) plus the layout.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FORWARD_ALL_LOGITS, FORWARD_COPY_STATE, type Model } from './model.js';
import { discardPages, EngineError, native, statusName, type StateLayoutT } from './native.js';

const PAGE = 65536;
const KV_F16 = 1; // ggml type id of the engine's KV cache elements

/** Sampler settings (llama.cpp semantics). Defaults: greedy, no penalties, seed 0. */
export interface SamplerParams {
  temperature?: number;      // <= 0: greedy (argmax)
  topK?: number;             // <= 0: off
  topP?: number;             // >= 1: off
  minP?: number;             // <= 0: off
  repeatPenalty?: number;    // 1: off
  presencePenalty?: number;  // 0: off
  frequencyPenalty?: number; // 0: off
  penaltyLastN?: number;     // penalty window in tokens (default 64; -1: whole history; 0: off)
  seed?: number;             // integer in [0, 2^53)
}

export interface ActorOptions extends SamplerParams {
  nCtx: number;
  stopTokens?: number[];
  /** The copy baseline, for measurement: every forward marshals the K/V rows and logits through an
   *  engine-owned buffer (Model FORWARD_COPY_STATE) instead of running in this memory. */
  copyState?: boolean;
}

/** The actor's memory layout as recorded in its header (byte offsets into `memory`). */
export interface ActorHeader {
  magic: number; version: number; headerSize: number;
  nCtx: number; nVocab: number; nLayer: number; nHeadKv: number; headDim: number; kvType: number;
  nPast: number; state: number; nStop: number; lastToken: number; highWater: number;
  tokensOff: number; tokensSize: number; paramsOff: number; paramsSize: number; rngOff: number; rngSize: number;
  stopOff: number; stopSize: number; scratchOff: number; scratchSize: number; actorEnd: number;
  logitsOff: number; logitsSize: number; kOff: number; vOff: number; kvLayerSize: number; end: number;
}

/** A failure of the actor itself (engine failures are EngineError). */
export class ActorError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ActorError';
  }
}

interface ActorExports {
  init(nCtx: number, nVocab: number, nLayer: number, nHeadKv: number, headDim: number): number;
  setEngineLayout(logitsOff: number, kOff: number, vOff: number, kvType: number, kvLayerSize: number, end: number): number;
  setSampler(t: number, k: number, p: number, minP: number, rep: number, pres: number, freq: number, lastN: number): void;
  setSeed(lo: number, hi: number): void;
  clearStops(): void;
  addStop(token: number): number;
  isStop(token: number): number;
  prefill(n: number): number;
  step(): number;
  truncate(n: number): number;
  wrote(n: number): number;
  shift(keep: number, discard: number): number;
  reset(): void;
  nPast(): number;
  [global: string]: unknown;
}

// One spare actor: the last released one, laid out anew (header and regions written) but not
// configured. The next conversation of the same model and context size (a new chat, a resumed
// snapshot) takes it, so it neither waits for WebAssembly memory and instance creation nor adds
// to the memory the runtime's collector must reclaim (allocating actor memories is what triggers
// its full collections), and the spare's zeroed pages are still resident, so writing K/V rows
// into it faults nothing. SPARE_TRIM_MS after it became the spare, an untaken spare's pages go
// back to the OS.
let spare: { model: Model; nCtx: number; actor: Actor } | undefined;
let trim: NodeJS.Timeout | undefined;

/** How long a spare keeps its pages resident before they go back to the OS. */
export const SPARE_TRIM_MS = 15_000;

function offerSpare(s: { model: Model; nCtx: number; actor: Actor }): void {
  if (spare && spare.actor !== s.actor) spare.actor.discard(); // the older spare goes
  spare = s;
  clearTimeout(trim);
  trim = setTimeout(() => { if (spare === s) s.actor.discard(); }, SPARE_TRIM_MS).unref();
}

function findWasm(): string {
  const fromEnv = process.env.CAIRN_ACTOR_WASM;
  if (fromEnv) return fromEnv;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'build', 'actor', 'actor.wasm');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new ActorError('ACTOR_E_IO', 'build/actor/actor.wasm not found: run "node scripts/build-actor.mjs"');
}

let compiled: WebAssembly.Module | undefined;
/** The compiled actor module (compiled once per process, instantiated per conversation). */
export function actorModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(readFileSync(findWasm()));
  return compiled;
}

export class Actor {
  /** Raise (Atomics.store(flag, 0, 1), from any thread) to cancel the running forward pass;
   *  the engine reads it between layers. Cleared when the cancelled call returns. */
  readonly cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  private readonly x: ActorExports;
  private view: Uint8Array;
  private lastError = '';
  private lastCall = 'forward'; // the engine call lastError came from
  private forwardFlags = 0;     // FORWARD_COPY_STATE for the copy baseline
  private readonly h: Record<string, number> = {};

  private constructor(readonly model: Model, readonly memory: WebAssembly.Memory, readonly layout: StateLayoutT) {
    const inst = new WebAssembly.Instance(actorModule(), {
      env: {
        memory,
        forward: (n: number, pos: number, all: number) => this.hostForward(n, pos, all),
        kvShift: (nPast: number, keep: number, discard: number) => this.hostKvShift(nPast, keep, discard),
      },
    });
    this.x = inst.exports as unknown as ActorExports;
    for (const [name, v] of Object.entries(inst.exports)) if (v instanceof WebAssembly.Global) this.h[name] = v.value as number;
    this.view = new Uint8Array(memory.buffer);
  }

  /** A new conversation: memory sized for the layout, sampler and stop tokens set. Takes the
   *  spare actor when it fits (see offerSpare), else lays one out now. */
  static create(model: Model, opts: ActorOptions): Actor {
    let actor: Actor;
    if (spare && spare.model === model && spare.nCtx === opts.nCtx && model.isOpen) {
      actor = spare.actor;
      spare = undefined;
    } else {
      actor = Actor.layOut(model, opts.nCtx);
    }
    actor.setSampler(opts);
    actor.setStopTokens(opts.stopTokens ?? []);
    actor.forwardFlags = opts.copyState ? FORWARD_COPY_STATE : 0;
    return actor;
  }

  /** Memory sized for the layout, header and regions recorded, sampler defaults (seed 0). */
  private static layOut(model: Model, nCtx: number): Actor {
    const actor = new Actor(model, new WebAssembly.Memory({ initial: 1 }), {} as StateLayoutT);
    actor.initLayout(nCtx);
    return actor;
  }

  /** Writes the header and regions for nCtx positions (growing the memory to the layout's end). */
  private initLayout(nCtx: number): void {
    const { nVocab, nLayer, nHeadKv, headDim } = this.model.info;
    const start = this.x.init(nCtx, nVocab, nLayer, nHeadKv, headDim) >>> 0;
    if (start === 0) throw new ActorError('ACTOR_E_ARG', `bad actor dimensions (nCtx ${nCtx})`);
    const { layout, end } = this.model.planLayout(nCtx, 1, start);
    if (end > 2 ** 32 - PAGE) throw new ActorError('ACTOR_E_LAYOUT', `nCtx ${nCtx} needs ${end} bytes: more than a wasm32 memory holds`);
    if (layout.kv_type !== KV_F16) throw new ActorError('ACTOR_E_LAYOUT', `unsupported KV type ${layout.kv_type}`);
    // Growing before any view exists only reserves pages; they are committed when first written.
    const pages = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    Object.assign(this.layout, layout, { size: this.memory.buffer.byteLength });
    this.call(this.x.setEngineLayout(Number(layout.logits_off), Number(layout.k_off), Number(layout.v_off),
      layout.kv_type, nCtx * nHeadKv * headDim * 2, end));
  }

  /**
   * Ends this actor (the conversation is closed or hibernated) and makes it the spare the next
   * create takes: what the conversation wrote (its own regions, the logits, and every K/V row it
   * ever wrote: up to the header's high-water mark, so also rows a rewind or a context shift left
   * past the position) is zeroed in place, so the pages stay resident and the next conversation —
   * typically the one woken in its place — writes its rows without page faults; rows past the mark
   * were never written and are not touched (zeroing the whole context would commit every page of
   * it). A spare nobody takes within SPARE_TRIM_MS gives its pages back to the OS. The caller must
   * not use this object afterwards.
   */
  release(): void {
    const h = this.header(), mem = this.bytes();
    // (below tokensOff: the header, rewritten by initLayout, and the module's own static data)
    for (const [off, len] of this.heldRanges(h, h.tokensOff, Math.max(h.highWater, h.nPast))) mem.fill(0, off, off + len);
    Atomics.store(this.cancelFlag, 0, 0);
    this.lastError = '';
    if (!this.model.isOpen) return;
    this.initLayout(h.nCtx);
    offerSpare({ model: this.model, nCtx: h.nCtx, actor: this });
  }

  /** Gives the pages of this (unused) actor's engine regions (logits, K, V) back to the OS; they
   *  read as zeros after. The header, the module's data and the actor's regions stay. */
  discard(): void { discardPages(this.memory.buffer, this.field('H_LOGITS_OFF')); }

  /** Positions in the KV cache (tokens consumed). */
  get position(): number { return this.x.nPast(); }
  get nCtx(): number { return this.field('H_N_CTX'); }

  /** Updates the sampler; a given seed reseeds the RNG (omitted fields keep their values). */
  setSampler(p: SamplerParams): void {
    const f = (name: string) => this.field('H_PARAMS_OFF') + this.h[name];
    const dv = new DataView(this.bytes().buffer);
    const cur = (name: string, float: boolean) => (float ? dv.getFloat32(f(name), true) : dv.getInt32(f(name), true));
    this.x.setSampler(p.temperature ?? cur('P_TEMPERATURE', true), p.topK ?? cur('P_TOP_K', false), p.topP ?? cur('P_TOP_P', true),
      p.minP ?? cur('P_MIN_P', true), p.repeatPenalty ?? cur('P_REPEAT', true), p.presencePenalty ?? cur('P_PRESENCE', true),
      p.frequencyPenalty ?? cur('P_FREQUENCY', true), p.penaltyLastN ?? cur('P_LAST_N', false));
    if (p.seed !== undefined) {
      if (!Number.isSafeInteger(p.seed) || p.seed < 0) throw new ActorError('ACTOR_E_ARG', `seed must be an integer in [0, 2^53): ${p.seed}`);
      this.x.setSeed(p.seed % 2 ** 32, Math.floor(p.seed / 2 ** 32));
    }
  }

  setStopTokens(tokens: number[]): void {
    this.x.clearStops();
    for (const t of tokens) this.call(this.x.addStop(t));
  }

  isStop(token: number): boolean { return this.x.isStop(token) === 1; }

  /** Appends tokens to the history and runs them through the model (one batched forward). */
  prefill(tokens: ArrayLike<number>): void {
    const pos = this.position;
    if (tokens.length > this.nCtx - pos) {
      throw new ActorError('ACTOR_E_CONTEXT_FULL', `context full: ${pos} + ${tokens.length} tokens > nCtx ${this.nCtx}`);
    }
    new Int32Array(this.bytes().buffer, this.field('H_TOKENS_OFF') + pos * 4, tokens.length).set(tokens);
    this.call(this.x.prefill(tokens.length));
  }

  /** Samples the next token, appends it and runs forward for it; returns its id. */
  step(): number { return this.call(this.x.step()); }

  /** Raises the cancel flag: the running or next forward pass fails with CAIRN_E_CANCELLED. */
  cancel(): void { Atomics.store(this.cancelFlag, 0, 1); }

  /** Forgets the conversation (positions, logits) and reseeds the RNG from the seed. */
  reset(): void {
    this.x.reset();
    Atomics.store(this.cancelFlag, 0, 0);
  }

  /** Keeps positions [0, n) and drops the rest and the logits (runs nothing): a rewind to a
   *  common prefix, or a snapshot restore after tokens and K/V rows [0, n) were written into the
   *  views. The next prefill computes logits again; step() before it fails with ACTOR_E_NO_LOGITS. */
  truncate(n: number): void { this.call(this.x.truncate(n)); }

  /** Context shift: drops positions [keep, keep + discard) (token ids and K/V rows, K re-rotated to
   *  its new positions by the engine) and moves the later ones down; returns the new position. The
   *  logits and a pending token stay, so a step() that found the context full can simply be retried.
   *  ACTOR_E_ARG unless discard >= 1 and keep + discard <= position. */
  shift(keep: number, discard: number): number {
    const i32 = (x: number) => Number.isInteger(x) && Math.abs(x) < 2 ** 31; // (wasm would wrap or truncate others)
    if (!i32(keep) || !i32(discard)) throw new ActorError('ACTOR_E_ARG', `shift(${keep}, ${discard}): 32-bit integers expected`);
    return this.call(this.x.shift(keep, discard));
  }

  /** A new actor continuing from this one's state (an explicit user action: copies the header,
   *  the actor's regions, logits, and the token ids and K/V rows of the positions held; nothing
   *  else, so not what a rewind or a shift left past the position). */
  fork(): Actor {
    const memory = new WebAssembly.Memory({ initial: this.memory.buffer.byteLength / PAGE });
    const dst = new Uint8Array(memory.buffer), src = this.bytes();
    const h = this.header();
    const live = Math.min(h.nCtx, h.nPast + (h.state === this.h.STATE_PENDING ? 1 : 0)); // (+ a pending token)
    let copied = 0;
    for (const [off, len] of this.heldRanges(h, 0, h.nPast, live)) { dst.set(src.subarray(off, off + len), off); copied += len; }
    this.model.countFork(copied);
    // the copy holds rows [0, nPast) only: its mark starts there (release then zeroes no more than it wrote)
    new DataView(memory.buffer).setUint32(this.h.H_HIGH_WATER, h.nPast, true);
    const twin = new Actor(this.model, memory, { ...this.layout, size: memory.buffer.byteLength });
    twin.forwardFlags = this.forwardFlags;
    return twin;
  }

  /** [offset, length] of what the conversation holds (what fork copies and release zeroes): the
   *  actor's own regions from `from` to their end (token ids only for positions [0, tokens)), the
   *  logits, and K/V rows [0, rows) of every layer. */
  private heldRanges(h: ActorHeader, from: number, rows: number, tokens = h.nCtx): [number, number][] {
    const tokensEnd = h.tokensOff + 4 * tokens;
    const out: [number, number][] = [[from, tokensEnd - from], [h.paramsOff, h.actorEnd - h.paramsOff], [h.logitsOff, h.logitsSize]];
    const bytes = rows * (h.kvLayerSize / h.nCtx);
    for (let l = 0; l < h.nLayer; l++) out.push([h.kOff + l * h.kvLayerSize, bytes], [h.vOff + l * h.kvLayerSize, bytes]);
    return out;
  }

  // ---- zero-copy views (valid until the memory grows; an actor's memory never grows after create)

  /** The whole actor memory (what the engine receives as base). */
  bytes(): Uint8Array {
    if (this.view.buffer !== this.memory.buffer) {
      this.view = new Uint8Array(this.memory.buffer);
      this.layout.size = this.view.byteLength;
    }
    return this.view;
  }

  /** Token ids of positions [0, position). */
  tokens(): Int32Array { return new Int32Array(this.bytes().buffer, this.field('H_TOKENS_OFF'), this.position); }

  /** Logits row 0: the prediction for the next position (sampling overwrites it in place). */
  logits(): Float32Array { return new Float32Array(this.bytes().buffer, this.field('H_LOGITS_OFF'), this.model.info.nVocab); }

  /** f16 bits of K (or V) rows [0, n) of a layer: [n][nHeadKv * headDim]. The view may be written
   *  (a snapshot restore): rows [0, n) count as written from then on, so release zeroes them. */
  kv(kind: 'k' | 'v', layer: number, n = this.position): Uint16Array {
    const f = (name: string) => this.field(name);
    if (layer < 0 || layer >= f('H_N_LAYER') || n < 0 || n > f('H_N_CTX')) throw new ActorError('ACTOR_E_ARG', `kv(${kind}, ${layer}, ${n}) out of range`);
    if (n > this.position) this.call(this.x.wrote(n));
    const off = f(kind === 'k' ? 'H_K_OFF' : 'H_V_OFF') + layer * f('H_KV_LAYER_SIZE');
    return new Uint16Array(this.bytes().buffer, off, n * f('H_N_HEAD_KV') * f('H_HEAD_DIM'));
  }

  /** The header: the memory layout and the actor's counters. */
  header(): ActorHeader {
    const g = (n: string) => this.field(n);
    return {
      magic: g('H_MAGIC'), version: g('H_VERSION'), headerSize: g('H_HEADER_SIZE'), nCtx: g('H_N_CTX'), nVocab: g('H_N_VOCAB'),
      nLayer: g('H_N_LAYER'), nHeadKv: g('H_N_HEAD_KV'), headDim: g('H_HEAD_DIM'), kvType: g('H_KV_TYPE'), nPast: g('H_N_PAST'),
      state: g('H_STATE'), nStop: g('H_N_STOP'), lastToken: g('H_LAST_TOKEN') | 0, highWater: g('H_HIGH_WATER'),
      tokensOff: g('H_TOKENS_OFF'), tokensSize: g('H_TOKENS_SIZE'), paramsOff: g('H_PARAMS_OFF'), paramsSize: g('H_PARAMS_SIZE'),
      rngOff: g('H_RNG_OFF'), rngSize: g('H_RNG_SIZE'), stopOff: g('H_STOP_OFF'), stopSize: g('H_STOP_SIZE'),
      scratchOff: g('H_SCRATCH_OFF'), scratchSize: g('H_SCRATCH_SIZE'), actorEnd: g('H_ACTOR_END'), logitsOff: g('H_LOGITS_OFF'),
      logitsSize: g('H_LOGITS_SIZE'), kOff: g('H_K_OFF'), vOff: g('H_V_OFF'), kvLayerSize: g('H_KV_LAYER_SIZE'), end: g('H_END'),
    };
  }

  /** Byte offsets the module exports (H_*, P_*, E_*, ...), for snapshot code. */
  get constants(): Readonly<Record<string, number>> { return this.h; }

  // ---- internals

  private field(name: string): number {
    const off = this.h[name];
    if (off === undefined) throw new Error(`actor.wasm lacks ${name}`);
    return new DataView(this.bytes().buffer).getUint32(off, true);
  }

  /** The `forward` import: tokens are read in place from the actor's token array. */
  private hostForward(n: number, pos: number, all: number): number {
    const base = this.bytes();
    const toks = new Int32Array(base.buffer, this.field('H_TOKENS_OFF') + pos * 4, n);
    const flags = (all ? FORWARD_ALL_LOGITS : 0) | this.forwardFlags;
    const st = native().forward(this.model.nativeHandle, base, this.layout, toks, n, pos, flags, this.cancelFlag) as number;
    return this.engineStatus('forward', st);
  }

  /** The `kvShift` import: the engine moves (and re-rotates) K/V rows in place. */
  private hostKvShift(nPast: number, keep: number, discard: number): number {
    const st = native().kv_shift(this.model.nativeHandle, this.bytes(), this.layout, nPast, keep, discard) as number;
    return this.engineStatus('shift', st);
  }

  private engineStatus(call: string, st: number): number {
    if (st !== 0) { this.lastCall = call; this.lastError = (native().last_error() as string) || ''; }
    return st;
  }

  /** Maps a negative export result to a thrown error; returns non-negative results. */
  private call(r: number): number {
    if (r >= 0) return r;
    const code = -r;
    // the actor's own codes are the module's E_* exports (header.ts); the rest are engine statuses
    const actor = Object.keys(this.h).find((k) => k.startsWith('E_') && this.h[k] === code);
    if (actor) throw new ActorError(`ACTOR_${actor}`, `ACTOR_${actor} (position ${this.position}, nCtx ${this.nCtx})`);
    const name = statusName(code);
    if (name === 'CAIRN_E_CANCELLED') Atomics.store(this.cancelFlag, 0, 0);
    throw new EngineError(name, `${this.lastCall}: ${this.lastError || name}`);
  }
}
