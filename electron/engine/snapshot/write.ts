// write.ts — writes a .cairn snapshot (format.ts describes the file): atomically (temp file in the same
// directory, fsync, rename, fsync dir), streaming the K/V views without gathering them into one buffer.
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { tempPathFor } from '../../common/temp-file.js';
import { Xxh64 } from '../native.js';
import { ioErr, SnapshotError, snapErr } from './errors.js';
import { checkFormat, checkTensors, decodeMeta, encodeMeta, headerDigest, parseHeader } from './header.js';
import { IO_CHUNK, MAX_HEADER_BYTES, type SnapshotData, type SnapshotTensorInfo } from './types.js';

const LITTLE_ENDIAN = endianness() === 'LE';
const ZERO_HASH = '0'.repeat(64), ZERO_DATA_HASH = '0'.repeat(16);

async function writeAll(fh: FileHandle, buf: Uint8Array, pos: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, Math.min(buf.length - done, IO_CHUNK), pos + done);
    done += bytesWritten;
  }
}

const bytesOf = (a: Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

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
  const tmp = tempPathFor(path);
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
