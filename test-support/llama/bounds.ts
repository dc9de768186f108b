// bounds.ts — how far Cairn's logits may be from llama.cpp's (the oracle), and why.
//
// llama.cpp's rows are log-softmax (logits minus a per-row constant, see
// oracle.ts), so rows are compared after subtracting their max, and errors are
// measured relative to the row's standard deviation σ (≈ 1 for these models).
//  - Row 0 (one key: its softmax weight is exactly 1) exercises embeddings, norms, every matmul
//    with its activation quantization, the V path and the output; for f32 and quantized weights
//    the engines agree there to float reassociation, so row 0 must match to 1e-4 σ (measured
//    ≤ 3.1e-6 σ).
//  - f16 and bf16 weights: llama.cpp may round each matmul input to the weight's type before its
//    dot products (bf16: every build; f16: every CPU build but the AMX one, sapphirerapids, see
//    cpu-variant.ts; Cairn keeps f32 activations). With unit roundoff u (2^-11 for f16, 2^-8 for
//    bf16), one rounding site adds a relative error of RMS u/√3 to the product (independent per
//    element, so it does not grow with the row length); a logit collects it from 4 sites per
//    layer (attention input and output, FFN input and hidden) plus the output matmul:
//    RMS e(u, L) = √(4L+1)·u/√3 σ (f16: 8.5e-4 σ for L = 2). Row 0: the max over a vocabulary of
//    ≤ 10^5 logits is ≤ 4.5 RMS (Gaussian tail); bound 3 × 4.5·e (measured f16 1.9–2.9e-3 σ on
//    llama.cpp's haswell and zen4 builds, 2e-6 σ on sapphirerapids; bf16 1.2–1.7e-2 σ). Rows ≥ 1:
//    the attention over several keys amplifies those errors (both q and k carry them); measured
//    RMS ≈ 2–3 e, so A = 3: bounds add 3 × 4.5·A·e to the max and 3 × 0.8·A·e (0.8 RMS: the mean
//    |x| of a Gaussian) to the mean (measured f16 max 7.1e-3 / mean 3.2e-3 σ, bf16 4.4e-2 /
//    2.1e-2 σ for L = 2–3).
//  - Rows ≥ 1 differ by construction: llama.cpp (no flash attention) rounds Q to f16 for the f16-K
//    dot products and the softmax weights to f16 for the f16-V product; Cairn keeps both in f32.
//    That is ~1e-3 σ for float weights (measured f32 ≤ 3.3e-3 σ max); f16 and bf16 add the
//    activation-rounding terms above.
//    For quantized weights the activations are quantized to q8_0/q8_1/q8_K in both engines, and
//    q8 rounding amplifies any tiny upstream difference (an input near a rounding boundary flips
//    one step = amax/127 of its block) until it saturates at the q8 activation noise, ~0.6 % of an
//    activation per matmul; through the layers that is up to ~0.4 σ on single logits (measured
//    max 0.41 σ, mean 0.14 σ for q4_k_m). Unrelated rows (a real bug: wrong RoPE pairing, GQA
//    mapping, scale) give mean |Δ| ≈ 1.1 σ. Bounds: max / mean |Δ| per row, in σ —
//    float 0.01 / 0.003 (f16, bf16: plus the terms above; for L = 2, f16 0.044 / 0.0091,
//    bf16 0.28 / 0.052), quantized 0.75 / 0.25.

/** RMS error (× σ) of a logit from rounding every matmul input to unit roundoff u, through nLayer layers. */
const actRms = (u: number, nLayer: number) => (Math.sqrt(4 * nLayer + 1) * u) / Math.sqrt(3);
/** Rows ≥ 1: the attention's amplification of those errors (measured 2–3). */
const ATTN = 3;

export interface OracleBounds {
  /** max |Δ| / σ of row 0 (one key) */
  row0: number;
  /** max |Δ| / σ of any row ≥ 1 */
  max: number;
  /** mean |Δ| / σ of any row ≥ 1 */
  mean: number;
}

/** The bounds for a model of weight preset `preset` (f32, f16, bf16, q8_0, q4_k_m, …) with nLayer layers. */
export function oracleBounds(preset: string, nLayer: number): OracleBounds {
  if (preset === 'f16' || preset === 'bf16') {
    const e = actRms(preset === 'f16' ? 2 ** -11 : 2 ** -8, nLayer);
    return { row0: 3 * 4.5 * e, max: 0.01 + 3 * 4.5 * ATTN * e, mean: 0.003 + 3 * 0.8 * ATTN * e };
  }
  if (preset === 'f32') return { row0: 1e-4, max: 0.01, mean: 0.003 };
  return { row0: 1e-4, max: 0.75, mean: 0.25 };  // quantized weights
}
