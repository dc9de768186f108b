// quantize.ts — float → ggml tensor bytes, and seeded random ggml blocks for building test models.
//
// Quantizers (F32, F16, BF16, Q8_0, Q4_0) follow ggml's reference C code step by step, with
// float32 rounding at every step (Math.fround), so their bytes equal ggml's
// (`quantize_row_q8_0_ref`, `quantize_row_q4_0_ref`, `GGML_FP32_TO_FP16` = round-to-nearest-even,
// `ggml_compute_fp32_to_bf16`).
//
// Random generators produce valid blocks of every weight type the engine reads, with bit-exact
// ggml layouts (see native/src/quants-impl.h). Quant bits are uniform random; scales are drawn
// so that an element has mean ≈ 0 and standard deviation ≈ `std`, so random-weight models keep
// their activations O(1) when `std` ≈ 1/sqrt(row length).

import { GGML_TYPE, ggmlType, rowBytes } from '../electron/engine/ggml-types.js';

// ---- seeded PRNG ---------------------------------------------------------------------------

/** xoshiro128** — small, fast, good enough; deterministic for a given seed. */
export class Rng {
  private a: number; private b: number; private c: number; private d: number;
  private spare: number | null = null;

  constructor(seed: number | string = 1) {
    // splitmix32 over the seed (strings hashed with FNV-1a) to fill the state.
    let s = typeof seed === 'string' ? fnv1a(seed) : (seed >>> 0) ^ 0x9e3779b9;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next(); this.b = next(); this.c = next(); this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Uniform uint32. */
  u32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a; this.d ^= this.b; this.b ^= this.c; this.a ^= this.d;
    this.c ^= t; this.d = rotl(this.d, 11);
    return r >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number { return this.u32() / 4294967296; }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number { return lo + Math.floor(this.float() * (hi - lo + 1)); }

  /** Standard normal (Box–Muller). */
  normal(): number {
    if (this.spare !== null) { const v = this.spare; this.spare = null; return v; }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fills `out` with uniform random bytes. */
  fillBytes(out: Uint8Array): void {
    const n4 = out.length >>> 2;
    if (n4 > 0) {
      // Aligned fast path when possible; otherwise byte by byte.
      if ((out.byteOffset & 3) === 0) {
        const w = new Uint32Array(out.buffer, out.byteOffset, n4);
        for (let i = 0; i < n4; i++) w[i] = this.u32();
      } else {
        for (let i = 0; i < n4; i++) {
          const r = this.u32();
          out[4 * i] = r & 255; out[4 * i + 1] = (r >>> 8) & 255; out[4 * i + 2] = (r >>> 16) & 255; out[4 * i + 3] = r >>> 24;
        }
      }
    }
    for (let i = n4 * 4; i < out.length; i++) out[i] = this.u32() & 255;
  }
}

function rotl(x: number, k: number): number { return (x << k) | (x >>> (32 - k)); }

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); }
  return h >>> 0;
}

// ---- scalar conversions --------------------------------------------------------------------

const cf32 = new Float32Array(1);
const cu32 = new Uint32Array(cf32.buffer);

/** float → IEEE half, round to nearest even (ggml's GGML_FP32_TO_FP16). NaN stays NaN, overflow → ±inf. */
export function f32ToF16(value: number): number {
  cf32[0] = value;
  const x = cu32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;                  // below half the smallest subnormal → ±0
    const m = mant | 0x800000;
    const shift = 14 - e;                      // 14..24
    const half = 1 << (shift - 1);
    const rem = m & ((1 << shift) - 1);
    let h = m >>> shift;
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;                           // h may carry into the smallest normal: correct
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // may carry to inf: correct
  return sign | h;
}

/** IEEE half → float. */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** float → bfloat16 (ggml_compute_fp32_to_bf16: round to nearest even, NaN quieted). */
export function f32ToBf16(value: number): number {
  cf32[0] = value;
  const u = cu32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 64) & 0xffff;
  return ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16) & 0xffff;
}

export function bf16ToF32(h: number): number {
  cu32[0] = (h & 0xffff) << 16;
  return cf32[0];
}

/** C's roundf: half away from zero (v is a float32 value, so |v| + 0.5 is exact in double). */
function roundf(v: number): number { return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5); }

// ---- quantizers (ggml reference) -------------------------------------------------------------

export function quantizeF32(x: ArrayLike<number>): Uint8Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i];
  return new Uint8Array(out.buffer);
}

export function quantizeF16(x: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(x.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) dv.setUint16(2 * i, f32ToF16(x[i]), true);
  return out;
}

export function quantizeBF16(x: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(x.length * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < x.length; i++) dv.setUint16(2 * i, f32ToBf16(x[i]), true);
  return out;
}

/** quantize_row_q8_0_ref: d = amax/127, q = roundf(x/d). */
export function quantizeQ8_0(x: ArrayLike<number>): Uint8Array {
  const qk = 32;
  if (x.length % qk !== 0) throw new Error('q8_0: length must be a multiple of 32');
  const nb = x.length / qk;
  const out = new Uint8Array(nb * 34);
  const dv = new DataView(out.buffer);
  const fr = Math.fround;
  for (let i = 0; i < nb; i++) {
    let amax = 0;
    for (let j = 0; j < qk; j++) { const v = Math.abs(fr(x[i * qk + j])); if (v > amax) amax = v; }
    const d = fr(amax / 127);
    const id = d ? fr(1 / d) : 0;
    const o = i * 34;
    dv.setUint16(o, f32ToF16(d), true);
    for (let j = 0; j < qk; j++) dv.setInt8(o + 2 + j, roundf(fr(fr(x[i * qk + j]) * id)));
  }
  return out;
}

/** quantize_row_q4_0_ref: d = max/-8 (max = the element of largest magnitude, with its sign). */
export function quantizeQ4_0(x: ArrayLike<number>): Uint8Array {
  const qk = 32;
  if (x.length % qk !== 0) throw new Error('q4_0: length must be a multiple of 32');
  const nb = x.length / qk;
  const out = new Uint8Array(nb * 18);
  const dv = new DataView(out.buffer);
  const fr = Math.fround;
  for (let i = 0; i < nb; i++) {
    let amax = 0, max = 0;
    for (let j = 0; j < qk; j++) {
      const v = fr(x[i * qk + j]);
      if (amax < Math.abs(v)) { amax = Math.abs(v); max = v; }
    }
    const d = fr(max / -8);
    const id = d ? fr(1 / d) : 0;
    const o = i * 18;
    dv.setUint16(o, f32ToF16(d), true);
    for (let j = 0; j < qk / 2; j++) {
      const x0 = fr(fr(x[i * qk + j]) * id);
      const x1 = fr(fr(x[i * qk + qk / 2 + j]) * id);
      // (int8_t)(x + 8.5f): truncation toward zero, then MIN(15, …)
      const xi0 = Math.min(15, Math.trunc(fr(x0 + 8.5)));
      const xi1 = Math.min(15, Math.trunc(fr(x1 + 8.5)));
      out[o + 2 + j] = (xi0 & 15) | ((xi1 & 15) << 4);
    }
  }
  return out;
}

/** Quantizes floats to one of the types that have a reference quantizer here. */
export function quantize(type: number, x: ArrayLike<number>): Uint8Array {
  switch (type) {
    case GGML_TYPE.F32: return quantizeF32(x);
    case GGML_TYPE.F16: return quantizeF16(x);
    case GGML_TYPE.BF16: return quantizeBF16(x);
    case GGML_TYPE.Q8_0: return quantizeQ8_0(x);
    case GGML_TYPE.Q4_0: return quantizeQ4_0(x);
    default: throw new Error(`no quantizer for type ${ggmlType(type).name}`);
  }
}

// ---- reference dequantization (for tests and inspection) -------------------------------------

function scaleMinK4(j: number, q: Uint8Array, o: number): [number, number] {
  if (j < 4) return [q[o + j] & 63, q[o + j + 4] & 63];
  return [(q[o + j + 4] & 0xf) | ((q[o + j - 4] >> 6) << 4), (q[o + j + 4] >> 4) | ((q[o + j] >> 6) << 4)];
}

/** Dequantizes n elements of `type` from `src` (ggml's dequantize_row_* math, in float32). */
export function dequantize(type: number, src: Uint8Array, n: number): Float32Array {
  const fr = Math.fround;
  const out = new Float32Array(n);
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const h = (o: number) => f16ToF32(dv.getUint16(o, true));
  const nb = n / ggmlType(type).blck;
  switch (type) {
    case GGML_TYPE.F32: for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true); break;
    case GGML_TYPE.F16: for (let i = 0; i < n; i++) out[i] = h(2 * i); break;
    case GGML_TYPE.BF16: for (let i = 0; i < n; i++) out[i] = bf16ToF32(dv.getUint16(2 * i, true)); break;
    case GGML_TYPE.Q4_0:
      for (let i = 0; i < nb; i++) {
        const o = i * 18, d = h(o);
        for (let j = 0; j < 16; j++) {
          const b = src[o + 2 + j];
          out[i * 32 + j] = fr(((b & 15) - 8) * d); out[i * 32 + j + 16] = fr(((b >> 4) - 8) * d);
        }
      }
      break;
    case GGML_TYPE.Q4_1:
      for (let i = 0; i < nb; i++) {
        const o = i * 20, d = h(o), m = h(o + 2);
        for (let j = 0; j < 16; j++) {
          const b = src[o + 4 + j];
          out[i * 32 + j] = fr(fr((b & 15) * d) + m); out[i * 32 + j + 16] = fr(fr((b >> 4) * d) + m);
        }
      }
      break;
    case GGML_TYPE.Q5_0:
    case GGML_TYPE.Q5_1: {
      const has_m = type === GGML_TYPE.Q5_1;
      const bs = has_m ? 24 : 22;
      for (let i = 0; i < nb; i++) {
        const o = i * bs, d = h(o), m = has_m ? h(o + 2) : 0;
        const qhO = o + (has_m ? 4 : 2);
        const qh = dv.getUint32(qhO, true);
        for (let j = 0; j < 16; j++) {
          const b = src[qhO + 4 + j];
          const q0 = (b & 15) | (((qh >>> j) & 1) << 4);
          const q1 = (b >> 4) | (((qh >>> (j + 16)) & 1) << 4);
          if (has_m) { out[i * 32 + j] = fr(fr(q0 * d) + m); out[i * 32 + j + 16] = fr(fr(q1 * d) + m); }
          else { out[i * 32 + j] = fr((q0 - 16) * d); out[i * 32 + j + 16] = fr((q1 - 16) * d); }
        }
      }
      break;
    }
    case GGML_TYPE.Q8_0:
      for (let i = 0; i < nb; i++) {
        const o = i * 34, d = h(o);
        for (let j = 0; j < 32; j++) out[i * 32 + j] = fr(dv.getInt8(o + 2 + j) * d);
      }
      break;
    case GGML_TYPE.Q4_K:
    case GGML_TYPE.Q5_K: {
      const five = type === GGML_TYPE.Q5_K;
      const bs = five ? 176 : 144;
      for (let i = 0; i < nb; i++) {
        const o = i * bs, d = h(o), dmin = h(o + 2);
        const sc = o + 4, qh = o + 16, qs = five ? o + 48 : o + 16;
        let y = i * 256, is = 0, u1 = 1, u2 = 2;
        for (let j = 0; j < 256; j += 64) {
          const [s1, m1] = scaleMinK4(is, src, sc); const [s2, m2] = scaleMinK4(is + 1, src, sc);
          const d1 = fr(d * s1), mm1 = fr(dmin * m1), d2 = fr(d * s2), mm2 = fr(dmin * m2);
          const q = qs + j / 2;
          for (let l = 0; l < 32; l++) {
            const hb = five ? ((src[qh + l] & u1) ? 16 : 0) : 0;
            out[y++] = fr(fr(d1 * ((src[q + l] & 15) + hb)) - mm1);
          }
          for (let l = 0; l < 32; l++) {
            const hb = five ? ((src[qh + l] & u2) ? 16 : 0) : 0;
            out[y++] = fr(fr(d2 * ((src[q + l] >> 4) + hb)) - mm2);
          }
          is += 2; u1 <<= 2; u2 <<= 2;
        }
      }
      break;
    }
    case GGML_TYPE.Q6_K:
      for (let i = 0; i < nb; i++) {
        const o = i * 210, d = h(o + 208);
        let ql = o, qh = o + 128, sc = o + 192, y = i * 256;
        for (let nh = 0; nh < 256; nh += 128) {
          for (let l = 0; l < 32; l++) {
            const is = l >> 4;
            const q1 = ((src[ql + l] & 0xf) | (((src[qh + l] >> 0) & 3) << 4)) - 32;
            const q2 = ((src[ql + l + 32] & 0xf) | (((src[qh + l] >> 2) & 3) << 4)) - 32;
            const q3 = ((src[ql + l] >> 4) | (((src[qh + l] >> 4) & 3) << 4)) - 32;
            const q4 = ((src[ql + l + 32] >> 4) | (((src[qh + l] >> 6) & 3) << 4)) - 32;
            const s = (k: number) => dv.getInt8(sc + is + k);
            out[y + l] = fr(fr(d * s(0)) * q1);
            out[y + l + 32] = fr(fr(d * s(2)) * q2);
            out[y + l + 64] = fr(fr(d * s(4)) * q3);
            out[y + l + 96] = fr(fr(d * s(6)) * q4);
          }
          y += 128; ql += 64; qh += 32; sc += 8;
        }
      }
      break;
    default: throw new Error(`no dequantizer for type ${type}`);
  }
  return out;
}

// ---- random blocks ----------------------------------------------------------------------------

/** RMS of a uniform integer on [lo, hi] around `center`. */
function rmsUniformInt(lo: number, hi: number, center = 0): number {
  const n = hi - lo + 1;
  const mean = (lo + hi) / 2 - center;
  return Math.sqrt((n * n - 1) / 12 + mean * mean);
}

// K-quant sub-block scales are drawn from [SC_LO, 63]; mins follow the scales (see below).
const SC_LO = 16;
const RMS_SC6 = rmsUniformInt(SC_LO, 63);
// q6_K int8 scales: magnitude in [Q6_SC_LO, 127], random sign.
const Q6_SC_LO = 16;
const RMS_SC8 = rmsUniformInt(Q6_SC_LO, 127);

/** Packs 8 six-bit scales and 8 six-bit mins into q4_K/q5_K's 12 bytes (inverse of get_scale_min_k4). */
function packScalesK4(out: Uint8Array, o: number, sc: number[], mn: number[]): void {
  for (let j = 0; j < 4; j++) {
    out[o + j] = (sc[j] & 63) | ((sc[j + 4] >> 4) << 6);
    out[o + j + 4] = (mn[j] & 63) | ((mn[j + 4] >> 4) << 6);
    out[o + j + 8] = (sc[j + 4] & 15) | ((mn[j + 4] & 15) << 4);
  }
}

export interface RandomOptions {
  /** Target per-element standard deviation (default 0.02). */
  std?: number;
  /** Target per-element mean, for F32/F16/BF16 only (default 0; norms use 1). */
  mean?: number;
}

/**
 * `n` random elements of `type` as valid ggml bytes (n a multiple of the block size).
 * Quant bits are uniform; each block's f16 scale d is drawn from N(0, σ_d) (|N| where the type's
 * layout wants d ≥ 0: q4_1/q5_1/K-quants), σ_d chosen so the element std ≈ `std`.
 * Asymmetric types get mins that centre each (sub-)block on ≈ 0.
 */
export function randomTensorBytes(type: number, n: number, rng: Rng, opts: RandomOptions = {}): Uint8Array {
  const std = opts.std ?? 0.02;
  const mean = opts.mean ?? 0;
  const out = new Uint8Array(rowBytes(type, n));
  const dv = new DataView(out.buffer);
  const setH = (o: number, v: number) => dv.setUint16(o, f32ToF16(v), true);
  switch (type) {
    case GGML_TYPE.F32:
      for (let i = 0; i < n; i++) dv.setFloat32(4 * i, mean + std * rng.normal(), true);
      return out;
    case GGML_TYPE.F16:
      for (let i = 0; i < n; i++) dv.setUint16(2 * i, f32ToF16(mean + std * rng.normal()), true);
      return out;
    case GGML_TYPE.BF16:
      for (let i = 0; i < n; i++) dv.setUint16(2 * i, f32ToBf16(mean + std * rng.normal()), true);
      return out;
  }
  if (mean !== 0) throw new Error('randomTensorBytes: a non-zero mean is only supported for float types');
  rng.fillBytes(out);
  const nb = out.length / ggmlType(type).size;
  switch (type) {
    case GGML_TYPE.Q4_0: { // x = (q - 8) d
      const sd = std / rmsUniformInt(0, 15, 8);
      for (let i = 0; i < nb; i++) setH(i * 18, sd * rng.normal());
      break;
    }
    case GGML_TYPE.Q5_0: { // x = (q - 16) d
      const sd = std / rmsUniformInt(0, 31, 16);
      for (let i = 0; i < nb; i++) setH(i * 22, sd * rng.normal());
      break;
    }
    case GGML_TYPE.Q4_1:
    case GGML_TYPE.Q5_1: { // x = q d + m, d ≥ 0, m ≈ -d * mean(q)
      const five = type === GGML_TYPE.Q5_1;
      const bs = five ? 24 : 20, qmax = five ? 31 : 15;
      const sd = std / rmsUniformInt(0, qmax, qmax / 2);
      for (let i = 0; i < nb; i++) {
        const d = Math.abs(sd * rng.normal());
        setH(i * bs, d);
        setH(i * bs + 2, -d * (qmax / 2) + 0.1 * sd * rng.normal());
      }
      break;
    }
    case GGML_TYPE.Q8_0: { // x = q d, q in [-127, 127] (ggml never stores -128; SIMD sign tricks assume so)
      const sd = std / rmsUniformInt(-127, 127);
      for (let i = 0; i < nb; i++) {
        const o = i * 34;
        setH(o, sd * rng.normal());
        for (let j = 0; j < 32; j++) if (out[o + 2 + j] === 0x80) out[o + 2 + j] = 0;
      }
      break;
    }
    case GGML_TYPE.Q4_K:
    case GGML_TYPE.Q5_K: { // x = d sc q - dmin m, q in [0, qmax]; dmin = d qmax/2 and m ≈ sc centre each sub-block
      const five = type === GGML_TYPE.Q5_K;
      const bs = five ? 176 : 144, qmax = five ? 31 : 15;
      const sd = std / (RMS_SC6 * rmsUniformInt(0, qmax, qmax / 2));
      const sc = new Array<number>(8), mn = new Array<number>(8);
      for (let i = 0; i < nb; i++) {
        const o = i * bs;
        const d = Math.abs(sd * rng.normal());
        setH(o, d);
        setH(o + 2, d * qmax / 2);
        for (let j = 0; j < 8; j++) {
          sc[j] = rng.int(SC_LO, 63);
          mn[j] = Math.max(0, Math.min(63, sc[j] + rng.int(-2, 2)));
        }
        packScalesK4(out, o + 4, sc, mn);
      }
      break;
    }
    case GGML_TYPE.Q6_K: { // x = d sc (q - 32), sc int8
      const sd = std / (RMS_SC8 * rmsUniformInt(0, 63, 32));
      for (let i = 0; i < nb; i++) {
        const o = i * 210;
        for (let j = 0; j < 16; j++) {
          const m = rng.int(Q6_SC_LO, 127);
          dv.setInt8(o + 192 + j, rng.u32() & 1 ? m : -m);
        }
        setH(o + 208, Math.abs(sd * rng.normal()));
      }
      break;
    }
    default: throw new Error(`no random generator for type ${type}`);
  }
  return out;
}
