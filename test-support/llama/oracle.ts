// oracle.ts — llama.cpp (through node-llama-cpp 3.21.1, pinned in ./package.json) as the oracle.
//
// node-llama-cpp is installed into test-support/llama/node_modules on first use
// (scripts/oracle-install.mjs) and imported dynamically from there: the root package does not
// depend on it.
//
// node-llama-cpp has no raw-logits getter. With greedy sampling (temperature 0) its sampler chain
// leaves the logits untouched and `controlledEvaluate` returns softmax(logits) over the whole
// vocabulary, computed in float32 as exp(l - max) / sum. We return log(p): this equals the logits
// minus a per-row constant (to ~1e-7 absolute while p is a normal float, i.e. l - max > -87), so
// compare rows after removing each row's max (or mean).
//
// CAIRN_ORACLE_CPU=<variant> (e.g. haswell, skylakex, sapphirerapids) pins llama.cpp's CPU build
// (see cpu-variant.ts); unset, llama.cpp picks the best build for this CPU, as for a user.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pinnedOracleDir } from './cpu-variant.js';

const here = dirname(fileURLToPath(import.meta.url));
export const ORACLE_DIR = here.includes(`${join('dist', 'test-support')}`)
  ? resolve(here, '..', '..', '..', 'test-support', 'llama')
  : here;
const repoRoot = resolve(ORACLE_DIR, '..', '..');

/* eslint-disable @typescript-eslint/no-explicit-any */
type NlcModule = any;
type NlcLlama = any;
type NlcModel = any;

let modPromise: Promise<NlcModule> | undefined;
let llamaPromise: Promise<NlcLlama> | undefined;
const models = new Map<string, Promise<NlcModel>>();

/** Installs node-llama-cpp into test-support/llama if needed (no-op when present). */
export function ensureOracleInstalled(): string {
  const pkg = join(ORACLE_DIR, 'node_modules', 'node-llama-cpp', 'package.json');
  if (!existsSync(pkg)) {
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'oracle-install.mjs')], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0 || !existsSync(pkg)) throw new Error('node-llama-cpp could not be installed (scripts/oracle-install.mjs failed)');
  }
  return ORACLE_DIR;
}

async function nlc(): Promise<NlcModule> {
  modPromise ??= (async () => {
    ensureOracleInstalled();
    const pin = process.env.CAIRN_ORACLE_CPU;
    const dir = pin ? pinnedOracleDir(ORACLE_DIR, pin) : ORACLE_DIR;
    const entry = join(dir, 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
    return import(pathToFileURL(entry).href);
  })();
  return modPromise;
}

/** The process-wide llama.cpp instance (CPU only, prebuilt binaries, never builds). */
export async function getOracleLlama(): Promise<NlcLlama> {
  llamaPromise ??= (async () => {
    const m = await nlc();
    return m.getLlama({
      gpu: false, build: 'never', usePrebuiltBinaries: true, progressLogs: false, skipDownload: true,
      logLevel: process.env.CAIRN_ORACLE_LOG ? 'debug' : 'error',
    });
  })();
  return llamaPromise;
}

export interface OracleOptions {
  /** Threads for evaluation (default 2). */
  threads?: number;
}

/** Loads (once per path) a GGUF model in llama.cpp. */
export async function llamaLoad(path: string, _opts: OracleOptions = {}): Promise<NlcModel> {
  const key = resolve(path);
  let p = models.get(key);
  if (!p) {
    p = (async () => {
      const llama = await getOracleLlama();
      return llama.loadModel({ modelPath: key, gpuLayers: 0, useMmap: true });
    })();
    models.set(key, p);
    p.catch(() => models.delete(key));
  }
  return p;
}

/** Disposes every loaded model (call in afterAll). */
export async function llamaDisposeAll(): Promise<void> {
  const ps = [...models.values()];
  models.clear();
  for (const p of ps) {
    try { (await p).dispose(); } catch { /* already gone */ }
  }
}

async function withSequence<T>(path: string, nCtx: number, opts: OracleOptions, fn: (seq: any, nVocab: number) => Promise<T>): Promise<T> {
  const model = await llamaLoad(path, opts);
  const ctxSize = Math.max(256, Math.ceil((nCtx + 1) / 256) * 256);
  const context = await model.createContext({
    contextSize: ctxSize, batchSize: Math.min(ctxSize, 512), sequences: 1,
    threads: opts.threads ?? 2, flashAttention: false, ignoreMemorySafetyChecks: true,
  });
  try {
    const seq = context.getSequence();
    const nVocab: number = model.tokens?.vocabSize ?? model.fileInsights?.vocabSize ?? 0;
    return await fn(seq, nVocab);
  } finally {
    await context.dispose();
  }
}

/** log p over the vocabulary from a probabilities Map (token → p); tokens absent are -inf. */
function logRow(probs: Map<number, number>, nVocab: number, out: Float32Array, off: number): void {
  out.fill(-Infinity, off, off + nVocab);
  for (const [tok, p] of probs) out[off + tok] = Math.log(p);
}

export interface LogitsOptions extends OracleOptions {
  /** Rows for every position (default: only the last). */
  allPositions?: boolean;
}

/**
 * Full-vocabulary log-probabilities after each evaluated token: a Float32Array of
 * rows × n_vocab (rows = tokens.length with allPositions, else 1). Row r follows tokens[0..r].
 * These are logits minus a per-row constant: compare after subtracting each row's max.
 */
export async function llamaLogits(path: string, tokens: number[], opts: LogitsOptions = {}): Promise<Float32Array> {
  if (tokens.length === 0) throw new Error('llamaLogits: no tokens');
  return withSequence(path, tokens.length, opts, async (seq, nVocabHint) => {
    const want = (i: number) => opts.allPositions || i === tokens.length - 1;
    const input = tokens.map((t, i) => (want(i) ? [t, { generateNext: { probabilities: true, options: { temperature: 0 } } }] : t));
    const res: any[] = await seq.controlledEvaluate(input);
    const rows = tokens.map((_, i) => i).filter(want);
    let nVocab = nVocabHint;
    if (!nVocab) for (const i of rows) for (const t of res[i].next.probabilities.keys()) nVocab = Math.max(nVocab, t + 1);
    const out = new Float32Array(rows.length * nVocab);
    rows.forEach((i, r) => {
      const probs = res[i]?.next?.probabilities as Map<number, number> | undefined;
      if (!probs) throw new Error(`llamaLogits: no probabilities for position ${i}`);
      logRow(probs, nVocab, out, r * nVocab);
    });
    return out;
  });
}

/**
 * llama.cpp's own context shift: evaluates `tokens`, drops positions [keep, keep + discard) and moves
 * the later cells down (node-llama-cpp's eraseContextTokenRanges: llama_memory_seq_rm, then
 * llama_memory_seq_add, whose K re-rotation runs before the next decode), then evaluates `next`.
 * Returns log p rows (as llamaLogits) after each token of `next`.
 */
export async function llamaShiftedLogits(path: string, tokens: number[], keep: number, discard: number, next: number[],
  opts: OracleOptions = {}): Promise<Float32Array> {
  if (keep < 1 || discard < 1 || keep + discard > tokens.length || !next.length) throw new Error('llamaShiftedLogits: bad range');
  return withSequence(path, tokens.length + next.length, opts, async (seq, nVocabHint) => {
    await seq.evaluateWithoutGeneratingNewTokens(tokens);
    await seq.eraseContextTokenRanges([{ start: keep, end: keep + discard }]);
    if (seq.nextTokenIndex !== tokens.length - discard) throw new Error(`llamaShiftedLogits: ${seq.nextTokenIndex} cells after the shift`);
    const gen = { generateNext: { probabilities: true, options: { temperature: 0 } } };
    const res: any[] = await seq.controlledEvaluate(next.map((t) => [t, gen]));
    const rows = res.map((r, i) => {
      const probs = r?.next?.probabilities as Map<number, number> | undefined;
      if (!probs) throw new Error(`llamaShiftedLogits: no probabilities after next[${i}]`);
      return probs;
    });
    let nVocab = nVocabHint;
    if (!nVocab) for (const p of rows) for (const t of p.keys()) nVocab = Math.max(nVocab, t + 1);
    const out = new Float32Array(next.length * nVocab);
    rows.forEach((p, i) => logRow(p, nVocab, out, i * nVocab));
    return out;
  });
}

export interface GreedyResult {
  /** Generated token ids. */
  tokens: number[];
  /** log p(top1) - log p(top2) at each step (= logit margin), to spot near-ties. */
  margins: number[];
}

/** Greedy continuation of `tokens` by `nNew` tokens, with the top-2 margin of each step. */
export async function llamaGreedyDetailed(path: string, tokens: number[], nNew: number, opts: OracleOptions = {}): Promise<GreedyResult> {
  return withSequence(path, tokens.length + nNew, opts, async (seq) => {
    const out: number[] = [];
    const margins: number[] = [];
    const gen = { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } };
    let input: any[] = tokens.map((t, i) => (i === tokens.length - 1 ? [t, gen] : t));
    for (let k = 0; k < nNew; k++) {
      const res: any[] = await seq.controlledEvaluate(input);
      const next = res[res.length - 1]?.next;
      if (!next || next.token == null) throw new Error('llamaGreedy: no token generated');
      let a = -Infinity, b = -Infinity;
      for (const p of (next.probabilities as Map<number, number>).values()) {
        if (p > a) { b = a; a = p; } else if (p > b) b = p;
      }
      out.push(next.token);
      margins.push(Math.log(a) - Math.log(b));
      input = [[next.token, gen]];
    }
    return { tokens: out, margins };
  });
}

/** Greedy continuation token ids. */
export async function llamaGreedy(path: string, tokens: number[], nNew: number, opts: OracleOptions = {}): Promise<number[]> {
  return (await llamaGreedyDetailed(path, tokens, nNew, opts)).tokens;
}

/** Tokenizes text with the model's own tokenizer (special tokens parsed). */
export async function llamaTokenize(path: string, text: string): Promise<number[]> {
  const model = await llamaLoad(path);
  return Array.from(model.tokenize(text, true) as number[]);
}
