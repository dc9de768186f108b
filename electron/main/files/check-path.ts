// check-path.ts — a dropped or opened file is untrusted input (RELIABILITY.md "Dropped paths"): before
// the engine host is told to open it, main resolves its real path and checks that it is a regular
// file (no FIFO, device, socket, folder; symlinks followed, loops refused), of a plausible size, with
// the right extension and magic bytes. The checks that matter are made on the opened descriptor
// (fstat, compared with the look-up), so a file swapped between the look-up and the read is caught; O_NONBLOCK keeps a FIFO
// swapped in from blocking the open.
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute } from 'node:path';
import type { ApiError } from '../../common/schemas.js';

export type DroppedKind = 'gguf' | 'cairn';
export interface CheckedFile { path: string; kind: DroppedKind; bytes: number }

const GiB = 1024 ** 3;
/** Size bounds: the smallest well-formed header, and far above any real file. */
export const LIMITS = {
  gguf: { min: 24, max: 1024 * GiB }, // magic, version, tensor count, kv count
  cairn: { min: 10, max: 256 * GiB }, // u64 header length, '{}'
} as const;
/** A .cairn (safetensors) header is at most 1 MiB (RELIABILITY.md). */
export const MAX_SNAPSHOT_HEADER = 1024 * 1024;

const fail = (path: string, why: string): ApiError => ({ code: 'E_FILE', message: `${JSON.stringify(path)}: ${why}` });
export const isFileError = (r: CheckedFile | ApiError): r is ApiError => 'code' in r;

function typeName(s: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a FIFO (named pipe)';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function errnoText(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT': return 'does not exist (or a link points nowhere)';
    case 'ELOOP': return 'symbolic links loop';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'ENOTDIR': return 'a part of the path is not a folder';
    case 'ENAMETOOLONG': return 'path too long';
    default: return `cannot be read (${e.code ?? e.message})`;
  }
}

/** Resolves and checks `path`; returns the real path, its kind and size, or an E_FILE error. */
export async function checkDroppedPath(path: string, expected: DroppedKind): Promise<CheckedFile | ApiError> {
  if (typeof path !== 'string' || path.length === 0 || path.length > 4096) return fail(String(path), 'not a usable path');
  if (path.includes('\0')) return fail(path, 'a path cannot hold NUL');
  if (!isAbsolute(path)) return fail(path, 'not an absolute path');
  let real: string;
  try { real = await realpath(path); } catch (e) { return fail(path, errnoText(e as NodeJS.ErrnoException)); }

  // refuse anything but a regular file before opening it (opening a device can have effects)
  let before;
  try { before = await stat(real); } catch (e) { return fail(path, errnoText(e as NodeJS.ErrnoException)); }
  if (!before.isFile()) return fail(path, `${typeName(before)}, not a file`);
  if (extname(real).toLowerCase() !== `.${expected}`) return fail(path, `not a .${expected} file`);

  let fh;
  try { fh = await open(real, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0)); } catch (e) {
    return fail(path, errnoText(e as NodeJS.ErrnoException));
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return fail(path, `${typeName(st)}, not a file`);
    if (st.ino !== before.ino || st.dev !== before.dev) return fail(path, 'the file changed while it was being checked');
    const { min, max } = LIMITS[expected];
    if (st.size === 0) return fail(path, 'empty file');
    if (st.size < min) return fail(path, `${st.size} bytes: too small to be a .${expected} file (truncated?)`);
    if (st.size > max) return fail(path, `${st.size} bytes: larger than the ${max / GiB} GiB a .${expected} file may have`);
    const head = Buffer.alloc(9);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead < head.length) return fail(path, 'could not read its first bytes');
    if (expected === 'gguf') {
      if (head.toString('latin1', 0, 4) !== 'GGUF') return fail(path, 'not a GGUF model (the file does not start with "GGUF")');
    } else {
      const n = head.readBigUInt64LE(0);
      if (n < 2n || n > BigInt(MAX_SNAPSHOT_HEADER)) return fail(path, `not a .cairn snapshot (header length ${n} is outside 2..${MAX_SNAPSHOT_HEADER})`);
      if (8n + n > BigInt(st.size)) return fail(path, `truncated .cairn snapshot (its ${n}-byte header runs past the end of the ${st.size}-byte file)`);
      if (head[8] !== 0x7b) return fail(path, 'not a .cairn snapshot (its header is not a JSON object)');
    }
    return { path: real, kind: expected, bytes: st.size };
  } finally {
    await fh.close();
  }
}
