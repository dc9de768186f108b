// tokenizer-train.ts — trains the byte-level BPE vocabulary of the built-in model.
//
//   node dist/model/tokenizer-train.js [--corpus build/corpus/train.jsonl] [--vocab 8192] [--out build/tokenizer/tokenizer.json]
//
// Words come from the engine's own llama-bpe pre-tokenizer (llama.cpp's Llama 3 split), byte-encoded
// with the GPT-2 map, so the vocabulary is exactly what `tokenizer.ggml.pre = llama-bpe` will see.
// Classic BPE: repeatedly merge the most frequent adjacent pair (ties: the smaller pair string).
// Vocabulary = 256 byte tokens (byte order) + merges + Llama 3's special tokens (CONTROL) at the end.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { preTokenizer, pretokenize } from '../electron/engine/tokenizer/pretokenize.js';
import { BYTE_TO_CHAR, byteEncode } from '../electron/engine/tokenizer/unicode.js';
import { SPECIAL_TOKENS } from './template.js';

export interface TrainedTokenizer { tokens: string[]; types: number[]; merges: string[]; bos: number; eos: number; eot: number }

export function trainBpe(texts: Iterable<string>, vocabSize: number): TrainedTokenizer {
  const pre = preTokenizer('llama-bpe');
  const wordFreq = new Map<string, number>();
  for (const t of texts) for (const w of pretokenize(t, pre)) { const b = byteEncode(w); wordFreq.set(b, (wordFreq.get(b) ?? 0) + 1); }

  const tokens: string[] = BYTE_TO_CHAR.slice();
  const idOf = new Map<string, number>(tokens.map((t, i) => [t, i]));
  const words: number[][] = [], freqs: number[] = [];
  for (const [w, f] of [...wordFreq.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) { words.push([...w].map((c) => idOf.get(c)!)); freqs.push(f); }

  const K = 1 << 16;
  const pairCount = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: number) => {
    const s = words[wi], f = freqs[wi] * sign;
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i] * K + s[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + f);
      if (sign > 0) { let set = pairWords.get(key); if (!set) pairWords.set(key, (set = new Set())); set.add(wi); }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);

  const merges: string[] = [];
  const nMerges = vocabSize - 256 - SPECIAL_TOKENS.length;
  while (merges.length < nMerges) {
    let best = -1, bestCount = 0, bestStr = '';
    for (const [key, c] of pairCount) {
      if (c <= 0 || c < bestCount) continue;
      const str = tokens[Math.floor(key / K)] + ' ' + tokens[key % K];
      if (c > bestCount || str < bestStr) { best = key; bestCount = c; bestStr = str; }
    }
    if (best < 0 || bestCount < 2) break;
    const a = Math.floor(best / K), b = best % K;
    const merged = tokens[a] + tokens[b];
    const id = tokens.length;
    tokens.push(merged); idOf.set(merged, id); merges.push(bestStr);
    for (const wi of pairWords.get(best) ?? []) {
      const s = words[wi];
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) { has = true; break; }
      if (!has) continue;
      addPairs(wi, -1);
      const ns: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) { ns.push(id); i++; } else ns.push(s[i]);
      }
      words[wi] = ns;
      addPairs(wi, 1);
    }
    pairCount.delete(best); pairWords.delete(best);
  }
  // pad with unused-merge-free filler is not needed: the vocabulary is just smaller if the corpus runs out
  const types = new Array<number>(tokens.length).fill(1);
  const base = tokens.length;
  for (const s of SPECIAL_TOKENS) { tokens.push(s); types.push(3); }
  const sid = (s: string) => base + SPECIAL_TOKENS.indexOf(s as (typeof SPECIAL_TOKENS)[number]);
  return { tokens, types, merges, bos: sid('<|begin_of_text|>'), eos: sid('<|eot_id|>'), eot: sid('<|eot_id|>') };
}

/** Every text the model will see between special tokens (contents, role names, the "\n\n"). */
export function* corpusTexts(jsonl: string): Generator<string> {
  for (const line of jsonl.split('\n')) {
    if (!line) continue;
    for (const m of (JSON.parse(line) as { messages: { role: string; content: string }[] }).messages) { yield m.role; yield '\n\n' + m.content.trim(); }
  }
}

function arg(name: string, def: string): string { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; }

function main() {
  const corpus = resolve(arg('--corpus', 'build/corpus/train.jsonl'));
  const vocab = Number(arg('--vocab', '8192'));
  const out = resolve(arg('--out', 'build/tokenizer/tokenizer.json'));
  const t0 = Date.now();
  const tok = trainBpe(corpusTexts(readFileSync(corpus, 'utf8')), vocab);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(tok));
  console.log(`tokenizer: ${tok.tokens.length} tokens (${tok.merges.length} merges) in ${((Date.now() - t0) / 1000).toFixed(1)} s → ${out}`);
}

if (process.argv[1]?.endsWith('tokenizer-train.js')) main();
