// compare.ts — Cairn and llama.cpp on the same GGUF, same threads, one run: tokens/s, ratios,
// and decode's share of the machine's read bandwidth (weight bytes per token × tokens/s).
import { benchCairn, readBandwidth, type BenchOptions, type CairnBenchResult } from './cairn-bench.js';
import { runLlamaCapi, type LlamaCapiResult } from './llama-capi.js';

export interface Comparison {
  model: string; threads: number; bandwidth: number;
  cairn: CairnBenchResult; llama?: LlamaCapiResult;
  ratio?: { prefill: number; decode: number };
  bandwidthShare: { cairn: number; llama?: number };
  rss: { afterBench: number };
}

/** llamaCpu: llama.cpp's CPU build (a variant name, see test-support/llama/cpu-variant.ts), default what it picks. */
export async function compare(path: string, o: BenchOptions & { against: boolean; bandwidth?: number; llamaCpu?: string }): Promise<Comparison> {
  const bandwidth = o.bandwidth ?? readBandwidth(o.threads);
  const cairn = benchCairn(path, o);
  const rss = process.memoryUsage().rss;
  const llama = o.against
    ? await runLlamaCapi({ model: path, threads: o.threads, prefill: o.prefill, decode: o.decode, reps: o.reps, backend: o.llamaCpu })
    : undefined;
  const share = (tps: number) => (cairn.bytesPerToken * tps) / bandwidth;
  return {
    model: path, threads: o.threads, bandwidth, cairn, llama,
    ratio: llama ? { prefill: cairn.prefillTps.median / llama.prefill_tps.median, decode: cairn.decodeTps.median / llama.decode_tps.median } : undefined,
    bandwidthShare: { cairn: share(cairn.decodeTps.median), llama: llama ? share(llama.decode_tps.median) : undefined },
    rss: { afterBench: rss },
  };
}

const f1 = (x: number) => x.toFixed(1);
const MiB = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
const sp = (s: { median: number; min: number; max: number }) => `${f1(s.median)} (${f1(s.min)}–${f1(s.max)})`;

/** Rows of a Markdown table, one per comparison. */
export function formatComparisons(label: (c: Comparison) => string, cs: Comparison[]): string {
  const head = '| model | engine | prefill tok/s (min–max) | decode tok/s (min–max) | decode ÷ bandwidth | prefill ratio | decode ratio |\n|---|---|---|---|---|---|---|';
  const rows = cs.flatMap((c) => {
    const r = [`| ${label(c)} | cairn (${c.cairn.backend}, ${c.threads} thr, ${c.cairn.weights}) | ${sp(c.cairn.prefillTps)} | ${sp(c.cairn.decodeTps)} | ${pct(c.bandwidthShare.cairn)} | ${c.ratio ? `${c.ratio.prefill.toFixed(2)}×` : '-'} | ${c.ratio ? `${c.ratio.decode.toFixed(2)}×` : '-'} |`];
    if (c.llama) r.push(`| ${label(c)} | llama.cpp C API (${c.llama.backend.variant}${c.llama.backend.forced ? ', forced' : ''}) | ${sp(c.llama.prefill_tps)} | ${sp(c.llama.decode_tps)} | ${pct(c.bandwidthShare.llama ?? 0)} | 1.00× | 1.00× |`);
    return r;
  });
  const mem = cs.map((c) => `${label(c)}: Cairn RSS growth ${(c.cairn.rssGrowth / 2 ** 20).toFixed(0)} MiB (bound: file + KV + 64 MiB = ${(c.cairn.rssBound / 2 ** 20).toFixed(0)} MiB)`);
  const copyHead = '| model | host | prefill tok/s (min–max) | decode tok/s (min–max) | decode ms/token | bytes copied per decoded token | RSS growth |\n|---|---|---|---|---|---|---|';
  const copyRows = cs.flatMap((c) => {
    const b = c.cairn.copyBaseline, ms = (s: { median: number }) => (1000 / s.median).toFixed(2);
    return [
      `| ${label(c)} | zero-copy (the engine runs in the actor's memory) | ${sp(c.cairn.prefillTps)} | ${sp(c.cairn.decodeTps)} | ${ms(c.cairn.decodeTps)} | ${b.zeroCopyBytesPerToken.toFixed(0)} | ${MiB(c.cairn.rssGrowth)} |`,
      `| ${label(c)} | copy baseline (K/V + logits copied into engine buffers and back every forward) | ${sp(b.prefillTps)} | ${sp(b.decodeTps)} | ${ms(b.decodeTps)} | ${b.bytesPerToken.toFixed(0)} | +${MiB(b.rssGrowth)} |`,
    ];
  });
  return [head, ...rows, '', ...mem, '', copyHead, ...copyRows].join('\n');
}
