/* kernels-neon.c — arm64 kernels (NEON + dotprod + fp16), compiled with
 * -march=armv8.2-a+dotprod+fp16. Same tile scheme as kernels-x86.c: R weight rows x C
 * activation columns per pass, integer dot products with vdotq_s32, per-block float scaling.
 * Covered: q4_0, q8_0, q4_K, q6_K, f16 (and the f16 attention helpers). Other weight types and
 * the activation quantizers are NULL here, so the engine uses the reference for them.
 */
#if defined(__aarch64__)

#include "quants-impl.h"

#include <arm_neon.h>
#include <math.h>

#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 8")
#define TILE_R 4
#define TILE_C 2

INLINE float f16(uint16_t h) { __fp16 x; memcpy(&x, &h, 2); return (float)x; }

#define ZERO_TILE(R, C)                                                          \
    float32x4_t acc[TILE_R][TILE_C];                                             \
    UNROLL for (int r = 0; r < R; r++)                                           \
        UNROLL for (int c = 0; c < C; c++) acc[r][c] = vdupq_n_f32(0.0f);

#define STORE_TILE(R, C)                                                         \
    UNROLL for (int c = 0; c < C; c++)                                           \
        UNROLL for (int r = 0; r < R; r++) out[c * ldo + r] = vaddvq_f32(acc[r][c]);

#include "kernels-gemm-impl.h" /* TILE_PARAMS, TILE_ARGS, DEFINE_GEMM: the shared tile driver */

/* ---- q4_0 x q8_0 ---- */

INLINE void tile_q4_0(TILE_PARAMS) {
    ZERO_TILE(R, C)
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    const int8x16_t s8 = vdupq_n_s8(8);
    for (int64_t b = 0; b < nb; b++) {
        int8x16_t y0[TILE_C], y1[TILE_C]; float dy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_0 *yb = (const block_q8_0 *)(a + c * as) + b;
            y0[c] = vld1q_s8(yb->qs); y1[c] = vld1q_s8(yb->qs + 16); dy[c] = f16(yb->d);
        }
        UNROLL for (int r = 0; r < R; r++) {
            const block_q4_0 *xb = (const block_q4_0 *)(w + r * ws) + b;
            __builtin_prefetch((const uint8_t *)xb + 1024);
            const uint8x16_t q = vld1q_u8(xb->qs);
            const int8x16_t lo = vsubq_s8(vreinterpretq_s8_u8(vandq_u8(q, m4)), s8);
            const int8x16_t hi = vsubq_s8(vreinterpretq_s8_u8(vshrq_n_u8(q, 4)), s8);
            const float dx = f16(xb->d);
            UNROLL for (int c = 0; c < C; c++) {
                const int32x4_t p = vdotq_s32(vdotq_s32(vdupq_n_s32(0), lo, y0[c]), hi, y1[c]);
                acc[r][c] = vfmaq_n_f32(acc[r][c], vcvtq_f32_s32(p), dx * dy[c]);
            }
        }
    }
    STORE_TILE(R, C)
}
DEFINE_GEMM(q4_0, QK4_0)

/* ---- q8_0 x q8_0 ---- */

INLINE void tile_q8_0(TILE_PARAMS) {
    ZERO_TILE(R, C)
    for (int64_t b = 0; b < nb; b++) {
        int8x16_t y0[TILE_C], y1[TILE_C]; float dy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_0 *yb = (const block_q8_0 *)(a + c * as) + b;
            y0[c] = vld1q_s8(yb->qs); y1[c] = vld1q_s8(yb->qs + 16); dy[c] = f16(yb->d);
        }
        UNROLL for (int r = 0; r < R; r++) {
            const block_q8_0 *xb = (const block_q8_0 *)(w + r * ws) + b;
            __builtin_prefetch((const uint8_t *)xb + 1024);
            const int8x16_t x0 = vld1q_s8(xb->qs), x1 = vld1q_s8(xb->qs + 16);
            const float dx = f16(xb->d);
            UNROLL for (int c = 0; c < C; c++) {
                const int32x4_t p = vdotq_s32(vdotq_s32(vdupq_n_s32(0), x0, y0[c]), x1, y1[c]);
                acc[r][c] = vfmaq_n_f32(acc[r][c], vcvtq_f32_s32(p), dx * dy[c]);
            }
        }
    }
    STORE_TILE(R, C)
}
DEFINE_GEMM(q8_0, QK8_0)

/* ---- q4_K x q8_K ---- */

INLINE void unpack_scales_k4(const uint8_t *scales, uint8_t sc[8], uint8_t mn[8]) {
    uint32_t u[4];
    memcpy(u, scales, 12);
    const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
    u[3] = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
    const uint32_t m = u[1] & k1;
    u[1] = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
    u[2] = m;
    u[0] &= k1;
    memcpy(sc, u, 8); memcpy(mn, u + 2, 8);
}

INLINE void tile_q4_K(TILE_PARAMS) {
    ZERO_TILE(R, C)
    float macc[TILE_R][TILE_C] = { { 0 } };
    const uint8x16_t m4 = vdupq_n_u8(0x0F);
    for (int64_t b = 0; b < nb; b++) {
        int16x8_t bsp[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_K *yb = (const block_q8_K *)(a + c * as) + b;
            bsp[c] = vpaddq_s16(vld1q_s16(yb->bsums), vld1q_s16(yb->bsums + 8)); /* 8 sub-block sums */
        }
        UNROLL for (int r = 0; r < R; r++) {
            const block_q4_K *xb = (const block_q4_K *)(w + r * ws) + b;
            __builtin_prefetch((const uint8_t *)xb + 1024);
            __builtin_prefetch((const uint8_t *)xb + 1024 + 64);
            __builtin_prefetch((const uint8_t *)xb + 1024 + 128);
            uint8_t sc[8], mn[8];
            unpack_scales_k4(xb->scales, sc, mn);
            const int16x8_t mins = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(mn)));
            int32x4_t sumi[TILE_C];
            UNROLL for (int c = 0; c < C; c++) sumi[c] = vdupq_n_s32(0);
            UNROLL for (int j = 0; j < QK_K / 64; j++) {
                const uint8x16_t qa = vld1q_u8(xb->qs + 32 * j), qb = vld1q_u8(xb->qs + 32 * j + 16);
                const int8x16_t l0 = vreinterpretq_s8_u8(vandq_u8(qa, m4)), l1 = vreinterpretq_s8_u8(vandq_u8(qb, m4));
                const int8x16_t h0 = vreinterpretq_s8_u8(vshrq_n_u8(qa, 4)), h1 = vreinterpretq_s8_u8(vshrq_n_u8(qb, 4));
                UNROLL for (int c = 0; c < C; c++) {
                    const int8_t *q8 = ((const block_q8_K *)(a + c * as) + b)->qs + 64 * j;
                    const int32x4_t plo = vdotq_s32(vdotq_s32(vdupq_n_s32(0), l0, vld1q_s8(q8)), l1, vld1q_s8(q8 + 16));
                    const int32x4_t phi = vdotq_s32(vdotq_s32(vdupq_n_s32(0), h0, vld1q_s8(q8 + 32)), h1, vld1q_s8(q8 + 48));
                    sumi[c] = vmlaq_n_s32(vmlaq_n_s32(sumi[c], plo, sc[2 * j]), phi, sc[2 * j + 1]);
                }
            }
            const float dx = f16(xb->d), mx = f16(xb->dmin);
            UNROLL for (int c = 0; c < C; c++) {
                const float dy = ((const block_q8_K *)(a + c * as) + b)->d;
                const int32x4_t pm = vaddq_s32(vmull_s16(vget_low_s16(mins), vget_low_s16(bsp[c])),
                                               vmull_s16(vget_high_s16(mins), vget_high_s16(bsp[c])));
                acc[r][c] = vfmaq_n_f32(acc[r][c], vcvtq_f32_s32(sumi[c]), dx * dy);
                macc[r][c] -= mx * dy * (float)vaddvq_s32(pm);
            }
        }
    }
    UNROLL for (int r = 0; r < R; r++)
        UNROLL for (int c = 0; c < C; c++) acc[r][c] = vsetq_lane_f32(vgetq_lane_f32(acc[r][c], 0) + macc[r][c], acc[r][c], 0);
    STORE_TILE(R, C)
}
DEFINE_GEMM(q4_K, QK_K)

/* ---- q6_K x q8_K ---- */

INLINE void tile_q6_K(TILE_PARAMS) {
    ZERO_TILE(R, C)
    const uint8x16_t m4 = vdupq_n_u8(0x0F), m3 = vdupq_n_u8(0x03);
    const int8x16_t s32 = vdupq_n_s8(32);
    for (int64_t b = 0; b < nb; b++) {
        UNROLL for (int r = 0; r < R; r++) {
            const block_q6_K *xb = (const block_q6_K *)(w + r * ws) + b;
            __builtin_prefetch((const uint8_t *)xb + 1024);
            __builtin_prefetch((const uint8_t *)xb + 1024 + 64);
            __builtin_prefetch((const uint8_t *)xb + 1024 + 128);
            __builtin_prefetch((const uint8_t *)xb + 1024 + 192);
            int32x4_t sumi[TILE_C];
            UNROLL for (int c = 0; c < C; c++) sumi[c] = vdupq_n_s32(0);
            UNROLL for (int h = 0; h < 2; h++)
                UNROLL for (int t = 0; t < 2; t++) {
                    const uint8x16_t qa = vld1q_u8(xb->ql + 64 * h + 16 * t);
                    const uint8x16_t qb = vld1q_u8(xb->ql + 64 * h + 32 + 16 * t);
                    const uint8x16_t qh = vld1q_u8(xb->qh + 32 * h + 16 * t);
                    int8x16_t q[4];
                    q[0] = vreinterpretq_s8_u8(vorrq_u8(vandq_u8(qa, m4), vshlq_n_u8(vandq_u8(qh, m3), 4)));
                    q[1] = vreinterpretq_s8_u8(vorrq_u8(vandq_u8(qb, m4), vshlq_n_u8(vandq_u8(vshrq_n_u8(qh, 2), m3), 4)));
                    q[2] = vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(qa, 4), vshlq_n_u8(vandq_u8(vshrq_n_u8(qh, 4), m3), 4)));
                    q[3] = vreinterpretq_s8_u8(vorrq_u8(vshrq_n_u8(qb, 4), vshlq_n_u8(vshrq_n_u8(qh, 6), 4)));
                    UNROLL for (int k = 0; k < 4; k++) {
                        const int8x16_t qk = vsubq_s8(q[k], s32);
                        const int sc = xb->scales[8 * h + 2 * k + t];
                        UNROLL for (int c = 0; c < C; c++) {
                            const int8_t *q8 = ((const block_q8_K *)(a + c * as) + b)->qs + 128 * h + 32 * k + 16 * t;
                            sumi[c] = vmlaq_n_s32(sumi[c], vdotq_s32(vdupq_n_s32(0), qk, vld1q_s8(q8)), sc);
                        }
                    }
                }
            const float dx = f16(xb->d);
            UNROLL for (int c = 0; c < C; c++)
                acc[r][c] = vfmaq_n_f32(acc[r][c], vcvtq_f32_s32(sumi[c]), dx * ((const block_q8_K *)(a + c * as) + b)->d);
        }
    }
    STORE_TILE(R, C)
}
DEFINE_GEMM(q6_K, QK_K)

/* ---- f16 weights x F32 activations (nb = n) ---- */

INLINE void tile_f16(TILE_PARAMS) {
    ZERO_TILE(R, C)
    const int64_t n = nb;
    int64_t k = 0;
    for (; k + 4 <= n; k += 4) {
        float32x4_t y[TILE_C];
        UNROLL for (int c = 0; c < C; c++) y[c] = vld1q_f32((const float *)(a + c * as) + k);
        UNROLL for (int r = 0; r < R; r++) {
            const float32x4_t x = vcvt_f32_f16(vld1_f16((const __fp16 *)(w + r * ws) + k));
            UNROLL for (int c = 0; c < C; c++) acc[r][c] = vfmaq_f32(acc[r][c], x, y[c]);
        }
    }
    UNROLL for (int c = 0; c < C; c++)
        UNROLL for (int r = 0; r < R; r++) {
            float s = vaddvq_f32(acc[r][c]);
            for (int64_t t = k; t < n; t++) s += f16(((const uint16_t *)(w + r * ws))[t]) * ((const float *)(a + c * as))[t];
            out[c * ldo + r] = s;
        }
}
DEFINE_GEMM(f16, 1)

static float neon_dot_f16_f32(const uint16_t *a, const float *b, int64_t n) {
    float32x4_t s0 = vdupq_n_f32(0), s1 = vdupq_n_f32(0);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        s0 = vfmaq_f32(s0, vcvt_f32_f16(vld1_f16((const __fp16 *)a + i)), vld1q_f32(b + i));
        s1 = vfmaq_f32(s1, vcvt_f32_f16(vld1_f16((const __fp16 *)a + i + 4)), vld1q_f32(b + i + 4));
    }
    float s = vaddvq_f32(vaddq_f32(s0, s1));
    for (; i < n; i++) s += f16(a[i]) * b[i];
    return s;
}

static void neon_axpy_f16_f32(float *y, float alpha, const uint16_t *x, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vcvt_f32_f16(vld1_f16((const __fp16 *)x + i)), alpha));
    for (; i < n; i++) y[i] += alpha * f16(x[i]);
}

/* RoPE re-rotation of f16 vectors (the context shift): eight pairs per step, deinterleaved by
 * vld2q into a = [a0..a7], b = [b0..b7] (widened with vcvt_f32_f16), then a·c − b·s and a·s + b·c
 * with the reference's products, operands and order (compiled with -ffp-contract=off like every
 * engine file, so nothing fuses), narrowed by vcvt_f16_f32 (round to nearest even) and stored
 * interleaved by vst2q. The pairs past a multiple of 8 take the reference's scalar form
 * (cairn_rope_f16_from). */
INLINE void rope4(float32x4_t a, float32x4_t b, const float32x4x2_t t, float16x4_t *ya, float16x4_t *yb) {
    *ya = vcvt_f16_f32(vsubq_f32(vmulq_f32(a, t.val[0]), vmulq_f32(b, t.val[1])));
    *yb = vcvt_f16_f32(vaddq_f32(vmulq_f32(a, t.val[1]), vmulq_f32(b, t.val[0])));
}

static void neon_rope_f16(uint16_t *y, const uint16_t *x, int64_t n, int64_t hd, int64_t n_pairs, const float *cs) {
    for (int64_t v = 0; v < n; v++, x += hd, y += hd) {
        int64_t i = 0;
        for (; i + 8 <= n_pairs; i += 8) {
            const float16x8x2_t e = vld2q_f16((const __fp16 *)x + 2 * i);           /* a0..a7, b0..b7 */
            const float32x4x2_t t0 = vld2q_f32(cs + 2 * i), t1 = vld2q_f32(cs + 2 * i + 8); /* c, s */
            float16x4_t a0, b0, a1, b1;
            rope4(vcvt_f32_f16(vget_low_f16(e.val[0])), vcvt_f32_f16(vget_low_f16(e.val[1])), t0, &a0, &b0);
            rope4(vcvt_high_f32_f16(e.val[0]), vcvt_high_f32_f16(e.val[1]), t1, &a1, &b1);
            float16x8x2_t r;
            r.val[0] = vcombine_f16(a0, a1);
            r.val[1] = vcombine_f16(b0, b1);
            vst2q_f16((__fp16 *)y + 2 * i, r);
        }
        cairn_rope_f16_from(y, x, i, hd, n_pairs, cs);
    }
}

#include "kernels-neon-attn.h" /* neon_attn_dec, neon_silu_mul */

static const cairn_kernels g_neon = {
    .name = "neon",
    .backend = CAIRN_BACKEND_NEON,
    .gemm = {
        [CAIRN_TYPE_F16] = gemm_f16, [CAIRN_TYPE_Q4_0] = gemm_q4_0, [CAIRN_TYPE_Q8_0] = gemm_q8_0,
        [CAIRN_TYPE_Q4_K] = gemm_q4_K, [CAIRN_TYPE_Q6_K] = gemm_q6_K,
    },
    .dot_f16_f32 = neon_dot_f16_f32,
    .axpy_f16_f32 = neon_axpy_f16_f32,
    .rope_f16 = neon_rope_f16,
    .attn_dec = neon_attn_dec,
    .silu_mul = neon_silu_mul,
};

/* NEON is always there on arm64; dotprod and fp16 arithmetic are armv8.2 options (every Apple
 * M-series has them). On Linux the kernel reports them in AT_HWCAP. */
#if defined(__linux__)
#include <sys/auxv.h>
#endif
const cairn_kernels *cairn_kernels_neon(void) {
#if defined(__linux__)
    const unsigned long hw = getauxval(AT_HWCAP);
    if (!(hw & (1ul << 20)) || !(hw & (1ul << 10))) return NULL; /* HWCAP_ASIMDDP, HWCAP_ASIMDHP */
#endif
    return &g_neon;
}

#endif /* __aarch64__ */
