// ipc.ts — main's side of the renderer ↔ main IPC: one `ipcMain.handle` channel per operation of the
// contract (named by the operation), each registered only through `registerIpc`, whose wrapper
// (1) answers only the app's own page: the top frame of a `cairn://app/` document (a frame that
// navigated away, an iframe, or any other origin gets E_FORBIDDEN), (2) runs `parseArgs` (exactly one
// argument, accepted by the operation's schema, or E_ARGS), (3) returns every outcome as a Result:
// nothing thrown crosses to the renderer. Events go to the page with `webContents.send(EVENT_CHANNEL)`.
// Electron's ipcMain is passed in (the adapter in main.ts), so this runs and is tested under Node.
import type { AppEvent, CairnApi, OpArgs, OpName, Result } from '../../common/contract.js';
import { fail, opNames, parseArgs } from '../../common/contract.js';

export const APP_SCHEME = 'cairn';
export const APP_HOST = 'app';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/`;
/** The one channel main sends events on (AppEvent payloads). */
export const EVENT_CHANNEL = 'cairn:event';

/** What the wrapper reads of an Electron IpcMainInvokeEvent. */
export interface InvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null;
}
/** What the wrapper uses of Electron's ipcMain. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}
/** What main uses of a window's webContents to deliver events. */
export interface EventSinkLike {
  send(channel: string, event: AppEvent): void;
  isDestroyed(): boolean;
}

/** True for the top frame of a document served from cairn://app/ (and nothing else). */
export function isAppFrame(frame: InvokeEventLike['senderFrame']): boolean {
  if (!frame || frame.parent !== null || typeof frame.url !== 'string') return false;
  let u: URL;
  try { u = new URL(frame.url); } catch { return false; }
  return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.username === '' && u.password === '' && u.port === '';
}

/** One operation's handler, as registered: check the sender, parse, call, wrap. */
export function ipcHandler<K extends OpName>(api: CairnApi, name: K) {
  return async (event: InvokeEventLike, ...args: unknown[]): Promise<Result<unknown>> => {
    if (!isAppFrame(event?.senderFrame ?? null)) return fail('E_FORBIDDEN', `${name}: not the app's own page`);
    if (args.length !== 1) return fail('E_ARGS', `${name}: expects one argument, got ${args.length}`);
    const parsed = parseArgs(name, args[0]);
    if (!parsed.ok) return parsed;
    try {
      // parsed output is a valid input (the schemas have no transforms)
      return await api.call(name, parsed.value as OpArgs<K>);
    } catch (e) {
      return fail('E_INTERNAL', `${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
}

/** Registers one handler per operation; returns the function that removes them all. */
export function registerIpc(ipcMain: IpcMainLike, api: CairnApi): () => void {
  for (const name of opNames) ipcMain.handle(name, ipcHandler(api, name));
  return () => { for (const name of opNames) ipcMain.removeHandler(name); };
}

/** Forwards every service event to a window until it closes; returns the unsubscribe function. */
export function forwardEvents(api: CairnApi, sink: EventSinkLike): () => void {
  const off = api.subscribe((event) => { if (!sink.isDestroyed()) sink.send(EVENT_CHANNEL, event); });
  return off;
}
