// ConversationPool: at most maxLive actors, LRU hibernation to snapshots, exact wake, isolation,
// corrupt snapshots cost time not data, pinned (generating) conversations are never hibernated.
import { beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConversationPool, DEFAULT_MAX_LIVE, PoolError } from './actor-pool.js';
import { Conversation, modelTokenizer, type ConversationSettings } from './conversation.js';
import { Model } from './model.js';
import { cachedLlamaModel, tinyConfig } from '../../test-support/llama-builder.js';
import type { Tokenizer } from './tokenizer/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let model: Model, tok: Tokenizer;
const base = mkdtempSync(join(tmpdir(), 'cairn-pool-'));
let nDir = 0;
const newDir = () => join(base, `p${nDir++}`);
const DATE = '2025-01-02T03:04:05.000Z';
const sampled = (seed: number): Partial<ConversationSettings> =>
  ({ seed, temperature: 0.8, topK: 40, topP: 0.95, maxTokens: 8, nCtx: 512, date: DATE });

beforeAll(() => {
  if (!existsSync(join(root, 'build', 'actor', 'actor.wasm'))) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-actor.mjs'), '--target', 'release'], { stdio: 'inherit' });
  }
  model = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0')), { threads: 2 });
  tok = modelTokenizer(model);
});

/** What an un-pooled conversation answers to the same turns (token ids per turn). */
async function solo(settings: Partial<ConversationSettings>, turns: string[]): Promise<number[][]> {
  const c = Conversation.create(model, tok, settings);
  const out: number[][] = [];
  for (const t of turns) out.push((await c.send(t)).tokens);
  return out;
}

const TURNS = ['Tell me a story.', 'Continue it.', 'And how does it end?'];

describe('ConversationPool', () => {
  test('maxLive 2, 5 conversations: never more than 2 live; woken ones continue exactly; stats count', async () => {
    const pool = new ConversationPool(model, tok, { dir: newDir(), maxLive: 2 });
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const got = new Map<string, number[][]>(ids.map((id) => [id, []]));
    for (const [i, id] of ids.entries()) await pool.create(id, sampled(10 + i));
    expect(pool.stats().live).toBe(2);
    // round-robin turns: every send wakes a hibernated conversation and hibernates another
    for (let turn = 0; turn < 2; turn++) {
      for (const id of ids) {
        got.get(id)!.push((await pool.send(id, TURNS[turn])).tokens);
        const s = pool.stats();
        expect(s.live).toBeLessThanOrEqual(2);
        expect(s.live + s.hibernated).toBe(5);
        expect(pool.isLive(id)).toBe(true);
      }
    }
    for (const [i, id] of ids.entries()) {
      expect(got.get(id), id).toEqual(await solo(sampled(10 + i), TURNS.slice(0, 2)));
      expect(pool.transcript(id)).toHaveLength(4);
    }
    const s = pool.stats();
    expect(s.peakLive).toBe(2);
    expect(s.live).toBe(2);
    expect(s.hibernated).toBe(3);
    expect(s.busy).toBe(0);
    // creates: c, d, e each evicted one (3); round-robin over 5 with 2 slots: every one of the 10
    // sends found its conversation hibernated, woke it and evicted the least recently used
    expect(s.wakes).toBe(10);
    expect(s.restored).toBe(10);
    expect(s.reprefilled).toBe(0);
    expect(s.hibernations).toBe(3 + 10);
    expect(pool.lastWake('a')?.path).toBe('restored');
    expect(existsSync(pool.snapshotPath('a'))).toBe(true);
  });

  test('interleaved turns across live conversations equal solo runs (isolation)', async () => {
    const pool = new ConversationPool(model, tok, { dir: newDir(), maxLive: 3 });
    const ids = ['x', 'y', 'z'];
    for (const [i, id] of ids.entries()) await pool.create(id, sampled(100 + i));
    const got = new Map<string, number[][]>(ids.map((id) => [id, []]));
    // concurrent turns of different conversations, then interleaved sequential ones
    const first = await Promise.all(ids.map((id) => pool.send(id, TURNS[0])));
    ids.forEach((id, i) => got.get(id)!.push(first[i].tokens));
    for (const t of TURNS.slice(1)) for (const id of [...ids].reverse()) got.get(id)!.push((await pool.send(id, t)).tokens);
    for (const [i, id] of ids.entries()) expect(got.get(id), id).toEqual(await solo(sampled(100 + i), TURNS));
    expect(pool.stats().hibernations).toBe(0);
  });

  test('hibernateIdle / explicit wake: same next tokens as if it had never slept', async () => {
    const pool = new ConversationPool(model, tok, { dir: newDir(), maxLive: 4 });
    await pool.create('s', sampled(5));
    await pool.send('s', TURNS[0]);
    const held = await pool.get('s');
    expect(await pool.hibernateIdle()).toBe(1);
    expect(pool.stats()).toMatchObject({ live: 0, hibernated: 1, hibernations: 1 });
    // the released conversation object no longer holds an actor
    expect(() => held.position).toThrow(/released/);
    expect(held.messages).toHaveLength(2);
    const woken = await pool.get('s');
    expect(woken).not.toBe(held);
    expect(pool.lastWake('s')?.path).toBe('restored');
    const restored = woken.position;
    const r = await pool.send('s', TURNS[1]);
    expect(r.tokens).toEqual((await solo(sampled(5), TURNS.slice(0, 2)))[1]);
    expect(r.reused).toBe(restored); // the answer came back with the ids it was generated as
    expect(await pool.hibernate('s')).toBe(true);
    expect(await pool.hibernate('s')).toBe(false);
  });

  test('a corrupted snapshot wakes by re-prefill with the transcript intact (data, header, missing file)', async () => {
    const greedy: Partial<ConversationSettings> = { seed: 3, maxTokens: 8, nCtx: 512, date: DATE };
    const pool = new ConversationPool(model, tok, { dir: newDir(), maxLive: 1 });
    await pool.create('c', greedy);
    await pool.send('c', TURNS[0]);
    const want = await solo(greedy, TURNS);
    const file = pool.snapshotPath('c');

    // a flipped byte in the tensor data: the header (and so the transcript) is still readable
    await pool.hibernateIdle();
    const buf = readFileSync(file);
    const at = statSync(file).size - 10;
    buf[at] ^= 0x5a;
    writeFileSync(file, buf);
    const before = pool.transcript('c');
    expect(before).toHaveLength(2);
    const c1 = await pool.get('c');
    expect(pool.lastWake('c')?.path).toBe('reprefilled');
    expect(pool.lastWake('c')?.reason).toMatch(/^SNAP_/);
    expect(c1.messages).toEqual(before);
    expect(c1.position).toBe(c1.promptTokens(c1.messages, false).length);
    expect((await pool.send('c', TURNS[1])).tokens).toEqual(want[1]);

    // a destroyed header: the transcript comes from the pool's memory
    await pool.hibernateIdle();
    writeFileSync(file, readFileSync(file).subarray(0, 20));
    const c2 = await pool.get('c');
    expect(pool.lastWake('c')?.path).toBe('reprefilled');
    expect(c2.messages).toEqual(pool.transcript('c'));
    expect(c2.messages).toHaveLength(4);
    expect(c2.settings.seed).toBe(3);
    expect((await pool.send('c', TURNS[2])).tokens).toEqual(want[2]);

    // a missing file: the same
    await pool.hibernateIdle();
    unlinkSync(file);
    const c3 = await pool.get('c');
    expect(pool.lastWake('c')?.reason).toMatch(/^SNAP_IO.*transcript taken from the pool/);
    expect(c3.messages).toHaveLength(6);
    expect((await pool.send('c', 'One more.')).tokens.length).toBeGreaterThan(0);
    expect(pool.stats()).toMatchObject({ wakes: 3, restored: 0, reprefilled: 3 });
  });

  test('a generating conversation is never hibernated', async () => {
    const pool = new ConversationPool(model, tok, { dir: newDir(), maxLive: 2 });
    await pool.create('gen', { maxTokens: 40, nCtx: 512, date: DATE });
    await pool.create('idle', sampled(1));
    let created: Promise<unknown> | undefined, sawBusy = 0;
    const turn = pool.send('gen', 'Go on and on.', () => {
      if (!created) {
        sawBusy = pool.stats().busy;
        created = pool.create('new', sampled(2)); // needs a slot while 'gen' generates
      }
    }, { yieldEveryToken: true });
    await turn;
    await created;
    expect(sawBusy).toBe(1);
    expect(pool.isLive('gen')).toBe(true);
    expect(pool.isLive('idle')).toBe(false);
    expect(pool.isLive('new')).toBe(true);

    // one slot, pinned: no room for another
    const one = new ConversationPool(model, tok, { dir: newDir(), maxLive: 1 });
    await one.create('p', { maxTokens: 1, nCtx: 256, date: DATE });
    await one.use('p', async () => {
      await expect(one.create('q')).rejects.toMatchObject({ code: 'POOL_E_BUSY' });
      await expect(one.hibernate('p')).rejects.toMatchObject({ code: 'POOL_E_BUSY' });
      await expect(one.delete('p')).rejects.toMatchObject({ code: 'POOL_E_BUSY' });
    });
    expect(one.stats()).toMatchObject({ live: 1, busy: 0, total: 1 });
  });

  test('create / delete / arguments', async () => {
    expect(() => new ConversationPool(model, tok, { dir: newDir(), maxLive: 0 })).toThrow(PoolError);
    expect(() => new ConversationPool(model, tok, { dir: newDir(), maxLive: 101 })).toThrow(/maxLive/);
    const dir = newDir();
    const pool = new ConversationPool(model, tok, { dir, defaults: { nCtx: 256, date: DATE, maxTokens: 2 } });
    expect(pool.maxLive).toBe(DEFAULT_MAX_LIVE);
    const c = await pool.create('odd/../id with spaces');
    expect(c.settings.nCtx).toBe(256);
    await expect(pool.create('odd/../id with spaces')).rejects.toMatchObject({ code: 'POOL_E_EXISTS' });
    await expect(pool.create('')).rejects.toMatchObject({ code: 'POOL_E_ARG' });
    await expect(pool.get('nope')).rejects.toMatchObject({ code: 'POOL_E_UNKNOWN' });
    await pool.send('odd/../id with spaces', 'Hi');
    await pool.hibernateIdle();
    const file = pool.snapshotPath('odd/../id with spaces');
    expect(dirname(file)).toBe(dir); // an unsafe id becomes a hash, never a path
    expect(existsSync(file)).toBe(true);
    expect(await pool.delete('odd/../id with spaces')).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(await pool.delete('odd/../id with spaces')).toBe(false);
    expect(pool.stats()).toMatchObject({ live: 0, hibernated: 0, total: 0 });
  });
});
