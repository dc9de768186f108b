// The IPC wrapper under Node, with ipcMain as the thin adapter main.ts passes in: every operation's
// handler rejects foreign senders and malformed arguments (cases generated from the `operations` map
// and a valid sample per operation: not an object, too many / too few arguments, each field missing,
// each field of a wrong type, each string oversized, extra fields) without calling the service, and
// forwards valid arguments from the app's own frame. The service here is a recorder of the CairnApi
// interface (the wrapper's contract), not a stand-in for the service's behaviour.
import { describe, expect, test } from 'vitest';
import type { AppEvent, CairnApi, OpArgs, OpName } from '../../common/contract.js';
import { opNames, operations } from '../../common/contract.js';
import { defaultConversationSettings, defaultAppSettings } from '../store/settings.js';
import { EVENT_CHANNEL, forwardEvents, isAppFrame, registerIpc, type InvokeEventLike, type IpcMainLike } from './ipc.js';

const ID = '0mx968i4f0000psk4rn99';
const sample: { [K in OpName]: OpArgs<K> } = {
  'conversations.list': {},
  'conversations.create': { title: 'Hello', settings: { temperature: 0.5 } },
  'conversations.get': { id: ID },
  'conversations.rename': { id: ID, title: 'New title' },
  'conversations.delete': { id: ID },
  'conversations.search': { query: 'rice' },
  'conversations.setSettings': { id: ID, settings: { topK: 20, systemPrompt: 'Be brief.' } },
  'conversations.selectBranch': { id: ID, leafId: ID },
  'conversations.export': { id: ID, format: 'markdown' },
  'chat.send': { conversationId: ID, text: 'Hi', parentId: ID },
  'chat.stop': { conversationId: ID },
  'chat.regenerate': { conversationId: ID, messageId: ID },
  'chat.edit': { conversationId: ID, messageId: ID, content: 'edited' },
  'chat.fork': { conversationId: ID, messageId: ID },
  'models.list': {},
  'models.inspect': { path: '/models/a.gguf' },
  'models.load': { path: '/models/a.gguf' },
  'models.unload': {},
  'snapshots.save': { conversationId: ID, path: '/tmp/a.cairn' },
  'snapshots.open': { path: '/tmp/a.cairn' },
  'settings.get': {},
  'settings.set': { patch: { threads: 4, defaults: defaultConversationSettings, theme: 'dark' } },
  'stats.get': {},
  'progress.cancel': { id: 'p1' },
};
void defaultAppSettings;

const APP = { url: 'cairn://app/index.html', parent: null };
const FOREIGN: [string, InvokeEventLike['senderFrame']][] = [
  ['no frame (navigated or destroyed)', null],
  ['a web page', { url: 'https://evil.example/', parent: null }],
  ['a file:// page', { url: 'file:///tmp/index.html', parent: null }],
  ['an iframe inside the app', { url: 'cairn://app/index.html', parent: APP }],
  ['another host of the scheme', { url: 'cairn://other/index.html', parent: null }],
  ['a look-alike host', { url: 'cairn://app.evil/index.html', parent: null }],
  ['credentials in the URL', { url: 'cairn://user@app/index.html', parent: null }],
  ['a port', { url: 'cairn://app:8080/index.html', parent: null }],
  ['an unparsable URL', { url: 'not a url', parent: null }],
];

type Leaf = { path: string[]; value: unknown };
function leaves(v: unknown, path: string[] = []): Leaf[] {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.entries(v).flatMap(([k, x]) => leaves(x, [...path, k]));
  return [{ path, value: v }];
}
function setAt(obj: unknown, path: string[], value: unknown): unknown {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let cur = copy;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string, unknown>;
  if (value === undefined) delete cur[path.at(-1)!]; else cur[path.at(-1)!] = value;
  return copy;
}
const wrongType = (v: unknown): unknown => (typeof v === 'string' ? 42 : typeof v === 'number' ? 'x' : typeof v === 'boolean' ? 'true' : v === null ? {} : 'x');

/** Malformed argument lists for `name`, each with a label. */
function malformed(name: OpName): [string, unknown[]][] {
  const s = sample[name];
  const cases: [string, unknown[]][] = [
    ['no argument', []], ['two arguments', [s, s]], ['null', [null]], ['a number', [7]], ['a string', ['{}']], ['an array', [[s]]],
    ['an extra field', [{ ...s, extra: 1 }]], ['an own __proto__ field', [{ ...s, ...JSON.parse('{"__proto__": {"polluted": true}}') }]],
  ];
  for (const { path, value } of leaves(s)) {
    if (path.length === 0) continue;
    const key = path.join('.');
    const without = setAt(s, path, undefined);
    if (!operations[name].args.safeParse(without).success) cases.push([`missing ${key}`, [without]]);
    cases.push([`${key} of a wrong type`, [setAt(s, path, wrongType(value))]]);
    if (typeof value === 'string') cases.push([`${key} oversized`, [setAt(s, path, 'a'.repeat(5_000_000))]]);
  }
  return cases;
}

function setup() {
  const handlers = new Map<string, (e: InvokeEventLike, ...a: unknown[]) => Promise<unknown>>();
  const ipcMain: IpcMainLike = { handle: (c, fn) => { expect(handlers.has(c)).toBe(false); handlers.set(c, fn); }, removeHandler: (c) => { handlers.delete(c); } };
  const calls: [string, unknown][] = [];
  const listeners = new Set<(e: AppEvent) => void>();
  const api: CairnApi = {
    call: async (name, args) => { calls.push([name, args]); return name === 'stats.get' ? Promise.reject(new Error('boom')) : { ok: true, value: { echoed: name } } as never; },
    subscribe: (fn) => { listeners.add(fn); return () => listeners.delete(fn); },
  };
  const off = registerIpc(ipcMain, api);
  return { handlers, calls, off, api, listeners };
}

describe('IPC wrapper', () => {
  test('one channel per operation, named by it; unregistering removes them all', () => {
    const { handlers, off } = setup();
    expect([...handlers.keys()].sort()).toEqual([...opNames].sort());
    off();
    expect(handlers.size).toBe(0);
  });

  test('every sample is valid (the generated cases start from valid arguments)', () => {
    for (const name of opNames) expect(operations[name].args.safeParse(sample[name]).success, name).toBe(true);
  });

  test.each(opNames)('%s: the app page is served; foreign senders are refused before anything runs', async (name) => {
    const { handlers, calls } = setup();
    const h = handlers.get(name)!;
    for (const [why, frame] of FOREIGN) {
      expect(await h({ senderFrame: frame }, sample[name]), why).toEqual({ ok: false, error: { code: 'E_FORBIDDEN', message: `${name}: not the app's own page` } });
    }
    expect(calls).toEqual([]);
    const r = await h({ senderFrame: APP }, sample[name]);
    if (name === 'stats.get') expect(r).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: 'stats.get: boom' } });
    else expect(r).toEqual({ ok: true, value: { echoed: name } });
    expect(calls).toEqual([[name, operations[name].args.parse(sample[name])]]);
  });

  test.each(opNames)('%s: malformed arguments are refused with E_ARGS and never reach the service', async (name) => {
    const { handlers, calls } = setup();
    const cases = malformed(name);
    for (const [why, args] of cases) {
      const r = await handlers.get(name)!({ senderFrame: APP }, ...args) as { ok: boolean; error?: { code: string; message: string } };
      expect(r.ok, `${name} with ${why}`).toBe(false);
      expect(r.error?.code, `${name} with ${why}`).toBe('E_ARGS');
      expect(r.error?.message.startsWith(`${name}: `)).toBe(true);
    }
    expect(calls).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  test('the generated cases cover missing fields, wrong types and oversized strings across the map', () => {
    const all = opNames.flatMap((n) => malformed(n).map(([why]) => why));
    expect(all.filter((w) => w.startsWith('missing ')).length).toBeGreaterThan(20);
    expect(all.filter((w) => w.endsWith(' of a wrong type')).length).toBeGreaterThan(30);
    expect(all.filter((w) => w.endsWith(' oversized')).length).toBeGreaterThan(20);
  });

  test('isAppFrame accepts any page of cairn://app/', () => {
    expect(isAppFrame({ url: 'cairn://app/', parent: null })).toBe(true);
    expect(isAppFrame({ url: 'cairn://app/index.html#/chat/1?x=1', parent: null })).toBe(true);
  });

  test('events go to the window on one channel until it is destroyed or unsubscribed', () => {
    const { api, listeners } = setup();
    const sent: unknown[] = [];
    let destroyed = false;
    const off = forwardEvents(api, { send: (c, e) => sent.push([c, e]), isDestroyed: () => destroyed });
    const ev: AppEvent = { name: 'notice', payload: { level: 'info', message: 'hi' } };
    for (const fn of listeners) fn(ev);
    destroyed = true;
    for (const fn of listeners) fn(ev);
    off();
    expect(listeners.size).toBe(0);
    expect(sent).toEqual([[EVENT_CHANNEL, ev]]);
  });
});
