// Conversation actors (build/actor/actor.wasm) against the real engine on a generated model.
import { beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Actor, ActorError, type ActorOptions } from './actor-host.js';
import { generate, steps } from './generation.js';
import { copyBaselineBytes, Model } from './model.js';
import { EngineError, koffiAddress } from './native.js';
import { cachedLlamaModel, tinyConfig } from '../../test-support/llama-builder.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROMPT = [1, 17, 42, 300, 5, 99, 250, 7];
let model: Model;

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-actor.mjs'), '--target', 'release'], { stdio: 'inherit' });
  model = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0')), { threads: 2 });
});

const argmax = (a: Float32Array) => a.reduce((b, v, i) => (v > a[b] ? i : b), 0);
/** Index of the first non-zero byte, or -1 (word at a time: views of tens of MiB). */
const firstNonZero = (u8: Uint8Array) => {
  const head = (4 - (u8.byteOffset % 4)) % 4, words = new Uint32Array(u8.buffer, u8.byteOffset + head, (u8.length - head) >> 2);
  for (let i = 0; i < head; i++) if (u8[i]) return i;
  for (let i = 0; i < words.length; i++) if (words[i]) return head + 4 * i + u8.subarray(head + 4 * i).findIndex((x) => x !== 0);
  for (let i = head + 4 * words.length; i < u8.length; i++) if (u8[i]) return i;
  return -1;
};
const run = (opts: ActorOptions, n: number, prompt = PROMPT) => {
  const a = Actor.create(model, opts);
  a.prefill(prompt);
  return generate(a, n).tokens;
};
const SAMPLED = { nCtx: 128, temperature: 1.5, topK: 0, seed: 1234 };

describe('memory', () => {
  // First in the file, so garbage from other tests' actors cannot be collected mid-measurement.
  // KV for 131072 positions of this model = 3 layers × 2 × 131072 × 64 × 2 B = 96 MiB. Creating
  // the actor commits nothing; touching K/V commits it once; a forward over the whole context
  // reads it in place (a copy would add another 96 MiB). Tolerance: 15 % of the KV size.
  test('RSS grows by the KV size once for a large context, not twice', () => {
    model.evalTokens([1, 2, 3]); // engine scratch allocated before measuring
    const nCtx = 131072, rss = () => process.memoryUsage().rss;
    const r0 = rss();
    const a = Actor.create(model, { nCtx });
    const r1 = rss();
    const h = a.header(), kvBytes = 2 * h.nLayer * h.kvLayerSize;
    new Int32Array(a.bytes().buffer, h.tokensOff, nCtx).fill(5);
    for (let l = 0; l < h.nLayer; l++) { a.kv('k', l, nCtx).fill(0x2e66); a.kv('v', l, nCtx).fill(0x2e66); }
    const r2 = rss();
    a.truncate(nCtx - 1);
    a.prefill([5]); // one forward at position nCtx-1, attending over every cached row
    const r3 = rss();
    const mib = (x: number) => (x / 2 ** 20).toFixed(1);
    console.log(`actor RSS: create +${mib(r1 - r0)} MiB, touch KV (${mib(kvBytes)} MiB) +${mib(r2 - r0)} MiB, forward +${mib(r3 - r2)} MiB`);
    expect(r1 - r0).toBeLessThan(0.15 * kvBytes);
    expect(Math.abs(r2 - r0 - kvBytes)).toBeLessThan(0.15 * kvBytes);
    expect(r3 - r2).toBeLessThan(0.15 * kvBytes);
    expect(model.bytesCopied).toBe(0);
  });
});

describe('actor layout', () => {
  test('header records the actor regions, then the engine regions planned after them', () => {
    const a = Actor.create(model, { nCtx: 64 });
    const h = a.header();
    expect(h.magic).toBe(a.constants.MAGIC);
    expect([h.version, h.nCtx, h.nVocab, h.nLayer, h.nHeadKv, h.headDim]).toEqual([2, 64, 1024, 3, 1, 64]);
    const regions = [[h.tokensOff, h.tokensSize], [h.paramsOff, h.paramsSize], [h.rngOff, h.rngSize], [h.stopOff, h.stopSize],
      [h.scratchOff, h.scratchSize]];
    let at = h.headerSize;
    for (const [off, size] of regions) {
      expect(off % 64).toBe(0);
      expect(off).toBeGreaterThanOrEqual(at);
      at = off + size;
    }
    expect(h.actorEnd).toBeGreaterThanOrEqual(at);
    const { layout, end } = model.planLayout(64, 1, h.actorEnd);
    expect([h.logitsOff, h.kOff, h.vOff, h.end]).toEqual([Number(layout.logits_off), Number(layout.k_off), Number(layout.v_off), end]);
    expect(a.bytes().byteLength).toBeGreaterThanOrEqual(end);
    expect(h.kvLayerSize).toBe(64 * h.nHeadKv * h.headDim * 2);
  });

  test('bad context sizes are refused', () => {
    expect(() => Actor.create(model, { nCtx: 0 })).toThrow(ActorError);
    expect(() => Actor.create(model, { nCtx: 1 << 23 })).toThrow(/wasm32/);
  });
});

describe('generation', () => {
  test('greedy generation equals argmax of Model.evalTokens over the same history; nothing copied', () => {
    const copied0 = model.bytesCopied;
    const a = Actor.create(model, { nCtx: 128 });
    a.prefill(PROMPT);
    const history = [...PROMPT];
    const turn = (n: number) => {
      for (let i = 0; i < n; i++) {
        const want = model.evalTokens(history);
        const t = a.step();
        // batched vs incremental q8_0 runs differ by rounding only: allow a flip only at a near-tie
        if (t !== argmax(want)) expect(want[argmax(want)] - want[t]).toBeLessThan(1e-3);
        history.push(t);
      }
    };
    turn(12);
    a.prefill([3, 4, 5]); // a second user turn
    history.push(3, 4, 5);
    turn(8);
    expect(Array.from(a.tokens())).toEqual(history);
    expect(a.position).toBe(history.length);
    expect(model.bytesCopied).toBe(copied0);
    expect(model.bytesCopied).toBe(0);
  });

  test('views are zero-copy: logits, tokens and K/V lie at base + header offsets', () => {
    const a = Actor.create(model, { nCtx: 64 });
    a.prefill(PROMPT);
    const base = koffiAddress(a.bytes()), h = a.header();
    expect(koffiAddress(a.logits())).toBe(base + BigInt(h.logitsOff));
    expect(koffiAddress(a.tokens())).toBe(base + BigInt(h.tokensOff));
    expect(koffiAddress(a.kv('v', 2))).toBe(base + BigInt(h.vOff + 2 * h.kvLayerSize));
    expect(a.kv('k', 0).length).toBe(PROMPT.length * h.nHeadKv * h.headDim);
    expect(a.kv('k', 0).some((x) => x !== 0)).toBe(true);
    expect(a.bytes().buffer).toBe(a.memory.buffer);
  });

  test('stop tokens end generation; max and context end it too, and a driver can stop between tokens', () => {
    const greedy = run({ nCtx: 128 }, 10);
    const stop = greedy.findIndex((t, i) => i >= 2 && greedy.indexOf(t) === i);
    const a = Actor.create(model, { nCtx: 128, stopTokens: [greedy[stop]] });
    a.prefill(PROMPT);
    expect(generate(a, 10)).toEqual({ tokens: greedy.slice(0, stop + 1), reason: 'stop' });
    expect(a.position).toBe(PROMPT.length + stop + 1);
    const b = Actor.create(model, { nCtx: PROMPT.length + 3 });
    b.prefill(PROMPT);
    expect(generate(b, 10)).toEqual({ tokens: greedy.slice(0, 3), reason: 'context' });
    expect(() => b.step()).toThrow(expect.objectContaining({ code: 'ACTOR_E_CONTEXT_FULL' }));
    expect(() => b.prefill([1])).toThrow(expect.objectContaining({ code: 'ACTOR_E_CONTEXT_FULL' }));
    const c = Actor.create(model, { nCtx: 128 });
    c.prefill(PROMPT);
    expect(generate(c, 4).reason).toBe('length');
    const got: number[] = [];
    for (const t of steps(c, 10)) { got.push(t); if (t === greedy[5]) break; } // a driver stops between tokens
    expect(got).toEqual(greedy.slice(4, 6));
    expect(c.position).toBe(PROMPT.length + 6);
  });

  test('errors: step before prefill, token outside the vocabulary, bad stop token', () => {
    const a = Actor.create(model, { nCtx: 16 });
    expect(() => a.step()).toThrow(expect.objectContaining({ code: 'ACTOR_E_NO_LOGITS' }));
    expect(() => a.prefill([1, 5000])).toThrow(expect.objectContaining({ code: 'ACTOR_E_TOKEN' }));
    expect(a.position).toBe(0);
    expect(() => a.setStopTokens([-1])).toThrow(expect.objectContaining({ code: 'ACTOR_E_ARG' }));
    a.prefill([1, 2]);
    expect(a.step()).toBeGreaterThanOrEqual(0);
  });
});

describe('sampler', () => {
  test('same seed ⇒ same tokens; different seed ⇒ different; reset replays the seed', () => {
    const x = run(SAMPLED, 24), y = run(SAMPLED, 24), z = run({ ...SAMPLED, seed: 99 }, 24);
    expect(x).toEqual(y);
    expect(z).not.toEqual(x);
    const a = Actor.create(model, SAMPLED);
    a.prefill(PROMPT);
    generate(a, 5);
    a.reset();
    expect(a.position).toBe(0);
    a.prefill(PROMPT);
    expect(generate(a, 24).tokens).toEqual(x);
  });

  test('top_k=1, tiny top_p and min_p=1 are all greedy at any temperature', () => {
    const greedy = run({ nCtx: 128 }, 16);
    expect(run({ ...SAMPLED, topK: 1 }, 16)).toEqual(greedy);
    expect(run({ ...SAMPLED, topP: 1e-6 }, 16)).toEqual(greedy);
    expect(run({ ...SAMPLED, minP: 1 }, 16)).toEqual(greedy);
    expect(run({ ...SAMPLED, temperature: 1e-3 }, 16)).toEqual(greedy);
  });

  test('top_k, top_p and min_p keep each draw inside their candidate sets', () => {
    const check = (opts: ActorOptions, allowed: (l: Float32Array) => Set<number>) => {
      const a = Actor.create(model, { ...SAMPLED, temperature: 3, ...opts });
      a.prefill(PROMPT);
      const seen = new Set<number>();
      for (let i = 0; i < 40; i++) {
        const ok = allowed(a.logits());
        const t = a.step();
        expect(ok.has(t)).toBe(true);
        seen.add(t);
      }
      return seen;
    };
    const order = (l: Float32Array) => Array.from(l.keys()).sort((i, j) => l[j] - l[i] || i - j);
    const probs = (l: Float32Array, T: number) => {
      const m = Math.max(...l), e = Array.from(l, (v) => Math.exp((v - m) / T)), s = e.reduce((p, q) => p + q);
      return e.map((v) => v / s);
    };
    expect(check({ topK: 3 }, (l) => new Set(order(l).slice(0, 3))).size).toBeGreaterThan(1);
    check({ topP: 0.5 }, (l) => {
      const p = probs(l, 3), o = order(l), keep = new Set<number>();
      let cum = 0;
      for (const i of o) { keep.add(i); cum += p[i]; if (cum >= 0.5 + 1e-4) break; }
      return keep;
    });
    check({ minP: 0.5 }, (l) => {
      const p = probs(l, 3), top = Math.max(...p);
      return new Set(Array.from(l.keys()).filter((i) => p[i] >= 0.5 * top * (1 - 1e-4)));
    });
  });

  test('a huge repetition, presence or frequency penalty avoids repeats within the window', () => {
    const greedy = run({ nCtx: 128 }, 30);
    expect(new Set(greedy).size).toBeLessThan(greedy.length); // the unpenalised model repeats
    for (const p of [{ repeatPenalty: 1e6 }, { presencePenalty: 1e6 }, { frequencyPenalty: 1e6 }]) {
      const out = run({ nCtx: 128, ...p, penaltyLastN: -1 }, 30);
      const all = [...PROMPT, ...out];
      expect(new Set(all).size, JSON.stringify(p)).toBe(all.length);
    }
    // a window of 4 tokens: repeats allowed, but never within the last 4
    const out = run({ nCtx: 128, presencePenalty: 1e6, penaltyLastN: 4 }, 30);
    const all = [...PROMPT, ...out];
    for (let i = PROMPT.length; i < all.length; i++) expect(all.slice(i - 4, i)).not.toContain(all[i]);
  });
});

describe('actor lifecycle', () => {
  test('a raised cancel flag fails the next forward with CAIRN_E_CANCELLED and leaves the actor usable', () => {
    const want = run(SAMPLED, 12);
    const a = Actor.create(model, SAMPLED);
    a.cancel();
    expect(() => a.prefill(PROMPT)).toThrow(expect.objectContaining({ code: 'CAIRN_E_CANCELLED' }));
    expect(a.position).toBe(0);
    expect(a.cancelFlag[0]).toBe(0);
    a.prefill(PROMPT);
    const got = generate(a, 4).tokens;
    a.cancel();
    const err = (() => { try { a.step(); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('CAIRN_E_CANCELLED');
    expect(a.position).toBe(PROMPT.length + 4);
    a.cancel();
    expect(generate(a, 8)).toEqual({ tokens: [], reason: 'cancelled' });
    got.push(...generate(a, 8).tokens); // the interrupted token is retried, not resampled
    expect(got).toEqual(want);
  });

  test('fork continues identically to the original; the two are then independent', () => {
    const a = Actor.create(model, SAMPLED);
    a.prefill(PROMPT);
    generate(a, 6);
    const f = a.fork();
    expect(f.memory).not.toBe(a.memory);
    expect(Array.from(f.tokens())).toEqual(Array.from(a.tokens()));
    expect(f.kv('k', 1)).toEqual(a.kv('k', 1));
    const fromFork = generate(f, 12).tokens;
    expect(generate(a, 12).tokens).toEqual(fromFork);
    f.reset();
    expect(f.position).toBe(0);
    expect(a.position).toBe(PROMPT.length + 18);
  });

  test('the copy baseline generates the same tokens and counts every copy; fork counts its own', () => {
    // a model of its own, so the counters start at 0 whatever ran before
    const m = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0')), { threads: 2 });
    try {
      const zero = Actor.create(m, SAMPLED), copy = Actor.create(m, { ...SAMPLED, copyState: true });
      zero.prefill(PROMPT);
      generate(zero, 10);
      expect([m.bytesCopied, m.bytesForked]).toEqual([0, 0]);
      copy.prefill(PROMPT);
      generate(copy, 10);
      expect(Array.from(copy.tokens())).toEqual(Array.from(zero.tokens()));
      expect(copy.logits()).toEqual(zero.logits());
      // prefill: one forward of 8 tokens at 0; each step: one forward of 1 token after the last
      let want = copyBaselineBytes(m.info, 0, PROMPT.length);
      for (let i = 0; i < 10; i++) want += copyBaselineBytes(m.info, PROMPT.length + i, 1);
      expect(m.bytesCopied).toBe(want);
      // fork: header and actor regions, tokens of the positions held (+ the pending one), logits, K/V rows held
      const h = copy.header(), live = h.nPast + (h.state === copy.constants.STATE_PENDING ? 1 : 0);
      const forked = h.tokensOff + 4 * live + (h.actorEnd - h.paramsOff) + h.logitsSize + 2 * h.nLayer * h.nPast * h.nHeadKv * h.headDim * 2;
      const twin = copy.fork();
      expect([m.bytesCopied, m.bytesForked]).toEqual([want, forked]);
      expect(twin.step()).toBe(copy.step()); // the fork keeps the copy baseline
      expect(m.bytesCopied).toBe(want + 2 * copyBaselineBytes(m.info, PROMPT.length + 10, 1));
    } finally {
      m.close();
    }
  });

  test('two actors on one model are isolated (interleaved steps equal solo runs)', () => {
    const soloA = run(SAMPLED, 16), soloB = run({ ...SAMPLED, seed: 7 }, 16, [2, 9, 11]);
    const a = Actor.create(model, SAMPLED), b = Actor.create(model, { ...SAMPLED, seed: 7 });
    a.prefill(PROMPT);
    b.prefill([2, 9, 11]);
    const ta: number[] = [], tb: number[] = [];
    for (let i = 0; i < 16; i++) { ta.push(a.step()); tb.push(b.step()); }
    expect(ta).toEqual(soloA);
    expect(tb).toEqual(soloB);
  });

  test('release zeroes what the conversation held and hands the actor to the next create; discard gives the pages back', () => {
    const a = Actor.create(model, { nCtx: 512 });
    a.prefill(Array.from({ length: 300 }, (_, i) => (i * 7) % 1000));
    generate(a, 4);
    const mem = a.memory, h = a.header();
    const used = h.nPast * (h.kvLayerSize / h.nCtx);
    expect(new Uint8Array(mem.buffer, h.kOff, used).some((x) => x !== 0)).toBe(true);
    a.release();
    const sampled = { nCtx: 512, temperature: 0.8, topK: 40, topP: 0.95, seed: 5 }; // (sampling reads the module's own data)
    const b = Actor.create(model, sampled);
    expect(b.memory).toBe(mem); // the released actor is the spare the next create takes
    expect(b.position).toBe(0);
    const hb = b.header();
    for (let l = 0; l < hb.nLayer; l++) {
      expect(new Uint8Array(mem.buffer, hb.kOff + l * hb.kvLayerSize, used).every((x) => x === 0)).toBe(true);
      expect(new Uint8Array(mem.buffer, hb.vOff + l * hb.kvLayerSize, used).every((x) => x === 0)).toBe(true);
    }
    expect(b.tokens()).toHaveLength(0);
    // the new conversation runs like one in a never-used actor
    const fresh = Actor.create(model, sampled);
    for (const x of [b, fresh]) x.prefill(PROMPT);
    expect(b.logits()).toEqual(fresh.logits());
    expect(generate(b, 6).tokens).toEqual(generate(fresh, 6).tokens);
    // discard: the pages go back at once (resident memory drops by about the rows written)
    const big = Actor.create(model, { nCtx: 65536 });
    const hh = big.header();
    for (let l = 0; l < hh.nLayer; l++) { big.kv('k', l, 65536).fill(0x3c00); big.kv('v', l, 65536).fill(0x3c00); }
    const kvBytes = 2 * hh.nLayer * hh.kvLayerSize, r0 = process.memoryUsage().rss;
    big.discard();
    expect(r0 - process.memoryUsage().rss).toBeGreaterThan(0.8 * kvBytes);
    expect(big.kv('k', 0, 65536).every((x) => x === 0)).toBe(true);
    big.prefill(PROMPT); // the layout and the module's own data survive
    const ref = Actor.create(model, { nCtx: 64 });
    ref.prefill(PROMPT);
    expect(big.logits()).toEqual(ref.logits());
    expect(generate(big, 6).tokens).toEqual(generate(ref, 6).tokens);
  });

  // A reused actor must hold nothing of the conversation before it: not the rows in use at release,
  // nor rows a rewind (truncate) or a context shift left at or past the position, nor rows written
  // through kv() views by a restore that failed before truncate. Release zeroes rows up to the
  // high-water mark (every position written since the layout), not the whole context, so pages the
  // conversation never touched stay uncommitted. KV for 65536 positions = 3 × 2 × 65536 × 128 B = 48 MiB.
  test('release zeroes every K/V row the conversation wrote, also past the position, and only those', () => {
    const nCtx = 65536, rss = () => process.memoryUsage().rss;
    const a = Actor.create(model, { nCtx });
    a.prefill(Array.from({ length: 300 }, (_, i) => (i * 7 + 1) % 1000));
    generate(a, 20);
    a.truncate(100); // rewind: rows [100, 320) stay behind
    a.prefill([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(a.shift(10, 50)).toBe(60); // rows [60, 110) vacated
    const mem = a.memory, h = a.header(), rowBytes = h.kvLayerSize / h.nCtx, kvBytes = 2 * h.nLayer * h.kvLayerSize;
    expect(h.highWater).toBe(320);
    const stale = new Uint8Array(mem.buffer, h.kOff + 60 * rowBytes, 260 * rowBytes);
    expect(firstNonZero(stale)).toBeGreaterThanOrEqual(0); // the old rows are there before release
    const r0 = rss();
    a.release();
    const grown = rss() - r0;
    const b = Actor.create(model, { nCtx });
    expect(b.memory).toBe(mem);
    const hb = b.header();
    expect(hb.highWater).toBe(0);
    // every byte of the engine's regions (logits, K and V of every position), the token ids and the scratch
    expect(firstNonZero(new Uint8Array(mem.buffer, hb.logitsOff, hb.end - hb.logitsOff))).toBe(-1);
    expect(firstNonZero(new Uint8Array(mem.buffer, hb.tokensOff, hb.tokensSize))).toBe(-1);
    expect(firstNonZero(new Uint8Array(mem.buffer, hb.scratchOff, hb.scratchSize))).toBe(-1);
    // zeroing 320 rows (240 KiB) commits nothing new; zeroing the whole context would commit ~48 MiB
    console.log(`release after 320 of ${nCtx} positions: RSS +${(grown / 2 ** 20).toFixed(1)} MiB (KV ${kvBytes / 2 ** 20} MiB)`);
    expect(grown).toBeLessThan(0.25 * kvBytes);
    // rows written through kv() views count too (a restore that fails before truncate)
    for (let l = 0; l < hb.nLayer; l++) { b.kv('k', l, 40).fill(0x3c00); b.kv('v', l, 40).fill(0x3c00); }
    expect(b.header().highWater).toBe(40);
    b.release();
    expect(firstNonZero(new Uint8Array(mem.buffer, hb.logitsOff, hb.end - hb.logitsOff))).toBe(-1);
    Actor.create(model, { nCtx }).release(); // (taken and given back: the spare of the next test)
  });

  test('fork copies the positions held, not what a rewind left behind', () => {
    const a = Actor.create(model, { nCtx: 256 });
    a.prefill(Array.from({ length: 100 }, (_, i) => (i * 5 + 2) % 1000));
    generate(a, 4);
    a.truncate(40);
    const f = a.fork(), h = f.header();
    expect(f.position).toBe(40);
    expect(h.highWater).toBe(40);
    expect(Array.from(f.tokens())).toEqual(Array.from(a.tokens()));
    expect(firstNonZero(new Uint8Array(f.memory.buffer, h.tokensOff + 40 * 4, h.tokensSize - 40 * 4))).toBe(-1);
    for (let l = 0; l < h.nLayer; l++) {
      expect(f.kv('k', l)).toEqual(a.kv('k', l));
      expect(firstNonZero(new Uint8Array(f.memory.buffer, h.kOff + l * h.kvLayerSize + 40 * (h.kvLayerSize / h.nCtx),
        h.kvLayerSize - 40 * (h.kvLayerSize / h.nCtx)))).toBe(-1);
    }
    // both go on identically
    a.prefill([5, 6]);
    f.prefill([5, 6]);
    expect(f.logits()).toEqual(a.logits());
  });

  test('truncate (snapshot restore path): tokens and K/V rows written into a new actor resume it', () => {
    const a = Actor.create(model, { nCtx: 64 });
    a.prefill(PROMPT);
    generate(a, 4);
    const n = a.position, b = Actor.create(model, { nCtx: 64 });
    new Int32Array(b.bytes().buffer, b.header().tokensOff, n).set(a.tokens());
    for (let l = 0; l < 3; l++) for (const kind of ['k', 'v'] as const) b.kv(kind, l, n).set(a.kv(kind, l));
    b.truncate(n);
    expect(b.position).toBe(n);
    expect(() => b.step()).toThrow(/ACTOR_E_NO_LOGITS/); // restored without logits: nothing was run
    a.prefill([7, 8]);
    b.prefill([7, 8]);
    expect(b.logits()).toEqual(a.logits());
    expect(generate(b, 8).tokens).toEqual(generate(a, 8).tokens);
  });
});

describe('context shift', () => {
  const kvd = () => model.info.nHeadKv * model.info.headDim;

  test('bad arguments are refused; nothing moves', () => {
    const a = Actor.create(model, { nCtx: 64 });
    a.prefill(PROMPT);
    const toks = Array.from(a.tokens()), v = a.kv('v', 1).slice();
    for (const [keep, d] of [[-1, 1], [0, 0], [2, -1], [2, 7], [9, 1], [1.5, 1], [0, 2 ** 32 + 1]]) {
      expect(() => a.shift(keep, d), `shift(${keep}, ${d})`).toThrow(expect.objectContaining({ code: 'ACTOR_E_ARG' }));
    }
    expect(a.position).toBe(PROMPT.length);
    expect(Array.from(a.tokens())).toEqual(toks);
    expect(a.kv('v', 1)).toEqual(v);
  });

  test('token ids and K/V rows move down, the position drops, the logits stay for the next step', () => {
    const a = Actor.create(model, { nCtx: 64 });
    a.prefill(PROMPT);
    generate(a, 4);
    const n = a.position, held = Array.from(a.tokens()), v = a.kv('v', 2).slice(), k = a.kv('k', 0).slice();
    const twin = a.fork(); // the same state, not shifted: samples from the same logits
    expect(a.shift(2, 3)).toBe(n - 3);
    expect(a.position).toBe(n - 3);
    expect(Array.from(a.tokens())).toEqual([...held.slice(0, 2), ...held.slice(5)]);
    expect(a.kv('v', 2)).toEqual(Uint16Array.from([...v.subarray(0, 2 * kvd()), ...v.subarray(5 * kvd())]));
    expect(a.kv('k', 0).subarray(0, 2 * kvd())).toEqual(k.subarray(0, 2 * kvd())); // kept rows untouched
    expect(a.kv('k', 0).subarray(2 * kvd())).not.toEqual(k.subarray(5 * kvd())); // moved rows re-rotated
    expect(a.step()).toBe(twin.step());
    expect(a.position).toBe(n - 2);
    expect(model.bytesCopied).toBe(0);
  });

  test('a full context: shift, then generation goes on from the same prediction', () => {
    const a = Actor.create(model, { nCtx: PROMPT.length + 3 });
    a.prefill(PROMPT);
    expect(generate(a, 10).reason).toBe('context');
    const next = argmax(a.logits()); // greedy: the token the full actor could not append
    a.shift(1, 4);
    const r = generate(a, 10);
    expect(r.tokens[0]).toBe(next);
    expect(r).toMatchObject({ reason: 'context' });
    expect(r.tokens).toHaveLength(4);
    expect(a.position).toBe(a.nCtx);
  });

  test('a pending token (its forward cancelled) moves with the rest and is retried, not resampled', () => {
    const a = Actor.create(model, SAMPLED);
    a.prefill(PROMPT);
    generate(a, 3);
    a.cancel();
    expect(() => a.step()).toThrow(expect.objectContaining({ code: 'CAIRN_E_CANCELLED' }));
    const twin = a.fork();
    a.shift(3, 4);
    expect(a.step()).toBe(twin.step());
    expect(a.tokens()[a.position - 1]).toBe(twin.tokens()[twin.position - 1]);
  });
});
