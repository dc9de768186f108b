// The .cairn snapshot file: a valid safetensors file.
//
//   [u64 LE: N] [N bytes: UTF-8 JSON header, space-padded so the data starts 8-byte aligned] [data]
//
// Tensors (data order): tokens I32 [n]; then k.<l>, v.<l> F16 [n, n_kv_heads, head_dim] for each
// layer l, holding only the n used positions. __metadata__ (string -> string): see header.ts
// (META_KEYS); data_sha256 covers the data section, header_sha256 the rest of the header.
//
// writeSnapshot writes atomically (temp file in the same directory, fsync, rename, fsync dir),
// streaming the K/V views without gathering them into one buffer. readSnapshot applies every check
// of RELIABILITY.md "Snapshot reader" and throws SnapshotError with a stable code.
import { createHash, randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { lstat, open, realpath, rename, unlink, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { SnapshotError, snapErr } from './errors.js';
import {
  checkFormat, checkTensors, decodeMeta, encodeMeta, expectedTensorNames, headerDigest, parseHeader,
  type ParsedHeader,
} from './header.js';
import {
  MAX_HEADER_BYTES, type Snapshot, type SnapshotData, type SnapshotExpect, type SnapshotMeta, type SnapshotSummary,
  type SnapshotTensorInfo,
} from './types.js';

export * from './types.js';
export { SnapshotError, SNAPSHOT_CODES, type SnapshotErrorCode } from './errors.js';
export { headerDigest } from './header.js';

const CHUNK = 1 << 24;
const ZERO_HASH = '0'.repeat(64);

// ---------------------------------------------------------------------------------------------
// Files

function ioErr(path: string, what: string, e: unknown): SnapshotError {
  const err = e as NodeJS.ErrnoException;
  return snapErr('SNAP_IO', path, 'file', `${what}: ${err?.code ?? ''} ${err?.message ?? String(e)}`.trim());
}

/** Opens a regular file for reading (symlinks resolved; FIFOs, devices, directories refused). */
async function openRegular(path: string): Promise<{ fh: FileHandle; size: number }> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    throw ioErr(path, 'cannot resolve', e);
  }
  const st = await lstat(real).catch((e: unknown) => { throw ioErr(path, 'cannot stat', e); });
  if (!st.isFile()) throw snapErr('SNAP_NOT_FILE', path, 'file', 'not a regular file');
  // O_NONBLOCK: if the path is swapped for a FIFO after lstat, open must not hang
  const flags = fsc.O_RDONLY | (fsc.O_NOFOLLOW ?? 0) | (fsc.O_NONBLOCK ?? 0);
  const fh = await open(real, flags).catch((e: unknown) => {
    throw (e as NodeJS.ErrnoException)?.code === 'ELOOP' ? snapErr('SNAP_NOT_FILE', path, 'file', 'became a symlink') : ioErr(path, 'cannot open', e);
  });
  try {
    const fst = await fh.stat();
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) throw snapErr('SNAP_NOT_FILE', path, 'file', 'changed while opening');
    return { fh, size: fst.size };
  } catch (e) {
    await fh.close();
    throw e instanceof SnapshotError ? e : ioErr(path, 'cannot stat', e);
  }
}

/** Reads exactly buf.length bytes at pos; a short read means the file shrank: SNAP_TRUNCATED. */
async function readExact(fh: FileHandle, path: string, buf: Uint8Array, pos: number, field: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    let n: number;
    try {
      n = (await fh.read(buf, done, Math.min(buf.length - done, CHUNK), pos + done)).bytesRead;
    } catch (e) {
      throw ioErr(path, `cannot read ${field}`, e);
    }
    if (n === 0) throw snapErr('SNAP_TRUNCATED', path, field, `file ended after ${done} of ${buf.length} bytes`);
    done += n;
  }
}

async function writeAll(fh: FileHandle, buf: Uint8Array, pos: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, Math.min(buf.length - done, CHUNK), pos + done);
    done += bytesWritten;
  }
}

const bytesOf = (a: Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Streaming sha256 (lowercase hex) of a file: the model identity of a GGUF. */
export async function sha256File(path: string): Promise<string> {
  const { fh, size } = await openRegular(path);
  try {
    const h = createHash('sha256');
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(size, 1)));
    for (let pos = 0; pos < size;) {
      const n = Math.min(buf.length, size - pos);
      await readExact(fh, path, buf.subarray(0, n), pos, 'data');
      h.update(buf.subarray(0, n));
      pos += n;
    }
    return h.digest('hex');
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

function encodeHeader(metadata: Record<string, string>, tensors: readonly SnapshotTensorInfo[]): Uint8Array {
  const obj: Record<string, unknown> = { __metadata__: metadata };
  for (const t of tensors) obj[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [t.begin, t.end] };
  const json = Buffer.from(JSON.stringify(obj), 'utf8');
  const padded = Buffer.alloc(Math.ceil((8 + json.length) / 8) * 8 - 8, 0x20);
  json.copy(padded);
  return padded;
}

function checkInput(path: string, s: SnapshotData): void {
  const bad = (field: string, what: string) => snapErr('SNAP_INPUT', path, field, what);
  const m = s.meta.model;
  if (s.nKvHeads !== m.nKvHeads || s.headDim !== m.headDim) {
    throw bad('nKvHeads/headDim', `${s.nKvHeads}/${s.headDim} disagree with meta.model ${m.nKvHeads}/${m.headDim}`);
  }
  if (s.k.length !== m.nLayer || s.v.length !== m.nLayer) throw bad('k/v', `${s.k.length}/${s.v.length} layers, meta.model.nLayer is ${m.nLayer}`);
  const rowBytes = s.tokens.length * s.nKvHeads * s.headDim * 2;
  for (let l = 0; l < m.nLayer; l++) {
    if (s.k[l].byteLength !== rowBytes) throw bad(`k[${l}]`, `${s.k[l].byteLength} bytes, expected ${rowBytes}`);
    if (s.v[l].byteLength !== rowBytes) throw bad(`v[${l}]`, `${s.v[l].byteLength} bytes, expected ${rowBytes}`);
  }
  for (let i = 0; i < s.tokens.length; i++) {
    if (s.tokens[i] < 0 || s.tokens[i] >= m.nVocab) throw bad(`tokens[${i}]`, `${s.tokens[i]} outside [0, ${m.nVocab})`);
  }
}

/**
 * Writes `s` to `path` atomically: a temp file in the same directory receives the data (streamed from
 * the views while hashing) and then the header, is fsynced, renamed over `path`, and the directory is
 * fsynced. Throws SnapshotError (SNAP_INPUT for inconsistent data, SNAP_IO for I/O failures).
 * The views are hashed and written as they are: do not mutate them until the promise settles.
 */
export async function writeSnapshot(path: string, s: SnapshotData): Promise<{ bytes: number; dataSha256: string }> {
  checkInput(path, s);
  const n = s.tokens.length;
  const tensors: SnapshotTensorInfo[] = [];
  let pos = 0;
  const add = (name: string, dtype: 'I32' | 'F16', shape: number[], bytes: number) => {
    tensors.push({ name, dtype, shape, begin: pos, end: pos + bytes });
    pos += bytes;
  };
  const tokenBytes = endianness() === 'LE' ? bytesOf(s.tokens) : (() => {
    const b = new Uint8Array(n * 4);
    const dv = new DataView(b.buffer);
    s.tokens.forEach((t, i) => dv.setInt32(i * 4, t, true));
    return b;
  })();
  const views: Uint8Array[] = [tokenBytes];
  add('tokens', 'I32', [n], tokenBytes.byteLength);
  for (let l = 0; l < s.k.length; l++) {
    add(`k.${l}`, 'F16', [n, s.nKvHeads, s.headDim], s.k[l].byteLength);
    add(`v.${l}`, 'F16', [n, s.nKvHeads, s.headDim], s.v[l].byteLength);
    views.push(s.k[l], s.v[l]);
  }
  const dataBytes = pos;
  // hash fields are fixed-length hex, so the header's size is known before the data is hashed
  const headerLen = encodeHeader(encodeMeta(s.meta, ZERO_HASH, ZERO_HASH), tensors).length;
  if (headerLen > MAX_HEADER_BYTES) throw snapErr('SNAP_INPUT', path, 'meta', `header would be ${headerLen} bytes (> ${MAX_HEADER_BYTES})`);

  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', 0o600);
    const hash = createHash('sha256');
    let at = 8 + headerLen;
    for (const v of views) {
      hash.update(v);
      await writeAll(fh, v, at);
      at += v.byteLength;
    }
    const dataSha256 = hash.digest('hex');
    const pre = encodeMeta(s.meta, dataSha256, ZERO_HASH);
    const metadata = encodeMeta(s.meta, dataSha256, headerDigest(pre, tensors));
    const header = encodeHeader(metadata, tensors);
    if (header.length !== headerLen) throw new Error(`header length changed (${headerLen} -> ${header.length})`);
    // the reader must accept what we write: run its header checks on the exact bytes
    const parsed = parseHeader(path, header, dataBytes);
    checkFormat(path, parsed.metadata);
    checkTensors(path, parsed.tensors, decodeMeta(path, parsed.metadata));
    const prefix = new Uint8Array(8);
    new DataView(prefix.buffer).setBigUint64(0, BigInt(headerLen), true);
    await writeAll(fh, prefix, 0);
    await writeAll(fh, header, 8);
    await fh.sync();
    await fh.close();
    fh = undefined;
    await rename(tmp, path);
    await syncDir(dir);
    return { bytes: 8 + headerLen + dataBytes, dataSha256 };
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    if (e instanceof SnapshotError) throw new SnapshotError('SNAP_INPUT', `${path}: writer produced an invalid header: ${e.message}`, path, e.field);
    throw ioErr(path, 'cannot write snapshot', e);
  }
}

async function syncDir(dir: string): Promise<void> {
  let d: FileHandle | undefined;
  try {
    d = await open(dir, 'r');
    await d.sync();
  } catch (e) {
    // Windows cannot open/fsync a directory; the rename is still atomic there
    if (process.platform !== 'win32') throw e;
  } finally {
    await d?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

interface Opened {
  fh: FileHandle;
  size: number;
  headerBytes: number;
  parsed: ParsedHeader;
  meta: SnapshotMeta;
  nTokens: number;
}

/** Every check that needs only the header (and the file size). Closes fh on failure. */
async function openAndCheckHeader(path: string, expect?: SnapshotExpect): Promise<Opened> {
  const { fh, size } = await openRegular(path);
  try {
    if (size < 8) throw snapErr('SNAP_TRUNCATED', path, 'header length', `file has ${size} bytes, needs 8`);
    const prefix = new Uint8Array(8);
    await readExact(fh, path, prefix, 0, 'header length');
    const n = new DataView(prefix.buffer).getBigUint64(0, true);
    if (n < 2n || n > BigInt(MAX_HEADER_BYTES)) throw snapErr('SNAP_HEADER_SIZE', path, 'header length', `${n} not in 2..${MAX_HEADER_BYTES}`);
    const headerBytes = Number(n);
    if (8 + headerBytes > size) throw snapErr('SNAP_TRUNCATED', path, 'header', `declares ${headerBytes} bytes, file has ${size - 8} after the length`);
    const header = new Uint8Array(headerBytes);
    await readExact(fh, path, header, 8, 'header');
    const parsed = parseHeader(path, header, size - 8 - headerBytes);
    checkFormat(path, parsed.metadata);
    const digest = headerDigest(parsed.metadata, parsed.tensors);
    if (parsed.metadata.header_sha256 !== digest) {
      throw snapErr('SNAP_HASH', path, '__metadata__.header_sha256', 'does not match the header (metadata or tensor table corrupt)');
    }
    const meta = decodeMeta(path, parsed.metadata);
    const nTokens = checkTensors(path, parsed.tensors, meta);
    if (expect) {
      if (expect.modelSha256 !== undefined && expect.modelSha256.toLowerCase() !== meta.model.sha256) {
        throw snapErr('SNAP_FOREIGN_MODEL', path, '__metadata__.model_sha256',
          `snapshot of model ${meta.model.sha256.slice(0, 12)}… (${meta.model.arch}), target is ${expect.modelSha256.slice(0, 12)}…`);
      }
      const dims: [string, number, number][] = [
        ['n_layer', meta.model.nLayer, expect.nLayer], ['n_kv_heads', meta.model.nKvHeads, expect.nKvHeads],
        ['head_dim', meta.model.headDim, expect.headDim], ['n_vocab', meta.model.nVocab, expect.nVocab],
      ];
      for (const [k, have, want] of dims) {
        if (have !== want) throw snapErr('SNAP_SHAPE', path, `__metadata__.${k}`, `${have}, target model has ${want}`);
      }
      if (nTokens > expect.maxTokens) throw snapErr('SNAP_CONTEXT', path, 'tensor "tokens".shape', `${nTokens} tokens > target context ${expect.maxTokens}`);
    }
    return { fh, size, headerBytes, parsed, meta, nTokens };
  } catch (e) {
    await fh.close();
    throw e;
  }
}

function decodeTokens(path: string, bytes: Uint8Array, nVocab: number): Int32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Int32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) {
    const t = dv.getInt32(i * 4, true);
    if (t < 0 || t >= nVocab) throw snapErr('SNAP_TOKEN', path, `tokens[${i}]`, `${t} outside [0, ${nVocab})`);
    out[i] = t;
  }
  return out;
}

/**
 * Reads and fully validates a snapshot (see RELIABILITY.md "Snapshot reader"). With `expect`, also
 * refuses a snapshot of another model (SNAP_FOREIGN_MODEL, by GGUF hash), other dims (SNAP_SHAPE), or
 * more tokens than the target context (SNAP_CONTEXT) before the data is read.
 */
export async function readSnapshot(path: string, expect?: SnapshotExpect): Promise<Snapshot> {
  const o = await openAndCheckHeader(path, expect);
  try {
    const dataAt = 8 + o.headerBytes;
    const data = new Uint8Array(o.size - dataAt);
    await readExact(o.fh, path, data, dataAt, 'data');
    const dataSha256 = createHash('sha256').update(data).digest('hex');
    if (dataSha256 !== o.parsed.metadata.data_sha256) {
      throw snapErr('SNAP_HASH', path, '__metadata__.data_sha256', 'does not match the data section');
    }
    const byName = new Map(o.parsed.tensors.map((t) => [t.name, t]));
    const view = (name: string) => {
      const t = byName.get(name) as SnapshotTensorInfo;
      return data.subarray(t.begin, t.end);
    };
    const nVocab = Math.min(o.meta.model.nVocab, expect?.nVocab ?? Infinity);
    const tokens = decodeTokens(path, view('tokens'), nVocab);
    const k: Uint8Array[] = [];
    const v: Uint8Array[] = [];
    for (let l = 0; l < o.meta.model.nLayer; l++) {
      k.push(view(`k.${l}`));
      v.push(view(`v.${l}`));
    }
    return { tokens, k, v, meta: o.meta, dataSha256 };
  } finally {
    await o.fh.close();
  }
}

/** Verifies a snapshot like readSnapshot (no target model) but streams the data; returns a summary. */
export async function inspectSnapshot(path: string): Promise<SnapshotSummary> {
  const o = await openAndCheckHeader(path);
  try {
    const dataAt = 8 + o.headerBytes;
    const dataBytes = o.size - dataAt;
    const hash = createHash('sha256');
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(dataBytes, 1)));
    for (let pos = 0; pos < dataBytes;) {
      const n = Math.min(buf.length, dataBytes - pos);
      await readExact(o.fh, path, buf.subarray(0, n), dataAt + pos, 'data');
      hash.update(buf.subarray(0, n));
      pos += n;
    }
    const dataSha256 = hash.digest('hex');
    if (dataSha256 !== o.parsed.metadata.data_sha256) throw snapErr('SNAP_HASH', path, '__metadata__.data_sha256', 'does not match the data section');
    const tok = o.parsed.tensors.find((t) => t.name === 'tokens') as SnapshotTensorInfo;
    const tokenBytes = new Uint8Array(tok.end - tok.begin);
    await readExact(o.fh, path, tokenBytes, dataAt + tok.begin, 'data');
    decodeTokens(path, tokenBytes, o.meta.model.nVocab);
    const order = new Map(expectedTensorNames(o.meta.model.nLayer).map((name, i) => [name, i]));
    return {
      path,
      fileBytes: o.size,
      headerBytes: o.headerBytes,
      dataBytes,
      formatVersion: o.parsed.metadata.format_version,
      nTokens: o.nTokens,
      tensors: [...o.parsed.tensors].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0)),
      meta: o.meta,
      dataSha256,
      headerSha256: o.parsed.metadata.header_sha256,
    };
  } finally {
    await o.fh.close();
  }
}
