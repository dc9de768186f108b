// quarantine.ts — models that crashed the engine host twice while loading, kept in
// `<data>/quarantine.json` (written atomically: temp file, fsync, rename, fsync of the folder), so
// a bad model is never loaded automatically again, across restarts of the app.
//   { "version": 1, "models": [{ "id": "/real/path/model.gguf", "reason": "…", "at": 1733300000000 }] }
// A missing file is an empty list; an unreadable one too (the next quarantine rewrites it).
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Quarantine } from '../../common/schemas.js';
import { tempPathFor } from '../../common/temp-file.js';

interface Entry extends Quarantine { at: number }

/** The key a model is quarantined by: its real path (the path as given when it cannot be resolved). */
export function modelKey(path: string): string {
  try { return realpathSync.native(path); } catch { return resolve(path); }
}

/** Writes a file atomically (readers see the old content or the new, never a part). */
export function writeFileAtomic(path: string, data: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally { closeSync(fd); }
  try { renameSync(tmp, path); } catch (e) { rmSync(tmp, { force: true }); throw e; }
  try {
    const d = openSync(dir, 'r');
    try { fsyncSync(d); } finally { closeSync(d); }
  } catch { /* folders cannot be opened for fsync on Windows */ }
}

export class QuarantineList {
  private entries: Entry[];

  constructor(readonly file: string) { this.entries = QuarantineList.read(file); }

  private static read(file: string): Entry[] {
    try {
      const j = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; models?: unknown };
      if (j.version !== 1 || !Array.isArray(j.models)) return [];
      return j.models.filter((e): e is Entry => !!e && typeof e.id === 'string' && typeof e.reason === 'string')
        .map((e) => ({ id: e.id, reason: e.reason, at: typeof e.at === 'number' ? e.at : 0 }));
    } catch { return []; }
  }

  list(): Quarantine[] { return this.entries.map(({ id, reason }) => ({ id, reason })); }

  /** The entry of a model path, if quarantined. */
  find(path: string): Quarantine | undefined {
    const key = modelKey(path);
    return this.list().find((e) => e.id === key);
  }

  add(path: string, reason: string): Quarantine {
    const id = modelKey(path);
    this.entries = [...this.entries.filter((e) => e.id !== id), { id, reason, at: Date.now() }];
    this.save();
    return { id, reason };
  }

  /** Lets a model be loaded again (the user asked to); false when it was not quarantined. */
  remove(path: string): boolean {
    const id = modelKey(path), n = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    if (this.entries.length === n) return false;
    this.save();
    return true;
  }

  private save(): void { writeFileAtomic(this.file, `${JSON.stringify({ version: 1, models: this.entries }, null, 2)}\n`); }
}
