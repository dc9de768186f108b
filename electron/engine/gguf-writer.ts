// gguf-writer.ts — the project's GGUF writer (version 3, little endian).
// Used by tests and tools to produce model files; the low-level options (raw kv entries,
// header overrides, explicit tensor offsets, a field map of the encoded bytes) let tests
// produce precisely malformed files for the reader's corrupt-file corpus.
import { writeFileSync } from 'node:fs';
import { GGUF_VALUE, tensorBytes } from './ggml-types.js';

// ---- encoders (exported for tests that hand-assemble files) ----

export function encU8(v: number): Buffer { const b = Buffer.alloc(1); b.writeUInt8(v & 0xff); return b; }
export function encU32(v: number): Buffer { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; }
export function encU64(v: number | bigint): Buffer { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v))); return b; }
/** A GGUF string: u64 byte length + bytes (a Buffer is taken as raw bytes). */
export function encString(s: string | Uint8Array): Buffer {
  const bytes = typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s);
  return Buffer.concat([encU64(bytes.length), bytes]);
}

export type GgufScalar = number | bigint | boolean | string;

/** Encodes one value of a non-array type. */
export function encValue(type: number, v: GgufScalar): Buffer {
  switch (type) {
    case GGUF_VALUE.U8: case GGUF_VALUE.I8: return encU8(Number(v));
    case GGUF_VALUE.BOOL: return encU8(v ? 1 : 0);
    case GGUF_VALUE.U16: { const b = Buffer.alloc(2); b.writeUInt16LE(Number(v) & 0xffff); return b; }
    case GGUF_VALUE.I16: { const b = Buffer.alloc(2); b.writeInt16LE(Number(v)); return b; }
    case GGUF_VALUE.U32: return encU32(Number(v));
    case GGUF_VALUE.I32: { const b = Buffer.alloc(4); b.writeInt32LE(Number(v)); return b; }
    case GGUF_VALUE.F32: { const b = Buffer.alloc(4); b.writeFloatLE(Number(v)); return b; }
    case GGUF_VALUE.F64: { const b = Buffer.alloc(8); b.writeDoubleLE(Number(v)); return b; }
    case GGUF_VALUE.U64: return encU64(BigInt(v));
    case GGUF_VALUE.I64: { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(v)); return b; }
    case GGUF_VALUE.STRING: return encString(String(v));
    default: throw new Error(`cannot encode a value of type ${type}`);
  }
}

/** Encodes an array value body: u32 element type + u64 count + elements. */
export function encArray(elemType: number, values: readonly GgufScalar[]): Buffer {
  return Buffer.concat([encU32(elemType), encU64(values.length), ...values.map((v) => encValue(elemType, v))]);
}

/** One encoded field of the output, for tests that mutate files field by field. */
export interface GgufField { name: string; offset: number; size: number }

export interface GgufTensorOptions {
  /** Offset relative to the data section (default: next aligned offset after the previous tensor). */
  offset?: number | bigint;
  /** Raw dimension values written instead of `ne` (may be 0, > 4 dims, huge). */
  rawNe?: readonly (number | bigint)[];
  /** Skip the check that data.length matches the shape and type. */
  raw?: boolean;
}

export interface GgufBufferOptions {
  magic?: Uint8Array;            // default "GGUF"
  version?: number;              // default 3
  nTensors?: number | bigint;    // override the header counts
  nKv?: number | bigint;
  /** Omit the tensor data section (header and tensor infos only). */
  noData?: boolean;
}

interface Kv { key: Buffer; type: number; body: Buffer }
interface Tensor { name: Buffer; type: number; ne: readonly (number | bigint)[]; data: Uint8Array; offset?: bigint }

export class GgufWriter {
  private kvs: Kv[] = [];
  private tensorList: Tensor[] = [];
  /** Field map of the last toBuffer() output. */
  fields: GgufField[] = [];

  private set(key: string, type: number, body: Buffer): this {
    const k = Buffer.from(key, 'utf8');
    const i = this.kvs.findIndex((e) => e.key.equals(k));
    const entry = { key: k, type, body };
    if (i >= 0) this.kvs[i] = entry; else this.kvs.push(entry);
    return this;
  }

  setU8(key: string, v: number): this { return this.set(key, GGUF_VALUE.U8, encValue(GGUF_VALUE.U8, v)); }
  setI8(key: string, v: number): this { return this.set(key, GGUF_VALUE.I8, encValue(GGUF_VALUE.I8, v)); }
  setU16(key: string, v: number): this { return this.set(key, GGUF_VALUE.U16, encValue(GGUF_VALUE.U16, v)); }
  setI16(key: string, v: number): this { return this.set(key, GGUF_VALUE.I16, encValue(GGUF_VALUE.I16, v)); }
  setU32(key: string, v: number): this { return this.set(key, GGUF_VALUE.U32, encValue(GGUF_VALUE.U32, v)); }
  setI32(key: string, v: number): this { return this.set(key, GGUF_VALUE.I32, encValue(GGUF_VALUE.I32, v)); }
  setF32(key: string, v: number): this { return this.set(key, GGUF_VALUE.F32, encValue(GGUF_VALUE.F32, v)); }
  setU64(key: string, v: number | bigint): this { return this.set(key, GGUF_VALUE.U64, encValue(GGUF_VALUE.U64, v)); }
  setI64(key: string, v: number | bigint): this { return this.set(key, GGUF_VALUE.I64, encValue(GGUF_VALUE.I64, v)); }
  setF64(key: string, v: number): this { return this.set(key, GGUF_VALUE.F64, encValue(GGUF_VALUE.F64, v)); }
  setBool(key: string, v: boolean): this { return this.set(key, GGUF_VALUE.BOOL, encValue(GGUF_VALUE.BOOL, v)); }
  setString(key: string, v: string): this { return this.set(key, GGUF_VALUE.STRING, encString(v)); }
  setArray(key: string, elemType: number, values: readonly GgufScalar[] | ArrayLike<number>): this {
    if (elemType === GGUF_VALUE.ARRAY) throw new Error('nested arrays are not allowed (use rawKv to write one)');
    return this.set(key, GGUF_VALUE.ARRAY, encArray(elemType, Array.from(values as ArrayLike<GgufScalar>)));
  }

  /** Appends a kv entry verbatim (no de-duplication, any type id, any body bytes). */
  rawKv(key: string | Uint8Array, type: number, body: Uint8Array): this {
    this.kvs.push({ key: typeof key === 'string' ? Buffer.from(key, 'utf8') : Buffer.from(key), type, body: Buffer.from(body) });
    return this;
  }

  addTensor(name: string | Uint8Array, type: number, ne: readonly number[], data: Uint8Array, opts: GgufTensorOptions = {}): this {
    if (!opts.raw) {
      const want = tensorBytes(type, ne);
      if (data.length !== want) throw new Error(`tensor data is ${data.length} bytes, expected ${want}`);
      if (ne.length > 4) throw new Error('at most 4 dimensions');
    }
    this.tensorList.push({
      name: typeof name === 'string' ? Buffer.from(name, 'utf8') : Buffer.from(name),
      type, ne: opts.rawNe ?? ne, data, offset: opts.offset === undefined ? undefined : BigInt(opts.offset),
    });
    return this;
  }

  /** Alignment used for padding: general.alignment when it is a UINT32 entry, else 32. */
  get alignment(): number {
    const e = this.kvs.find((k) => k.key.toString('utf8') === 'general.alignment' && k.type === GGUF_VALUE.U32 && k.body.length === 4);
    const a = e ? e.body.readUInt32LE(0) : 32;
    return a >= 1 && a <= 65536 && (a & (a - 1)) === 0 ? a : 32;
  }

  toBuffer(opts: GgufBufferOptions = {}): Buffer {
    const parts: Buffer[] = [];
    const fields: GgufField[] = [];
    let pos = 0;
    const emit = (name: string, b: Buffer, field = true): void => {
      if (field) fields.push({ name, offset: pos, size: b.length });
      parts.push(b); pos += b.length;
    };
    const align = this.alignment;
    emit('magic', Buffer.from(opts.magic ?? Buffer.from('GGUF')));
    emit('version', encU32(opts.version ?? 3));
    emit('n_tensors', encU64(opts.nTensors ?? this.tensorList.length));
    emit('n_kv', encU64(opts.nKv ?? this.kvs.length));
    this.kvs.forEach((kv, i) => {
      emit(`kv[${i}].key_len`, encU64(kv.key.length));
      emit(`kv[${i}].key`, kv.key, false);
      emit(`kv[${i}].type`, encU32(kv.type));
      if (kv.type === GGUF_VALUE.ARRAY && kv.body.length >= 12) {
        emit(`kv[${i}].arr_type`, kv.body.subarray(0, 4));
        emit(`kv[${i}].arr_len`, kv.body.subarray(4, 12));
        emit(`kv[${i}].arr_data`, kv.body.subarray(12), false);
      } else if (kv.type === GGUF_VALUE.STRING && kv.body.length >= 8) {
        emit(`kv[${i}].str_len`, kv.body.subarray(0, 8));
        emit(`kv[${i}].str`, kv.body.subarray(8), false);
      } else {
        emit(`kv[${i}].value`, kv.body);
      }
    });
    // Data layout: explicit offsets are kept; others follow the previous tensor, aligned.
    let next = 0n;
    const offsets: bigint[] = [];
    for (const t of this.tensorList) {
      const off = t.offset ?? next;
      offsets.push(off);
      const end = off + BigInt(t.data.length);
      const padded = (end + BigInt(align) - 1n) / BigInt(align) * BigInt(align);
      // An explicit offset far away (a corrupt-file test) does not grow the data section.
      if (padded > next && (t.offset === undefined || padded < 2n ** 31n)) next = padded;
    }
    this.tensorList.forEach((t, i) => {
      emit(`tensor[${i}].name_len`, encU64(t.name.length));
      emit(`tensor[${i}].name`, t.name, false);
      emit(`tensor[${i}].n_dims`, encU32(t.ne.length));
      t.ne.forEach((d, j) => emit(`tensor[${i}].ne[${j}]`, encU64(d)));
      emit(`tensor[${i}].type`, encU32(t.type));
      emit(`tensor[${i}].offset`, encU64(offsets[i]));
    });
    if (!opts.noData && this.tensorList.length) {
      emit('padding', Buffer.alloc((align - (pos % align)) % align), false);
      const dataStart = pos;
      // Lay out the data section; explicit offsets that point outside it are simply not backed.
      const size = Number(next);
      const data = Buffer.alloc(size);
      this.tensorList.forEach((t, i) => {
        const off = offsets[i];
        if (off >= 0n && off + BigInt(t.data.length) <= BigInt(size)) data.set(t.data, Number(off));
        fields.push({ name: `tensor[${i}].data`, offset: dataStart + Number(off <= BigInt(size) ? off : 0n), size: t.data.length });
      });
      emit('data', data, false);
    }
    this.fields = fields;
    return Buffer.concat(parts);
  }

  write(path: string, opts: GgufBufferOptions = {}): void {
    writeFileSync(path, this.toBuffer(opts));
  }
}
