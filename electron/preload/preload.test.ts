// The compiled preload (dist/, built by `npm test` first) run the way Electron runs a sandboxed
// preload: one script in a fresh context, wrapped with a require() that knows only 'electron' (here
// the thin stand-in for Electron's contextBridge / ipcRenderer / webUtils, which cannot run under Node).
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { opNames } from '../common/contract.js';

const compiled = join(import.meta.dirname, '..', '..', 'dist', 'electron', 'preload', 'preload.cjs');

function loadPreload() {
  const exposed: Record<string, Record<string, unknown>> = {};
  const invoked: [string, unknown][] = [];
  const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
  const required: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => { exposed[key] = api; } },
    ipcRenderer: {
      invoke: async (channel: string, args: unknown) => { invoked.push([channel, args]); return { ok: true, value: channel }; },
      on: (c: string, fn: (...a: unknown[]) => void) => { if (!listeners.has(c)) listeners.set(c, new Set()); listeners.get(c)!.add(fn); },
      removeListener: (c: string, fn: (...a: unknown[]) => void) => { listeners.get(c)?.delete(fn); },
    },
    webUtils: { getPathForFile: (f: { name: string }) => `/real/${f.name}` },
  };
  const preloadRequire = (name: string) => { required.push(name); if (name !== 'electron') throw new Error(`module not found: ${name}`); return electron; };
  const wrapper = `(function(require, process, exports, module, Buffer, global) {${readFileSync(compiled, 'utf8')}\n})`;
  const fn = runInNewContext(wrapper, {}) as (...a: unknown[]) => void;
  const exports = {};
  fn(preloadRequire, {}, exports, { exports }, undefined, {});
  return { exposed, invoked, listeners, required };
}

describe('preload', () => {
  test('exposes window.cairn: one function per operation, onEvent, pathForFile; nothing else', () => {
    const { exposed, required } = loadPreload();
    expect(Object.keys(exposed)).toEqual(['cairn']);
    expect(Object.keys(exposed.cairn).sort()).toEqual([...opNames, 'onEvent', 'pathForFile'].sort());
    expect(required).toEqual(['electron']);
    for (const v of Object.values(exposed.cairn)) expect(typeof v).toBe('function');
  });

  test('an operation invokes the channel named by it with its one argument', async () => {
    const { exposed, invoked } = loadPreload();
    const send = exposed.cairn['chat.send'] as (a: unknown) => Promise<unknown>;
    expect(await send({ conversationId: 'c', text: 'hi' })).toEqual({ ok: true, value: 'chat.send' });
    expect(invoked).toEqual([['chat.send', { conversationId: 'c', text: 'hi' }]]);
  });

  test('onEvent listens on the event channel (the IPC event object is not passed on) until unsubscribed', () => {
    const { exposed, listeners } = loadPreload();
    const got: unknown[] = [];
    const off = (exposed.cairn.onEvent as (fn: (e: unknown) => void) => () => void)((e) => got.push(e));
    for (const fn of listeners.get('cairn:event')!) fn({ sender: 'ipc internals' }, { name: 'notice', payload: { level: 'info', message: 'x' } });
    off();
    expect(listeners.get('cairn:event')!.size).toBe(0);
    expect(got).toEqual([{ name: 'notice', payload: { level: 'info', message: 'x' } }]);
  });

  test('pathForFile asks webUtils', () => {
    const { exposed } = loadPreload();
    expect((exposed.cairn.pathForFile as (f: unknown) => string)({ name: 'model.gguf' })).toBe('/real/model.gguf');
  });
});
