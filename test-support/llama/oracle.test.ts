// Proves that the builder's random llama GGUF files load in llama.cpp (node-llama-cpp 3.21.1)
// for every weight preset, tied/untied output, with and without rope_freqs, and that the oracle
// returns full-vocabulary log-probability rows and greedy tokens.
import { afterAll, describe, expect, it } from 'vitest';
import { cachedLlamaModel, LLAMA_PRESETS, planLlamaTensors, tinyConfig, type LlamaConfig, type TinyShape } from '../llama-builder.js';
import { GGML_TYPE, ggmlTypeName } from '../../electron/engine/ggml-types.js';
import { llamaDisposeAll, llamaGreedyDetailed, llamaLoad, llamaLogits, llamaTokenize } from './oracle.js';

afterAll(async () => { await llamaDisposeAll(); });

const PROMPT = [5, 17, 300, 42, 99, 250, 7, 128, 64, 1, 200, 33];

function rowStats(row: Float32Array) {
  let max = -Infinity, lse = 0, mean = 0;
  for (const v of row) if (v > max) max = v;
  for (const v of row) { lse += Math.exp(v - max); mean += v; }
  mean /= row.length;
  let varr = 0;
  for (const v of row) varr += (v - mean) ** 2;
  return { max, logSumExp: max + Math.log(lse), std: Math.sqrt(varr / row.length) };
}

interface Case { name: string; cfg: LlamaConfig }
const cases: Case[] = [];
for (const preset of LLAMA_PRESETS) {
  const k = preset.includes('_k');
  const shapeA: TinyShape = 'tiny-hd64-gqa4';
  const shapeB: TinyShape = k ? 'tiny-hd128' : 'tiny-hd32';
  cases.push({ name: `${preset} ${shapeA} tied rope_freqs`, cfg: tinyConfig(shapeA, preset, { tiedOutput: true, ropeFreqs: true, seed: 11 }) });
  cases.push({ name: `${preset} ${shapeB} untied`, cfg: tinyConfig(shapeB, preset, { tiedOutput: false, ropeFreqs: false, seed: 12 }) });
}

describe('llama.cpp oracle on builder models', () => {
  it('tensor plans use the preset types (llama-quantize rules)', () => {
    const plan = planLlamaTensors(tinyConfig('tiny-hd64-gqa4', 'q4_k_m', { nLayer: 8, tiedOutput: true }));
    const t = (n: string) => ggmlTypeName(plan.find((p) => p.name === n)!.type);
    expect(t('token_embd.weight')).toBe('q6_K'); // tied → output rules
    expect(t('blk.0.attn_v.weight')).toBe('q6_K');
    expect(t('blk.1.attn_v.weight')).toBe('q4_K');
    expect(t('blk.0.ffn_down.weight')).toBe('q6_K');
    expect(t('blk.3.ffn_down.weight')).toBe('q6_K'); // (3 - 1) % 3 == 2
    expect(t('blk.7.ffn_down.weight')).toBe('q6_K');
    expect(t('blk.2.ffn_gate.weight')).toBe('q4_K');
    expect(plan.find((p) => p.name === 'blk.0.attn_norm.weight')!.type).toBe(GGML_TYPE.F32);
    const untied = planLlamaTensors(tinyConfig('tiny-hd32', 'q4_0', { tiedOutput: false }));
    expect(ggmlTypeName(untied.find((p) => p.name === 'output.weight')!.type)).toBe('q8_0'); // Q6_K falls back: 128 % 256
    expect(ggmlTypeName(untied.find((p) => p.name === 'token_embd.weight')!.type)).toBe('q4_0');
  });

  for (const c of cases) {
    it(`loads and evaluates: ${c.name}`, async () => {
      const path = cachedLlamaModel(c.cfg);
      const model = await llamaLoad(path);
      expect(model).toBeTruthy();
      const nVocab = c.cfg.nVocab;
      const rows = await llamaLogits(path, PROMPT, { allPositions: true });
      expect(rows.length).toBe(PROMPT.length * nVocab);
      for (let r = 0; r < PROMPT.length; r++) {
        const row = rows.subarray(r * nVocab, (r + 1) * nVocab);
        const s = rowStats(row);
        expect(Number.isFinite(s.max)).toBe(true);
        expect(Math.abs(s.logSumExp)).toBeLessThan(1e-3); // rows are log-softmax
        expect(s.std).toBeGreaterThan(0.05);              // not degenerate
        expect(s.std).toBeLessThan(20);                    // no underflow of p
      }
      // The last row of a one-shot evaluation equals the last allPositions row (up to llama.cpp's
      // own kernel-path differences: 1 output row vs 12 take different matmul paths; bf16 ≈ 1e-3).
      const last = await llamaLogits(path, PROMPT);
      const a = rows.subarray((PROMPT.length - 1) * nVocab);
      let maxDiff = 0;
      for (let i = 0; i < nVocab; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - last[i]));
      expect(maxDiff).toBeLessThan(5e-3);

      const g = await llamaGreedyDetailed(path, PROMPT, 6);
      expect(g.tokens.length).toBe(6);
      // The first greedy token is the argmax of the last logits row.
      let arg = 0;
      for (let i = 1; i < nVocab; i++) if (last[i] > last[arg]) arg = i;
      if (g.margins[0] > 1e-3) expect(g.tokens[0]).toBe(arg);
    });
  }

  it('tokenizes text with the builder vocabulary', async () => {
    const path = cachedLlamaModel(tinyConfig('tiny-hd32', 'f16'));
    const toks = await llamaTokenize(path, 'hello world');
    expect(toks.length).toBeGreaterThan(0);
    expect(toks.length).toBeLessThan(11);
  });
});
