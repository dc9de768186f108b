// app.ts — launching the real Electron app for the specs: the repository as the app (package.json
// "main": dist/electron/main/electron/main.js, built by `npm run build`; renderer/dist built by the
// renderer's build), a fresh data folder per launch (CAIRN_DATA_DIR), and the main process's dialogs
// answered with a given path (the one part of a menu command a spec cannot click).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, type Page } from '@playwright/test';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const electron = findElectronBinary();
export const skipReason = 'missing' in electron ? electron.missing : '';

export interface LaunchedApp { app: ElectronApplication; page: Page; dataDir: string; close(): Promise<void> }

export async function launchApp(dataDir = mkdtempSync(join(tmpdir(), 'cairn-electron-'))): Promise<LaunchedApp> {
  if (!('path' in electron)) throw new Error(electron.missing);
  const app = await _electron.launch({ executablePath: electron.path, args: [repoRoot], env: { ...process.env, CAIRN_DATA_DIR: dataDir } });
  const page = await app.firstWindow();
  return { app, page, dataDir, close: async () => { await app.close(); } };
}

export const removeDataDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** Answers the next Open / Save dialog of the main process with `path`. */
export async function answerDialogs(app: ElectronApplication, path: string): Promise<void> {
  await app.evaluate(({ dialog }, p) => {
    dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: [p] })) as typeof dialog.showOpenDialog;
    dialog.showSaveDialog = (async () => ({ canceled: false, filePath: p })) as typeof dialog.showSaveDialog;
  }, path);
}

/** Clicks an item of the application menu by its id (menu.ts). */
export async function clickMenu(app: ElectronApplication, id: 'new-chat' | 'open-model' | 'open-snapshot' | 'save-snapshot'): Promise<void> {
  await app.evaluate(({ Menu }, itemId) => {
    const item = Menu.getApplicationMenu()?.getMenuItemById(itemId);
    if (!item) throw new Error(`no menu item ${itemId}`);
    item.click();
  }, id);
}
