/* kernels-neon-attn.h — decode attention (attn_dec) and SwiGLU (silu_mul) for the NEON table
 * (internal: included by kernels-neon.c). kernels-x86-attn.h explains the decode form; here a
 * block is 4 positions, and the 4 per-position registers reduce to one with two pairwise adds.
 * Checked for correctness under qemu-aarch64 only (no arm64 hardware here): speed unmeasured.
 */
#ifndef CAIRN_KERNELS_NEON_ATTN_H
#define CAIRN_KERNELS_NEON_ATTN_H

#define NATT_PB 4 /* positions per block */

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

static void neon_attn_dec(int nq, int64_t hd, const float *const *q, float *const *out, int64_t n_past,
                          const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale) {
    float qs[CAIRN_ATTN_DEC_MAX_Q][CAIRN_ATTN_DEC_MAX_HD], o[CAIRN_ATTN_DEC_MAX_Q][CAIRN_ATTN_DEC_MAX_HD];
    float kf[NATT_PB][CAIRN_ATTN_DEC_MAX_HD], vf[NATT_PB][CAIRN_ATTN_DEC_MAX_HD];
    float m[CAIRN_ATTN_DEC_MAX_Q], l[CAIRN_ATTN_DEC_MAX_Q];
    for (int i = 0; i < nq; i++) {
        for (int64_t d = 0; d < hd; d++) { qs[i][d] = q[i][d] * scale; o[i][d] = 0.0f; }
        m[i] = -INFINITY; l[i] = 0.0f;
    }
    const int32_t lane[4] = { 0, 1, 2, 3 };
    for (int64_t p0 = 0; p0 < n_past; p0 += NATT_PB) {
        const int pb = (int)CAIRN_MIN((int64_t)NATT_PB, n_past - p0);
        natt_rows_f32(kf, kc + p0 * kv_stride, kv_stride, pb, hd);
        natt_rows_f32(vf, vc + p0 * kv_stride, kv_stride, pb, hd);
        const uint32x4_t live = vcgtq_s32(vdupq_n_s32(pb), vld1q_s32(lane));
        for (int i = 0; i < nq; i++) {
            float32x4_t v[NATT_PB];
            UNROLL for (int j = 0; j < NATT_PB; j++) v[j] = vdupq_n_f32(0.0f);
            for (int64_t d = 0; d < hd; d += 4) {
                const float32x4_t qv = vld1q_f32(qs[i] + d);
                UNROLL for (int j = 0; j < NATT_PB; j++) v[j] = vfmaq_f32(v[j], vld1q_f32(kf[j] + d), qv);
            }
            const float32x4_t s = vbslq_f32(live, vpaddq_f32(vpaddq_f32(v[0], v[1]), vpaddq_f32(v[2], v[3])), vdupq_n_f32(-INFINITY));
            const float mn = CAIRN_MAX(m[i], vmaxvq_f32(s));
            const float corr = expf(m[i] - mn); /* first block: m = -inf, so 0 (l and o are 0) */
            m[i] = mn;
            const float32x4_t p = vreinterpretq_f32_u32(vandq_u32(live, vreinterpretq_u32_f32(exp_f32x4(vsubq_f32(s, vdupq_n_f32(mn))))));
            l[i] = l[i] * corr + vaddvq_f32(p);
            float pj[NATT_PB];
            vst1q_f32(pj, p);
            for (int64_t d = 0; d < hd; d += 4) {
                float32x4_t acc = vmulq_n_f32(vld1q_f32(o[i] + d), corr);
                UNROLL for (int j = 0; j < NATT_PB; j++) acc = vfmaq_n_f32(acc, vld1q_f32(vf[j] + d), pj[j]);
                vst1q_f32(o[i] + d, acc);
            }
        }
    }
    for (int i = 0; i < nq; i++)
        for (int64_t d = 0; d < hd; d++) out[i][d] = o[i][d] / l[i];
}

#endif
