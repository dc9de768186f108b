import { describe, expect, it } from 'vitest';
import { GGML_TYPE, rowBytes } from '../electron/engine/ggml-types.js';
import { bf16ToF32, dequantize, f16ToF32, f32ToBf16, f32ToF16, quantizeQ4_0, quantizeQ8_0, randomTensorBytes, Rng } from './quantize.js';

describe('quantize', () => {
  it('f32 → f16 rounds to nearest even and round-trips every half', () => {
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(65520)).toBe(0x7c00);            // ties to even → inf
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00);     // tie → even (down)
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(f32ToF16(2 ** -25)).toBe(0);              // half the smallest subnormal → 0
    expect(f32ToF16(1.5 * 2 ** -24)).toBe(2);        // subnormal tie → even
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(NaN) & 0x7c00).toBe(0x7c00);
    for (let h = 0; h < 0x10000; h++) {
      const v = f16ToF32(h);
      if (!Number.isNaN(v)) expect(f32ToF16(v)).toBe(h);
    }
  });

  it('bf16 rounds to nearest even', () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(bf16ToF32(f32ToBf16(3.140625))).toBe(3.140625);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80);          // tie → even
    expect(f32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });

  it('q8_0 and q4_0 follow ggml reference quantization', () => {
    const x = new Float32Array(64);
    for (let i = 0; i < 64; i++) x[i] = Math.sin(i * 0.7) * (i < 32 ? 1 : 100);
    const q8 = quantizeQ8_0(x);
    expect(q8.length).toBe(68);
    const y8 = dequantize(GGML_TYPE.Q8_0, q8, 64);
    for (let i = 0; i < 64; i++) expect(Math.abs(y8[i] - x[i])).toBeLessThanOrEqual((i < 32 ? 1 : 100) / 127);
    // the largest magnitude maps to ±127
    expect(Math.max(...Array.from(new Int8Array(q8.buffer, 2, 32)).map(Math.abs))).toBe(127);
    const q4 = quantizeQ4_0(x);
    expect(q4.length).toBe(36);
    const y4 = dequantize(GGML_TYPE.Q4_0, q4, 64);
    for (let i = 0; i < 64; i++) expect(Math.abs(y4[i] - x[i])).toBeLessThanOrEqual((i < 32 ? 1 : 100) / 8 + 1e-3); // d/2, or d where +max clamps to 15
  });

  it('random blocks of every type are valid and have the requested spread', () => {
    for (const t of [GGML_TYPE.F32, GGML_TYPE.F16, GGML_TYPE.BF16, GGML_TYPE.Q4_0, GGML_TYPE.Q4_1, GGML_TYPE.Q5_0, GGML_TYPE.Q5_1,
      GGML_TYPE.Q8_0, GGML_TYPE.Q4_K, GGML_TYPE.Q5_K, GGML_TYPE.Q6_K]) {
      const n = 256 * 64;
      const a = randomTensorBytes(t, n, new Rng(5), { std: 0.03 });
      const b = randomTensorBytes(t, n, new Rng(5), { std: 0.03 });
      expect(a.length).toBe(rowBytes(t, n));
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true); // seeded
      const y = dequantize(t, a, n);
      let s = 0, s2 = 0;
      for (const v of y) { expect(Number.isFinite(v)).toBe(true); s += v; s2 += v * v; }
      const mean = s / n, std = Math.sqrt(s2 / n - mean * mean);
      expect(Math.abs(mean)).toBeLessThan(0.003);
      expect(std).toBeGreaterThan(0.02);
      expect(std).toBeLessThan(0.045);
      if (t === GGML_TYPE.Q8_0) for (let i = 0; i < n / 32; i++) expect(Array.from(a.subarray(i * 34 + 2, i * 34 + 34))).not.toContain(0x80);
    }
  });
});
