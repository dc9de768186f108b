// run.ts — `npm run bench`: Cairn beside llama.cpp in one run on the same synthetic files
// (Llama-3.2-1B shapes, random weights: Q8_0, Q4_0, Q4_K_M), same threads; prints a Markdown
// table and writes build/bench/results.json. Options: --threads N (2), --reps R (3),
// --prefill P (512), --decode D (128), --types q8_0,q4_0,q4_k_m
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, intOpt } from '../electron/cli/args.js';
import { cachedLlamaModel, llama32_1bConfig, type LlamaPreset } from '../electron/engine/llama-builder.js';
import { compare, formatComparisons, type Comparison } from './compare.js';
import { readBandwidth } from './cairn-bench.js';
import { benchTokenizer, formatTokenizerBench } from './tokenizer-bench.js';
import { benchSnapshots, formatSnapshotBench } from './snapshot-bench.js';
import { benchApp, formatAppBench } from './app-bench.js';
import { benchRender, formatRenderBench, renderBenchMessages } from './render-bench.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function builtinModelPath(): string | undefined {
  const dir = join(root, 'assets', 'models');
  const f = existsSync(dir) ? readdirSync(dir).find((n) => n.endsWith('.gguf')) : undefined;
  return f ? join(dir, f) : undefined;
}

async function main(): Promise<void> {
  const { opts } = parseArgs(process.argv.slice(2), ['threads', 'reps', 'prefill', 'decode', 'types']);
  const threads = intOpt(opts, 'threads', 2, 1, 256);
  const reps = intOpt(opts, 'reps', 3, 1, 100);
  const prefill = intOpt(opts, 'prefill', 512, 1, 8192);
  const decode = intOpt(opts, 'decode', 128, 1, 8192);
  const types = (typeof opts.types === 'string' ? opts.types : 'q8_0,q4_0,q4_k_m').split(',') as LlamaPreset[];

  console.log(`Cairn vs llama.cpp — Llama-3.2-1B shapes (random weights), ${threads} threads, prefill ${prefill}, decode ${decode}, median of ${reps}`);
  const bandwidth = readBandwidth(threads);
  console.log(`measured read bandwidth (${threads} threads): ${(bandwidth / 1e9).toFixed(1)} GB/s`);
  const results: Comparison[] = [];
  for (const t of types) {
    const path = cachedLlamaModel(llama32_1bConfig(t));
    results.push(await compare(path, { threads, reps, prefill, decode, against: true, bandwidth }));
    console.log(`  ${t}: done`);
  }
  // the built-in model (assets/models), small enough to live in cache: a latency-bound case
  const builtin = builtinModelPath();
  if (builtin) {
    results.push(await compare(builtin, { threads, reps, prefill: Math.min(prefill, 256), decode, against: true, bandwidth }));
    console.log('  built-in model: done');
  }
  const label = (c: Comparison) => types[results.indexOf(c)] ?? basename(c.model);
  console.log(`\n${formatComparisons(label, results)}\n`);
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
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), threads, reps, prefill, decode, bandwidth, models: results, tokenizer: tok, snapshots, app, render }, null, 2));
  console.log(`\nwrote ${out}`);
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
