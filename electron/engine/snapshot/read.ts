// read.ts — reads .cairn snapshots (format.ts describes the file). openSnapshot applies every check of
// RELIABILITY.md "Snapshot reader" that needs only the header and the file size, and reads the data
// straight to where it is needed, verified on the way; readSnapshot / inspectSnapshot read it whole.
// readSnapshotMeta is the lenient reader beside it: the metadata (transcript, settings) of a file
// whose header is intact, whatever its data, for a resume by re-prefill.
import { closeSync, constants as fsc, fstatSync, lstatSync, openSync, readSync, readvSync, realpathSync } from 'node:fs';
import { endianness } from 'node:os';
import { EngineError, readFileIntoViews, Xxh64, xxh64Views } from '../native.js';
import { ioErr, SnapshotError, snapErr } from './errors.js';
import { checkFormat, checkTensors, decodeMeta, expectedTensorNames, headerDigest, parseHeader } from './header.js';
import {
  IO_CHUNK, MAX_HEADER_BYTES, SNAPSHOT_FORMAT_VERSION, type Snapshot, type SnapshotExpect, type SnapshotMeta, type SnapshotSummary,
  type SnapshotTensorInfo,
} from './types.js';

const LITTLE_ENDIAN = endianness() === 'LE';
const HEAD_READ = 1 << 16; // bytes read at once for the length prefix and header

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

/** The length prefix and the header's bytes (SNAP_TRUNCATED, SNAP_HEADER_SIZE). */
function readHeader(fd: number, path: string, size: number): { header: Uint8Array; headerBytes: number } {
  if (size < 8) throw snapErr('SNAP_TRUNCATED', path, 'header length', `file has ${size} bytes, needs 8`);
  // one read for the length and (typically all of) the header
  const head = new Uint8Array(Math.min(size, HEAD_READ));
  readExact(fd, path, head, 0, 'header');
  const n = new DataView(head.buffer).getBigUint64(0, true);
  if (n < 2n || n > BigInt(MAX_HEADER_BYTES)) throw snapErr('SNAP_HEADER_SIZE', path, 'header length', `${n} not in 2..${MAX_HEADER_BYTES}`);
  const headerBytes = Number(n);
  if (8 + headerBytes > size) throw snapErr('SNAP_TRUNCATED', path, 'header', `declares ${headerBytes} bytes, file has ${size - 8} after the length`);
  if (8 + headerBytes <= head.length) return { header: head.subarray(8, 8 + headerBytes), headerBytes };
  const header = new Uint8Array(headerBytes);
  header.set(head.subarray(8));
  readExact(fd, path, header.subarray(head.length - 8), head.length, 'header');
  return { header, headerBytes };
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
    const { header, headerBytes } = readHeader(fd, path, size);
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

/**
 * The metadata (transcript, settings, model identity) of a snapshot whose header is intact, i.e.
 * matches its own header_sha256, whatever its data holds: a file with damaged or missing data, or
 * of format 1, still resumes by re-prefilling its transcript. The header is parsed as strictly as by
 * openSnapshot; only the data's length and the format version are not checked.
 */
export function readSnapshotMeta(path: string): SnapshotMeta {
  const { fd, size } = openRegular(path);
  try {
    const header = readHeader(fd, path, size).header;
    const { metadata: md, tensors } = parseHeader(path, header);
    if (md.header_sha256 !== headerDigest(md, tensors)) {
      throw snapErr('SNAP_HASH', path, '__metadata__.header_sha256', 'does not match the header (metadata or tensor table corrupt)');
    }
    // format 1 (data_sha256 instead of data_xxh64) is otherwise the same: its transcript is read
    if (md.format_version === '1' && typeof md.data_sha256 === 'string' && !('data_xxh64' in md)) {
      const rest: Record<string, string> = { ...md, format_version: SNAPSHOT_FORMAT_VERSION, data_xxh64: '0'.repeat(16) };
      delete rest.data_sha256;
      return decodeMeta(path, rest);
    }
    return decodeMeta(path, md);
  } finally {
    closeSync(fd);
  }
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
    const buf = new Uint8Array(Math.min(IO_CHUNK, Math.max(dataBytes, 1)));
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
