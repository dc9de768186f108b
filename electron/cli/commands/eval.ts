// cairn eval <file.gguf> --tokens 1,2,3 [--out logits.f32] [--all] [--threads N] [--backend B]
// Runs the tokens from position 0 and writes the last position's logits (every position with
// --all) as raw little-endian float32; without --out, prints the top tokens of each row.
import { writeFileSync } from 'node:fs';
import { parseArgs, intOpt, UsageError } from '../args.js';
import { Model, BACKENDS, type BackendName } from '../../engine/model.js';
import { EngineError } from '../../engine/native.js';

export const usage = `eval <file.gguf> --tokens 1,2,3 [--out logits.f32] [--all] [--threads N] [--backend ${Object.keys(BACKENDS).join('|')}]`;

export function parseTokens(s: string | true | undefined): number[] {
  if (typeof s !== 'string' || !/^\d+(,\d+)*$/.test(s.trim())) throw new UsageError('--tokens must be a comma-separated list of token ids, e.g. --tokens 1,2,3');
  return s.trim().split(',').map(Number);
}

/** --backend; absent: undefined (the engine's default: $CAIRN_BACKEND, else auto). */
export function backendOpt(v: string | true | undefined): BackendName | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(v in BACKENDS)) throw new UsageError(`--backend must be one of ${Object.keys(BACKENDS).join(', ')}`);
  return v as BackendName;
}

export async function run(argv: string[]): Promise<number> {
  let model: Model | undefined;
  try {
    const { positional, opts } = parseArgs(argv, ['tokens', 'out', 'threads', 'backend']);
    if (positional.length !== 1) throw new UsageError(`usage: cairn ${usage}`);
    const tokens = parseTokens(opts.tokens);
    model = Model.load(positional[0], { threads: intOpt(opts, 'threads', 0, 0, 256), backend: backendOpt(opts.backend) });
    const logits = model.evalTokens(tokens, { all: !!opts.all });
    if (typeof opts.out === 'string') {
      writeFileSync(opts.out, new Uint8Array(logits.buffer, logits.byteOffset, logits.byteLength));
      console.log(`wrote ${logits.length / model.info.nVocab} row(s) × ${model.info.nVocab} float32 to ${opts.out}`);
    } else {
      const V = model.info.nVocab;
      for (let r = 0; r < logits.length / V; r++) {
        const row = logits.subarray(r * V, (r + 1) * V);
        const top = Array.from(row.keys()).sort((a, b) => row[b] - row[a]).slice(0, 5);
        console.log(`row ${r}: ${top.map((t) => `${t}:${row[t].toFixed(4)}`).join(' ')}`);
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof EngineError) { console.error(`cairn eval: ${e.message}`); return 1; }
    throw e;
  } finally {
    model?.close();
  }
}
