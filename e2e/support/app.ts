// app.ts — the app under test, one interface for both targets the specs run against:
//   browser (default): Chromium on the page `cairn serve` serves (support/serve.ts);
//   electron (CAIRN_E2E_TARGET=electron): the Electron app through Playwright's `_electron`, where an
//   Electron binary exists (scripts/electron-binary.mjs; not on this machine: the spec skips, saying so).
// restart() is "quit and start again on the same data folder"; openFile() gives the app a file the
// way its target does: a dropped File uploaded to the server in a browser, the Open… dialog's input
// (a real path, webUtils.getPathForFile) in Electron, where a synthetic drop has no path.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { _electron, type Browser, type ElectronApplication, type Page } from '@playwright/test';
import { findElectronBinary } from '../../scripts/electron-binary.mjs';
import { dropFile } from './page.js';
import { CairnServe, repoRoot } from './serve.js';

export type Target = 'browser' | 'electron';
export const target: Target = process.env.CAIRN_E2E_TARGET === 'electron' ? 'electron' : 'browser';

/** The Electron binary's path, or why there is none (the one lookup npm start and e2e/electron use). */
export const electronBinary = (): { path: string } | { missing: string } => findElectronBinary();

export interface AppUnderTest {
  page: Page;
  restart(): Promise<Page>;
  /** A .gguf or .cairn given to the app by the user (drop / Open…). */
  openFile(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function launchBrowserApp(browser: Browser): Promise<AppUnderTest> {
  const serve = new CairnServe();
  await serve.start();
  const context = await browser.newContext();
  let page = await context.newPage();
  await page.goto(serve.url);
  return {
    get page() { return page; },
    async restart() {
      await page.close();
      const url = await serve.restart();
      page = await context.newPage();
      await page.goto(url);
      return page;
    },
    async openFile(path) { await dropFile(page, basename(path), readFileSync(path)); },
    async close() { await context.close(); await serve.dispose(); },
  };
}

export async function launchElectronApp(): Promise<AppUnderTest> {
  const bin = electronBinary();
  if (!('path' in bin)) throw new Error(bin.missing);
  const dataDir = mkdtempSync(join(tmpdir(), 'cairn-e2e-electron-'));
  const launch = () => _electron.launch({
    executablePath: bin.path,
    args: [repoRoot], // the app is the repository (package.json "main")
    env: { ...process.env, CAIRN_DATA_DIR: dataDir },
  });
  let app: ElectronApplication = await launch();
  let page = await app.firstWindow();
  return {
    get page() { return page; },
    async restart() {
      await app.close();
      app = await launch();
      page = await app.firstWindow();
      return page;
    },
    async openFile(path) { await page.getByTestId('open-file-input').setInputFiles(path); },
    async close() { await app.close(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}
