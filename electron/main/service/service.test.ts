// Every operation of the service against the real store and the real engine host process (built-in
// model, temp data folder).
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opNames, type OpName } from '../../common/contract.js';
import type { ConversationDetail } from '../../common/schemas.js';
import { builtinModel } from '../builtin-model.js';
import { buildLlamaModel, tinyConfig } from '../../../test-support/llama-builder.js';
import { EventLog, openTestApp, unwrap, type TestApp } from './testing.js';

const builtin = builtinModel();
let app: TestApp;
let log: EventLog;
const call = async <K extends OpName>(name: K, args: unknown) => unwrap(await app.service.call(name, args as never));
const fails = async (name: OpName, args: unknown) => {
  const r = await app.service.call(name, args as never);
  if (r.ok) throw new Error(`${name} succeeded`);
  return r.error;
};
/** Sends and waits for the stored answer. */
async function turn(conversationId: string, text: string, parentId?: string | null) {
  const r = await call('chat.send', { conversationId, text, ...(parentId !== undefined ? { parentId } : {}) });
  return { ...r, answer: await log.done(r.assistantMessage.id) };
}
const short = { maxTokens: 24, temperature: 0, seed: 1 };

beforeAll(async () => {
  if (!builtin) throw new Error('the built-in model is missing (assets/models)');
  app = await openTestApp(builtin);
  log = new EventLog(app.service);
});
afterAll(async () => { log?.close(); await app?.dispose(); });

describe('service over the real store and engine host', () => {
  it('rejects malformed arguments of every operation with E_ARGS', async () => {
    for (const name of opNames) {
      const e = await fails(name, { bogus: 1 });
      expect(e.code, name).toBe('E_ARGS');
    }
    expect((await fails('chat.send', { conversationId: '../x', text: 'hi' })).code).toBe('E_ARGS');
    expect((await fails('chat.send', { conversationId: 'abc', text: '' })).code).toBe('E_ARGS');
  });

  it('starts with the built-in model loaded', async () => {
    const m = await call('models.list', {});
    expect(m.current?.builtin).toBe(true);
    expect(m.builtin?.path).toBe(m.current?.path);
    expect(m.quarantined).toEqual([]);
  });

  it('creates, lists, renames, searches, sets settings of and deletes conversations', async () => {
    const c = await call('conversations.create', { title: 'Alpha', settings: { temperature: 0.1 } });
    expect(c.settings.temperature).toBe(0.1);
    expect(c.settings.nCtx).toBe((await call('settings.get', {})).defaults.nCtx);
    expect((await call('conversations.list', {})).conversations.map((x) => x.id)).toContain(c.id);
    expect((await call('conversations.rename', { id: c.id, title: 'Beta' })).title).toBe('Beta');
    expect((await call('conversations.setSettings', { id: c.id, settings: { systemPrompt: 'Be brief.' } })).settings.systemPrompt).toBe('Be brief.');
    await turn(c.id, 'zebra crossing');
    expect((await call('conversations.search', { query: 'zebra' })).map((h) => h.conversationId)).toContain(c.id);
    expect(await call('conversations.delete', { id: c.id })).toEqual({ deleted: true });
    expect((await fails('conversations.get', { id: c.id })).code).toBe('E_NOT_FOUND');
    expect(log.events.some((e) => e.name === 'conversations.changed')).toBe(true);
  });

  it('sends: user message stored before the answer streams, deltas add up to the stored answer, stats kept', async () => {
    const c = await call('conversations.create', { settings: short });
    const r = await call('chat.send', { conversationId: c.id, text: 'Hello there' });
    expect(r.userMessage.status).toBe('done');
    expect(r.assistantMessage.status).toBe('streaming');
    const stored = await call('conversations.get', { id: c.id });
    expect(stored.messages.find((m) => m.id === r.userMessage.id)?.content).toBe('Hello there');
    expect(stored.title).toBe('Hello there');
    const answer = await log.done(r.assistantMessage.id);
    expect(answer.status).toBe('done');
    expect(answer.content.length).toBeGreaterThan(0);
    expect(log.deltas(answer.id)).toBe(answer.content);
    expect(answer.stats?.decodeTokens).toBeGreaterThan(0);
    expect(answer.stats?.promptTokens).toBeGreaterThan(0);
    expect(answer.model).toBeTruthy();
    const got = await call('conversations.get', { id: c.id });
    expect(got.currentLeafId).toBe(answer.id);
    expect(got.busy).toBe(false);
    // the second turn reuses the KV of the first
    const t2 = await turn(c.id, 'And again');
    expect(t2.answer.stats!.reusedTokens).toBeGreaterThan(0);
    const s = await call('stats.get', {});
    expect(s.memory.hostRssBytes).toBeGreaterThan(0);
    expect(s.memory.appRssBytes).toBeGreaterThan(0);
    expect(s.bytesCopied).toBe(0);
    expect(s.engine.state).toBe('ready');
    expect(log.events.some((e) => e.name === 'stats' && e.payload.messageId === t2.answer.id)).toBe(true);
  });

  it('refuses a second send while answering (E_BUSY); stop keeps the partial answer', async () => {
    // The built-in model may end a sampled answer before Stop lands (it answers briefly): sample
    // answers (temperature 5, no top-k / top-p cut) until one is stopped mid-way, at most 8.
    for (let seed = 1; ; seed++) {
      const c = await call('conversations.create', { settings: { maxTokens: 4000, temperature: 5, topK: 0, topP: 1, minP: 0, seed, contextOverflow: 'shift' } });
      const r = await call('chat.send', { conversationId: c.id, text: 'Tell me a long story' });
      expect((await fails('chat.send', { conversationId: c.id, text: 'again' })).code).toBe('E_BUSY');
      await log.until('message.delta', (p) => p.messageId === r.assistantMessage.id);
      const stop = await call('chat.stop', { conversationId: c.id });
      const a = await log.done(r.assistantMessage.id);
      expect(a.status).toBe('done');
      expect(a.content.length).toBeGreaterThan(0);
      expect(await call('chat.stop', { conversationId: c.id })).toEqual({ stopped: false });
      if (stop.stopped && a.finishReason === 'cancelled') break;
      expect(seed, 'each answer ended before Stop could land').toBeLessThan(8);
    }
  });

  it('regenerates and edits as siblings; selectBranch switches the branch', async () => {
    const c = await call('conversations.create', { settings: { ...short, temperature: 1 } });
    const t1 = await turn(c.id, 'First question');
    const re = await call('chat.regenerate', { conversationId: c.id, messageId: t1.answer.id });
    const a2 = await log.done(re.assistantMessage.id);
    expect(a2.parentId).toBe(t1.userMessage.id);
    const ed = await call('chat.edit', { conversationId: c.id, messageId: t1.userMessage.id, content: 'First question, edited' });
    expect(ed.message.parentId).toBe(t1.userMessage.parentId);
    expect(ed.message.role).toBe('user');
    const a3 = await log.done(ed.assistantMessage!.id);
    expect(a3.parentId).toBe(ed.message.id);
    const ea = await call('chat.edit', { conversationId: c.id, messageId: a3.id, content: 'An answer written by hand' });
    expect(ea.assistantMessage).toBeNull();
    expect(ea.message).toMatchObject({ role: 'assistant', parentId: ed.message.id, status: 'done', content: 'An answer written by hand' });
    let d = await call('conversations.get', { id: c.id });
    expect(d.currentLeafId).toBe(ea.message.id);
    d = await call('conversations.selectBranch', { id: c.id, leafId: a2.id });
    expect(d.currentLeafId).toBe(a2.id);
    // the next turn continues the selected branch
    const t2 = await turn(c.id, 'Next');
    expect(t2.userMessage.parentId).toBe(a2.id);
    expect((await fails('chat.regenerate', { conversationId: c.id, messageId: t2.userMessage.id })).code).toBe('E_ARGS');
    expect((await fails('chat.edit', { conversationId: c.id, messageId: 'nope', content: 'x' })).code).toBe('E_NOT_FOUND');
  });

  it('forks at a message: a new conversation with the path, its KV reused by the host', async () => {
    const c = await call('conversations.create', { title: 'Root', settings: short });
    const t1 = await turn(c.id, 'One');
    await turn(c.id, 'Two');
    const f: ConversationDetail = await call('chat.fork', { conversationId: c.id, messageId: t1.answer.id });
    expect(f.id).not.toBe(c.id);
    expect(f.title).toBe('Root (fork)');
    expect(f.messages.map((m) => [m.role, m.content])).toEqual([['user', 'One'], ['assistant', t1.answer.content]]);
    const t = await turn(f.id, 'Three');
    expect(t.answer.status).toBe('done');
    expect(t.answer.stats!.reusedTokens).toBeGreaterThan(0);
    expect(t.answer.stats!.restore).toBeUndefined();
    expect((await call('conversations.get', { id: c.id })).messages).toHaveLength(4);
  });

  it('writes a conversation\'s KV snapshot when idle; saves and opens .cairn snapshots', async () => {
    const c = await call('conversations.create', { settings: short });
    await turn(c.id, 'Remember the number 7');
    const kv = app.store.kvPath(c.id);
    for (let i = 0; i < 100 && !existsSync(kv); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(kv)).toBe(true);
    const saved = await call('snapshots.save', { conversationId: c.id });
    expect(existsSync(saved.path)).toBe(true);
    expect(saved.bytes).toBeGreaterThan(0);
    expect(saved.nTokens).toBeGreaterThan(0);
    const opened = await call('snapshots.open', { path: saved.path });
    expect(opened.restore.path).toBe('restored');
    expect(opened.conversation.messages.map((m) => m.content)).toEqual((await call('conversations.get', { id: c.id })).messages.map((m) => m.content));
    const t = await turn(opened.conversation.id, 'Which number?');
    expect(t.answer.status).toBe('done');
    expect((await fails('snapshots.save', { conversationId: c.id, path: join(app.dataDir, 'x.txt') })).code).toBe('E_FILE');
  });

  it('models: inspect, a bad file refused with E_FILE / E_MODEL, unload and load again', async () => {
    const info = await call('models.inspect', { path: builtin! });
    expect(info.memory.fits).toBe(true);
    expect(info.contextLength).toBeGreaterThan(0);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-bad-'));
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, 'not a gguf at all');
    expect(['E_FILE', 'E_MODEL']).toContain((await fails('models.load', { path: bad })).code);
    expect((await fails('models.load', { path: join(dir, 'missing.gguf') })).code).toBe('E_FILE');
    expect((await fails('models.load', { path: dir })).code).toBe('E_FILE');
    expect((await call('models.unload', {})).current).toBeNull();
    const c = await call('conversations.create', {});
    expect((await fails('chat.send', { conversationId: c.id, text: 'hi' })).code).toBe('E_MODEL');
    const loaded = await call('models.load', { path: builtin! });
    expect(loaded.builtin).toBe(true);
    expect(log.events.some((e) => e.name === 'models.changed' && e.payload.current === null)).toBe(true);
    expect(log.events.some((e) => e.name === 'progress' && e.payload.kind === 'model-load')).toBe(true);
  });

  it('a dropped GGUF becomes the current model; a snapshot of another model is re-read by it (saying so); unload brings the built-in back', async () => {
    const c = await call('conversations.create', { settings: short });
    await turn(c.id, 'Before the switch');
    const saved = await call('snapshots.save', { conversationId: c.id });
    const dir = mkdtempSync(join(tmpdir(), 'cairn-other-'));
    const other = buildLlamaModel(join(dir, 'other.gguf'), tinyConfig('tiny-hd32', 'q8_0')).path;
    const loaded = await call('models.load', { path: other });
    expect(loaded.builtin).toBe(false);
    expect((await call('models.list', {})).current?.id).toBe(loaded.id);
    const opened = await call('snapshots.open', { path: saved.path });
    expect(opened.restore.path).toBe('reprefilled');
    expect(opened.restore.reason).toBeTruthy();
    await log.until('notice', (n) => n.message.includes('re-read'));
    const t = await turn(opened.conversation.id, 'After the switch');
    expect(t.answer.model).toBe(loaded.name);
    const back = await call('models.unload', {});
    expect(back.current?.builtin).toBe(true);
  });

  it('settings: get, set (persisted), defaults applied to new conversations', async () => {
    const s = await call('settings.set', { patch: { theme: 'dark', defaults: { ...(await call('settings.get', {})).defaults, maxTokens: 77 } } });
    expect(s.theme).toBe('dark');
    expect((await call('conversations.create', {})).settings.maxTokens).toBe(77);
    expect(JSON.parse((await import('node:fs')).readFileSync(join(app.dataDir, 'settings.json'), 'utf8')).theme).toBe('dark');
    expect((await call('progress.cancel', { id: 'no-such-progress' })).cancelled).toBe(false);
  });

  it('exports a conversation as Markdown and JSON', async () => {
    const c = await call('conversations.create', { title: 'Export me', settings: short });
    const t = await turn(c.id, 'Export this');
    const md = await call('conversations.export', { id: c.id, format: 'markdown' });
    expect(md.content).toContain('Export this');
    expect(md.content).toContain(t.answer.content.trim().slice(0, 10));
    const js = await call('conversations.export', { id: c.id, format: 'json' });
    expect(JSON.parse(js.content)).toBeTruthy();
  });

  it('the host killed mid-answer: the answer is kept as interrupted, the next send works', async () => {
    const c = await call('conversations.create', { settings: { maxTokens: 4000, temperature: 1, seed: 5 } });
    await turn(c.id, 'Warm up');
    const r = await call('chat.send', { conversationId: c.id, text: 'A long answer please' });
    await log.until('message.delta', (p) => p.messageId === r.assistantMessage.id);
    process.kill(app.engine.status().pid!, 'SIGKILL');
    const a = await log.done(r.assistantMessage.id);
    expect(a.status).toBe('interrupted');
    expect(a.finishReason).toBe('interrupted');
    expect(a.content).toBe(log.deltas(a.id));
    expect(a.content.length).toBeGreaterThan(0);
    const t = await turn(c.id, 'Continue');
    expect(t.answer.status).toBe('done');
    expect(t.answer.content.length).toBeGreaterThan(0);
    expect((await app.store.check()).ok).toBe(true);
  });
});
