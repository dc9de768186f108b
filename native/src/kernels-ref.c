/* kernels-ref.c — scalar reference kernels: one dot product per weight type, in the integer
 * arithmetic of ggml's scalar ggml_vec_dot_* (so sums match llama.cpp's up to float order),
 * and the gemm of the kernel-table contract built on them. Plain on purpose: every fast
 * path in kernels-*.c is tested against this file.
 */
#include "quants-impl.h"

/* ---- float weights, F32 activations ---- */

static float dot_f32(int64_t n, const void *vx, const void *vy) {
    const float *x = vx, *y = vy;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += x[i] * y[i];
    return s;
}

static float dot_f16(int64_t n, const void *vx, const void *vy) {
    const uint16_t *x = vx; const float *y = vy;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += cairn_fp16_to_fp32(x[i]) * y[i];
    return s;
}

static float dot_bf16(int64_t n, const void *vx, const void *vy) {
    const uint16_t *x = vx; const float *y = vy;
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += cairn_bf16_to_fp32(x[i]) * y[i];
    return s;
}

/* ---- 32-element blocks ---- */

static float dot_q4_0(int64_t n, const void *vx, const void *vy) {
    const block_q4_0 *x = vx; const block_q8_0 *y = vy;
    float s = 0.0f;
    for (int64_t b = 0; b < n / QK8_0; b++) {
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            sumi += ((x[b].qs[j] & 0x0F) - 8) * y[b].qs[j];
            sumi += ((x[b].qs[j] >> 4) - 8) * y[b].qs[j + 16];
        }
        s += sumi * cairn_fp16_to_fp32(x[b].d) * cairn_fp16_to_fp32(y[b].d);
    }
    return s;
}

static float dot_q4_1(int64_t n, const void *vx, const void *vy) {
    const block_q4_1 *x = vx; const block_q8_1 *y = vy;
    float s = 0.0f;
    for (int64_t b = 0; b < n / QK8_1; b++) {
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            sumi += (x[b].qs[j] & 0x0F) * y[b].qs[j];
            sumi += (x[b].qs[j] >> 4) * y[b].qs[j + 16];
        }
        s += (cairn_fp16_to_fp32(x[b].d) * cairn_fp16_to_fp32(y[b].d)) * sumi
           + cairn_fp16_to_fp32(x[b].m) * cairn_fp16_to_fp32(y[b].s);
    }
    return s;
}

static float dot_q5_0(int64_t n, const void *vx, const void *vy) {
    const block_q5_0 *x = vx; const block_q8_0 *y = vy;
    float s = 0.0f;
    for (int64_t b = 0; b < n / QK8_0; b++) {
        uint32_t qh; memcpy(&qh, x[b].qh, 4);
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            const int x0 = ((x[b].qs[j] & 0x0F) | (((qh >> j) & 1) << 4)) - 16;
            const int x1 = ((x[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
            sumi += x0 * y[b].qs[j] + x1 * y[b].qs[j + 16];
        }
        s += (cairn_fp16_to_fp32(x[b].d) * cairn_fp16_to_fp32(y[b].d)) * sumi;
    }
    return s;
}

static float dot_q5_1(int64_t n, const void *vx, const void *vy) {
    const block_q5_1 *x = vx; const block_q8_1 *y = vy;
    float s = 0.0f;
    for (int64_t b = 0; b < n / QK8_1; b++) {
        uint32_t qh; memcpy(&qh, x[b].qh, 4);
        int sumi = 0;
        for (int j = 0; j < 16; j++) {
            const int x0 = (x[b].qs[j] & 0x0F) | (((qh >> j) & 1) << 4);
            const int x1 = (x[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
            sumi += x0 * y[b].qs[j] + x1 * y[b].qs[j + 16];
        }
        s += (cairn_fp16_to_fp32(x[b].d) * cairn_fp16_to_fp32(y[b].d)) * sumi
           + cairn_fp16_to_fp32(x[b].m) * cairn_fp16_to_fp32(y[b].s);
    }
    return s;
}

static float dot_q8_0(int64_t n, const void *vx, const void *vy) {
    const block_q8_0 *x = vx; const block_q8_0 *y = vy;
    float s = 0.0f;
    for (int64_t b = 0; b < n / QK8_0; b++) {
        int sumi = 0;
        for (int j = 0; j < QK8_0; j++) sumi += x[b].qs[j] * y[b].qs[j];
        s += sumi * (cairn_fp16_to_fp32(x[b].d) * cairn_fp16_to_fp32(y[b].d));
    }
    return s;
}

/* ---- K-quants (256-element super-blocks, Q8_K activations) ---- */

/* q4_K: x = d*sc_j*q - dmin*m_j over 8 sub-blocks of 32; the min term uses the q8_K bsums. */
static float dot_q4_K(int64_t n, const void *vx, const void *vy) {
    const block_q4_K *x = vx; const block_q8_K *y = vy;
    float s = 0.0f;
    for (int64_t b = 0; b < n / QK_K; b++) {
        const uint8_t *q4 = x[b].qs; const int8_t *q8 = y[b].qs;
        int sumi = 0, summ = 0;
        for (int j = 0; j < QK_K / 64; j++, q4 += 32, q8 += 64) {
            uint8_t sc0, m0, sc1, m1;
            cairn_get_scale_min_k4(2 * j + 0, x[b].scales, &sc0, &m0);
            cairn_get_scale_min_k4(2 * j + 1, x[b].scales, &sc1, &m1);
            int d0 = 0, d1 = 0;
            for (int l = 0; l < 32; l++) { d0 += (q4[l] & 0xF) * q8[l]; d1 += (q4[l] >> 4) * q8[l + 32]; }
            sumi += sc0 * d0 + sc1 * d1;
            summ += m0 * (y[b].bsums[4 * j + 0] + y[b].bsums[4 * j + 1])
                  + m1 * (y[b].bsums[4 * j + 2] + y[b].bsums[4 * j + 3]);
        }
        s += cairn_fp16_to_fp32(x[b].d) * y[b].d * sumi - cairn_fp16_to_fp32(x[b].dmin) * y[b].d * summ;
    }
    return s;
}

static float dot_q5_K(int64_t n, const void *vx, const void *vy) {
    const block_q5_K *x = vx; const block_q8_K *y = vy;
    float s = 0.0f;
    for (int64_t b = 0; b < n / QK_K; b++) {
        const uint8_t *ql = x[b].qs, *qh = x[b].qh; const int8_t *q8 = y[b].qs;
        int sumi = 0, summ = 0;
        for (int j = 0; j < QK_K / 64; j++, ql += 32, q8 += 64) {
            uint8_t sc0, m0, sc1, m1;
            cairn_get_scale_min_k4(2 * j + 0, x[b].scales, &sc0, &m0);
            cairn_get_scale_min_k4(2 * j + 1, x[b].scales, &sc1, &m1);
            int d0 = 0, d1 = 0;
            for (int l = 0; l < 32; l++) {
                d0 += ((ql[l] & 0xF) | (((qh[l] >> (2 * j + 0)) & 1) << 4)) * q8[l];
                d1 += ((ql[l] >> 4)  | (((qh[l] >> (2 * j + 1)) & 1) << 4)) * q8[l + 32];
            }
            sumi += sc0 * d0 + sc1 * d1;
            summ += m0 * (y[b].bsums[4 * j + 0] + y[b].bsums[4 * j + 1])
                  + m1 * (y[b].bsums[4 * j + 2] + y[b].bsums[4 * j + 3]);
        }
        s += cairn_fp16_to_fp32(x[b].d) * y[b].d * sumi - cairn_fp16_to_fp32(x[b].dmin) * y[b].d * summ;
    }
    return s;
}

/* q6_K: 16 sub-blocks of 16 with int8 scales; q = (4 low bits | 2 high bits << 4) - 32. */
static float dot_q6_K(int64_t n, const void *vx, const void *vy) {
    const block_q6_K *x = vx; const block_q8_K *y = vy;
    float s = 0.0f;
    for (int64_t b = 0; b < n / QK_K; b++) {
        int8_t q[QK_K];
        const uint8_t *ql = x[b].ql, *qh = x[b].qh;
        for (int k = 0; k < QK_K; k += 128, ql += 64, qh += 32)
            for (int l = 0; l < 32; l++) {
                q[k + l + 0]  = (int8_t)(((ql[l + 0]  & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
                q[k + l + 32] = (int8_t)(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
                q[k + l + 64] = (int8_t)(((ql[l + 0]  >> 4)  | (((qh[l] >> 4) & 3) << 4)) - 32);
                q[k + l + 96] = (int8_t)(((ql[l + 32] >> 4)  | (((qh[l] >> 6) & 3) << 4)) - 32);
            }
        int sumi = 0;
        for (int sb = 0; sb < QK_K / 16; sb++) {
            int d = 0;
            for (int l = 0; l < 16; l++) d += q[sb * 16 + l] * y[b].qs[sb * 16 + l];
            sumi += x[b].scales[sb] * d;
        }
        s += cairn_fp16_to_fp32(x[b].d) * y[b].d * sumi;
    }
    return s;
}

/* ---- the gemm of the kernel-table contract, one per type ---- */

typedef float (*dot_fn)(int64_t n, const void *x, const void *y);

static void gemm_with(dot_fn dot, int64_t n, float *out, size_t ldo, const void *w, size_t w_stride,
                      int64_t nr, const void *a, size_t a_stride, int64_t nc) {
    for (int64_t j = 0; j < nc; j++)
        for (int64_t i = 0; i < nr; i++)
            out[j * ldo + i] = dot(n, (const char *)w + i * w_stride, (const char *)a + j * a_stride);
}

#define REF_GEMM(T)                                                                               \
    static void gemm_##T(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr, \
                         const void *a, size_t as, int64_t nc) {                                  \
        gemm_with(dot_##T, n, out, ldo, w, ws, nr, a, as, nc);                                   \
    }
REF_GEMM(f32) REF_GEMM(f16) REF_GEMM(bf16)
REF_GEMM(q4_0) REF_GEMM(q4_1) REF_GEMM(q5_0) REF_GEMM(q5_1) REF_GEMM(q8_0)
REF_GEMM(q4_K) REF_GEMM(q5_K) REF_GEMM(q6_K)

/* ---- f16 helpers for attention ---- */

static float ref_dot_f16_f32(const uint16_t *a, const float *b, int64_t n) {
    float s = 0.0f;
    for (int64_t i = 0; i < n; i++) s += cairn_fp16_to_fp32(a[i]) * b[i];
    return s;
}

static void ref_axpy_f16_f32(float *y, float alpha, const uint16_t *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += alpha * cairn_fp16_to_fp32(x[i]);
}

static void ref_rope_f16(uint16_t *y, const uint16_t *x, int64_t n, int64_t hd, int64_t n_pairs, const float *cs) {
    for (int64_t v = 0; v < n; v++, x += hd, y += hd) cairn_rope_f16_from(y, x, 0, hd, n_pairs, cs);
}

static void quant_f32(const float *x, void *y, int64_t n)  { cairn_quantize_act_ref(CAIRN_TYPE_F32,  x, y, n); }
static void quant_f16(const float *x, void *y, int64_t n)  { cairn_quantize_act_ref(CAIRN_TYPE_F16,  x, y, n); }
static void quant_q8_0(const float *x, void *y, int64_t n) { cairn_quantize_act_ref(CAIRN_TYPE_Q8_0, x, y, n); }
static void quant_q8_1(const float *x, void *y, int64_t n) { cairn_quantize_act_ref(CAIRN_TYPE_Q8_1, x, y, n); }
static void quant_q8_K(const float *x, void *y, int64_t n) { cairn_quantize_act_ref(CAIRN_TYPE_Q8_K, x, y, n); }

static const cairn_kernels g_reference = {
    .name = "reference",
    .backend = CAIRN_BACKEND_REFERENCE,
    .gemm = {
        [CAIRN_TYPE_F32] = gemm_f32, [CAIRN_TYPE_F16] = gemm_f16, [CAIRN_TYPE_BF16] = gemm_bf16,
        [CAIRN_TYPE_Q4_0] = gemm_q4_0, [CAIRN_TYPE_Q4_1] = gemm_q4_1, [CAIRN_TYPE_Q5_0] = gemm_q5_0,
        [CAIRN_TYPE_Q5_1] = gemm_q5_1, [CAIRN_TYPE_Q8_0] = gemm_q8_0,
        [CAIRN_TYPE_Q4_K] = gemm_q4_K, [CAIRN_TYPE_Q5_K] = gemm_q5_K, [CAIRN_TYPE_Q6_K] = gemm_q6_K,
    },
    .quant = {
        [CAIRN_TYPE_F32] = quant_f32, [CAIRN_TYPE_F16] = quant_f16, [CAIRN_TYPE_Q8_0] = quant_q8_0,
        [CAIRN_TYPE_Q8_1] = quant_q8_1, [CAIRN_TYPE_Q8_K] = quant_q8_K,
    },
    .dot_f16_f32 = ref_dot_f16_f32,
    .axpy_f16_f32 = ref_axpy_f16_f32,
    .rope_f16 = ref_rope_f16,
};

const cairn_kernels *cairn_kernels_reference(void) { return &g_reference; }
