// The real Electron app: hardened window, a chat with the built-in model whose answer streams, a
// model opened through File › Open Model…, a corrupt file refused, a snapshot saved and reopened
// through the menu. Skips (saying why, once, from global-setup.ts) where no Electron binary exists.
import { copyFileSync, existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { answerDialogs, clickMenu, launchApp, removeDataDir, repoRoot, skipReason, type LaunchedApp } from './app.js';

test.skip(skipReason !== '', skipReason);
test.describe.configure({ mode: 'serial' });

type Cairn = Record<string, (args?: unknown) => Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>> & { onEvent(fn: (e: { name: string }) => void): () => void };
declare global { interface Window { cairn: Cairn; __events: { name: string; payload: unknown }[] } }

let launched: LaunchedApp;
let page: Page;
const scratch = mkdtempSync(join(tmpdir(), 'cairn-electron-files-'));

test.beforeAll(async () => { launched = await launchApp(); page = launched.page; });
test.afterAll(async () => { await launched?.close(); removeDataDir(launched?.dataDir ?? ''); });

const call = (op: string, args: unknown = {}) => page.evaluate(([o, a]) => window.cairn[o](a), [op, args] as const);

test('the window is isolated and sandboxed, served from cairn://app/ with a CSP; only window.cairn is exposed', async () => {
  expect(page.url()).toMatch(/^cairn:\/\/app\//);
  const prefs = await launched.app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0].webContents.getLastWebPreferences());
  expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
  expect(await page.evaluate(() => [typeof (window as unknown as { require?: unknown }).require, typeof (window as unknown as { process?: unknown }).process])).toEqual(['undefined', 'undefined']);
  const api = await page.evaluate(() => Object.keys(window.cairn));
  expect(api).toContain('chat.send');
  expect(api).not.toContain('ipcRenderer');
  expect(await page.evaluate(() => window.open('https://example.com/'))).toBeNull();
  const csp = await page.evaluate(async () => (await fetch('cairn://app/')).headers.get('content-security-policy'));
  expect(csp).toMatch(/default-src 'none'; script-src 'self'/);
  await page.evaluate(() => { location.href = 'https://example.com/'; });
  await expect.poll(() => page.url()).toMatch(/^cairn:\/\/app\//);
});

test('a message to the built-in model is answered, the answer streaming as events', async () => {
  await page.evaluate(() => { window.__events = []; window.cairn.onEvent((e) => window.__events.push(e as { name: string; payload: unknown })); });
  const input = page.getByTestId('composer-input');
  await input.fill('What is the capital of France?');
  await input.press('Enter');
  const answer = page.getByTestId('message-assistant').last();
  await expect(answer).toHaveAttribute('data-status', /done/);
  await expect(answer.getByTestId('message-body')).not.toHaveText('');
  const deltas = await page.evaluate(() => window.__events.filter((e) => e.name === 'message.delta').length);
  expect(deltas).toBeGreaterThan(0);
});

test('File › Open Model… loads the chosen GGUF; a corrupt one is refused with E_FILE', async () => {
  const model = join(scratch, 'second.gguf');
  copyFileSync(join(repoRoot, 'assets', 'models', 'cairn-demo-28m-q8_0.gguf'), model);
  await answerDialogs(launched.app, model);
  await clickMenu(launched.app, 'open-model');
  await expect.poll(async () => ((await call('models.list')).value as { current: { path: string } | null }).current?.path).toBe(realpathSync(model));
  const bad = join(scratch, 'bad.gguf');
  writeFileSync(bad, Buffer.alloc(4096));
  expect((await call('models.load', { path: bad })).error?.code).toBe('E_FILE');
});

test('File › Save Snapshot… then File › Open Snapshot… brings the conversation back as a new one', async () => {
  const before = ((await call('conversations.list')).value as { conversations: unknown[] }).conversations.length;
  const snap = join(scratch, 'chat.cairn');
  await answerDialogs(launched.app, snap);
  await clickMenu(launched.app, 'save-snapshot');
  await expect.poll(() => existsSync(snap)).toBe(true);
  await clickMenu(launched.app, 'open-snapshot');
  await expect.poll(async () => ((await call('conversations.list')).value as { conversations: unknown[] }).conversations.length).toBe(before + 1);
  await expect(page.getByTestId('message-user').first()).toContainText('What is the capital of France?');
});
