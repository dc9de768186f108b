// tokenizer-bench.ts — tokenize a ~10,000-token prompt and detokenize it as a stream, with Cairn's
// tokenizer and with llama.cpp's (node-llama-cpp, vocab-only load of the same GGUF file).
// `benchTokenizer()` is what the bench runner calls; `node dist/bench/tokenizer-bench.js` runs it alone.
import { pathToFileURL } from 'node:url';
import { GgufFile } from '../electron/engine/gguf.js';
import { Tokenizer } from '../electron/engine/tokenizer/index.js';
import { HARD_STRINGS, randomStrings } from '../test-support/tokenizer/corpus.js';
import { llama32Gguf } from '../test-support/tokenizer/fixtures.js';
import { spread, type Spread } from './stats.js';

export interface TokenizerSideResult {
  /** ms to tokenize the whole prompt: the first run (empty word cache) and the spread of later runs */
  tokenizeColdMs: number;
  tokenizeMs: Spread;
  tokenizeMBps: number;
  /** ms to detokenize the ids one at a time as a stream (Cairn: StreamDecoder; llama.cpp: detokenize([id]) per token) */
  streamDetokenizeMs: Spread;
  /** ms to detokenize all ids in one call */
  detokenizeMs: Spread;
}

export interface TokenizerBenchResult {
  name: 'tokenizer';
  vocab: string;
  promptBytes: number;
  promptTokens: number;
  /** ms to build the tokenizer from the open GGUF file (vocabulary, merges, piece table) */
  loadMs: number;
  cairn: TokenizerSideResult;
  llama: TokenizerSideResult | { error: string };
  /** both sides produced the same ids */
  idsMatch: boolean | null;
}

/** A prompt of about `tokens` tokens mixing prose, code, numbers, CJK, emoji and odd whitespace. */
export function benchPrompt(tok: Tokenizer, tokens = 10_000): string {
  const prose = 'The quick brown fox jumps over the lazy dog while the committee reviews 1,234 proposals in 2024. ';
  const parts: string[] = [];
  const rnd = randomStrings(4000, 99);
  let i = 0, text = '';
  while (tok.encode(text).length < tokens) {
    parts.push(i % 5 === 0 ? prose : i % 7 === 0 ? HARD_STRINGS[i % HARD_STRINGS.length] : rnd[i % rnd.length]);
    i++;
    if (i % 50 === 0) text = parts.join(' ');
  }
  return parts.join(' ');
}

function time(fn: () => void, reps: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < reps; r++) { const t0 = process.hrtime.bigint(); fn(); out.push(Number(process.hrtime.bigint() - t0) / 1e6); }
  return out;
}

export async function benchTokenizer(o: { reps?: number; path?: string } = {}): Promise<TokenizerBenchResult> {
  const reps = o.reps ?? 7;
  const path = o.path ?? llama32Gguf();
  const file = GgufFile.open(path);
  let tok: Tokenizer;
  const t0 = process.hrtime.bigint();
  try { tok = Tokenizer.fromGguf(file); } finally { file.close(); }
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const prompt = benchPrompt(new Tokenizer(tok.vocab.data));
  const bytes = Buffer.byteLength(prompt, 'utf8');

  let ids: number[] = [];
  const cold = time(() => { ids = tok.encode(prompt); }, 1)[0];
  const tokMs = spread(time(() => { ids = tok.encode(prompt); }, reps));
  let text = '';
  const streamMs = spread(time(() => { const d = tok.streamDecoder(); text = ''; for (const id of ids) text += d.push(id); text += d.flush(); }, reps));
  if (text !== prompt) throw new Error('tokenizer bench: streamed text differs from the prompt');
  const detokMs = spread(time(() => { tok.decode(ids); }, reps));
  const cairn: TokenizerSideResult = {
    tokenizeColdMs: cold, tokenizeMs: tokMs, tokenizeMBps: bytes / 1e6 / (tokMs.median / 1e3),
    streamDetokenizeMs: streamMs, detokenizeMs: detokMs,
  };

  let llama: TokenizerBenchResult['llama'];
  let idsMatch: boolean | null = null;
  try {
    const { getOracleLlama } = await import('../test-support/llama/oracle.js');
    const l = await getOracleLlama();
    const model = await l.loadModel({ modelPath: path, vocabOnly: true });
    try {
      let lids: number[] = [];
      const lcold = time(() => { lids = Array.from(model.tokenize(prompt, false) as number[]); }, 1)[0];
      const ltok = spread(time(() => { lids = Array.from(model.tokenize(prompt, false) as number[]); }, reps));
      idsMatch = lids.length === ids.length && lids.every((v, k) => v === ids[k]);
      let streamed = '';
      const lstream = spread(time(() => { streamed = ''; for (const id of lids) streamed += model.detokenize([id], false); }, reps));
      void streamed;
      const ldetok = spread(time(() => { model.detokenize(lids, false); }, reps));
      llama = { tokenizeColdMs: lcold, tokenizeMs: ltok, tokenizeMBps: bytes / 1e6 / (ltok.median / 1e3), streamDetokenizeMs: lstream, detokenizeMs: ldetok };
    } finally {
      await model.dispose();
    }
  } catch (e) {
    llama = { error: `llama.cpp oracle unavailable: ${(e as Error).message}` };
  }
  return { name: 'tokenizer', vocab: `Llama 3.2 (${tok.size} tokens, gpt2/${tok.vocab.pre})`, promptBytes: bytes, promptTokens: ids.length, loadMs, cairn, llama, idsMatch };
}

export function formatTokenizerBench(r: TokenizerBenchResult): string {
  const side = (name: string, s: TokenizerSideResult | { error: string }) => 'error' in s ? `  ${name.padEnd(9)} ${s.error}` :
    `  ${name.padEnd(9)} tokenize ${s.tokenizeMs.median.toFixed(2)} ms (${s.tokenizeMBps.toFixed(1)} MB/s; first run ${s.tokenizeColdMs.toFixed(2)} ms)` +
    `   stream-detokenize ${s.streamDetokenizeMs.median.toFixed(2)} ms   detokenize ${s.detokenizeMs.median.toFixed(2)} ms`;
  return [`tokenizer: ${r.vocab}, prompt ${r.promptTokens} tokens / ${(r.promptBytes / 1024).toFixed(1)} KiB, load ${r.loadMs.toFixed(0)} ms, ids match llama.cpp: ${r.idsMatch}`,
    side('cairn', r.cairn), side('llama.cpp', r.llama)].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchTokenizer().then((r) => { console.log(formatTokenizerBench(r)); process.exit(0); }, (e) => { console.error(e); process.exit(1); });
}
