// main.ts — the Electron app's entry (package.json "main"): one instance; one hardened window showing
// the renderer from cairn://app/; the service (store + supervised engine host) opened in the user's
// data folder, reached from the page only through the IPC wrapper; the app menu and its dialogs.
// With preload.cts, the only code that imports 'electron' at run time (main-process logic lives in
// modules that run under Node: ipc.ts, app-protocol.ts, hardening.ts, menu.ts, paths.ts).
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell, utilityProcess } from 'electron';
import type { AppEvent } from '../../common/contract.js';
import type { HostProcess, HostSpawner } from '../engine/spawn.js';
import { appProtocolHandler } from './app-protocol.js';
import { APP_SCHEME_PRIVILEGES, externalLinkAllowed, navigationAllowed, permissionAllowed, secureWebPreferences } from './hardening.js';
import { APP_SCHEME, APP_URL, EVENT_CHANNEL, forwardEvents, registerIpc } from './ipc.js';
import { menuTemplate } from './menu.js';
import { appPaths, builtinModelIn } from './paths.js';
import { openService, type OpenedService } from '../service/open-service.js';


/** The engine host as an Electron utility process (a crash cannot take main down), with the shape
 *  of electron/main/engine/spawn.ts's HostSpawner. */
const utilitySpawner: HostSpawner = (entry, o) => {
  const child = utilityProcess.fork(entry, [], { env: o.env as NodeJS.ProcessEnv, serviceName: 'Cairn engine', stdio: 'inherit' });
  let exited: [number | null, string | null] | undefined;
  const exitFns: ((code: number | null, signal: string | null) => void)[] = [];
  child.on('exit', (code) => { exited = [code, null]; for (const fn of exitFns) fn(code, null); });
  const proc: HostProcess = {
    get pid() { return child.pid; },
    send: (msg) => { if (!exited) child.postMessage(msg); },
    onMessage: (fn) => { child.on('message', (m) => fn(m)); },
    onExit: (fn) => { if (exited) fn(...exited); else exitFns.push(fn); },
    kill: () => { child.kill(); },
  };
  return proc;
};

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
app.enableSandbox();

const dev = !app.isPackaged;
// CAIRN_DATA_DIR (tests, a portable install) replaces the per-user folder, Chromium's profile included
const dataDir = process.env.CAIRN_DATA_DIR || app.getPath('userData');
if (process.env.CAIRN_DATA_DIR) app.setPath('userData', dataDir);
const paths = appPaths({ appPath: app.getAppPath(), resourcesPath: process.resourcesPath, isPackaged: app.isPackaged, platform: process.platform });
let win: BrowserWindow | null = null;
let opened: OpenedService | null = null;

function send(event: AppEvent): void {
  if (win && !win.isDestroyed()) win.webContents.send(EVENT_CHANNEL, event);
}

async function chooseFile(kind: 'gguf' | 'cairn', title: string): Promise<string | undefined> {
  const r = await dialog.showOpenDialog(win!, {
    title, properties: ['openFile'],
    filters: [{ name: kind === 'gguf' ? 'GGUF models' : 'Cairn snapshots', extensions: [kind] }],
  });
  return r.canceled ? undefined : r.filePaths[0];
}

const actions = {
  newChat: () => send({ name: 'menu', payload: { command: 'new-chat' } }),
  openModel: async () => {
    const path = await chooseFile('gguf', 'Open Model');
    if (path) send({ name: 'menu', payload: { command: 'open-model', path } });
  },
  openSnapshot: async () => {
    const path = await chooseFile('cairn', 'Open Snapshot');
    if (path) send({ name: 'menu', payload: { command: 'open-snapshot', path } });
  },
  saveSnapshot: async () => {
    const r = await dialog.showSaveDialog(win!, { title: 'Save Snapshot', defaultPath: 'conversation.cairn', filters: [{ name: 'Cairn snapshots', extensions: ['cairn'] }] });
    if (!r.canceled && r.filePath) send({ name: 'menu', payload: { command: 'save-snapshot', path: r.filePath } });
  },
};

function harden(): void {
  // every web contents (windows, and any a bug might create): no navigation away, no new windows,
  // no webviews; links open in the system browser only when they are http(s)
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (e, url) => { if (!navigationAllowed(url)) e.preventDefault(); });
    contents.on('will-redirect', (e, url) => { if (!navigationAllowed(url)) e.preventDefault(); });
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (externalLinkAllowed(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  const s = session.defaultSession;
  s.setPermissionRequestHandler((wc, permission, cb) => cb(permissionAllowed(permission, wc.getURL())));
  s.setPermissionCheckHandler((wc, permission) => permissionAllowed(permission, wc?.getURL() ?? ''));
  s.setDevicePermissionHandler(() => false);
  protocol.handle(APP_SCHEME, appProtocolHandler(paths.renderer));
}

async function createWindow(): Promise<void> {
  win = new BrowserWindow({
    width: 1200, height: 800, minWidth: 640, minHeight: 480, show: false, title: 'Cairn',
    webPreferences: secureWebPreferences(paths.preload),
  });
  win.once('ready-to-show', () => win?.show());
  const w = win;
  const stopEvents = opened ? forwardEvents(opened.service, w.webContents) : () => undefined;
  w.on('closed', () => { stopEvents(); if (win === w) win = null; });
  await w.loadURL(APP_URL);
}

async function start(): Promise<void> {
  harden();
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(actions, process.platform, dev)));
  try {
    opened = await openService({
      dataDir, builtinModelPath: builtinModelIn(paths.builtinModelsDir),
      engine: { spawner: utilitySpawner, env: paths.hostEnv },
    });
    registerIpc(ipcMain, opened.service);
  } catch (e) {
    dialog.showErrorBox('Cairn could not start', e instanceof Error ? e.message : String(e));
    app.exit(1);
    return;
  }
  await createWindow();
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => { if (win) { if (win.isMinimized()) win.restore(); win.focus(); } });
  app.on('window-all-closed', () => { if (process.platform !== 'darwin') app.quit(); });
  app.on('activate', () => { if (!win && opened) void createWindow(); });
  // close the service (answers kept, KV snapshots written, host stopped, store closed) before exit
  let closing = false;
  app.on('before-quit', (e) => {
    if (closing || !opened) return;
    e.preventDefault();
    closing = true;
    void opened.close().catch(() => undefined).finally(() => app.quit());
  });
  app.whenReady().then(start, (e) => { console.error(e); app.exit(1); });
}
