// cairn-bench.ts — Cairn's side of the speed benchmark: prefill P tokens in one call, then
// decode D tokens one at a time after them (positions P..P+D-1), as bench/llama-capi.c does; then
// the same through the copy baseline (the conventional host that marshals the state every forward).
import { Model, type BackendName, type WeightsMode } from '../electron/engine/model.js';
import { native } from '../electron/engine/native.js';
import { spread, seededTokens, type Spread } from './stats.js';

export interface CairnBenchResult {
  engine: 'cairn'; backend: string; threads: number; weights: string;
  prefillTokens: number; decodeTokens: number;
  prefillTps: Spread; decodeTps: Spread;
  /** bytes of weights read per decoded token (every matrix once) */
  bytesPerToken: number;
  /** process RSS growth from before the load to after the run, and the bound for it:
   *  file size + KV bytes + 64 MiB */
  rssGrowth: number; rssBound: number;
  /** the same prefill and decode through the copy baseline (Model forward copyState: the
   *  conventional host, K/V and logits marshalled into engine buffers and back on every forward),
   *  in reps alternating with the zero-copy ones on the same state */
  copyBaseline: CopyBaselineResult;
}

export interface CopyBaselineResult {
  prefillTps: Spread; decodeTps: Spread;
  /** engine copy counter per decoded token, both paths (the zero-copy one is 0) */
  bytesPerToken: number; zeroCopyBytesPerToken: number;
  /** RSS growth over the zero-copy run's (the engine-owned copy of the state) */
  rssGrowth: number;
}

export interface BenchOptions {
  threads: number; prefill: number; decode: number; reps: number; backend?: BackendName; weights?: WeightsMode;
}

export function benchCairn(path: string, o: BenchOptions): CairnBenchResult {
  const rss0 = process.memoryUsage().rss;
  const model = Model.load(path, { threads: o.threads, backend: o.backend, weights: o.weights });
  try {
    const V = model.info.nVocab;
    const state = model.createState(o.prefill + o.decode, 1);
    const prompt = seededTokens(o.prefill, V, 1);
    const gen = seededTokens(o.decode, V, 2);
    model.forward(state, prompt.slice(0, 8), 0); // warm the page cache and the pool
    // zero-copy and copy-baseline reps alternate (a drift of the machine hits both alike); the
    // copy baseline's engine-owned state is allocated by its first forward, after rssZero is read
    const runs = { zero: { pp: [] as number[], tg: [] as number[], copied: 0 }, copy: { pp: [] as number[], tg: [] as number[], copied: 0 } };
    let rssZero = 0;
    for (let r = 0; r < o.reps; r++) {
      for (const copyState of [false, true]) {
        const run = copyState ? runs.copy : runs.zero;
        let t0 = process.hrtime.bigint();
        model.forward(state, prompt, 0, { copyState });
        run.pp.push(o.prefill / (Number(process.hrtime.bigint() - t0) / 1e9));
        const c0 = model.bytesCopied;
        t0 = process.hrtime.bigint();
        for (let i = 0; i < o.decode; i++) model.forward(state, [gen[i]], o.prefill + i, { copyState });
        run.tg.push(o.decode / (Number(process.hrtime.bigint() - t0) / 1e9));
        run.copied += model.bytesCopied - c0;
        if (r === 0 && !copyState) rssZero = process.memoryUsage().rss;
      }
    }
    const summary = (x: typeof runs.zero) => ({
      prefillTps: spread(x.pp), decodeTps: spread(x.tg), bytesPerToken: o.decode ? x.copied / (o.reps * o.decode) : 0,
    });
    const zero = summary(runs.zero), copy = summary(runs.copy);
    const i = model.info;
    const kvBytes = 2 * i.nLayer * (o.prefill + o.decode) * i.nHeadKv * i.headDim * 2;
    return {
      engine: 'cairn', backend: i.backend, threads: i.threads, weights: i.weights,
      prefillTokens: o.prefill, decodeTokens: o.decode, prefillTps: zero.prefillTps, decodeTps: zero.decodeTps,
      bytesPerToken: decodeBytesPerToken(model),
      rssGrowth: rssZero - rss0, rssBound: i.fileSize + kvBytes + 64 * 2 ** 20,
      copyBaseline: { ...copy, zeroCopyBytesPerToken: zero.bytesPerToken, rssGrowth: process.memoryUsage().rss - rssZero },
    };
  } finally {
    model.close();
  }
}

/** Weight bytes a decode step reads: every tensor, except that an untied model reads only one
 *  row of token_embd. */
export function decodeBytesPerToken(model: Model): number {
  const n = native();
  const g = n.model_gguf(model.nativeHandle);
  const te = Number(n.gguf_find_tensor(g, 'token_embd.weight'));
  const embd = te >= 0 ? Number(n.gguf_tensor_size(g, te)) : 0;
  return model.info.weightsBytes - (model.info.tiedOutput ? 0 : embd);
}

/** This machine's read bandwidth (bytes/s) with the given threads: 1 GiB, fastest of 7 passes in each of 3 read patterns (membw.c). */
export function readBandwidth(threads: number): number {
  return native().measure_read_bandwidth(2 ** 30, threads, 7) as number;
}
