// model.ts — a loaded GGUF model in the native engine, and state regions in caller memory.
// The state (KV cache + logits) lives in a WebAssembly.Memory the caller owns; the engine is
// handed its backing store (koffi passes a TypedArray's memory without copying) plus a layout.
import { check, native, type ModelInfoT, type StateLayoutT } from './native.js';

/** cairn_backend: 'auto' is Metal on Apple Silicon (where the GPU opens), else the best CPU kernels;
 *  'metal' and 'cpu' force either (metal fails where it is not built: every platform but macOS arm64). */
export const BACKENDS = { auto: 0, reference: 1, avx2: 2, avx512: 3, neon: 4, amx: 5, metal: 6, cpu: 7 } as const;
export type BackendName = keyof typeof BACKENDS;
export const backendName = (id: number): BackendName =>
  (Object.keys(BACKENDS) as BackendName[]).find((k) => BACKENDS[k] === id) ?? 'auto';

/** Where the weights are read from (cairn_weights_mode): the file mapping, or a copy in anonymous
 *  memory made at load ('huge': with transparent huge pages). 'auto' copies where huge pages are on. */
export const WEIGHTS = { auto: 0, map: 1, copy: 2 } as const;
export type WeightsMode = keyof typeof WEIGHTS;

export interface ModelInfo {
  nVocab: number; nEmbd: number; nLayer: number; nHead: number; nHeadKv: number; headDim: number; nFf: number;
  nCtxTrain: number; ropeBase: number; normEps: number; hasRopeFreqs: boolean; tiedOutput: boolean;
  backend: BackendName; threads: number; weightsBytes: number; fileSize: number; mainType: string;
  weights: 'map' | 'copy' | 'huge';
}

export interface LoadOptions { threads?: number; backend?: BackendName; memAvailable?: number; weights?: WeightsMode }

/**
 * The backend Model.load uses when none is given: $CAIRN_BACKEND (a BACKENDS name, e.g. avx2 to run
 * the path an AVX2-only CPU would take, metal/cpu to force either on a Mac) or 'auto'. A backend this
 * machine cannot run fails the load.
 */
export function defaultBackend(): BackendName {
  const v = process.env.CAIRN_BACKEND;
  if (v === undefined || v === '') return 'auto';
  if (!Object.hasOwn(BACKENDS, v)) throw new Error(`CAIRN_BACKEND must be one of ${Object.keys(BACKENDS).join(', ')} (it is '${v}')`);
  return v as BackendName;
}

/** A region of caller memory holding one conversation's KV cache and logits. */
export interface EngineState {
  readonly memory: WebAssembly.Memory;
  readonly layout: StateLayoutT;
  readonly nCtx: number;
  readonly logitsRows: number;
}

const PAGE = 65536;

/** cairn_forward flags (cairn.h). FORWARD_COPY_STATE is the copy baseline: the conventional host,
 *  whose engine owns the KV cache and logits, so each forward copies the caller's K/V rows in and
 *  the K/V rows and logits back out (counted in bytesCopied); for measurement only. */
export const FORWARD_ALL_LOGITS = 1, FORWARD_COPY_STATE = 2;

/** Bytes one forward of n tokens at position pos copies in the copy baseline (cairn.h's formula). */
export function copyBaselineBytes(info: ModelInfo, pos: number, n: number, logitRows = 1): number {
  return 2 * info.nLayer * (2 * pos + n) * info.nHeadKv * info.headDim * 2 + logitRows * info.nVocab * 4;
}

export class Model {
  private handle: unknown;
  readonly info: ModelInfo;

  private constructor(handle: unknown, readonly path: string) {
    this.handle = handle;
    const out = {} as ModelInfoT;
    const n = native();
    check(n.model_info_get(handle, out) as number, path);
    this.info = {
      nVocab: out.n_vocab, nEmbd: out.n_embd, nLayer: out.n_layer, nHead: out.n_head, nHeadKv: out.n_head_kv,
      headDim: out.head_dim, nFf: out.n_ff, nCtxTrain: out.n_ctx_train, ropeBase: out.rope_base, normEps: out.norm_eps,
      hasRopeFreqs: !!out.has_rope_freqs, tiedOutput: !!out.tied_output, backend: backendName(out.backend),
      threads: out.n_threads, weightsBytes: Number(out.weights_bytes), fileSize: Number(out.file_size),
      mainType: (n.type_name(out.ftype_main) as string | null) ?? String(out.ftype_main),
      weights: out.weights === 2 ? 'copy' : out.weights === 3 ? 'huge' : 'map',
    };
  }

  /** Maps and validates a GGUF model; throws EngineError (code + message) for a bad file. */
  static load(path: string, opts: LoadOptions = {}): Model {
    const out: unknown[] = [null];
    const params = {
      n_threads: opts.threads ?? 0, backend: BACKENDS[opts.backend ?? defaultBackend()], mem_available: opts.memAvailable ?? 0,
      weights: WEIGHTS[opts.weights ?? 'auto'], _pad: 0,
    };
    if (params.backend === undefined) throw new Error(`unknown backend '${opts.backend}'`);
    if (params.weights === undefined) throw new Error(`unknown weights mode '${opts.weights}'`);
    check(native().model_load(path, params, out) as number, 'load');
    return new Model(out[0], path);
  }

  /** False once close() ran. */
  get isOpen(): boolean { return this.handle !== null; }

  /** The native handle (for the GGUF metadata of the model, see GgufFile.fromHandle). */
  get nativeHandle(): unknown { return this.live(); }

  private live(): unknown {
    if (!this.handle) throw new Error('model is closed');
    return this.handle;
  }

  /** Plans a state region for nCtx positions at `start` bytes into a memory. */
  planLayout(nCtx: number, logitsRows: number, start = 0): { layout: StateLayoutT; end: number } {
    const layout = {} as StateLayoutT;
    const end = [0];
    check(native().layout_plan(this.live(), nCtx, logitsRows, start, layout, end) as number, 'layout');
    return { layout, end: Number(end[0]) };
  }

  /** A fresh state in its own WebAssembly.Memory. */
  createState(nCtx: number, logitsRows = 1): EngineState {
    const { layout, end } = this.planLayout(nCtx, logitsRows);
    const memory = new WebAssembly.Memory({ initial: Math.ceil(end / PAGE) });
    layout.size = memory.buffer.byteLength;
    return { memory, layout, nCtx, logitsRows };
  }

  /** Runs tokens at positions pos.. writing K/V and logits into the state's memory in place
   *  (copyState: through the engine-owned copy instead, see FORWARD_COPY_STATE). */
  forward(state: EngineState, tokens: ArrayLike<number>, pos: number, opts: { all?: boolean; cancel?: Int32Array; copyState?: boolean } = {}): void {
    const base = new Uint8Array(state.memory.buffer);
    const layout = { ...state.layout, size: base.byteLength };
    const toks = Int32Array.from(tokens);
    const flags = (opts.all ? FORWARD_ALL_LOGITS : 0) | (opts.copyState ? FORWARD_COPY_STATE : 0);
    check(native().forward(this.live(), base, layout, toks, toks.length, pos, flags, opts.cancel ?? null) as number, 'forward');
  }

  /** Context shift in the state's memory (cairn_kv_shift): drops positions [keep, keep + discard) of
   *  the nPast held and moves the later K/V rows down, re-rotating K. Logits are left as they are. */
  shift(state: EngineState, nPast: number, keep: number, discard: number): void {
    const base = new Uint8Array(state.memory.buffer);
    check(native().kv_shift(this.live(), base, { ...state.layout, size: base.byteLength }, nPast, keep, discard) as number, 'shift');
  }

  /** A view (no copy) of logits row `row` in the state's memory. */
  logits(state: EngineState, row = 0): Float32Array {
    return new Float32Array(state.memory.buffer, Number(state.layout.logits_off) + row * this.info.nVocab * 4, this.info.nVocab);
  }

  /** Convenience for tools and tests: runs tokens from position 0 in a throwaway state and
   *  returns the logits (every position with all, else the last), flat [rows × nVocab]. */
  evalTokens(tokens: number[], opts: { all?: boolean; nCtx?: number } = {}): Float32Array {
    const rows = opts.all ? tokens.length : 1;
    const state = this.createState(opts.nCtx ?? Math.max(tokens.length, 1), rows);
    this.forward(state, tokens, 0, { all: opts.all });
    return new Float32Array(state.memory.buffer, Number(state.layout.logits_off), rows * this.info.nVocab).slice();
  }

  /** Bytes the engine copied between caller memory and its own since the load: 0 unless a forward
   *  ran the copy baseline (copyState). */
  get bytesCopied(): number { return Number(native().model_bytes_copied(this.live())); }

  /** Bytes Actor.fork copied from one actor's memory into another's (counted here, per model, so
   *  a conversation's stats report them beside bytesCopied). */
  get bytesForked(): number { return this.forked; }
  private forked = 0;
  /** (actor-host.ts) records a fork's copy. */
  countFork(bytes: number): void { this.forked += bytes; }

  /** Estimated bytes for weights + KV of nCtx + scratch. */
  estimate(nCtx: number): number { return Number(native().model_estimate(this.live(), nCtx)); }

  close(): void {
    if (this.handle) native().model_free(this.handle);
    this.handle = null;
  }
}
