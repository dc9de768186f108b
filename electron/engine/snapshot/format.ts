// The .cairn snapshot file: a valid safetensors file.
//
//   [u64 LE: N] [N bytes: UTF-8 JSON header, space-padded so the data starts 8-byte aligned] [data]
//
// Tensors (data order): tokens I32 [n]; then k.<l>, v.<l> F16 [n, n_kv_heads, head_dim] for each
// layer l, holding only the n used positions. __metadata__ (string -> string): see header.ts
// (META_KEYS); data_xxh64 (XXH64, canonical hex as `xxhsum -H1` prints it) covers the data section,
// header_sha256 the rest of the header.
//
// writeSnapshot writes atomically (temp file in the same directory, fsync, rename, fsync dir),
// streaming the K/V views without gathering them into one buffer. readSnapshot applies every check
// of RELIABILITY.md "Snapshot reader" and throws SnapshotError with a stable code.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants as fsc, fstatSync, lstatSync, openSync, read, readSync, readvSync, realpathSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { EngineError, readFileIntoViews, Xxh64, xxh64Views } from '../native.js';
import { SnapshotError, snapErr } from './errors.js';
import {
  checkFormat, checkTensors, decodeMeta, encodeMeta, expectedTensorNames, headerDigest, parseHeader,
} from './header.js';
import {
  MAX_HEADER_BYTES, type Snapshot, type SnapshotData, type SnapshotExpect, type SnapshotMeta, type SnapshotSummary,
  type SnapshotTensorInfo,
} from './types.js';

export * from './types.js';
export { SnapshotError, SNAPSHOT_CODES, type SnapshotErrorCode } from './errors.js';
export { headerDigest } from './header.js';

const CHUNK = 1 << 24;
const LITTLE_ENDIAN = endianness() === 'LE';
const HEAD_READ = 1 << 16; // bytes read at once for the length prefix and header
const ZERO_HASH = '0'.repeat(64), ZERO_DATA_HASH = '0'.repeat(16);

// ---------------------------------------------------------------------------------------------
// Files

function ioErr(path: string, what: string, e: unknown): SnapshotError {
  const err = e as NodeJS.ErrnoException;
  return snapErr('SNAP_IO', path, 'file', `${what}: ${err?.code ?? ''} ${err?.message ?? String(e)}`.trim());
}

/** Opens a regular file for reading (symlinks resolved; FIFOs, devices, directories refused).
 *  Synchronous: a restore must not pay the thread-pool round trips of fs/promises. */
function openRegular(path: string): { fd: number; size: number } {
  let real: string;
  try {
    real = realpathSync.native(path);
  } catch (e) {
    throw ioErr(path, 'cannot resolve', e);
  }
  let st;
  try { st = lstatSync(real); } catch (e) { throw ioErr(path, 'cannot stat', e); }
  if (!st.isFile()) throw snapErr('SNAP_NOT_FILE', path, 'file', 'not a regular file');
  // O_NONBLOCK: if the path is swapped for a FIFO after lstat, open must not hang
  let fd: number;
  try {
    fd = openSync(real, fsc.O_RDONLY | (fsc.O_NOFOLLOW ?? 0) | (fsc.O_NONBLOCK ?? 0));
  } catch (e) {
    throw (e as NodeJS.ErrnoException)?.code === 'ELOOP' ? snapErr('SNAP_NOT_FILE', path, 'file', 'became a symlink') : ioErr(path, 'cannot open', e);
  }
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) throw snapErr('SNAP_NOT_FILE', path, 'file', 'changed while opening');
    return { fd, size: fst.size };
  } catch (e) {
    closeSync(fd);
    throw e instanceof SnapshotError ? e : ioErr(path, 'cannot stat', e);
  }
}

/** Reads exactly buf.length bytes at pos, straight into buf; a short read means the file shrank: SNAP_TRUNCATED. */
function readExact(fd: number, path: string, buf: Uint8Array, pos: number, field: string): void {
  let done = 0;
  while (done < buf.length) {
    let n: number;
    try {
      n = readSync(fd, buf, done, Math.min(buf.length - done, 1 << 30), pos + done);
    } catch (e) {
      throw ioErr(path, `cannot read ${field}`, e);
    }
    if (n === 0) throw snapErr('SNAP_TRUNCATED', path, field, `file ended after ${done} of ${buf.length} bytes`);
    done += n;
  }
}

const readAsync = promisify(read);

async function writeAll(fh: FileHandle, buf: Uint8Array, pos: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, Math.min(buf.length - done, CHUNK), pos + done);
    done += bytesWritten;
  }
}

const bytesOf = (a: Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Streaming sha256 (lowercase hex) of a file: the model identity of a GGUF. Reads off the main
 *  thread (a model is gigabytes); hashes each chunk as it arrives. */
export async function sha256File(path: string): Promise<string> {
  const { fd, size } = openRegular(path);
  try {
    const h = createHash('sha256');
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(size, 1)));
    for (let pos = 0; pos < size;) {
      let n: number;
      try {
        n = (await readAsync(fd, buf, 0, Math.min(buf.length, size - pos), pos)).bytesRead;
      } catch (e) {
        throw ioErr(path, 'cannot read data', e);
      }
      if (n === 0) throw snapErr('SNAP_TRUNCATED', path, 'data', `file ended after ${pos} of ${size} bytes`);
      h.update(buf.subarray(0, n));
      pos += n;
    }
    return h.digest('hex');
  } finally {
    closeSync(fd);
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
export async function writeSnapshot(path: string, s: SnapshotData): Promise<{ bytes: number; dataXxh64: string }> {
  checkInput(path, s);
  const n = s.tokens.length;
  const tensors: SnapshotTensorInfo[] = [];
  let pos = 0;
  const add = (name: string, dtype: 'I32' | 'F16', shape: number[], bytes: number) => {
    tensors.push({ name, dtype, shape, begin: pos, end: pos + bytes });
    pos += bytes;
  };
  const tokenBytes = LITTLE_ENDIAN ? bytesOf(s.tokens) : (() => {
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
  const headerLen = encodeHeader(encodeMeta(s.meta, ZERO_DATA_HASH, ZERO_HASH), tensors).length;
  if (headerLen > MAX_HEADER_BYTES) throw snapErr('SNAP_INPUT', path, 'meta', `header would be ${headerLen} bytes (> ${MAX_HEADER_BYTES})`);

  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(tmp, 'wx', 0o600);
    const hash = new Xxh64();
    let at = 8 + headerLen;
    for (const v of views) {
      hash.update(v);
      await writeAll(fh, v, at);
      at += v.byteLength;
    }
    const dataXxh64 = hash.digest();
    const pre = encodeMeta(s.meta, dataXxh64, ZERO_HASH);
    const metadata = encodeMeta(s.meta, dataXxh64, headerDigest(pre, tensors));
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
    return { bytes: 8 + headerLen + dataBytes, dataXxh64 };
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

/** An open snapshot whose header passed every check: the data can be read straight to where it is
 *  needed and verified on the way (readTensors). */
export interface SnapshotReader {
  readonly path: string;
  readonly size: number;
  readonly headerBytes: number;
  readonly meta: SnapshotMeta;
  readonly nTokens: number;
  /** Tensor entries in data order (tokens, k.0, v.0, k.1, …). */
  readonly tensors: readonly SnapshotTensorInfo[];
  /** The header's data_xxh64 and header_sha256. */
  readonly dataXxh64: string;
  readonly headerSha256: string;
  formatVersion: string;
  /** Reads every tensor straight into its destination (dsts[i] receives tensors[i], exactly its
   *  byte size), with no buffer in between, and checks data_xxh64 over the
   *  bytes as read (hashed right behind the read): SNAP_HASH when they differ, the destinations
   *  then hold unverified bytes the caller must drop. */
  readTensors(dsts: readonly Uint8Array[]): void;
  /** Reads dst.length bytes of the data section from offset `pos` (relative to the data start). */
  readData(pos: number, dst: Uint8Array, field: string): void;
  close(): void;
}

/**
 * Opens a snapshot and applies every check that needs only the header and the file size (see
 * RELIABILITY.md "Snapshot reader"). With `expect`, also refuses a snapshot of another model
 * (SNAP_FOREIGN_MODEL, by GGUF hash), other dims (SNAP_SHAPE), or more tokens than the target
 * context (SNAP_CONTEXT). The data is not read: callers read (and verify) it with readTensors and
 * decode the tokens (decodeTokens) before using it.
 */
export function openSnapshot(path: string, expect?: SnapshotExpect): SnapshotReader {
  const { fd, size } = openRegular(path);
  try {
    if (size < 8) throw snapErr('SNAP_TRUNCATED', path, 'header length', `file has ${size} bytes, needs 8`);
    // one read for the length and (typically all of) the header
    const head = new Uint8Array(Math.min(size, HEAD_READ));
    readExact(fd, path, head, 0, 'header');
    const n = new DataView(head.buffer).getBigUint64(0, true);
    if (n < 2n || n > BigInt(MAX_HEADER_BYTES)) throw snapErr('SNAP_HEADER_SIZE', path, 'header length', `${n} not in 2..${MAX_HEADER_BYTES}`);
    const headerBytes = Number(n);
    if (8 + headerBytes > size) throw snapErr('SNAP_TRUNCATED', path, 'header', `declares ${headerBytes} bytes, file has ${size - 8} after the length`);
    let header: Uint8Array;
    if (8 + headerBytes <= head.length) header = head.subarray(8, 8 + headerBytes);
    else {
      header = new Uint8Array(headerBytes);
      header.set(head.subarray(8));
      readExact(fd, path, header.subarray(head.length - 8), head.length, 'header');
    }
    const parsed = parseHeader(path, header, size - 8 - headerBytes);
    checkFormat(path, parsed.metadata);
    const digest = headerDigest(parsed.metadata, parsed.tensors);
    if (parsed.metadata.header_sha256 !== digest) {
      throw snapErr('SNAP_HASH', path, '__metadata__.header_sha256', 'does not match the header (metadata or tensor table corrupt)');
    }
    const meta = decodeMeta(path, parsed.metadata);
    const nTokens = checkTensors(path, parsed.tensors, meta);
    if (expect) checkExpect(path, meta, nTokens, expect);
    const dataAt = 8 + headerBytes;
    const tensors = [...parsed.tensors].sort((a, b) => a.begin - b.begin);
    let open = true;
    return {
      path, size, headerBytes, meta, nTokens, tensors,
      dataXxh64: parsed.metadata.data_xxh64, headerSha256: parsed.metadata.header_sha256, formatVersion: parsed.metadata.format_version,
      readTensors(dsts) {
        tensors.forEach((t, i) => {
          if (dsts[i]?.byteLength !== t.end - t.begin) throw snapErr('SNAP_INPUT', path, t.name, `destination of ${dsts[i]?.byteLength} bytes for ${t.end - t.begin}`);
        });
        // the tensors tile the data section in this order (checkTensors): one engine call (or one
        // readv where the engine cannot) fills them all
        let actual: string | undefined;
        try {
          actual = readFileIntoViews(fd, dataAt, dsts);
        } catch (e) {
          if (!(e instanceof EngineError)) throw e;
          throw e.code === 'CAIRN_E_TRUNCATED' ? snapErr('SNAP_TRUNCATED', path, 'data', e.message) : ioErr(path, 'cannot read data', e);
        }
        let at = 0, pending = actual === undefined ? dsts.filter((d) => d.byteLength > 0) : [];
        while (pending.length) {
          let n: number;
          try {
            n = readvSync(fd, pending, dataAt + at);
          } catch (e) {
            throw ioErr(path, 'cannot read data', e);
          }
          if (n === 0) throw snapErr('SNAP_TRUNCATED', path, 'data', `file ended after ${at} data bytes`);
          at += n;
          while (pending.length && n >= pending[0].byteLength) { n -= pending[0].byteLength; pending = pending.slice(1); }
          if (n > 0) pending = [pending[0].subarray(n), ...pending.slice(1)];
        }
        checkDataHash(path, parsed.metadata.data_xxh64, actual ?? xxh64Views(dsts));
      },
      readData(pos, dst, field) {
        if (pos < 0 || pos + dst.byteLength > size - dataAt) throw snapErr('SNAP_INPUT', path, field, `range [${pos}, +${dst.byteLength}) outside the data`);
        readExact(fd, path, dst, dataAt + pos, field);
      },
      close() { if (open) { open = false; closeSync(fd); } },
    };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

function checkExpect(path: string, meta: SnapshotMeta, nTokens: number, expect: SnapshotExpect): void {
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

/** Throws SNAP_HASH unless `actual` (the XXH64 of the data as read) is the header's data_xxh64. */
function checkDataHash(path: string, expected: string, actual: string): void {
  if (actual !== expected) throw snapErr('SNAP_HASH', path, '__metadata__.data_xxh64', 'does not match the data section');
}

/** Token ids from the tokens tensor's little-endian bytes, each checked against the vocabulary:
 *  a view of `bytes` where the host is little-endian and the bytes 4-aligned, else a decoded copy. */
export function decodeTokens(path: string, bytes: Uint8Array, nVocab: number): Int32Array {
  const n = bytes.byteLength >> 2;
  let ids: Int32Array;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) ids = new Int32Array(bytes.buffer, bytes.byteOffset, n);
  else {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = dv.getInt32(i * 4, true);
  }
  for (let i = 0; i < n; i++) {
    const t = ids[i];
    if (t < 0 || t >= nVocab) throw snapErr('SNAP_TOKEN', path, `tokens[${i}]`, `${t} outside [0, ${nVocab})`);
  }
  return ids;
}

/** Reads a snapshot into one buffer and fully validates it, data hash included (openSnapshot's
 *  checks, then SNAP_HASH and SNAP_TOKEN). */
export async function readSnapshot(path: string, expect?: SnapshotExpect): Promise<Snapshot> {
  const r = openSnapshot(path, expect);
  try {
    const data = new Uint8Array(r.size - 8 - r.headerBytes);
    const view = (t: SnapshotTensorInfo) => data.subarray(t.begin, t.end);
    r.readTensors(r.tensors.map(view)); // the tensors tile the data: one read, hashed behind it
    const byName = new Map(r.tensors.map((t) => [t.name, t]));
    const get = (name: string) => view(byName.get(name) as SnapshotTensorInfo);
    const tokens = decodeTokens(path, get('tokens'), Math.min(r.meta.model.nVocab, expect?.nVocab ?? Infinity));
    const k: Uint8Array[] = [], v: Uint8Array[] = [];
    for (let l = 0; l < r.meta.model.nLayer; l++) { k.push(get(`k.${l}`)); v.push(get(`v.${l}`)); }
    return { tokens, k, v, meta: r.meta, dataXxh64: r.dataXxh64 };
  } finally {
    r.close();
  }
}

/** Verifies a snapshot like readSnapshot (no target model) but streams the data; returns a summary. */
export async function inspectSnapshot(path: string): Promise<SnapshotSummary> {
  const r = openSnapshot(path);
  try {
    const hash = new Xxh64();
    const dataBytes = r.size - 8 - r.headerBytes;
    const buf = new Uint8Array(Math.min(CHUNK, Math.max(dataBytes, 1)));
    for (let pos = 0; pos < dataBytes; pos += buf.length) {
      const part = buf.subarray(0, Math.min(buf.length, dataBytes - pos));
      r.readData(pos, part, 'data');
      hash.update(part);
    }
    checkDataHash(path, r.dataXxh64, hash.digest());
    const tok = r.tensors.find((t) => t.name === 'tokens') as SnapshotTensorInfo;
    const tokenBytes = new Uint8Array(tok.end - tok.begin);
    r.readData(tok.begin, tokenBytes, 'tensor "tokens"');
    decodeTokens(path, tokenBytes, r.meta.model.nVocab);
    const order = new Map(expectedTensorNames(r.meta.model.nLayer).map((name, i) => [name, i]));
    return {
      path,
      fileBytes: r.size,
      headerBytes: r.headerBytes,
      dataBytes,
      formatVersion: r.formatVersion,
      nTokens: r.nTokens,
      tensors: [...r.tensors].sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0)),
      meta: r.meta,
      dataXxh64: r.dataXxh64,
      headerSha256: r.headerSha256,
    };
  } finally {
    r.close();
  }
}
