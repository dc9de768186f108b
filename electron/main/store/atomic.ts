// atomic.ts — whole-file replacement that survives a crash at any instant (RELIABILITY.md): the new
// bytes go to a temp file in the same folder, are fsynced, renamed over the old name, and the folder
// is fsynced so the rename itself is durable. A reader sees the old file or the new one, never a mix.
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { tempPathFor } from '../../common/temp-file.js';

/** Makes a folder's entries (created, renamed, removed files) durable. No-op where a folder cannot
 *  be opened for fsync (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Writes `data` to a new file and fsyncs it (no rename): for files inside a folder that is itself
 *  renamed into place afterwards. */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const fh = await open(path, 'wx', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally { await fh.close(); }
}

/** Replaces `path` atomically with `data`: temp file beside it, fsync, rename, fsync the folder. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = tempPathFor(path);
  try {
    await writeFileDurable(tmp, data);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await fsyncDir(dir);
}
