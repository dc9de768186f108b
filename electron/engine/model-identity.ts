// model-identity.ts — the identity snapshots match models by: the sha256 of the GGUF file.
//
// Hashing a model takes ~0.8 s per GB, and the first save or resume after a model loads needs it.
// So the digest is kept across runs in a small JSON file in the user's cache directory, keyed by the
// file's real path and its stat (device, inode, size, mtime to the nanosecond): an unchanged file is
// not read again. Anything that rewrites a model changes its mtime (or inode, when it is replaced by
// a rename), so the digest is hashed afresh; a file rewritten in place with its size and
// nanosecond mtime restored would keep its old identity, and then a snapshot of the old file would be
// taken for one of the new (its KV rows would be restored, its tokens still checked against the
// vocabulary). The cache is advisory: a missing, corrupt or unwritable cache file costs a re-hash,
// never an error.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync, type BigIntStats } from 'node:fs';
import { open } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { tempPathFor } from '../common/temp-file.js';

const CACHE_FILE = 'model-sha256.json';
const MAX_ENTRIES = 64;

interface Entry { dev: string; ino: string; size: string; mtimeNs: string; sha256: string; usedAt: number }

/** Where Cairn keeps caches: $CAIRN_CACHE_DIR, else the platform's per-user cache directory. */
export function cacheDir(): string {
  if (process.env.CAIRN_CACHE_DIR) return process.env.CAIRN_CACHE_DIR;
  if (process.platform === 'win32') return join(process.env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Cairn', 'Cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'Cairn');
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'cairn');
}

const stamp = (s: BigIntStats) => ({ dev: String(s.dev), ino: String(s.ino), size: String(s.size), mtimeNs: String(s.mtimeNs) });
const sameStamp = (a: ReturnType<typeof stamp>, b: ReturnType<typeof stamp>) =>
  a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs;

function isEntry(e: unknown): e is Entry {
  if (!e || typeof e !== 'object') return false;
  const o = e as Record<string, unknown>;
  return ['dev', 'ino', 'size', 'mtimeNs'].every((k) => typeof o[k] === 'string') && typeof o.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(o.sha256) && typeof o.usedAt === 'number';
}

function readCache(file: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; entries?: unknown };
    if (j.version !== 1 || !j.entries || typeof j.entries !== 'object') return out;
    for (const [k, e] of Object.entries(j.entries as Record<string, unknown>)) if (isEntry(e)) out.set(k, e);
  } catch { /* no cache yet, or unreadable: start empty */ }
  return out;
}

function writeCache(dir: string, entries: Map<string, Entry>): void {
  const keep = [...entries].sort((a, b) => b[1].usedAt - a[1].usedAt).slice(0, MAX_ENTRIES);
  const tmp = tempPathFor(join(dir, CACHE_FILE));
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, JSON.stringify({ version: 1, entries: Object.fromEntries(keep) }), { mode: 0o600 });
    renameSync(tmp, join(dir, CACHE_FILE)); // atomic: readers see the old file or the new one
  } catch {
    try { unlinkSync(tmp); } catch { /* never created */ }
  }
}

/** Streaming sha256 (lowercase hex) of a file, 16 MiB at a time, read off the main thread (a model
 *  is gigabytes). Node's file errors (ENOENT, EISDIR, EACCES, ...) pass through. */
export async function sha256File(path: string): Promise<string> {
  if (!statSync(path).isFile()) throw new Error(`${path}: not a regular file`); // (a FIFO would block the read)
  const fh = await open(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = new Uint8Array(1 << 24);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return h.digest('hex');
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
}

/** sha256 (lowercase hex) of the file at `path`, from the cache when the file is unchanged since it
 *  was last hashed; otherwise hashed (streaming, off the main thread's critical path) and cached. */
export async function fileSha256(path: string): Promise<string> {
  const real = realpathSync.native(path);
  const before = stamp(statSync(real, { bigint: true }));
  const dir = cacheDir(), file = join(dir, CACHE_FILE);
  const hit = readCache(file).get(real);
  if (hit && sameStamp(hit, before)) return hit.sha256;
  const sha256 = await sha256File(real);
  // cache only a digest of one version of the file: unchanged from before the hash to after it
  if (sameStamp(before, stamp(statSync(real, { bigint: true })))) {
    const entries = readCache(file); // re-read: another process may have added entries meanwhile
    entries.set(real, { ...before, sha256, usedAt: Date.now() });
    writeCache(dir, entries);
  }
  return sha256;
}
