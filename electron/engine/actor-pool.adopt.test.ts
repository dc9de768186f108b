// ConversationPool.adopt / peek (for the engine host: a fork or a resumed snapshot joins the pool).
import { beforeAll, expect, test } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConversationPool, PoolError } from './actor-pool.js';
import { Conversation, modelTokenizer } from './conversation.js';
import { cachedLlamaModel, tinyConfig } from './llama-builder.js';
import { Model } from './model.js';
import type { Tokenizer } from './tokenizer/index.js';

let model: Model, other: Model, tok: Tokenizer;
beforeAll(() => {
  model = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0')), { threads: 2 });
  other = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0', { seed: 2 })), { threads: 2 });
  tok = modelTokenizer(model);
});

test('an adopted fork is live, hibernates and wakes like any other; peek never wakes', async () => {
  const pool = new ConversationPool(model, tok, { dir: mkdtempSync(join(tmpdir(), 'cairn-adopt-')), maxLive: 1, defaults: { maxTokens: 6 } });
  const a = await pool.create('a');
  await a.send('Hello');
  const fork = a.fork();
  await pool.adopt('b', fork); // maxLive 1: 'a' hibernates to make room
  expect(pool.peek('b')).toBe(fork);
  expect(pool.peek('a')).toBeUndefined();
  expect(pool.isLive('a')).toBe(false);
  const r = await pool.send('b', 'Again');
  expect(r.reused).toBeGreaterThan(0);
  await pool.get('a'); // 'b' hibernates now
  expect(pool.peek('b')).toBeUndefined();
  expect(pool.transcript('b').map((m) => m.content)).toEqual(['Hello', a.messages[1].content, 'Again', r.text]);
});

test('adopt refuses a taken id and a conversation of another model', async () => {
  const pool = new ConversationPool(model, tok, { dir: mkdtempSync(join(tmpdir(), 'cairn-adopt-')) });
  await pool.create('a');
  const c = Conversation.create(model, tok);
  await expect(pool.adopt('a', c)).rejects.toMatchObject({ code: 'POOL_E_EXISTS' });
  const foreign = Conversation.create(other, modelTokenizer(other));
  await expect(pool.adopt('x', foreign)).rejects.toBeInstanceOf(PoolError);
  expect(pool.has('x')).toBe(false);
});
