// gguf.ts — typed wrapper over the native GGUF reader (native/src/gguf.c).
// Every check happens in C when the file is opened; this class only reads the validated
// handle. Errors surface as EngineError (code = stable status name, message names the
// file, the field and the byte offset).
import { GGUF_VALUE, GGUF_VALUE_INFO, type GgufValueType } from './ggml-types.js';
import { EngineError, check, native } from './native.js';

export type GgufNumericArray =
  | Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array
  | BigUint64Array | BigInt64Array;
export type GgufArray = GgufNumericArray | string[] | boolean[];
export type GgufValue = number | bigint | string | boolean | GgufArray;

export interface GgufTensorInfo {
  name: string;
  type: number;
  typeName: string;   // "q4_K", or "unknown"
  ne: number[];       // n_dims entries, ne[0] fastest
  offset: number;     // absolute byte offset in the file
  size: number;       // bytes
}

type Handle = unknown;
// ignoreBOM: a leading U+FEFF is content (Llama 2's token 30143 is exactly "\uFEFF"), not a byte-order mark.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));

export class GgufFile {
  private h: Handle | null;

  private constructor(h: Handle, private readonly owned: boolean) { this.h = h; }

  /** Opens and validates a file; throws EngineError on any rejection. */
  static open(path: string): GgufFile {
    const out: [Handle | null] = [null];
    check(native().gguf_open(path, out) as number, 'gguf open');
    return new GgufFile(out[0], true);
  }

  /** Opens a GGUF image held in memory (copied once into an ArrayBuffer this object keeps alive). */
  static openMemory(bytes: Uint8Array): GgufFile {
    const copy = new Uint8Array(new ArrayBuffer(Math.max(bytes.length, 1)), 0, bytes.length);
    copy.set(bytes);
    const out: [Handle | null] = [null];
    check(native().gguf_open_memory(copy, copy.length, out) as number, 'gguf open');
    const f = new GgufFile(out[0], true);
    f.keepAlive = copy;
    return f;
  }

  /** Wraps a borrowed handle (e.g. cairn_model_gguf's); close() will not free it. */
  static fromHandle(handle: Handle): GgufFile {
    if (!handle) throw new EngineError('CAIRN_E_ARG', 'GgufFile.fromHandle: null handle');
    return new GgufFile(handle, false);
  }

  private keepAlive: Uint8Array | undefined;

  /** Frees the handle if this object owns it; idempotent. */
  close(): void {
    if (this.h && this.owned) native().gguf_free(this.h);
    this.h = null;
    this.keepAlive = undefined;
  }

  private get g(): Handle {
    if (!this.h) throw new EngineError('CAIRN_E_ARG', 'GgufFile is closed');
    return this.h;
  }

  get version(): number { return native().gguf_version(this.g) as number; }
  get fileSize(): number { return num(native().gguf_file_size(this.g)); }
  get alignment(): number { return native().gguf_alignment(this.g) as number; }
  get dataOffset(): number { return num(native().gguf_data_offset(this.g)); }

  keys(): string[] {
    const n = native(), g = this.g, count = num(n.gguf_n_kv(g));
    const out: string[] = [];
    for (let i = 0; i < count; i++) out.push(n.gguf_key(g, i) as string);
    return out;
  }

  private index(key: string): number { return num(native().gguf_find_key(this.g, key)); }

  has(key: string): boolean { return this.index(key) >= 0; }

  /** Value type of a key (GGUF_VALUE), or undefined if absent. */
  typeOf(key: string): number | undefined {
    const i = this.index(key);
    return i < 0 ? undefined : (native().gguf_kv_type(this.g, i) as number);
  }

  /** The value of a key: 8/16/32-bit integers and floats as number, 64-bit integers as bigint. */
  get(key: string): GgufValue | undefined {
    const i = this.index(key);
    if (i < 0) return undefined;
    const n = native(), g = this.g, t = n.gguf_kv_type(g, i) as number;
    switch (t) {
      case GGUF_VALUE.STRING: return this.stringAt(i);
      case GGUF_VALUE.ARRAY: return this.arrayAt(i);
      case GGUF_VALUE.BOOL: return num(n.gguf_get_u64(g, i)) !== 0;
      case GGUF_VALUE.F32: case GGUF_VALUE.F64: return n.gguf_get_f64(g, i) as number;
      case GGUF_VALUE.U64: return BigInt.asUintN(64, BigInt(n.gguf_get_u64(g, i) as number | bigint));
      case GGUF_VALUE.I64: return BigInt.asIntN(64, BigInt(n.gguf_get_i64(g, i) as number | bigint));
      case GGUF_VALUE.I8: case GGUF_VALUE.I16: case GGUF_VALUE.I32: return num(n.gguf_get_i64(g, i));
      default: return num(n.gguf_get_u64(g, i));
    }
  }

  /** A string value; throws CAIRN_E_HPARAMS if absent or of another type. */
  getString(key: string): string {
    const v = this.get(key);
    if (typeof v !== 'string') throw this.typeError(key, 'a string');
    return v;
  }

  /** A numeric scalar as number (64-bit values must be exact in a double). */
  getNumber(key: string): number {
    const v = this.get(key);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
    throw this.typeError(key, 'a number');
  }

  /** An array value: numeric arrays as TypedArrays, string arrays as string[], bool arrays as boolean[]. */
  getArray(key: string): GgufArray {
    const i = this.index(key);
    if (i < 0 || (native().gguf_kv_type(this.g, i) as number) !== GGUF_VALUE.ARRAY) throw this.typeError(key, 'an array');
    return this.arrayAt(i);
  }

  tensors(): GgufTensorInfo[] {
    const n = native(), g = this.g, count = num(n.gguf_n_tensors(g));
    const out: GgufTensorInfo[] = [];
    for (let t = 0; t < count; t++) {
      const type = n.gguf_tensor_type(g, t) as number;
      const nd = n.gguf_tensor_n_dims(g, t) as number;
      const ne: number[] = [];
      for (let d = 0; d < nd; d++) ne.push(num(n.gguf_tensor_ne(g, t, d)));
      out.push({
        name: n.gguf_tensor_name(g, t) as string, type, typeName: (n.type_name(type) as string | null) ?? 'unknown',
        ne, offset: num(n.gguf_tensor_offset(g, t)), size: num(n.gguf_tensor_size(g, t)),
      });
    }
    return out;
  }

  private typeError(key: string, want: string): EngineError {
    const t = this.typeOf(key);
    const what = t === undefined ? 'is missing' : `has type ${GGUF_VALUE_INFO[t as GgufValueType]?.name ?? t}`;
    return new EngineError('CAIRN_E_HPARAMS', `gguf: metadata key '${key}' ${what}, expected ${want}`);
  }

  private stringAt(i: number): string {
    const n = native(), g = this.g;
    const len = num(n.gguf_get_str(g, i, null, 0));
    if (len === 0) return '';
    const buf = new Uint8Array(len);
    n.gguf_get_str(g, i, buf, len);
    return utf8.decode(buf);
  }

  private arrayAt(i: number): GgufArray {
    const n = native(), g = this.g;
    const et = n.gguf_arr_type(g, i) as number;
    const count = num(n.gguf_arr_len(g, i));
    if (et === GGUF_VALUE.STRING) {
      // One native call for the whole array (vocabularies have ~128k strings).
      const total = num(n.gguf_arr_strs(g, i, null, null, 0));
      const offs = new Uint32Array(count + 1);
      const bytes = new Uint8Array(Math.max(total, 1));
      n.gguf_arr_strs(g, i, offs, bytes, total);
      const out = new Array<string>(count);
      for (let j = 0; j < count; j++) out[j] = utf8.decode(bytes.subarray(offs[j], offs[j + 1]));
      return out;
    }
    const size = GGUF_VALUE_INFO[et as GgufValueType]?.size || 1;
    const buf = new ArrayBuffer(Math.max(count * size, 8));
    n.gguf_arr_data(g, i, new Uint8Array(buf), count * size);
    switch (et) {
      case GGUF_VALUE.U8: return new Uint8Array(buf, 0, count);
      case GGUF_VALUE.I8: return new Int8Array(buf, 0, count);
      case GGUF_VALUE.U16: return new Uint16Array(buf, 0, count);
      case GGUF_VALUE.I16: return new Int16Array(buf, 0, count);
      case GGUF_VALUE.U32: return new Uint32Array(buf, 0, count);
      case GGUF_VALUE.I32: return new Int32Array(buf, 0, count);
      case GGUF_VALUE.F32: return new Float32Array(buf, 0, count);
      case GGUF_VALUE.F64: return new Float64Array(buf, 0, count);
      case GGUF_VALUE.U64: return new BigUint64Array(buf, 0, count);
      case GGUF_VALUE.I64: return new BigInt64Array(buf, 0, count);
      case GGUF_VALUE.BOOL: return Array.from(new Uint8Array(buf, 0, count), (b) => b !== 0);
      default: throw new EngineError('CAIRN_E_VALUE_TYPE', `gguf: array element type ${et}`);
    }
  }
}

