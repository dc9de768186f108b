// EngineClient against the real engine host process (dist/, built by `npm test`) and the real engine:
// load / inspect / generate (token batches, KV reuse) / cancel / fork / snapshot save + restore + open /
// errors as data. Faults (kills, hangs, quarantine): engine-client.faults.test.ts.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Result } from '../../common/contract.js';
import type { HostMessage } from '../../common/host-protocol.js';
import type { ConversationSettings, Progress } from '../../common/schemas.js';
 
import { cachedLlamaModel, tinyConfig } from '../../../test-support/llama-builder.js';
import { EngineClient, type EngineEvent } from './engine-client.js';

const root = join(import.meta.dirname, '..', '..', '..');
const BUILTIN = join(root, 'assets', 'models', 'cairn-demo-28m-q8_0.gguf');
const S: ConversationSettings = {
  temperature: 0, topK: 0, topP: 1, minP: 0, repeatPenalty: 1, seed: 1, maxTokens: 24, systemPrompt: '', contextOverflow: 'shift', nCtx: 1024,
};
const dir = mkdtempSync(join(tmpdir(), 'cairn-engine-'));
let client: EngineClient, tiny: string;
const events: EngineEvent[] = [];

const value = <T>(r: Result<T>): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};
const progress = (kind: Progress['kind']) => events.flatMap((e) => (e.type === 'progress' && e.progress.kind === kind ? [e.progress] : []));
const user = (content: string): HostMessage => ({ role: 'user', content });
const answer = (content: string): HostMessage => ({ role: 'assistant', content });
const generate = (conversationId: string, messages: HostMessage[], o: { settings?: Partial<ConversationSettings>; snapshotPath?: string; requestId?: string } = {}) =>
  client.request('generate', {
    requestId: o.requestId ?? `${conversationId}-${Math.random()}`, conversationId, messages, settings: { ...S, ...o.settings },
    ...(o.snapshotPath ? { snapshotPath: o.snapshotPath } : {}),
  });

beforeAll(async () => {
  tiny = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0'));
  client = new EngineClient({ dataDir: dir });
  client.subscribe((e) => events.push(e));
  await client.start();
});
afterAll(() => client.stop());

test('dist/ holds the host entry (npm test builds it first)', () => {
  expect(existsSync(join(root, 'dist', 'electron', 'engine', 'host', 'host-main.js'))).toBe(true);
});

describe('the built-in model', () => {
  test('loads: what `cairn inspect` shows, the memory estimate, progress to done', async () => {
    const m = value(await client.request('model.load', { path: BUILTIN, builtin: true, threads: 1 }));
    expect(m).toMatchObject({ path: BUILTIN, builtin: true, architecture: 'llama', quantization: 'q8_0', layers: 8, heads: 8, headsKv: 2, vocabSize: 8192 });
    expect(m.parameters).toBeGreaterThan(10_000_000);
    expect(m.chatTemplate).toContain('<|start_header_id|>');
    expect(m.memory.totalBytes).toBeGreaterThanOrEqual(m.memory.weightsBytes + m.memory.kvBytes);
    expect(client.currentModel()?.id).toBe(m.id);
    expect(progress('model-load').map((p) => p.state)).toEqual(['running', 'done']);
  });

  test('generates: token batches carry the whole answer with one latency per token; the next turn reuses the KV', async () => {
    const r1 = value(await generate('b1', [user('Hello there')], { requestId: 'b1-1' }));
    const batches = events.flatMap((e) => (e.type === 'tokens' && e.requestId === 'b1-1' ? [e] : []));
    expect(batches.map((b) => b.text).join('')).toBe(r1.text);
    // (r1.tokens counts the stop token when the answer reached one: it is never streamed)
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(r1.tokens - (r1.reason === 'stop' ? 1 : 0));
    for (const b of batches) {
      expect(b.count).toBeLessThanOrEqual(32);
      expect(b.latenciesMs).toHaveLength(b.count);
      expect(b.latenciesMs.every((ms) => ms > 0)).toBe(true);
      expect(b.conversationId).toBe('b1');
    }
    expect(r1).toMatchObject({ reusedTokens: 0, promptTokens: r1.prefilledTokens });
    expect(r1.restore).toBeUndefined();
    const r2 = value(await generate('b1', [user('Hello there'), answer(r1.text), user('Which countries?')]));
    expect(r2.reusedTokens).toBeGreaterThanOrEqual(r1.promptTokens + r1.tokens - 1);
    expect(r2.promptTokens).toBe(r2.reusedTokens + r2.prefilledTokens);
  });

  test('a snapshot of the built-in model, for later use under another model', async () => {
    mkdirSync(join(dir, 'b1'));
    const saved = value(await client.request('snapshot.save', { conversationId: 'b1', path: join(dir, 'b1', 'kv.cairn'), messages: [], settings: S }));
    expect(saved.nTokens).toBeGreaterThan(0);
  });

  test('the same branch in a conversation the host does not hold is prefilled (and says so)', async () => {
    const r = value(await generate('b2', [user('Hello there'), answer('Hi.'), user('Which countries?')]));
    expect(r.restore).toMatchObject({ path: 'reprefilled' });
    expect(r.reusedTokens).toBe(0);
  });

  test('inspect reads another GGUF without loading it: the KV estimate scales with the context', async () => {
    const a = value(await client.request('model.inspect', { path: tiny, nCtx: 1024 }));
    const b = value(await client.request('model.inspect', { path: tiny, nCtx: 2048 }));
    expect(a).toMatchObject({ path: tiny, architecture: 'llama', layers: 3, embeddingLength: 256, heads: 4, headsKv: 1, vocabSize: 1024 });
    expect(b.memory.kvBytes).toBe(2 * a.memory.kvBytes);
    expect(a.memory).toMatchObject({ nCtx: 1024, kvBytes: 2 * 3 * 1024 * 1 * 64 * 2 });
    expect(client.currentModel()?.path).toBe(BUILTIN);
  });

  test('a bad GGUF: E_MODEL with the engine\'s message, and the host stays up', async () => {
    const bad = join(dir, 'bad.gguf');
    writeFileSync(bad, readFileSync(BUILTIN).subarray(0, 4000));
    const pid = client.status().pid;
    for (const op of ['model.load', 'model.inspect'] as const) {
      const r = await client.request(op, { path: bad, builtin: false, threads: 1, nCtx: 512 });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe('E_MODEL');
        expect(r.error.message).toMatch(/bad\.gguf.*truncated|truncated.*bad\.gguf/i);
      }
    }
    expect(client.status()).toMatchObject({ state: 'ready', restarts: 0, pid });
    expect(client.currentModel()?.path).toBe(BUILTIN);
    expect(value(await generate('b3', [user('Hello')])).tokens).toBeGreaterThan(0);
  });
});

describe('a model that talks until told to stop (tiny, random weights)', () => {
  const L: Partial<ConversationSettings> = { maxTokens: 3000, nCtx: 4096 };

  test('loading it makes it current', async () => {
    const m = value(await client.request('model.load', { path: tiny, builtin: false, threads: 1 }));
    expect(client.currentModel()).toEqual(m);
  });

  test('cancel stops a streaming answer: reason cancelled, the partial text returned', async () => {
    const off = client.subscribe((e) => { if (e.type === 'tokens' && e.requestId === 'c1-1') void client.request('cancel', { requestId: 'c1-1' }); });
    const r = value(await generate('c1', [user('Tell me a long story')], { settings: L, requestId: 'c1-1' }));
    off();
    expect(r.reason).toBe('cancelled');
    expect(r.tokens).toBeGreaterThan(0);
    expect(r.tokens).toBeLessThan(3000);
    expect(value(await client.request('cancel', { requestId: 'c1-1' }))).toEqual({ cancelled: false });
  });

  test('a long prompt reports prefill progress (done/total, cancellable, id = the request id)', async () => {
    const long = Array.from({ length: 400 }, (_, i) => `word${i % 50}`).join(' ');
    const r = value(await generate('p1', [user(long)], { requestId: 'p1-1', settings: { maxTokens: 4, nCtx: 4096 } }));
    const ps = progress('prefill').filter((p) => p.id === 'p1-1');
    expect(ps.length).toBeGreaterThan(1);
    expect(ps.every((p) => p.cancellable && p.conversationId === 'p1' && p.total === r.prefilledTokens)).toBe(true);
    expect(ps[ps.length - 1]).toMatchObject({ state: 'done', done: r.prefilledTokens });
  });

  test('a second generate on a busy conversation is refused with E_BUSY', async () => {
    const first = generate('c2', [user('One')], { settings: { maxTokens: 400 } });
    const second = await generate('c2', [user('Two')]);
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.error.code).toBe('E_BUSY');
    expect((await first).ok).toBe(true);
  });

  test('fork copies the actor: the fork\'s next turn reuses the shared KV; an unknown source is not forked', async () => {
    const r1 = value(await generate('f1', [user('Rivers')]));
    const branch = [user('Rivers'), answer(r1.text)];
    value(await generate('f1', [...branch, user('Lakes')]));
    expect(value(await client.request('fork', { from: 'f1', to: 'f2', messages: branch, settings: S }))).toEqual({ forked: true });
    const r2 = value(await generate('f2', [...branch, user('Seas')]));
    expect(r2.restore).toBeUndefined();
    expect(r2.reusedTokens).toBeGreaterThanOrEqual(r1.promptTokens + r1.tokens - 1);
    expect(value(await client.request('fork', { from: 'nope', to: 'f3', messages: branch, settings: S }))).toEqual({ forked: false });
  });

  test('snapshot: saved to the given path, restored when the host no longer holds the conversation, opened as a new one', async () => {
    const r1 = value(await generate('s1', [user('Mountains')]));
    const branch = [user('Mountains'), answer(r1.text)];
    mkdirSync(join(dir, 's1')); // (the store's conversation folder: the host never creates folders)
    const kv = join(dir, 's1', 'kv.cairn');
    const saved = value(await client.request('snapshot.save', { conversationId: 's1', path: kv, messages: branch, settings: S }));
    expect(saved.bytes).toBeGreaterThan(0);
    expect(saved.nTokens).toBeGreaterThanOrEqual(r1.promptTokens + r1.tokens - 1);
    expect(progress('snapshot-save').at(-1)).toMatchObject({ state: 'done', conversationId: 's1' });
    expect(progress('model-hash').at(-1)).toMatchObject({ state: 'done' });
    expect(value(await client.request('conversation.drop', { conversationId: 's1' }))).toEqual({ dropped: true });
    const r2 = value(await generate('s1', [...branch, user('Valleys')], { snapshotPath: kv }));
    expect(r2.restore).toMatchObject({ path: 'restored' });
    expect(r2.reusedTokens).toBeGreaterThanOrEqual(r1.promptTokens + r1.tokens - 1);

    const opened = value(await client.request('snapshot.open', { path: kv, conversationId: 's2' }));
    expect(opened.messages).toEqual(branch);
    expect(opened.restore.path).toBe('restored');
    expect(opened.settings).toMatchObject({ nCtx: S.nCtx, temperature: 0 });
    const r3 = value(await generate('s2', [...branch, user('Valleys')]));
    expect(r3.restore).toBeUndefined();
    expect(r3.reusedTokens).toBe(r2.reusedTokens);
  });

  test('a snapshot of another model: its transcript is prefilled by this one (generate and open say why)', async () => {
    const kv = join(dir, 'b1', 'kv.cairn');
    const branch = [user('Hello there'), answer('Hi.'), user('Which countries?')];
    const r = value(await generate('x1', branch, { snapshotPath: kv }));
    expect(r.restore).toMatchObject({ path: 'reprefilled', reason: expect.stringMatching(/SNAP_FOREIGN_MODEL/) });
    expect(r.reusedTokens).toBe(0);
    const opened = value(await client.request('snapshot.open', { path: kv, conversationId: 'x2' }));
    expect(opened.restore).toMatchObject({ path: 'reprefilled', reason: expect.stringMatching(/prefilled on the next turn/) });
    expect(opened.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(value(await generate('x2', [...opened.messages, user('More?')], { settings: { maxTokens: 4 } })).reusedTokens).toBe(0);
  });

  test('a turn sent while the conversation\'s snapshot is being written waits for it', async () => {
    const r1 = value(await generate('w1', [user('Forests')], { settings: { maxTokens: 16 } }));
    const branch = [user('Forests'), answer(r1.text)];
    mkdirSync(join(dir, 'w1'));
    const save = client.request('snapshot.save', { conversationId: 'w1', path: join(dir, 'w1', 'kv.cairn'), messages: branch, settings: S });
    const turn = generate('w1', [...branch, user('Deserts')], { settings: { maxTokens: 16 } });
    const [saved, r2] = [value(await save), value(await turn)];
    expect(saved.nTokens).toBe(r1.promptTokens + r1.tokens); // the state before the turn
    expect(r2.reusedTokens).toBeGreaterThanOrEqual(r1.promptTokens + r1.tokens - 1);
  });

  test('a file that is no snapshot cannot be opened: E_SNAPSHOT', async () => {
    const junk = join(dir, 'junk.cairn');
    writeFileSync(junk, 'not a snapshot at all');
    const r = await client.request('snapshot.open', { path: junk, conversationId: 's3' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('E_SNAPSHOT');
  });

  test('stats: the host, the model (zero bytes copied) and the live conversations', async () => {
    const s = value(await client.request('stats', {}));
    expect(s.pid).toBe(client.status().pid);
    expect(s.rssBytes).toBeGreaterThan(0);
    expect(s.model).toMatchObject({ id: client.currentModel()?.id, bytesCopied: 0 });
    const c = s.conversations.find((x) => x.id === 's2');
    expect(c?.kvUsedBytes).toBe((c?.position ?? 0) * 2 * 3 * 1 * 64 * 2);
    expect(c?.actorBytes).toBeGreaterThan(c?.kvAllocatedBytes ?? Infinity);
  });

  test('unloaded: generate answers E_MODEL', async () => {
    const id = client.currentModel()?.id ?? '';
    expect(value(await client.request('model.unload', { id }))).toEqual({ unloaded: true });
    expect(client.currentModel()).toBeNull();
    const r = await generate('u1', [user('Anyone?')]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'E_MODEL', message: 'no model is loaded' });
  });
});
