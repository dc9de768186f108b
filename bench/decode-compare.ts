// decode-compare.ts — the decode rows of `npm run bench` alone, for kernel work: Cairn beside
// llama.cpp on the 1B-shaped files, each native pair and Cairn's avx2 forced beside llama.cpp's
// haswell build. Usage: node dist/bench/decode-compare.js [--types q4_k,q4_0] [--backend avx2]
//   [--reps 3] [--decode 64] [--prefill 64]
import { parseArgs, intOpt } from '../electron/cli/args.js';
import { backendOpt } from '../electron/cli/commands/eval.js';
import { cachedLlamaModel } from '../test-support/llama-builder.js';
import { compare, formatComparisons, type Comparison } from './compare.js';
import { readBandwidth } from './cairn-bench.js';
import { bestCpuVariantFor } from '../test-support/llama/cpu-variant.js';
import { ORACLE_DIR } from '../test-support/llama/oracle.js';
import { benchConfig, type BenchType } from './bench-types.js';

const { opts } = parseArgs(process.argv.slice(2), ['types', 'backend', 'reps', 'decode', 'prefill', 'threads', 'llama-cpu']);
const types = (typeof opts.types === 'string' ? opts.types : 'q8_0,q4_0,q4_k_m,q4_k').split(',') as BenchType[];
const backend = backendOpt(opts.backend) ?? 'auto';
if (backend !== 'auto') process.env.CAIRN_BACKEND = backend;
const llamaCpu = typeof opts['llama-cpu'] === 'string' ? opts['llama-cpu'] : backend !== 'auto' ? bestCpuVariantFor(ORACLE_DIR, backend) : undefined;
const threads = intOpt(opts, 'threads', 2, 1, 256);
const bandwidth = readBandwidth(threads);
console.log(`read bandwidth ${(bandwidth / 1e9).toFixed(1)} GB/s; Cairn ${backend}, llama.cpp ${llamaCpu ?? 'its pick'}`);
const rows: Comparison[] = [];
for (const t of types)
  rows.push(await compare(cachedLlamaModel(benchConfig(t)), { threads, reps: intOpt(opts, 'reps', 3, 1, 50), prefill: intOpt(opts, 'prefill', 64, 1, 4096),
    decode: intOpt(opts, 'decode', 64, 1, 4096), against: true, bandwidth, backend, llamaCpu }));
console.log(formatComparisons((c) => types[rows.indexOf(c)], rows));
