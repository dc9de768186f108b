// app-settings.ts — the app's settings in `<data>/settings.json`, replaced atomically (temp file in
// the same folder, fsync, rename, fsync the folder). A missing or unreadable file gives the defaults
// (an unreadable one is kept aside as settings.json.bad and said so).
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { AppSettings } from '../../common/schemas.js';
import type { AppSettings as AppSettingsT } from '../../common/schemas.js';
import { DEFAULT_APP_SETTINGS } from './defaults.js';

export class AppSettingsFile {
  private value: AppSettingsT;
  readonly path: string;

  constructor(dataDir: string, onProblem: (message: string) => void = () => {}) {
    this.path = join(dataDir, 'settings.json');
    this.value = structuredClone(DEFAULT_APP_SETTINGS);
    let text: string | undefined;
    try { text = readFileSync(this.path, 'utf8'); } catch { /* first run */ }
    if (text === undefined) return;
    let parsed: unknown;
    try { parsed = JSON.parse(text); } catch { parsed = undefined; }
    const merged = parsed && typeof parsed === 'object'
      ? { ...DEFAULT_APP_SETTINGS, ...parsed, defaults: { ...DEFAULT_APP_SETTINGS.defaults, ...(parsed as { defaults?: object }).defaults } }
      : undefined;
    const r = AppSettings.safeParse(merged);
    if (r.success) { this.value = r.data; return; }
    renameSync(this.path, `${this.path}.bad`);
    onProblem(`settings.json could not be read (kept as settings.json.bad): the defaults are used`);
  }

  get(): AppSettingsT { return structuredClone(this.value); }

  /** Applies a patch (already validated by the contract); `defaults` merges field by field. */
  set(patch: Partial<AppSettingsT>): AppSettingsT {
    const next = AppSettings.parse({ ...this.value, ...patch, defaults: { ...this.value.defaults, ...patch.defaults } });
    writeAtomic(this.path, `${JSON.stringify(next, null, 2)}\n`);
    this.value = next;
    return this.get();
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try { writeSync(fd, text); fsyncSync(fd); } finally { closeSync(fd); }
  renameSync(tmp, path);
  const dir = openSync(join(path, '..'), 'r');
  try { fsyncSync(dir); } finally { closeSync(dir); }
}
