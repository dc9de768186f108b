// run.ts — `npm run bench`: Cairn beside llama.cpp in one run on the same synthetic files
// (Llama-3.2-1B shapes, random weights: Q8_0, Q4_0, Q4_K_M as llama-quantize mixes it, and Q4_K in
// every matrix), same threads; prints a Markdown table and writes build/bench/results.json.
// Options: --threads N (2), --reps R (3), --prefill P (512), --decode D (128), --types q8_0,q4_0,q4_k_m,q4_k,
// --backend B (Cairn's backend; default $CAIRN_BACKEND or auto), --llama-cpu V (llama.cpp's CPU build;
// default: with a forced backend, the best build this CPU runs for that class of CPU, e.g. zen4 or
// icelake for avx512, never its AMX one; else what llama.cpp picks). Both are printed and recorded.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, intOpt, UsageError } from '../electron/cli/args.js';
import { backendOpt } from '../electron/cli/commands/eval.js';
import { defaultBackend } from '../electron/engine/model.js';
import { cachedLlamaModel } from '../test-support/llama-builder.js';
import { benchConfig, type BenchType } from './bench-types.js';
import { compare, formatComparisons, type Comparison } from './compare.js';
import { readBandwidth } from './cairn-bench.js';
import { benchTokenizer, formatTokenizerBench } from './tokenizer-bench.js';
import { benchSnapshots, formatSnapshotBench } from './snapshot-bench.js';
import { autoCpuVariant, bestCpuVariantFor, cpuVariants } from '../test-support/llama/cpu-variant.js';
import { ORACLE_DIR } from '../test-support/llama/oracle.js';
import { benchApp, formatAppBench } from './app-bench.js';
import { builtinModel } from '../electron/main/builtin-model.js';
import { benchRender, formatRenderBench, renderBenchMessages } from './render-bench.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const { opts } = parseArgs(process.argv.slice(2), ['threads', 'reps', 'prefill', 'decode', 'types', 'backend', 'llama-cpu']);
  const threads = intOpt(opts, 'threads', 2, 1, 256);
  const reps = intOpt(opts, 'reps', 3, 1, 100);
  const prefill = intOpt(opts, 'prefill', 512, 1, 8192);
  const decode = intOpt(opts, 'decode', 128, 1, 8192);
  const types = (typeof opts.types === 'string' ? opts.types : 'q8_0,q4_0,q4_k_m,q4_k').split(',') as BenchType[];

  const backend = backendOpt(opts.backend) ?? defaultBackend();
  const forced = backend !== 'auto';
  if (forced) process.env.CAIRN_BACKEND = backend;  // the snapshot bench's loads too
  const llamaCpu = typeof opts['llama-cpu'] === 'string' ? opts['llama-cpu'] : forced ? bestCpuVariantFor(ORACLE_DIR, backend) : undefined;
  if (forced && typeof opts['llama-cpu'] !== 'string' && !llamaCpu && cpuVariants(ORACLE_DIR).length)
    throw new UsageError(`no llama.cpp CPU build for a ${backend} CPU runs here (pass --llama-cpu)`);

  console.log(`Cairn vs llama.cpp — Llama-3.2-1B shapes (random weights), ${threads} threads, prefill ${prefill}, decode ${decode}, median of ${reps}`);
  console.log(`Cairn backend: ${forced ? `${backend} (forced)` : 'auto'}; llama.cpp CPU build: ${llamaCpu ? `${llamaCpu} (forced)` : `${autoCpuVariant(ORACLE_DIR) ?? 'its only one'} (its own pick)`} — each engine's actual choice is in the table`);
  const bandwidth = readBandwidth(threads);
  console.log(`measured read bandwidth (${threads} threads): ${(bandwidth / 1e9).toFixed(1)} GB/s`);
  const results: Comparison[] = [];
  for (const t of types) {
    const path = cachedLlamaModel(benchConfig(t));
    results.push(await compare(path, { threads, reps, prefill, decode, against: true, bandwidth, backend, llamaCpu }));
    console.log(`  ${t}: done`);
  }
  // the built-in model (assets/models), small enough to live in cache: a latency-bound case
  const builtin = builtinModel();
  if (builtin) {
    results.push(await compare(builtin, { threads, reps, prefill: Math.min(prefill, 256), decode, against: true, bandwidth, backend, llamaCpu }));
    console.log('  built-in model: done');
  }
  const label = (c: Comparison) => types[results.indexOf(c)] ?? basename(c.model);
  console.log(`\n${formatComparisons(label, results)}\n`);
  // AVX2-only users (most PCs without AVX-512), measured on this machine: Cairn's avx2 table beside
  // llama.cpp's haswell build (an AVX2-only CPU can run neither AVX-512 nor AVX-VNNI builds)
  const avx2: Comparison[] = [];
  if (!forced && results[0]?.cairn.backend !== 'avx2' && cpuVariants(ORACLE_DIR).some((v) => v.variant === 'haswell' && v.score > 0))
    for (const t of types)
      avx2.push(await compare(cachedLlamaModel(benchConfig(t)), { threads, reps, prefill, decode, against: true, bandwidth, backend: 'avx2', llamaCpu: 'haswell' }));
  if (avx2.length) console.log(`AVX2-only CPUs, measured here (Cairn avx2 forced, llama.cpp haswell build):\n${formatComparisons((c) => types[avx2.indexOf(c)], avx2)}\n`);
  const tok = await benchTokenizer();
  console.log(formatTokenizerBench(tok));
  const snapshots = await benchSnapshots({ threads, reps });
  console.log(`\n${formatSnapshotBench(snapshots)}`);
  const app = await benchApp();
  console.log(`\n${formatAppBench(app)}`);
  // the renderer in Chromium (skipped, saying why, where no Chromium can be launched)
  const render = await benchRender().catch((e: Error) => { console.log(`\nrenderer bench skipped: ${e.message.split('\n')[0]}`); return null; });
  if (render) console.log(`\n${formatRenderBench(render, renderBenchMessages)}`);
  const out = join(root, 'build', 'bench', 'results.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), threads, reps, prefill, decode, bandwidth,
    backend: { cairn: backend, llamaCpu: llamaCpu ?? 'auto' }, models: results, avx2VsHaswell: avx2, tokenizer: tok, snapshots, app, render }, null, 2));
  console.log(`\nwrote ${out}`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
