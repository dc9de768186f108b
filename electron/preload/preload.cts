// preload.cts — the page's only door to main: `window.cairn` (CairnWindowApi), one function per
// operation (each an ipcRenderer.invoke on the channel named by the operation; main's wrapper checks
// the sender and the arguments), `onEvent` for the event channel, and `pathForFile` for dropped files
// (webUtils.getPathForFile). ipcRenderer itself is never exposed.
// A sandboxed preload runs as one CommonJS script whose require() knows only 'electron' and a few
// built-ins (its wrapper passes require, process, exports, module, Buffer, global): hence .cts,
// imports of types only, and the operation names listed here (checked against
// the contract's map at compile time below and by preload.test.ts).
import { contextBridge, ipcRenderer, webUtils } from 'electron'; // compiled to require('electron')
import type { AppEvent, CairnWindowApi, OpName } from '../common/contract.js';

const OPS = [
  'conversations.list', 'conversations.create', 'conversations.get', 'conversations.rename', 'conversations.delete',
  'conversations.search', 'conversations.setSettings', 'conversations.selectBranch', 'conversations.export',
  'chat.send', 'chat.stop', 'chat.regenerate', 'chat.edit', 'chat.fork',
  'models.list', 'models.inspect', 'models.load', 'models.unload',
  'snapshots.save', 'snapshots.open',
  'settings.get', 'settings.set', 'stats.get', 'progress.cancel',
] as const satisfies readonly OpName[];
// a compile error here means the list above lacks an operation of the contract
const everyOp: Exclude<OpName, (typeof OPS)[number]> extends never ? true : never = true;
void everyOp;

const EVENT_CHANNEL = 'cairn:event';

const api: Record<string, unknown> = {};
for (const name of OPS) api[name] = (args: unknown) => ipcRenderer.invoke(name, args);
api.onEvent = (listener: (event: AppEvent) => void) => {
  const handler = (_e: unknown, event: AppEvent) => listener(event);
  ipcRenderer.on(EVENT_CHANNEL, handler);
  return () => { ipcRenderer.removeListener(EVENT_CHANNEL, handler); };
};
api.pathForFile = (file: unknown) => webUtils.getPathForFile(file as File);

contextBridge.exposeInMainWorld('cairn', api as unknown as CairnWindowApi);
