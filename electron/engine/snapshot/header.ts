// Header of a .cairn file (a safetensors JSON header): structural validation (safetensors
// rules), metadata decoding (format version 1) and tensor-set semantics. Pure functions over
// bytes/values; all file access is in format.ts.
import { createHash } from 'node:crypto';
import { snapErr } from './errors.js';
import { StrictJsonError, isJsonObject, parseStrictJson, type JsonObject, type JsonValue } from './strict-json.js';
import {
  SNAPSHOT_FORMAT, SNAPSHOT_FORMAT_VERSION, type Dtype, type SnapshotMeta, type SnapshotTensorInfo,
  type TranscriptMessage,
} from './types.js';

export const DTYPE_SIZE: Readonly<Record<Dtype, number>> = { I32: 4, F16: 2, U8: 1 };
const MAX_RANK = 4;
const ENTRY_KEYS = ['data_offsets', 'dtype', 'shape'];

/** Metadata keys of format version 1, all required, no others. */
export const META_KEYS = [
  'format', 'format_version', 'engine_version', 'model_sha256', 'arch', 'n_layer', 'n_kv_heads', 'head_dim',
  'n_vocab', 'kv_type', 'tokenizer_hash', 'sampler', 'transcript', 'settings', 'data_xxh64', 'header_sha256',
  'created_at',
] as const;
export type MetaKey = (typeof META_KEYS)[number];
export type MetadataRecord = Record<string, string>;

export interface ParsedHeader {
  metadata: MetadataRecord;
  /** In data order (sorted by offsets). */
  tensors: SnapshotTensorInfo[];
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isUint = (v: JsonValue) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Safetensors-level checks: strict UTF-8 JSON; no duplicate keys or numbers > 2^53 - 1; entries exactly
 * {dtype, shape, data_offsets}; dtype allowlist; rank <= 4; byte size == product(shape) * dtype size;
 * offsets contiguous from 0; last end == dataBytes (when given: the bytes after the header; the lenient
 * readSnapshotMeta leaves it out); __metadata__ present and string -> string.
 */
export function parseHeader(path: string, header: Uint8Array, dataBytes?: number): ParsedHeader {
  let text: string;
  try {
    text = decoder.decode(header);
  } catch {
    throw snapErr('SNAP_HEADER_JSON', path, 'header', 'not valid UTF-8');
  }
  if (text[0] !== '{') throw snapErr('SNAP_HEADER_JSON', path, 'header', "does not start with '{'");
  let root: JsonValue;
  try {
    root = parseStrictJson(text, 16);
  } catch (e) {
    if (!(e instanceof StrictJsonError)) throw e;
    const code = e.fault === 'dup_key' ? 'SNAP_DUP_KEY' : e.fault === 'number' ? 'SNAP_NUMBER' : 'SNAP_HEADER_JSON';
    throw snapErr(code, path, 'header', e.message);
  }
  if (!isJsonObject(root)) throw snapErr('SNAP_HEADER_JSON', path, 'header', 'not a JSON object');

  let metadata: MetadataRecord | undefined;
  const tensors: SnapshotTensorInfo[] = [];
  for (const [name, entry] of Object.entries(root)) {
    const field = name === '__metadata__' ? name : `tensor ${JSON.stringify(name)}`;
    if (name === '__metadata__') {
      if (!isJsonObject(entry)) throw snapErr('SNAP_METADATA', path, field, 'not an object');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw snapErr('SNAP_METADATA', path, `__metadata__.${k}`, 'value is not a string');
      }
      metadata = entry as MetadataRecord;
      continue;
    }
    if (!isJsonObject(entry)) throw snapErr('SNAP_TENSOR_ENTRY', path, field, 'not an object');
    const keys = Object.keys(entry).sort();
    if (keys.length !== ENTRY_KEYS.length || keys.some((k, i) => k !== ENTRY_KEYS[i])) {
      throw snapErr('SNAP_TENSOR_ENTRY', path, field, `keys must be exactly {dtype, shape, data_offsets}, got {${keys.join(', ')}}`);
    }
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string') throw snapErr('SNAP_TENSOR_ENTRY', path, `${field}.dtype`, 'not a string');
    if (!hasOwn(DTYPE_SIZE, dtype)) throw snapErr('SNAP_DTYPE', path, `${field}.dtype`, `${JSON.stringify(dtype)} is not one of I32, F16, U8`);
    if (!Array.isArray(shape)) throw snapErr('SNAP_TENSOR_ENTRY', path, `${field}.shape`, 'not an array');
    if (shape.length > MAX_RANK) throw snapErr('SNAP_SHAPE', path, `${field}.shape`, `rank ${shape.length} > ${MAX_RANK}`);
    if (!shape.every(isUint)) throw snapErr('SNAP_SHAPE', path, `${field}.shape`, 'dimensions must be non-negative integers');
    if (!Array.isArray(offsets)) throw snapErr('SNAP_TENSOR_ENTRY', path, `${field}.data_offsets`, 'not an array');
    if (offsets.length !== 2 || !offsets.every(isUint)) {
      throw snapErr('SNAP_OFFSETS', path, `${field}.data_offsets`, 'must be [begin, end] of non-negative integers');
    }
    const [begin, end] = offsets as number[];
    if (begin > end) throw snapErr('SNAP_OFFSETS', path, `${field}.data_offsets`, `begin ${begin} > end ${end}`);
    const want = (shape as number[]).reduce((p, d) => p * BigInt(d), BigInt(DTYPE_SIZE[dtype as Dtype]));
    if (BigInt(end - begin) !== want) {
      throw snapErr('SNAP_SHAPE', path, field, `${end - begin} bytes, but shape [${shape.join(', ')}] of ${dtype} needs ${want}`);
    }
    tensors.push({ name, dtype: dtype as Dtype, shape: shape as number[], begin, end });
  }
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  for (const t of tensors) {
    if (t.begin !== pos) {
      throw snapErr('SNAP_OFFSETS', path, `tensor ${JSON.stringify(t.name)}.data_offsets`,
        `${t.begin > pos ? 'hole' : 'overlap'}: begins at ${t.begin}, previous tensor ends at ${pos}`);
    }
    pos = t.end;
  }
  if (dataBytes !== undefined && pos > dataBytes) throw snapErr('SNAP_TRUNCATED', path, 'data', `tensors need ${pos} bytes, file holds ${dataBytes}`);
  if (dataBytes !== undefined && pos < dataBytes) throw snapErr('SNAP_DATA_LENGTH', path, 'data', `${dataBytes - pos} bytes after the last tensor`);
  if (metadata === undefined) throw snapErr('SNAP_METADATA', path, '__metadata__', 'missing');
  return { metadata, tensors };
}

/**
 * header_sha256: sha256 of a canonical serialization of everything else in the header (metadata
 * entries except header_sha256, sorted by key; tensor entries sorted by name). data_xxh64 covers the
 * data only; this makes a flipped bit in the transcript or the model hash detectable too, so a corrupt
 * snapshot is never mistaken for a foreign one.
 */
export function headerDigest(metadata: MetadataRecord, tensors: readonly SnapshotTensorInfo[]): string {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const meta = Object.keys(metadata).filter((k) => k !== 'header_sha256').sort(cmp).map((k) => [k, metadata[k]]);
  const ts = [...tensors].sort((a, b) => cmp(a.name, b.name)).map((t) => [t.name, t.dtype, t.shape, [t.begin, t.end]]);
  return createHash('sha256').update(JSON.stringify([meta, ts])).digest('hex');
}

const HEX = /^[0-9a-f]+$/;
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** Checks format/format_version (before anything else, so a future version is reported as such). */
export function checkFormat(path: string, md: MetadataRecord): void {
  if (md.format !== SNAPSHOT_FORMAT) {
    throw snapErr('SNAP_METADATA', path, '__metadata__.format', `expected "${SNAPSHOT_FORMAT}", got ${JSON.stringify(md.format ?? null)}`);
  }
  if (md.format_version !== SNAPSHOT_FORMAT_VERSION) {
    throw snapErr('SNAP_FORMAT_VERSION', path, '__metadata__.format_version',
      `version ${JSON.stringify(md.format_version ?? null)} is not supported (this reader understands ${SNAPSHOT_FORMAT_VERSION})`);
  }
}

/** Decodes and validates the version-1 metadata record (every key required, no unknown keys). */
export function decodeMeta(path: string, md: MetadataRecord): SnapshotMeta {
  for (const k of META_KEYS) if (!hasOwn(md, k)) throw snapErr('SNAP_METADATA', path, `__metadata__.${k}`, 'missing');
  for (const k of Object.keys(md)) {
    if (!(META_KEYS as readonly string[]).includes(k)) throw snapErr('SNAP_METADATA', path, `__metadata__.${k}`, 'unknown key');
  }
  const field = (k: MetaKey) => `__metadata__.${k}`;
  const bad = (k: MetaKey, what: string) => snapErr('SNAP_METADATA', path, field(k), what);
  const text = (k: MetaKey) => {
    const v = md[k];
    if (v.length === 0 || v.length > 256) throw bad(k, 'must be 1..256 characters');
    return v;
  };
  const hex = (k: MetaKey, digits = 64) => {
    if (md[k].length !== digits || !HEX.test(md[k])) throw bad(k, `must be ${digits} lowercase hex digits`);
    return md[k];
  };
  const int = (k: MetaKey, max: number) => {
    const v = md[k];
    if (!DECIMAL.test(v) || Number(v) < 1 || Number(v) > max) throw bad(k, `${JSON.stringify(v.slice(0, 40))} is not an integer in 1..${max}`);
    return Number(v);
  };
  const json = (k: MetaKey): JsonValue => {
    try {
      return parseStrictJson(md[k], 64);
    } catch (e) {
      if (!(e instanceof StrictJsonError)) throw e;
      throw bad(k, `not strict JSON: ${e.message}`);
    }
  };
  if (md.kv_type !== 'f16') throw bad('kv_type', `${JSON.stringify(md.kv_type.slice(0, 40))} is not supported (version 1 stores f16)`);
  const sampler = json('sampler');
  if (!isJsonObject(sampler) || !isJsonObject(sampler.params) || !hasOwn(sampler, 'rng')) {
    throw bad('sampler', 'must be a JSON object {params: {...}, rng: ...}');
  }
  const transcript = json('transcript');
  if (!Array.isArray(transcript) || !transcript.every((m) => isJsonObject(m) && typeof m.role === 'string' && typeof m.content === 'string')) {
    throw bad('transcript', 'must be a JSON array of {role: string, content: string, ...}');
  }
  const settings = json('settings');
  if (!isJsonObject(settings)) throw bad('settings', 'must be a JSON object');
  if (!ISO.test(md.created_at) || !Number.isFinite(Date.parse(md.created_at))) throw bad('created_at', 'not an ISO 8601 UTC time');
  hex('data_xxh64', 16);
  hex('header_sha256');
  return {
    engineVersion: text('engine_version'),
    model: {
      sha256: hex('model_sha256'),
      arch: text('arch'),
      nLayer: int('n_layer', 4096),
      nKvHeads: int('n_kv_heads', 4096),
      headDim: int('head_dim', 65536),
      nVocab: int('n_vocab', 0x7fffffff),
      kvType: 'f16',
    },
    tokenizerHash: text('tokenizer_hash'),
    sampler: { params: sampler.params as JsonObject, rng: sampler.rng },
    transcript: transcript as TranscriptMessage[],
    settings,
    createdAt: md.created_at,
  };
}

/** The version-1 metadata record for `meta` (hash fields as given). */
export function encodeMeta(meta: SnapshotMeta, dataXxh64: string, headerSha256: string): MetadataRecord {
  const m = meta.model;
  const rec: Record<MetaKey, string> = {
    format: SNAPSHOT_FORMAT,
    format_version: SNAPSHOT_FORMAT_VERSION,
    engine_version: meta.engineVersion,
    model_sha256: m.sha256,
    arch: m.arch,
    n_layer: String(m.nLayer),
    n_kv_heads: String(m.nKvHeads),
    head_dim: String(m.headDim),
    n_vocab: String(m.nVocab),
    kv_type: m.kvType,
    tokenizer_hash: meta.tokenizerHash,
    sampler: JSON.stringify({ params: meta.sampler.params, rng: meta.sampler.rng }),
    transcript: JSON.stringify(meta.transcript),
    settings: JSON.stringify(meta.settings),
    data_xxh64: dataXxh64,
    header_sha256: headerSha256,
    created_at: meta.createdAt,
  };
  return rec;
}

/** Names of the tensors a version-1 snapshot of an n_layer model holds, in data order. */
export function expectedTensorNames(nLayer: number): string[] {
  const names = ['tokens'];
  for (let l = 0; l < nLayer; l++) names.push(`k.${l}`, `v.${l}`);
  return names;
}

/** Tensor set and per-tensor dtype/shape against the decoded metadata; returns n_tokens. */
export function checkTensors(path: string, tensors: readonly SnapshotTensorInfo[], meta: SnapshotMeta): number {
  const want = new Set(expectedTensorNames(meta.model.nLayer));
  const have = new Set(tensors.map((t) => t.name));
  const missing = [...want].filter((n) => !have.has(n));
  const extra = [...have].filter((n) => !want.has(n));
  if (missing.length > 0 || extra.length > 0) {
    const list = (xs: string[]) => xs.slice(0, 4).map((x) => JSON.stringify(x.slice(0, 40))).join(', ') + (xs.length > 4 ? ', ...' : '');
    throw snapErr('SNAP_TENSOR_SET', path, 'tensors',
      [missing.length ? `missing ${list(missing)}` : '', extra.length ? `unexpected ${list(extra)}` : ''].filter(Boolean).join('; '));
  }
  const tokens = tensors.find((t) => t.name === 'tokens') as SnapshotTensorInfo;
  if (tokens.dtype !== 'I32') throw snapErr('SNAP_DTYPE', path, 'tensor "tokens".dtype', `${tokens.dtype}, expected I32`);
  if (tokens.shape.length !== 1) throw snapErr('SNAP_SHAPE', path, 'tensor "tokens".shape', `rank ${tokens.shape.length}, expected [n]`);
  const n = tokens.shape[0];
  const { nKvHeads, headDim } = meta.model;
  for (const t of tensors) {
    if (t === tokens) continue;
    if (t.dtype !== 'F16') throw snapErr('SNAP_DTYPE', path, `tensor "${t.name}".dtype`, `${t.dtype}, expected F16 (kv_type f16)`);
    const s = t.shape;
    if (s.length !== 3 || s[0] !== n || s[1] !== nKvHeads || s[2] !== headDim) {
      throw snapErr('SNAP_SHAPE', path, `tensor "${t.name}".shape`, `[${s.join(', ')}], expected [${n}, ${nKvHeads}, ${headDim}]`);
    }
  }
  return n;
}
