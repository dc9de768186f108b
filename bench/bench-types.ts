// bench-types.ts — the files `npm run bench` measures: Llama-3.2-1B shapes with random weights.
import { llama32_1bConfig, type LlamaConfig, type LlamaPreset } from '../test-support/llama-builder.js';

/** A preset, or 'q4_k': Q4_K in every matrix (the tied embedding / output, attn_v and ffn_down too),
 * the K-quant decode kernel alone, beside Q4_K_M's mix of Q4_K and Q6_K (llama-quantize's rules). */
export type BenchType = LlamaPreset | 'q4_k';

export function benchConfig(t: BenchType): LlamaConfig {
  if (t !== 'q4_k') return llama32_1bConfig(t);
  return llama32_1bConfig('q4_k_m', { name: 'llama-3.2-1b-random-q4_k', types: { token_embd: 'q4_K', attn_v: 'q4_K', ffn_down: 'q4_K' } });
}
