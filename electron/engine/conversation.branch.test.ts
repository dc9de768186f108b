// Conversation additions for the engine host: setMessages (a branch sent whole each turn keeps the
// message objects it shares, so the KV is reused), fork (the actor copied, no re-prefill), prime,
// prefill in chunks (progress, interrupt) and onToken.
import { beforeAll, describe, expect, test } from 'vitest';
import { copyMessages } from './answer-ids.js';
import { Conversation, modelTokenizer } from './conversation.js';
import { cachedLlamaModel, tinyConfig } from './llama-builder.js';
import { Model } from './model.js';
import type { Tokenizer } from './tokenizer/index.js';

let model: Model, tok: Tokenizer;
const GREEDY = { maxTokens: 12, nCtx: 1024 };
const long = (n: number) => Array.from({ length: n }, (_, i) => `word${i % 50}`).join(' ');

beforeAll(() => {
  model = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0')), { threads: 2 });
  tok = modelTokenizer(model);
});

describe('setMessages', () => {
  test('a branch sent whole (new objects) keeps the shared prefix: the next turn reuses the KV up to the answer', async () => {
    const c = Conversation.create(model, tok, GREEDY);
    const r1 = await c.send('First question');
    const held = c.position;
    // what main sends next turn: fresh objects (structured clone) of the same branch
    expect(c.setMessages([{ role: 'user', content: 'First question' }, { role: 'assistant', content: r1.text }])).toBe(2);
    const r2 = await c.send('Second question');
    // the answer's generated ids were kept: everything up to the end of the answer (less its stop token) is reused
    expect(r2.reused).toBeGreaterThanOrEqual(held - 1);
    // the same branch (the answer as its generated ids) prefilled from nothing answers the same (greedy)
    const fresh = Conversation.create(model, tok, GREEDY);
    fresh.setMessages(copyMessages(c.messages.slice(0, 2)));
    const f2 = await fresh.send('Second question');
    expect(f2.reused).toBe(0);
    // (the answers may part: K/V computed one token at a time and in a batch differ in rounding)
    const n = f2.prefilled;
    expect(r2.reused + r2.prefilled).toBe(n);
    expect(Array.from(c.tokens().subarray(0, n))).toEqual(Array.from(fresh.tokens().subarray(0, n)));
  });

  test('another branch (an edit) keeps only what is shared and re-fits the window', async () => {
    const c = Conversation.create(model, tok, GREEDY);
    const r1 = await c.send('Alpha');
    await c.send('Beta');
    c.settings.windowStart = 2; // as if a context shift had dropped the first turn
    const kept = c.setMessages([{ role: 'user', content: 'Alpha (edited)' }]);
    expect(kept).toBe(0);
    expect(c.settings.windowStart).toBe(0);
    expect(c.messages).toEqual([{ role: 'user', content: 'Alpha (edited)' }]);
    expect(r1.text.length).toBeGreaterThan(0);
  });
});

describe('fork', () => {
  test('the copy continues from the same KV without prefilling it again, and the original is unchanged', async () => {
    const c = Conversation.create(model, tok, GREEDY);
    await c.send('Tell me about rivers');
    const pos = c.position;
    const f = c.fork();
    expect(f.position).toBe(pos);
    expect(Array.from(f.tokens())).toEqual(Array.from(c.tokens()));
    const a = await c.send('And lakes?');
    const b = await f.send('And lakes?');
    expect(b.reused).toBe(a.reused);
    expect(b.text).toBe(a.text);
    f.release();
  });
});

describe('prefill in chunks', () => {
  test('reports progress to the total and prefills what the one-batch prefill does', async () => {
    const prompt = long(100);
    const batch = Conversation.create(model, tok, GREEDY);
    const one = await batch.send(prompt);
    const seen: [number, number][] = [];
    const tokens: number[] = [];
    const c = Conversation.create(model, tok, GREEDY);
    const r = await c.send(prompt, undefined, { prefillChunkMs: 1, onPrefill: (d, t) => seen.push([d, t]), onToken: (t) => tokens.push(t) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toEqual([r.prefilled, r.prefilled]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThan(seen[i - 1][0]);
    expect(r.prefilled).toBe(one.prefilled);
    expect(tokens).toEqual(r.tokens);
    expect(Array.from(c.tokens().subarray(0, r.prefilled))).toEqual(Array.from(batch.tokens().subarray(0, one.prefilled)));
  });

  test('an interrupt between chunks ends the turn: cancelled, nothing generated, the next turn works', async () => {
    const c = Conversation.create(model, tok, GREEDY);
    const r = await c.send(long(100), undefined, { prefillChunkMs: 1, onPrefill: () => c.interrupt() });
    expect(r.reason).toBe('cancelled');
    expect(r.tokens).toEqual([]);
    expect(r.prefilled).toBeLessThan(c.promptTokens(c.messages.slice(0, 1)).length);
    const next = await c.send('Short one');
    expect(next.tokens.length).toBeGreaterThan(0);
  });
});

describe('prime', () => {
  test('brings the actor to the transcript set with setMessages', () => {
    const c = Conversation.create(model, tok, GREEDY);
    const ms = [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello.' }];
    c.setMessages(ms);
    expect(c.position).toBe(0);
    c.prime();
    expect(Array.from(c.tokens())).toEqual(c.promptTokens(ms, false));
  });
});
