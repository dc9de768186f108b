// native.ts — loads libcairn with koffi and declares every C function of native/include/cairn.h.
// This is the only file that talks to koffi; gguf.ts and model.ts wrap it in typed classes.
// No koffi.view anywhere: Electron's memory cage forbids external buffers.
import koffi from 'koffi';
type KoffiFunction = ReturnType<ReturnType<typeof koffi.load>["func"]>;
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** cairn_status names in value order: cairn.h's CAIRN_STATUS_LIST, checked against the library's
 *  cairn_status_name when it loads (a library built from another list is refused). */
export const STATUS_NAMES = [
  'CAIRN_OK', 'CAIRN_E_ARG', 'CAIRN_E_IO', 'CAIRN_E_NOT_FILE', 'CAIRN_E_MAGIC', 'CAIRN_E_ENDIAN', 'CAIRN_E_VERSION',
  'CAIRN_E_TRUNCATED', 'CAIRN_E_LIMIT', 'CAIRN_E_KEY', 'CAIRN_E_DUP_KEY', 'CAIRN_E_VALUE_TYPE', 'CAIRN_E_ALIGNMENT',
  'CAIRN_E_TENSOR', 'CAIRN_E_TENSOR_TYPE', 'CAIRN_E_OVERFLOW', 'CAIRN_E_BOUNDS', 'CAIRN_E_OVERLAP', 'CAIRN_E_ARCH',
  'CAIRN_E_HPARAMS', 'CAIRN_E_MISSING_TENSOR', 'CAIRN_E_SHAPE', 'CAIRN_E_NOMEM', 'CAIRN_E_LAYOUT', 'CAIRN_E_CANCELLED',
  'CAIRN_E_CONTEXT', 'CAIRN_E_TOKEN', 'CAIRN_E_VOCAB',
] as const;
export type StatusName = (typeof STATUS_NAMES)[number];

/** An engine failure: `code` is the stable status name (e.g. "CAIRN_E_TRUNCATED"), `status` its value. */
export class EngineError extends Error {
  readonly status: number;
  constructor(readonly code: StatusName, message: string) {
    super(message);
    this.name = 'EngineError';
    this.status = STATUS_NAMES.indexOf(code);
  }
}

/** The status list the library was built with differs from STATUS_NAMES: names the first difference. */
export function checkStatusNames(name: (s: number) => string, lib: string): void {
  for (let s = 0; s <= STATUS_NAMES.length; s++) {
    const want = STATUS_NAMES[s] ?? 'CAIRN_E_UNKNOWN', got = name(s);
    if (got !== want) throw new Error(`${lib}: status ${s} is ${got} in the library but ${want} in native.ts: rebuild the library (npm run build:native) or update STATUS_NAMES from cairn.h`);
  }
}

function findLibrary(): string {
  const ext = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
  const fromEnv = process.env.CAIRN_NATIVE_LIB;
  if (fromEnv) return fromEnv;
  // Walk up from this file (electron/engine or dist/electron/engine) to the repo root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'build', 'native', `libcairn.${ext}`);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new EngineError('CAIRN_E_IO', `native engine library libcairn.${ext} not found: run "npm run build:native"`);
}

export const GGUF = koffi.opaque('cairn_gguf');
export const MODEL = koffi.opaque('cairn_model');

export const ModelParams = koffi.struct('cairn_model_params', {
  n_threads: 'int32_t', backend: 'int32_t', mem_available: 'uint64_t', weights: 'int32_t', _pad: 'int32_t',
});
export const ModelInfo = koffi.struct('cairn_model_info', {
  n_vocab: 'uint32_t', n_embd: 'uint32_t', n_layer: 'uint32_t', n_head: 'uint32_t', n_head_kv: 'uint32_t',
  head_dim: 'uint32_t', n_ff: 'uint32_t', n_ctx_train: 'uint32_t', rope_base: 'float', norm_eps: 'float',
  has_rope_freqs: 'uint32_t', tied_output: 'uint32_t', backend: 'int32_t', n_threads: 'int32_t',
  weights_bytes: 'uint64_t', file_size: 'uint64_t', ftype_main: 'int32_t', weights: 'int32_t',
});
export const StateLayout = koffi.struct('cairn_state_layout', {
  size: 'uint64_t', logits_off: 'uint64_t', logits_rows: 'uint32_t', n_ctx: 'uint32_t',
  k_off: 'uint64_t', v_off: 'uint64_t', kv_type: 'uint32_t', _pad: 'uint32_t',
});

export interface ModelInfoT {
  n_vocab: number; n_embd: number; n_layer: number; n_head: number; n_head_kv: number; head_dim: number;
  n_ff: number; n_ctx_train: number; rope_base: number; norm_eps: number; has_rope_freqs: number;
  tied_output: number; backend: number; n_threads: number; weights_bytes: number | bigint;
  file_size: number | bigint; ftype_main: number; weights: number;
}
export interface StateLayoutT {
  size: number | bigint; logits_off: number | bigint; logits_rows: number; n_ctx: number;
  k_off: number | bigint; v_off: number | bigint; kv_type: number; _pad: number;
}

function bind() {
  const path = findLibrary();
  const lib = koffi.load(path);
  // A symbol the library lacks (an older build) fails when called, not when the library loads.
  const guard = (make: () => KoffiFunction, name: string): KoffiFunction => {
    try { return make(); } catch (e) {
      return Object.assign(() => { throw new EngineError('CAIRN_E_ARG', `native function ${name} unavailable: ${String(e)}`); },
        { async: () => undefined, info: undefined }) as unknown as KoffiFunction;
    }
  };
  const f = (decl: string) => guard(() => lib.func(decl), decl);
  const fns = {
    status_name: f('const char *cairn_status_name(int s)'),
    last_error: f('const char *cairn_last_error(void)'),
    version: f('const char *cairn_version(void)'),
    type_name: f('const char *cairn_type_name(int32_t type)'),

    gguf_open: guard(() => lib.func('cairn_gguf_open', 'int', ['str', koffi.out(koffi.pointer(GGUF, 2))]), 'cairn_gguf_open'),
    gguf_open_memory: guard(() => lib.func('cairn_gguf_open_memory', 'int', ['void *', 'uint64_t', koffi.out(koffi.pointer(GGUF, 2))]), 'cairn_gguf_open_memory'),
    gguf_free: f('void cairn_gguf_free(cairn_gguf *g)'),
    gguf_version: f('uint32_t cairn_gguf_version(const cairn_gguf *g)'),
    gguf_file_size: f('uint64_t cairn_gguf_file_size(const cairn_gguf *g)'),
    gguf_alignment: f('uint32_t cairn_gguf_alignment(const cairn_gguf *g)'),
    gguf_data_offset: f('uint64_t cairn_gguf_data_offset(const cairn_gguf *g)'),
    gguf_n_kv: f('int64_t cairn_gguf_n_kv(const cairn_gguf *g)'),
    gguf_find_key: f('int64_t cairn_gguf_find_key(const cairn_gguf *g, const char *key)'),
    gguf_key: f('const char *cairn_gguf_key(const cairn_gguf *g, int64_t i)'),
    gguf_kv_type: f('int32_t cairn_gguf_kv_type(const cairn_gguf *g, int64_t i)'),
    gguf_get_u64: f('uint64_t cairn_gguf_get_u64(const cairn_gguf *g, int64_t i)'),
    gguf_get_i64: f('int64_t cairn_gguf_get_i64(const cairn_gguf *g, int64_t i)'),
    gguf_get_f64: f('double cairn_gguf_get_f64(const cairn_gguf *g, int64_t i)'),
    gguf_get_str: f('uint64_t cairn_gguf_get_str(const cairn_gguf *g, int64_t i, _Out_ uint8_t *buf, uint64_t cap)'),
    gguf_arr_type: f('int32_t cairn_gguf_arr_type(const cairn_gguf *g, int64_t i)'),
    gguf_arr_len: f('uint64_t cairn_gguf_arr_len(const cairn_gguf *g, int64_t i)'),
    gguf_arr_data: f('uint64_t cairn_gguf_arr_data(const cairn_gguf *g, int64_t i, _Out_ void *buf, uint64_t cap)'),
    gguf_arr_str: f('uint64_t cairn_gguf_arr_str(const cairn_gguf *g, int64_t i, uint64_t j, _Out_ uint8_t *buf, uint64_t cap)'),
    gguf_arr_strs: f('uint64_t cairn_gguf_arr_strs(const cairn_gguf *g, int64_t i, _Out_ uint32_t *offs, _Out_ uint8_t *buf, uint64_t cap)'),
    gguf_n_tensors: f('int64_t cairn_gguf_n_tensors(const cairn_gguf *g)'),
    gguf_find_tensor: f('int64_t cairn_gguf_find_tensor(const cairn_gguf *g, const char *name)'),
    gguf_tensor_name: f('const char *cairn_gguf_tensor_name(const cairn_gguf *g, int64_t t)'),
    gguf_tensor_type: f('int32_t cairn_gguf_tensor_type(const cairn_gguf *g, int64_t t)'),
    gguf_tensor_n_dims: f('uint32_t cairn_gguf_tensor_n_dims(const cairn_gguf *g, int64_t t)'),
    gguf_tensor_ne: f('uint64_t cairn_gguf_tensor_ne(const cairn_gguf *g, int64_t t, uint32_t dim)'),
    gguf_tensor_offset: f('uint64_t cairn_gguf_tensor_offset(const cairn_gguf *g, int64_t t)'),
    gguf_tensor_size: f('uint64_t cairn_gguf_tensor_size(const cairn_gguf *g, int64_t t)'),

    model_load: guard(() => lib.func('cairn_model_load', 'int', ['str', koffi.pointer(ModelParams), koffi.out(koffi.pointer(MODEL, 2))]), 'cairn_model_load'),
    model_free: f('void cairn_model_free(cairn_model *m)'),
    model_info_get: guard(() => lib.func('cairn_model_info_get', 'int', [koffi.pointer(MODEL), koffi.out(koffi.pointer(ModelInfo))]), 'cairn_model_info_get'),
    model_gguf: f('const cairn_gguf *cairn_model_gguf(const cairn_model *m)'),
    layout_plan: guard(() => lib.func('cairn_layout_plan', 'int', [koffi.pointer(MODEL), 'uint32_t', 'uint32_t', 'uint64_t',
      koffi.out(koffi.pointer(StateLayout)), koffi.out(koffi.pointer('uint64_t'))]), 'cairn_layout_plan'),
    // base is passed as a TypedArray/ArrayBuffer (koffi hands its backing store over without copying)
    forward: guard(() => lib.func('cairn_forward', 'int', [koffi.pointer(MODEL), 'void *', koffi.pointer(StateLayout),
      'const int32_t *', 'uint32_t', 'uint32_t', 'uint32_t', 'const int32_t *']), 'cairn_forward'),
    kv_shift: guard(() => lib.func('cairn_kv_shift', 'int', [koffi.pointer(MODEL), 'void *', koffi.pointer(StateLayout),
      'uint32_t', 'uint32_t', 'uint32_t']), 'cairn_kv_shift'),
    model_bytes_copied: f('uint64_t cairn_model_bytes_copied(const cairn_model *m)'),
    model_estimate: f('uint64_t cairn_model_estimate(const cairn_model *m, uint32_t n_ctx)'),
    discard_pages: f('int cairn_discard_pages(void *base, uint64_t base_size, uint64_t off, uint64_t len)'),
    read_file_regions: f('int cairn_read_file_regions(int32_t fd, uint64_t file_off, void *base, uint64_t base_size, const uint64_t *ranges, uint32_t n_ranges, _Out_ uint8_t *xxh64_out)'),
    xxh64_init: f('void cairn_xxh64_init(_Out_ uint8_t *s)'),
    xxh64_update: f('void cairn_xxh64_update(_Inout_ uint8_t *s, const void *data, uint64_t len)'),
    xxh64_digest: f('void cairn_xxh64_digest(const uint8_t *s, _Out_ uint8_t *out)'),
    measure_read_bandwidth: f('double cairn_measure_read_bandwidth(uint64_t bytes, int32_t n_threads, int32_t reps)'),
  };
  checkStatusNames((st) => fns.status_name(st) as string, path);
  return fns;
}

let cached: ReturnType<typeof bind> | undefined;
/** The bound library (loaded on first use). */
export function native(): ReturnType<typeof bind> {
  cached ??= bind();
  return cached;
}

/** The name of a status the engine returned (the list was checked at load). */
export function statusName(status: number): StatusName {
  const name = STATUS_NAMES[status];
  if (name === undefined) throw new Error(`the engine returned status ${status}, which cairn.h does not list`);
  return name;
}

/** The library's version: package.json's, compiled in by scripts/build-native.mjs (snapshots record it). */
export const engineVersion = (): string => native().version() as string;

/** Throws an EngineError for a non-zero status, with the engine's code and message. */
export function check(status: number, what: string): void {
  if (status === 0) return;
  const n = native();
  const code = statusName(status);
  const msg = (n.last_error() as string) || code;
  throw new EngineError(code, `${what}: ${msg}`);
}

/** Address of a view's first byte (what the engine receives when the view is passed as a pointer). */
export function koffiAddress(view: ArrayBufferView): bigint {
  return koffi.address(view) as bigint;
}

/** (buffer, ranges) for the engine's region calls: every view must lie on one buffer. */
function regionsOf(views: readonly ArrayBufferView[]): { base: Uint8Array; ranges: BigUint64Array } {
  const buf = views[0]?.buffer ?? new ArrayBuffer(0);
  const ranges = new BigUint64Array(views.length * 2);
  views.forEach((v, i) => {
    if (v.buffer !== buf) throw new EngineError('CAIRN_E_ARG', 'views lie on different buffers');
    ranges[2 * i] = BigInt(v.byteOffset);
    ranges[2 * i + 1] = BigInt(v.byteLength);
  });
  return { base: new Uint8Array(buf), ranges };
}

const XXH64_STATE = 80; // sizeof(cairn_xxh64)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Streaming XXH64 (seed 0) in the engine; digest() is lowercase hex as `xxhsum -H1` prints it. */
export class Xxh64 {
  private readonly state = new Uint8Array(XXH64_STATE);
  constructor() { native().xxh64_init(this.state); }
  /** Hashes the view's bytes where they lie. */
  update(v: ArrayBufferView): this {
    if (v.byteLength) native().xxh64_update(this.state, new Uint8Array(v.buffer, v.byteOffset, v.byteLength), v.byteLength);
    return this;
  }
  digest(): string {
    const out = new Uint8Array(8);
    native().xxh64_digest(this.state, out);
    return hex(out);
  }
}

/** XXH64 of the views' bytes, concatenated in order (the data_xxh64 of a snapshot). */
export function xxh64Views(views: readonly ArrayBufferView[]): string {
  const h = new Xxh64();
  for (const v of views) h.update(v);
  return h.digest();
}

/** Zeros `memory` from byte `from` on, giving its pages back to the OS where it can (see cairn.h). */
export function discardPages(memory: ArrayBuffer, from = 0): void {
  const base = new Uint8Array(memory);
  check(native().discard_pages(base, base.byteLength, from, base.byteLength - from) as number, 'discard');
}

/**
 * Reads file bytes [fileOff, fileOff + Σ lengths) of fd straight into the views, in order, and
 * returns their XXH64 (hashed on an engine thread right behind the read; faulting fresh pages in
 * overlapped with the copy). Returns undefined where the engine cannot (Windows, views on several
 * buffers): the caller reads some other way. Throws EngineError (CAIRN_E_IO, CAIRN_E_TRUNCATED)
 * when the read fails.
 */
export function readFileIntoViews(fd: number, fileOff: number, views: readonly ArrayBufferView[]): string | undefined {
  if (process.platform === 'win32' || views.some((v) => v.buffer !== views[0].buffer)) return undefined;
  const { base, ranges } = regionsOf(views);
  const out = new Uint8Array(8);
  check(native().read_file_regions(fd, fileOff, base, base.byteLength, ranges, views.length, out) as number, 'read');
  return hex(out);
}
