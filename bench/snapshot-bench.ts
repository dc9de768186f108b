// snapshot-bench.ts — .cairn snapshots beside llama.cpp's own sequence state files, on the
// Llama-3.2-1B shape (random weights, Q4_K_M): save, restore and re-prefill at several lengths,
// file size against the raw KV bytes, the actor's RSS overhead, and the per-token cost of the
// host↔actor boundary (on a tiny model, where compute is negligible).
//
// Conversations are released when the bench is done with them, as the app closes or hibernates
// them (their actors' pages go back at once and the next conversation reuses the actor).
// Cairn's restore is the real path: Conversation.resume (open + every header check, new actor,
// tokens and K/V rows read from the file straight into actor memory, sampler/RNG restored, no
// forward pass; the data's XXH64 computed by an engine thread right behind the read and checked
// before resume returns). llama.cpp's is node-llama-cpp 3.21.1's LlamaContextSequence.saveStateToFile /
// loadStateFromFile (llama_state_seq_save_file / llama_state_seq_load_file) into its existing
// context: KV and tokens, no logits, no checksum. Both files are read right after being written,
// i.e. from the page cache (as llama.cpp's own measurement does); Cairn's save fsyncs (atomic
// write), llama.cpp's does not.
//
// Run alone: node dist/bench/snapshot-bench.js [--sizes 24,256] [--threads 2] [--reps 3]
//   [--llama-prefill-max 1024] (longest N for which llama.cpp's re-prefill is timed) [--no-llama]
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Actor, actorModule } from '../electron/engine/actor-host.js';
import { Conversation, modelSha256, modelTokenizer } from '../electron/engine/conversation.js';
import { cachedLlamaModel, llama32_1bConfig, tinyConfig } from '../test-support/llama-builder.js';
import { Model } from '../electron/engine/model.js';
import { fileSha256 } from '../electron/engine/model-identity.js';
import { native } from '../electron/engine/native.js';
import { openSnapshot } from '../electron/engine/snapshot/format.js';
import { xxh64Views } from '../electron/engine/native.js';
import { llamaLoad } from '../test-support/llama/oracle.js';
import { spread, seededTokens, type Spread } from './stats.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface SnapshotBenchOptions {
  sizes?: number[];
  threads?: number;
  /** repetitions of save and restore (re-prefill: this many for N ≤ 256, once above) */
  reps?: number;
  /** llama.cpp's re-prefill is timed only for N ≤ this (else reported as not measured) */
  llamaPrefillMax?: number;
  /** skip llama.cpp (Cairn only) */
  noLlama?: boolean;
}

export interface CairnSnapshotRow {
  saveMs: Spread;
  /** Conversation.resume until it returns (data verified, the conversation usable) */
  restoreMs: Spread;
  /** the steps timed one by one: openSnapshot (open + header checks), Actor.create, the tokens and
   *  K/V rows read into actor memory with the hash behind the read (readTensors), and, for
   *  scale, their XXH64 alone on the calling thread */
  phases: { openMs: Spread; createMs: Spread; readMs: Spread; hashMs: Spread };
  reprefillMs: Spread;
  fileBytes: number;
  /** logits of the last position recomputed over the restored KV against the prefilled ones:
   *  max |Δ|, and max |logit| for scale (checked outside the timings) */
  logitsMaxAbsDiff: number; logitsMaxAbs: number;
  /** a context shift on the restored actor: drop n/2 positions after the first 32 (every K row
   *  after them re-rotated, every V row moved), as a full context would */
  shiftMs?: Spread;
}

export interface LlamaSnapshotRow { saveMs: Spread; restoreMs: Spread; reprefillMs?: Spread; fileBytes: number }

export interface SnapshotBenchRow {
  n: number;
  kvBytes: number;
  cairn: CairnSnapshotRow;
  llama?: LlamaSnapshotRow;
  /** re-prefill ÷ restore (Cairn) */
  speedup: number;
  /** Cairn restore ÷ llama.cpp restore */
  restoreRatio?: number;
  /** (.cairn bytes − KV bytes) ÷ KV bytes */
  overhead: number;
}

export interface SnapshotBenchResult {
  model: string; threads: number; reps: number; nCtx: number; pageCache: string;
  rows: SnapshotBenchRow[];
  actorRss: { nCtx: number; kvLogitsBytes: number; rssGrowth: number; overheadBytes: number };
  perToken: { model: string; steps: number; stepUs: number; forwardUs: number; overheadUs: number; bytesCopiedDelta: number };
  restoreBytesCopiedDelta: number;
  /** sha256 of the GGUF (the model identity snapshots are matched by), needed by the first save or
   *  resume after a model loads: hashed (a model never seen, or changed) and from the identity
   *  cache (an unchanged file, any later run); the timed restores above come after it */
  modelIdentityMs: { hashed: number; cached: number }; modelBytes: number;
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
/** A pause before each timed restore (both engines): worker threads that spin after a compute
 *  call (both engines' pools do) are idle again, so the timing is of the restore alone. */
const settle = () => new Promise<void>((r) => setTimeout(r, 20));
const now = () => process.hrtime.bigint();
const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The actor behind a Conversation (the benchmark drives raw tokens, which Conversation has no API for). */
const actorOf = (c: Conversation): Actor => (c as unknown as { actor: Actor }).actor;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function benchCairnSnapshots(model: Model, sizes: number[], nCtx: number, reps: number, dir: string): Promise<Map<number, CairnSnapshotRow>> {
  const info = model.info;
  const tok = modelTokenizer(model);
  const sha = await modelSha256(model); // hashed once per Model (timed apart: modelIdentityMs)
  const expect = { nLayer: info.nLayer, nKvHeads: info.nHeadKv, headDim: info.headDim, nVocab: info.nVocab, maxTokens: nCtx, modelSha256: sha };
  const settings = { nCtx, maxTokens: 0 };
  const out = new Map<number, CairnSnapshotRow>();
  for (const n of sizes) {
    const tokens = seededTokens(n, info.nVocab, n);
    const path = join(dir, `cairn-${n}.cairn`);
    // prefill into a fresh actor = the re-prefill measurement (repeated on fresh actors for small N)
    const pre: number[] = [];
    let conv = Conversation.create(model, tok, settings);
    for (let r = 0; r < (n <= 256 ? reps : 1); r++) {
      if (r > 0) { conv.release(); conv = Conversation.create(model, tok, settings); } // a closed conversation gives its actor back (as the app does)
      const t0 = now();
      actorOf(conv).prefill(tokens);
      pre.push(ms(t0));
    }
    const want = actorOf(conv).logits().slice();
    const save: number[] = [];
    let fileBytes = 0;
    for (let r = 0; r < reps; r++) {
      const t0 = now();
      fileBytes = (await conv.save(path)).bytes;
      save.push(ms(t0));
    }
    const restore: number[] = [], open: number[] = [], create: number[] = [], read: number[] = [], hash: number[] = [];
    let diff = 0;
    { // one untimed restore first, as llama.cpp gets an untimed evaluation: the timings are of a
      // warm process (compiled JS, the reader's code paths), not of the first call after start
      (await Conversation.resume(path, model, tok)).conversation.release();
    }
    for (let r = 0; r < reps; r++) {
      await settle();
      const t0 = now();
      const res = await Conversation.resume(path, model, tok);
      restore.push(ms(t0));
      if (res.path !== 'restored') throw new Error(`snapshot bench: resume took the ${res.path} path (${res.reason})`);
      res.conversation.release();
    }
    { // the restored rows give the prefilled logits (checked outside the timings)
      const res = await Conversation.resume(path, model, tok);
      const ra = actorOf(res.conversation);
      if (n > 0) {
        const last = ra.tokens()[n - 1];
        ra.truncate(n - 1);
        ra.prefill([last]);
        diff = maxAbsDiff(ra.logits(), want);
      }
      res.conversation.release();
    }
    const shift: number[] = [];
    for (let r = 0; r < reps && n >= 256; r++) {
      const res = await Conversation.resume(path, model, tok);
      await settle();
      const t0 = now();
      actorOf(res.conversation).shift(32, n / 2);
      shift.push(ms(t0));
      res.conversation.release();
    }
    for (let r = 0; r < reps; r++) {
      await settle();
      let t0 = now();
      const snap = openSnapshot(path, expect);
      open.push(ms(t0));
      t0 = now();
      const a = Actor.create(model, { nCtx });
      create.push(ms(t0));
      t0 = now();
      const h = a.header();
      const views = new Map<string, Uint8Array>([['tokens', new Uint8Array(a.bytes().buffer, h.tokensOff, n * 4)]]);
      for (let l = 0; l < info.nLayer; l++) { views.set(`k.${l}`, u8(a.kv('k', l, n))); views.set(`v.${l}`, u8(a.kv('v', l, n))); }
      snap.readTensors(snap.tensors.map((t) => views.get(t.name) as Uint8Array));
      snap.close();
      read.push(ms(t0));
      t0 = now();
      if (xxh64Views(snap.tensors.map((t) => views.get(t.name) as Uint8Array)) !== snap.dataXxh64) throw new Error('snapshot bench: hash differs');
      hash.push(ms(t0));
      a.release();
    }
    conv.release();
    out.set(n, {
      saveMs: spread(save), restoreMs: spread(restore),
      phases: { openMs: spread(open), createMs: spread(create), readMs: spread(read), hashMs: spread(hash) },
      reprefillMs: spread(pre), fileBytes, logitsMaxAbsDiff: diff,
      logitsMaxAbs: want.reduce((m, x) => Math.max(m, Math.abs(x)), 0),
      shiftMs: shift.length ? spread(shift) : undefined,
    });
    rmSync(path, { force: true });
  }
  return out;
}

interface NlcSequence {
  clearHistory(): Promise<void>;
  evaluateWithoutGeneratingNewTokens(tokens: number[]): Promise<void>;
  saveStateToFile(path: string): Promise<{ fileSize: number }>;
  loadStateFromFile(path: string, o: { acceptRisk: true }): Promise<void>;
  readonly contextTokens: number[];
}
interface NlcContext { getSequence(): NlcSequence; dispose(): Promise<void> }
interface NlcModel { createContext(o: Record<string, unknown>): Promise<NlcContext> }

async function benchLlamaSnapshots(path: string, nVocab: number, sizes: number[], nCtx: number, o: Required<SnapshotBenchOptions>, dir: string): Promise<Map<number, LlamaSnapshotRow>> {
  const model = (await llamaLoad(path)) as NlcModel;
  const context = await model.createContext({
    contextSize: nCtx, batchSize: 512, sequences: 1, threads: o.threads, flashAttention: false, ignoreMemorySafetyChecks: true,
  });
  const out = new Map<number, LlamaSnapshotRow>();
  try {
    const seq = context.getSequence();
    // warm-up (page cache, threads, and a one-time cost of llama.cpp's first multi-token batch:
    // seen here as ~9 s on the first 24-token evaluation after an 8-token one)
    await seq.evaluateWithoutGeneratingNewTokens(seededTokens(64, nVocab, 99));
    await seq.clearHistory();
    for (const n of sizes) {
      const tokens = seededTokens(n, nVocab, n);
      const file = join(dir, `llama-${n}.state`);
      const timePrefill = n <= o.llamaPrefillMax;
      const pre: number[] = [];
      for (let r = 0; r < (timePrefill && n <= 256 ? o.reps : 1); r++) {
        await seq.clearHistory();
        const t0 = now();
        await seq.evaluateWithoutGeneratingNewTokens(tokens);
        pre.push(ms(t0));
      }
      const save: number[] = [];
      let fileBytes = 0;
      for (let r = 0; r < o.reps; r++) {
        const t0 = now();
        fileBytes = (await seq.saveStateToFile(file)).fileSize;
        save.push(ms(t0));
      }
      fileBytes = statSync(file).size || fileBytes;
      const restore: number[] = [];
      for (let r = 0; r < o.reps; r++) {
        await seq.clearHistory();
        await settle();
        const t0 = now();
        await seq.loadStateFromFile(file, { acceptRisk: true });
        restore.push(ms(t0));
        if (seq.contextTokens.length !== n) throw new Error(`llama.cpp restored ${seq.contextTokens.length} of ${n} tokens`);
      }
      out.set(n, { saveMs: spread(save), restoreMs: spread(restore), reprefillMs: timePrefill ? spread(pre) : undefined, fileBytes });
      rmSync(file, { force: true });
    }
  } finally {
    await context.dispose();
  }
  return out;
}

function rssNow(): number { return process.memoryUsage().rss; }

/** RSS growth of one actor with every KV row, the logits and the actor's own regions written,
 *  beyond the KV + logits bytes (measured first, before other actors exist to be collected; the
 *  module is compiled beforehand; no forward runs, so no weight pages are touched). */
function actorRss(model: Model, nCtx: number): SnapshotBenchResult['actorRss'] {
  const i = model.info;
  const kvLogits = 2 * i.nLayer * nCtx * i.nHeadKv * i.headDim * 2 + i.nVocab * 4;
  actorModule();
  const rss0 = rssNow();
  const a = Actor.create(model, { nCtx });
  for (let l = 0; l < i.nLayer; l++) { a.kv('k', l, nCtx).fill(0x3c00); a.kv('v', l, nCtx).fill(0x3c00); }
  a.logits().fill(1);
  const h = a.header();
  a.bytes().fill(0, h.tokensOff, h.tokensOff + h.tokensSize);
  a.bytes().fill(0, h.scratchOff, h.scratchOff + h.scratchSize);
  const growth = rssNow() - rss0;
  return { nCtx, kvLogitsBytes: kvLogits, rssGrowth: growth, overheadBytes: growth - kvLogits };
}

/** Actor.step() against the bare engine forward of one token on a tiny model (1 thread, so no
 *  pool hand-off is measured), in alternating blocks; medians of the blocks. */
function perTokenOverhead(): SnapshotBenchResult['perToken'] {
  const path = cachedLlamaModel(tinyConfig('tiny-hd32', 'f16'));
  const model = Model.load(path, { threads: 1 });
  try {
    const block = 100, blocks = 5, steps = block * blocks, nCtx = block + 16;
    const bare = model.createState(nCtx, 1);
    const base = new Uint8Array(bare.memory.buffer);
    const layout = { ...bare.layout, size: base.byteLength };
    const toks = new Int32Array(1);
    const n = native();
    const fwd = (pos: number) => { toks[0] = pos % model.info.nVocab; n.forward(model.nativeHandle, base, layout, toks, 1, pos, 0, null); };
    const a = Actor.create(model, { nCtx });
    const fw: number[] = [], st: number[] = [];
    let copied = 0;
    for (let b = -1; b < blocks; b++) { // block -1 warms both
      let t0 = now();
      for (let p = 0; p < block; p++) fwd(p);
      const f = (ms(t0) * 1000) / block;
      a.reset();
      a.prefill([1]);
      const c0 = model.bytesCopied;
      t0 = now();
      for (let p = 0; p < block; p++) a.step();
      const s = (ms(t0) * 1000) / block;
      if (b >= 0) { fw.push(f); st.push(s); copied += model.bytesCopied - c0; }
    }
    const stepUs = spread(st).median, forwardUs = spread(fw).median;
    return { model: 'tiny-hd32 f16, 1 thread', steps, stepUs, forwardUs, overheadUs: stepUs - forwardUs, bytesCopiedDelta: copied };
  } finally {
    model.close();
  }
}

export async function benchSnapshots(opts: SnapshotBenchOptions = {}): Promise<SnapshotBenchResult> {
  const o: Required<SnapshotBenchOptions> = {
    sizes: opts.sizes ?? [24, 256, 1024, 4096], threads: opts.threads ?? 2, reps: opts.reps ?? 3,
    llamaPrefillMax: opts.llamaPrefillMax ?? 1024, noLlama: opts.noLlama ?? false,
  };
  const nCtx = Math.ceil((Math.max(...o.sizes) + 64) / 256) * 256;
  const path = cachedLlamaModel(llama32_1bConfig('q4_k_m'));
  const dir = join(root, 'build', 'bench', 'snapshots');
  mkdirSync(dir, { recursive: true });
  const model = Model.load(path, { threads: o.threads });
  const info = model.info;
  let cairn: Map<number, CairnSnapshotRow>, rss: SnapshotBenchResult['actorRss'], copied: number, modelIdentityMs: SnapshotBenchResult['modelIdentityMs'];
  try {
    const prevCache = process.env.CAIRN_CACHE_DIR;
    process.env.CAIRN_CACHE_DIR = join(dir, 'identity-cache');
    rmSync(process.env.CAIRN_CACHE_DIR, { recursive: true, force: true });
    let t0 = now();
    await modelSha256(model);
    const hashed = ms(t0);
    t0 = now();
    await fileSha256(model.path); // what the next run's first save or resume pays
    modelIdentityMs = { hashed, cached: ms(t0) };
    if (prevCache === undefined) delete process.env.CAIRN_CACHE_DIR; else process.env.CAIRN_CACHE_DIR = prevCache;
    rss = actorRss(model, nCtx);
    const c0 = model.bytesCopied;
    cairn = await benchCairnSnapshots(model, o.sizes, nCtx, o.reps, dir);
    copied = model.bytesCopied - c0;
  } finally {
    model.close();
  }
  const llama = o.noLlama ? undefined : await benchLlamaSnapshots(path, info.nVocab, o.sizes, nCtx, o, dir);
  const rows = o.sizes.map((n): SnapshotBenchRow => {
    const c = cairn.get(n)!, l = llama?.get(n);
    const kvBytes = 2 * info.nLayer * n * info.nHeadKv * info.headDim * 2;
    return {
      n, kvBytes, cairn: c, llama: l,
      speedup: c.reprefillMs.median / c.restoreMs.median,
      restoreRatio: l ? c.restoreMs.median / l.restoreMs.median : undefined,
      overhead: (c.fileBytes - kvBytes) / kvBytes,
    };
  });
  return {
    model: path, threads: o.threads, reps: o.reps, nCtx,
    pageCache: 'warm: every file is restored right after it was written (in the page cache), for both engines',
    rows, actorRss: rss, perToken: perTokenOverhead(), restoreBytesCopiedDelta: copied, modelIdentityMs, modelBytes: statSync(path).size,
  };
}

const f1 = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const sp = (s?: Spread) => (s ? (s.runs.length > 1 ? `${f1(s.median)} (${f1(s.min)}–${f1(s.max)})` : f1(s.median)) : 'not measured');
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;

export function formatSnapshotBench(r: SnapshotBenchResult): string {
  const head = '| N | Cairn save ms | Cairn restore ms | Cairn re-prefill ms | speedup (re-prefill ÷ restore) | llama.cpp save ms | llama.cpp restore ms | llama.cpp re-prefill ms | restore ratio (Cairn ÷ llama.cpp) | .cairn bytes | KV bytes | overhead % |\n|---|---|---|---|---|---|---|---|---|---|---|---|';
  const rows = r.rows.map((x) => `| ${x.n} | ${sp(x.cairn.saveMs)} | ${sp(x.cairn.restoreMs)} | ${sp(x.cairn.reprefillMs)} | ${x.speedup.toFixed(0)}× | ${x.llama ? sp(x.llama.saveMs) : '-'} | ${x.llama ? sp(x.llama.restoreMs) : '-'} | ${x.llama ? sp(x.llama.reprefillMs) : '-'} | ${x.restoreRatio !== undefined ? `${x.restoreRatio.toFixed(2)}×` : '-'} | ${x.cairn.fileBytes} | ${x.kvBytes} | ${(100 * x.overhead).toFixed(3)} % |`);
  const ph = '| N | open + header checks ms | Actor.create ms | read into actor + XXH64 behind it ms | XXH64 alone, one thread ms | context shift of N/2 positions ms | llama.cpp state file bytes | last-position logits over restored KV: max abs diff (max abs logit) |\n|---|---|---|---|---|---|---|---|';
  const prow = r.rows.map((x) => { const p = x.cairn.phases; return `| ${x.n} | ${sp(p.openMs)} | ${sp(p.createMs)} | ${sp(p.readMs)} | ${sp(p.hashMs)} | ${x.cairn.shiftMs ? sp(x.cairn.shiftMs) : '-'} | ${x.llama?.fileBytes ?? '-'} | ${x.cairn.logitsMaxAbsDiff.toExponential(2)} (${x.cairn.logitsMaxAbs.toFixed(1)}) |`; });
  const a = r.actorRss, t = r.perToken;
  return [
    `Snapshots — ${r.model.split('/').pop()}, ${r.threads} threads, nCtx ${r.nCtx}, median (min–max) of ${r.reps} (re-prefill: ${r.reps} for N ≤ 256, 1 above); page cache ${r.pageCache}`,
    'Cairn restore = Conversation.resume returns: header checks + new actor + tokens and K/V read straight into it, data XXH64 checked (hashed behind the read), no forward pass. llama.cpp restore = loadStateFromFile into its existing context (KV + tokens, no logits, no checksum). Cairn save fsyncs; llama.cpp save does not.',
    '', head, ...rows, '', ph, ...prow, '',
    `model identity (sha256 of the ${(r.modelBytes / 2 ** 20).toFixed(0)} MiB GGUF, paid once per loaded model by its first save or resume; not in the restore times above): hashed ${r.modelIdentityMs.hashed.toFixed(0)} ms, from the identity cache (file unchanged since) ${r.modelIdentityMs.cached.toFixed(2)} ms`,
    `actor RSS (nCtx ${a.nCtx}, all KV rows + logits written): growth ${MiB(a.rssGrowth)}, KV + logits ${MiB(a.kvLogitsBytes)}, overhead ${MiB(a.overheadBytes)}`,
    `host↔actor per token (${t.model}, ${t.steps} steps): Actor.step ${t.stepUs.toFixed(1)} µs − engine forward ${t.forwardUs.toFixed(1)} µs = ${t.overheadUs.toFixed(1)} µs; bytes copied per token ${t.bytesCopiedDelta / t.steps} (delta ${t.bytesCopiedDelta}); during prefill/save/restore ${r.restoreBytesCopiedDelta}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { parseArgs, intOpt } = await import('../electron/cli/args.js');
  const { opts } = parseArgs(process.argv.slice(2), ['sizes', 'threads', 'reps', 'llama-prefill-max']);
  const sizes = typeof opts.sizes === 'string' ? opts.sizes.split(',').map(Number) : undefined;
  const r = await benchSnapshots({
    sizes, threads: intOpt(opts, 'threads', 2, 1, 256), reps: intOpt(opts, 'reps', 3, 1, 100),
    llamaPrefillMax: intOpt(opts, 'llama-prefill-max', 1024, 0, 1 << 20), noLlama: opts['no-llama'] === true,
  });
  console.log(formatSnapshotBench(r));
}
