// Oracle tests: Cairn's tokenizer against llama.cpp's (node-llama-cpp 3.21.1) on real vocabularies,
// loaded vocab-only from the same GGUF files. Every string must give identical ids (with and without
// special-token parsing), and ids must detokenize to identical text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ensureOracleInstalled, getOracleLlama } from '../../../test-support/llama/oracle.js';
import { GgufFile } from '../gguf.js';
import { Tokenizer } from './index.js';
import { HARD_STRINGS, randomStrings } from '../../../test-support/tokenizer/corpus.js';
import { llama32Gguf, llamaCppVocab, writeVocabGguf, FIXTURE_DIR } from '../../../test-support/tokenizer/fixtures.js';
import { vocabDataFromGguf } from './vocab.js';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/* eslint-disable @typescript-eslint/no-explicit-any */
// name → how to get the file; `pre` is what the file declares (checked below)
const VOCABS: { name: string; path: () => string; pre: string }[] = [
  { name: 'llama-3.2 (lenml → GgufWriter)', path: llama32Gguf, pre: 'llama-bpe' },
  { name: 'llama-spm (Llama 2)', path: () => llamaCppVocab('llama-spm'), pre: 'spm' },
  { name: 'phi-3 (SPM)', path: () => llamaCppVocab('phi-3'), pre: 'spm' },
  { name: 'qwen2', path: () => llamaCppVocab('qwen2'), pre: 'qwen2' },
  { name: 'gpt-2', path: () => llamaCppVocab('gpt-2'), pre: 'gpt-2' },
  { name: 'starcoder (smollm regex)', path: () => llamaCppVocab('starcoder'), pre: 'starcoder' },
  { name: 'llama-bpe (Llama 3)', path: () => llamaCppVocab('llama-bpe'), pre: 'llama-bpe' },
  { name: 'Llama 2 SPM rewritten by GgufWriter', path: () => rewrite('llama-spm'), pre: 'spm' },
  { name: 'tiny SPM, mostly byte fallback (GgufWriter)', path: tinySpmGguf, pre: 'spm' },
];

/** Read a vocabulary with GgufFile and write it back with GgufWriter (exercises both on SPM data). */
function rewrite(name: string): string {
  const out = join(FIXTURE_DIR, `rewritten-${name}.gguf`);
  if (!existsSync(out)) {
    const g = GgufFile.open(llamaCppVocab(name));
    try { writeVocabGguf(out, vocabDataFromGguf(g)); } finally { g.close(); }
  }
  return out;
}

/** 259 tokens: <unk>, <s>, </s>, the 256 <0xXX> byte tokens, and a few scored pieces. */
function tinySpmGguf(): string {
  const out = join(FIXTURE_DIR, 'tiny-spm.gguf');
  const tokens = ['<unk>', '<s>', '</s>'];
  const types = [2, 3, 3];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) { tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`); types.push(6); scores.push(0); }
  const pieces = ['▁', 'e', 't', 'a', 'o', 'n', '▁t', 'he', '▁the', 'in', '▁a', 'er', '▁w', 'or', 'ld', '▁wor', '▁world', 'H', 'el', 'lo', '▁H', '▁Hel', '▁Hello', '日', '本', '🎉', '▁▁', '▁▁▁▁'];
  pieces.forEach((p, i) => { tokens.push(p); types.push(1); scores.push(-i - 1 + (p.length > 2 ? 5 : 0)); });
  writeVocabGguf(out, { model: 'llama', tokens, types, scores, bos: 1, eos: 2, unk: 0, addBos: true, addEos: false, name: 'tiny-spm' });
  return out;
}

/** llama.cpp's own tokenizer test inputs (models/ggml-vocab-*.gguf.inp) from the same bundle. */
function llamaCppInputs(): string[] {
  llamaCppVocab('llama-spm');
  const repo = join(FIXTURE_DIR, 'llama.cpp.git');
  const head = readFileSync(join(repo, 'cairn-head'), 'utf8').trim();
  const r = spawnSync('git', ['show', `${head}:models/ggml-vocab-llama-bpe.gguf.inp`], { cwd: repo, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n__ggml_vocab_test__\n').filter((s) => s !== '') : [];
}

let llama: any;
const corpus: string[] = [];
const stats = { strings: 0, checks: 0, mismatches: 0 };

beforeAll(async () => {
  ensureOracleInstalled();
  llama = await getOracleLlama();
  corpus.push(...HARD_STRINGS, ...llamaCppInputs(), ...randomStrings(300));
});

afterAll(() => {
  console.log(`[tokenizer oracle] ${stats.strings} strings × vocabularies, ${stats.checks} comparisons, ${stats.mismatches} mismatches ` +
    `(${(100 * (1 - stats.mismatches / Math.max(1, stats.checks))).toFixed(3)} % agreement)`);
});

describe.each(VOCABS)('tokenizer = llama.cpp on $name', ({ path, pre }) => {
  let file: string, tok: Tokenizer, model: any;
  beforeAll(async () => {
    file = path();
    const g = GgufFile.open(file);
    try { tok = Tokenizer.fromGguf(g); } finally { g.close(); }
    model = await llama.loadModel({ modelPath: file, vocabOnly: true });
    expect(tok.vocab.type === 'spm' ? 'spm' : tok.vocab.pre).toBe(pre);
  });
  afterAll(async () => { await model?.dispose(); });

  it('tokenizes and detokenizes the corpus exactly as llama.cpp', () => {
    const bad: string[] = [];
    const cmp = (what: string, text: string, ours: unknown, theirs: unknown) => {
      stats.checks++;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        stats.mismatches++;
        if (bad.length < 10) bad.push(`${what} ${JSON.stringify(text)}\n  ours   ${JSON.stringify(ours)}\n  llama  ${JSON.stringify(theirs)}`);
      }
    };
    for (const text of corpus) {
      stats.strings++;
      for (const special of [false, true]) {
        const ours = tok.encode(text, { parseSpecial: special });
        const theirs = text === '' ? [] : Array.from(model.tokenize(text, special) as number[]);
        cmp(`tokenize(special=${special})`, text, ours, theirs);
        cmp(`detokenize(special=${special})`, text, tok.decode(theirs, { special }), model.detokenize(theirs, special));
      }
      // without clean_spaces, plain text round-trips exactly
      const ids = tok.encode(text);
      const back = tok.decode(ids, { cleanSpaces: false });
      stats.checks++;
      const spmSpace = tok.vocab.type === 'spm' && text.includes('\u2581'); // ▁ is a space in SPM text
      if (back !== text && !spmSpace) {
        stats.mismatches++;
        bad.push(`round trip ${JSON.stringify(text)} → ${JSON.stringify(back)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('agrees on BOS/EOS, add_bos and every end-of-generation id', () => {
    expect(tok.bos).toBe(model.tokens.bos ?? -1);
    expect(tok.eos).toBe(model.tokens.eos ?? -1);
    expect(tok.addBos).toBe(model.tokens.shouldPrependBosToken);
    const eog: number[] = [];
    for (let id = 0; id < tok.size; id++) if (model.isEogToken(id)) eog.push(id);
    expect(tok.stopTokens).toEqual(eog);
  });
});
