/* kernels-neon-attn.h — decode attention (attn_dec) and SwiGLU (silu_mul) for the NEON table
 * (internal: included by kernels-neon.c). kernels-x86-attn.h explains the decode form (chunks of
 * 64 positions: scores, one softmax step, then V for 4 queries at a time); here a score block is
 * 4 positions, whose 4 per-position registers reduce to one with two pairwise adds, and a V pass
 * covers 16 output elements of 4 queries (16 accumulators of the 32 registers).
 * Checked for correctness under qemu-aarch64 only (no arm64 hardware here): speed unmeasured.
 */
#ifndef CAIRN_KERNELS_NEON_ATTN_H
#define CAIRN_KERNELS_NEON_ATTN_H

#define NATT_PB 4  /* positions per score block */
#define NATT_C  CAIRN_ATTN_DEC_CHUNK /* positions per chunk (scores, one softmax step, then V) */

/* e^x per lane (x = n ln2 + r, a degree-5 polynomial for e^r, times 2^n built in the exponent
 * field); x clamped to +-88.37, 2^n to [2^-126, 2^127]. */
INLINE float32x4_t exp_f32x4(float32x4_t x) {
    x = vmaxq_f32(vminq_f32(x, vdupq_n_f32(88.3762626647949f)), vdupq_n_f32(-88.3762626647949f));
    const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504088896341f)));
    x = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
    x = vfmsq_f32(x, n, vdupq_n_f32(-2.12194440e-4f));
    float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
    p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, x);
    p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, x);
    p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, x);
    p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, x);
    p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, x);
    p = vfmaq_f32(vaddq_f32(x, vdupq_n_f32(1.0f)), p, vmulq_f32(x, x));
    const float32x4_t nc = vmaxq_f32(vminq_f32(n, vdupq_n_f32(127.0f)), vdupq_n_f32(-126.0f));
    const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(nc), vdupq_n_s32(127)), 23);
    return vmulq_f32(p, vreinterpretq_f32_s32(e));
}

static void neon_silu_mul(float *g, const float *u, int64_t n) {
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const float32x4_t x = vld1q_f32(g + i);
        const float32x4_t e = exp_f32x4(vnegq_f32(x));
        vst1q_f32(g + i, vmulq_f32(vdivq_f32(x, vaddq_f32(vdupq_n_f32(1.0f), e)), vld1q_f32(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

/* rows p0 .. p0 + pb - 1 (f16, stride elements apart) -> f32 dst[j][d]; rows pb.. zeroed */
INLINE void natt_rows_f32(float (*dst)[CAIRN_ATTN_DEC_MAX_HD], const uint16_t *src, size_t stride, int pb, int64_t hd) {
    for (int j = 0; j < NATT_PB; j++)
        for (int64_t d = 0; d < hd; d += 4)
            vst1q_f32(dst[j] + d, j < pb ? vcvt_f32_f16(vld1_f16((const __fp16 *)src + j * stride + d)) : vdupq_n_f32(0.0f));
}

/* o[i][d0 .. d0 + 4 * DW) += sum over j < cn of p[i][j] * V[j] for queries i0 .. i0 + 3 (DW = 1 or 4
 * registers of 4 elements). */
INLINE void natt_v(const int DW, float (*o)[CAIRN_ATTN_DEC_MAX_HD], const float (*p)[NATT_C], int i0, int64_t d0, int cn,
                   const uint16_t *vc, size_t stride) {
    float32x4_t acc[4][4];
    UNROLL for (int i = 0; i < 4; i++) UNROLL for (int w = 0; w < DW; w++) acc[i][w] = vld1q_f32(o[i0 + i] + d0 + 4 * w);
    for (int j = 0; j < cn; j++) {
        float32x4_t v[4];
        UNROLL for (int w = 0; w < DW; w++) v[w] = vcvt_f32_f16(vld1_f16((const __fp16 *)vc + j * stride + d0 + 4 * w));
        UNROLL for (int i = 0; i < 4; i++) {
            const float32x4_t pij = vld1q_dup_f32(&p[i0 + i][j]);
            UNROLL for (int w = 0; w < DW; w++) acc[i][w] = vfmaq_f32(acc[i][w], pij, v[w]);
        }
    }
    UNROLL for (int i = 0; i < 4; i++) UNROLL for (int w = 0; w < DW; w++) vst1q_f32(o[i0 + i] + d0 + 4 * w, acc[i][w]);
}

static void neon_attn_dec(int nq, int64_t hd, const float *const *q, float *const *out, int64_t n_past,
                          const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale) {
    cairn_attn_dec_state st;
    const int nqp = cairn_attn_dec_begin(&st, nq, hd, q, scale);
    float (*qs)[CAIRN_ATTN_DEC_MAX_HD] = st.qs, (*o)[CAIRN_ATTN_DEC_MAX_HD] = st.o, (*p)[NATT_C] = st.p, *m = st.m, *l = st.l;
    float kf[NATT_PB][CAIRN_ATTN_DEC_MAX_HD];
    const int32_t lane[4] = { 0, 1, 2, 3 };
    for (int64_t c0 = 0; c0 < n_past; c0 += NATT_C) {
        const int cn = (int)CAIRN_MIN((int64_t)NATT_C, n_past - c0), nv = (cn + NATT_PB - 1) / NATT_PB;
        for (int b = 0; b < nv; b++) {
            const int64_t pos = c0 + NATT_PB * b;
            natt_rows_f32(kf, kc + pos * kv_stride, kv_stride, CAIRN_MIN(NATT_PB, cn - NATT_PB * b), hd);
            for (int i = 0; i < nq; i++) {
                float32x4_t v[NATT_PB];
                UNROLL for (int j = 0; j < NATT_PB; j++) v[j] = vdupq_n_f32(0.0f);
                for (int64_t d = 0; d < hd; d += 4) {
                    const float32x4_t qv = vld1q_f32(qs[i] + d);
                    UNROLL for (int j = 0; j < NATT_PB; j++) v[j] = vfmaq_f32(v[j], vld1q_f32(kf[j] + d), qv);
                }
                vst1q_f32(p[i] + NATT_PB * b, vpaddq_f32(vpaddq_f32(v[0], v[1]), vpaddq_f32(v[2], v[3])));
            }
        }
        const uint32x4_t tail = vcgtq_s32(vdupq_n_s32(cn - NATT_PB * (nv - 1)), vld1q_s32(lane));
        for (int i = 0; i < nq; i++) {
            float32x4_t mx = vdupq_n_f32(-INFINITY);
            for (int b = 0; b < nv; b++) {
                const float32x4_t sb = vld1q_f32(p[i] + NATT_PB * b);
                mx = vmaxq_f32(mx, b < nv - 1 ? sb : vbslq_f32(tail, sb, mx));
            }
            const float mn = CAIRN_MAX(m[i], vmaxvq_f32(mx));
            const float corr = expf(m[i] - mn); /* first chunk: m = -inf, so 0 (l and o are 0) */
            m[i] = mn;
            float32x4_t sum = vdupq_n_f32(0.0f);
            for (int b = 0; b < nv; b++) {
                float32x4_t e = exp_f32x4(vsubq_f32(vld1q_f32(p[i] + NATT_PB * b), vdupq_n_f32(mn)));
                if (b == nv - 1) e = vreinterpretq_f32_u32(vandq_u32(tail, vreinterpretq_u32_f32(e)));
                vst1q_f32(p[i] + NATT_PB * b, e);
                sum = vaddq_f32(sum, e);
            }
            l[i] = l[i] * corr + vaddvq_f32(sum);
            if (c0 > 0) for (int64_t d = 0; d < hd; d += 4) vst1q_f32(o[i] + d, vmulq_n_f32(vld1q_f32(o[i] + d), corr));
        }
        const uint16_t *vb = vc + c0 * kv_stride;
        for (int i0 = 0; i0 < nqp; i0 += 4) {
            int64_t d = 0;
            for (; d + 16 <= hd; d += 16) natt_v(4, o, (const float (*)[NATT_C])p, i0, d, cn, vb, kv_stride);
            for (; d < hd; d += 4) natt_v(1, o, (const float (*)[NATT_C])p, i0, d, cn, vb, kv_stride);
        }
    }
    cairn_attn_dec_end(&st, nq, hd, out);
}

#endif
