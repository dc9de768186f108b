// electron-binary.mjs — the Electron executable if it is on disk, else why not; never downloads.
// (`require('electron')` runs electron/index.js, which downloads the binary on first use: this
// looks at node_modules/electron/path.txt and dist/ instead.) Used by `npm start` (scripts/start.mjs)
// and the Playwright _electron specs (e2e/electron/).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const NO_ELECTRON = "no Electron binary: electron's binary is downloaded on first run and this machine cannot reach its host";

/** @returns {{ path: string } | { missing: string }} */
export function findElectronBinary() {
  const exeName = process.platform === 'win32' ? 'electron.exe' : 'electron';
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(process.env.ELECTRON_OVERRIDE_DIST_PATH, exeName);
    return existsSync(p) ? { path: p } : { missing: `${NO_ELECTRON} (ELECTRON_OVERRIDE_DIST_PATH has no ${exeName})` };
  }
  let pkg;
  try { pkg = dirname(createRequire(import.meta.url).resolve('electron/package.json')); } catch {
    return { missing: `${NO_ELECTRON} (the electron package is not installed)` };
  }
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) return { missing: `${NO_ELECTRON} (node_modules/electron/path.txt is absent)` };
  const exe = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(exe) ? { path: exe } : { missing: `${NO_ELECTRON} (${exe} is absent)` };
}

/** The executable's path, or undefined. */
export function electronBinary() {
  const r = findElectronBinary();
  return 'path' in r ? r.path : undefined;
}
