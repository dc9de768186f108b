// cairn bench <file.gguf | --synthetic 1b:q4_k_m> [--threads N] [--prefill 512] [--decode 128] [--reps 3]
//             [--against llama.cpp] [--backend B] [--weights auto|map|copy] [--json]
// Prefill and decode speed of a model; with --against llama.cpp, llama.cpp's C API on the same
// file and threads in the same run, as ratios.
import { parseArgs, intOpt, UsageError } from '../args.js';
import { backendOpt } from './eval.js';
import { EngineError } from '../../engine/native.js';
import { WEIGHTS, type WeightsMode } from '../../engine/model.js';

export const usage = 'bench <file.gguf | --synthetic 1b:q4_k_m> [--threads N] [--prefill 512] [--decode 128] [--reps 3] [--against llama.cpp] [--weights auto|map|copy] [--json]';

function weightsOpt(v: string | true | undefined): WeightsMode {
  if (v === undefined) return 'auto';
  if (typeof v !== 'string' || !(v in WEIGHTS)) throw new UsageError(`--weights must be one of ${Object.keys(WEIGHTS).join(', ')}`);
  return v as WeightsMode;
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { positional, opts } = parseArgs(argv, ['threads', 'prefill', 'decode', 'reps', 'against', 'synthetic', 'backend', 'weights']);
    if (positional.length + (opts.synthetic ? 1 : 0) !== 1) throw new UsageError(`usage: cairn ${usage}`);
    if (opts.against !== undefined && opts.against !== 'llama.cpp') throw new UsageError('--against takes llama.cpp');
    // the benchmark's code (and its model builder) loads only for this command
    const { syntheticModel } = await import('../../../bench/synthetic.js');
    const path = typeof opts.synthetic === 'string' ? syntheticModel(opts.synthetic) : positional[0];
    const { compare, formatComparisons } = await import('../../../bench/compare.js');
    const c = await compare(path, {
      threads: intOpt(opts, 'threads', 2, 1, 256), prefill: intOpt(opts, 'prefill', 512, 1, 1 << 16),
      decode: intOpt(opts, 'decode', 128, 0, 1 << 16), reps: intOpt(opts, 'reps', 3, 1, 100),
      backend: backendOpt(opts.backend), weights: weightsOpt(opts.weights), against: opts.against === 'llama.cpp',
    });
    if (opts.json) console.log(JSON.stringify(c, null, 2));
    else console.log(formatComparisons(() => typeof opts.synthetic === 'string' ? opts.synthetic : path, [c]));
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof EngineError) { console.error(`cairn bench: ${e.message}`); return 1; }
    throw e;
  }
}
