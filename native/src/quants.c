/* quants.c — type traits, reference dequantization and activation quantization.
 *
 * Every function here follows ggml's reference code (ggml-quants.c) operation for operation,
 * so that a tensor dequantizes to the same floats and an activation row quantizes to the same
 * bytes as in llama.cpp. Fast paths live in kernels-*.c and are tested against these.
 */
#include "quants-impl.h"

#include <math.h>

/* ---- reference dequantization (ggml dequantize_row_*) ---------------------------------- */

static void to_float_f32(const void *src, float *y, int64_t n) {
    memcpy(y, src, (size_t)n * sizeof(float));
}

static void to_float_f16(const void *src, float *y, int64_t n) {
    const uint16_t *x = src;
    for (int64_t i = 0; i < n; i++) y[i] = cairn_fp16_to_fp32(x[i]);
}

static void to_float_bf16(const void *src, float *y, int64_t n) {
    const uint16_t *x = src;
    for (int64_t i = 0; i < n; i++) y[i] = cairn_bf16_to_fp32(x[i]);
}

static void to_float_q4_0(const void *src, float *y, int64_t n) {
    const block_q4_0 *x = src;
    for (int64_t i = 0; i < n / QK4_0; i++, y += QK4_0) {
        const float d = cairn_fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK4_0 / 2; j++) {
            y[j]              = ((x[i].qs[j] & 0x0F) - 8) * d;
            y[j + QK4_0 / 2]  = ((x[i].qs[j] >> 4) - 8) * d;
        }
    }
}

static void to_float_q4_1(const void *src, float *y, int64_t n) {
    const block_q4_1 *x = src;
    for (int64_t i = 0; i < n / QK4_1; i++, y += QK4_1) {
        const float d = cairn_fp16_to_fp32(x[i].d), m = cairn_fp16_to_fp32(x[i].m);
        for (int j = 0; j < QK4_1 / 2; j++) {
            y[j]             = (x[i].qs[j] & 0x0F) * d + m;
            y[j + QK4_1 / 2] = (x[i].qs[j] >> 4) * d + m;
        }
    }
}

static void to_float_q5_0(const void *src, float *y, int64_t n) {
    const block_q5_0 *x = src;
    for (int64_t i = 0; i < n / QK5_0; i++, y += QK5_0) {
        const float d = cairn_fp16_to_fp32(x[i].d);
        uint32_t qh; memcpy(&qh, x[i].qh, sizeof qh);
        for (int j = 0; j < QK5_0 / 2; j++) {
            const uint8_t xh0 = ((qh >> (j + 0)) << 4) & 0x10;
            const uint8_t xh1 = ((qh >> (j + 12))) & 0x10;
            y[j]             = (((x[i].qs[j] & 0x0F) | xh0) - 16) * d;
            y[j + QK5_0 / 2] = (((x[i].qs[j] >> 4) | xh1) - 16) * d;
        }
    }
}

static void to_float_q5_1(const void *src, float *y, int64_t n) {
    const block_q5_1 *x = src;
    for (int64_t i = 0; i < n / QK5_1; i++, y += QK5_1) {
        const float d = cairn_fp16_to_fp32(x[i].d), m = cairn_fp16_to_fp32(x[i].m);
        uint32_t qh; memcpy(&qh, x[i].qh, sizeof qh);
        for (int j = 0; j < QK5_1 / 2; j++) {
            const uint8_t xh0 = ((qh >> (j + 0)) << 4) & 0x10;
            const uint8_t xh1 = ((qh >> (j + 12))) & 0x10;
            y[j]             = ((x[i].qs[j] & 0x0F) | xh0) * d + m;
            y[j + QK5_1 / 2] = ((x[i].qs[j] >> 4) | xh1) * d + m;
        }
    }
}

static void to_float_q8_0(const void *src, float *y, int64_t n) {
    const block_q8_0 *x = src;
    for (int64_t i = 0; i < n / QK8_0; i++, y += QK8_0) {
        const float d = cairn_fp16_to_fp32(x[i].d);
        for (int j = 0; j < QK8_0; j++) y[j] = x[i].qs[j] * d;
    }
}

static void to_float_q4_K(const void *src, float *y, int64_t n) {
    const block_q4_K *x = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t *q = x[i].qs;
        const float d = cairn_fp16_to_fp32(x[i].d), min = cairn_fp16_to_fp32(x[i].dmin);
        int is = 0;
        uint8_t sc, m;
        for (int j = 0; j < QK_K; j += 64) {
            cairn_get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = min * m;
            cairn_get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = min * m;
            for (int l = 0; l < 32; l++) *y++ = d1 * (q[l] & 0xF) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * (q[l] >> 4) - m2;
            q += 32; is += 2;
        }
    }
}

static void to_float_q5_K(const void *src, float *y, int64_t n) {
    const block_q5_K *x = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const uint8_t *ql = x[i].qs, *qh = x[i].qh;
        const float d = cairn_fp16_to_fp32(x[i].d), min = cairn_fp16_to_fp32(x[i].dmin);
        int is = 0;
        uint8_t sc, m, u1 = 1, u2 = 2;
        for (int j = 0; j < QK_K; j += 64) {
            cairn_get_scale_min_k4(is + 0, x[i].scales, &sc, &m);
            const float d1 = d * sc, m1 = min * m;
            cairn_get_scale_min_k4(is + 1, x[i].scales, &sc, &m);
            const float d2 = d * sc, m2 = min * m;
            for (int l = 0; l < 32; l++) *y++ = d1 * ((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
            for (int l = 0; l < 32; l++) *y++ = d2 * ((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
            ql += 32; is += 2;
            u1 <<= 2; u2 <<= 2;
        }
    }
}

static void to_float_q6_K(const void *src, float *y, int64_t n) {
    const block_q6_K *x = src;
    for (int64_t i = 0; i < n / QK_K; i++) {
        const float d = cairn_fp16_to_fp32(x[i].d);
        const uint8_t *ql = x[i].ql, *qh = x[i].qh;
        const int8_t *sc = x[i].scales;
        for (int k = 0; k < QK_K; k += 128) {
            for (int l = 0; l < 32; l++) {
                const int is = l / 16;
                const int8_t q1 = (int8_t)((ql[l + 0]  & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                const int8_t q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                const int8_t q3 = (int8_t)((ql[l + 0]  >> 4)  | (((qh[l] >> 4) & 3) << 4)) - 32;
                const int8_t q4 = (int8_t)((ql[l + 32] >> 4)  | (((qh[l] >> 6) & 3) << 4)) - 32;
                y[l + 0]  = d * sc[is + 0] * q1;
                y[l + 32] = d * sc[is + 2] * q2;
                y[l + 64] = d * sc[is + 4] * q3;
                y[l + 96] = d * sc[is + 6] * q4;
            }
            y += 128; ql += 64; qh += 32; sc += 8;
        }
    }
}

/* ---- reference activation quantization (ggml quantize_row_*_ref) ---------------------- */

static void quantize_f16(const float *x, uint16_t *y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = cairn_fp32_to_fp16(x[i]);
}

static void quantize_q8_0(const float *x, block_q8_0 *y, int64_t n) {
    for (int64_t i = 0; i < n / QK8_0; i++, x += QK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_0; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / ((1 << 7) - 1);
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = cairn_fp32_to_fp16(d);
        for (int j = 0; j < QK8_0; j++) y[i].qs[j] = (int8_t)roundf(x[j] * id);
    }
}

static void quantize_q8_1(const float *x, block_q8_1 *y, int64_t n) {
    for (int64_t i = 0; i < n / QK8_1; i++, x += QK8_1) {
        float amax = 0.0f;
        for (int j = 0; j < QK8_1; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / ((1 << 7) - 1);
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = cairn_fp32_to_fp16(d);
        int sum = 0;
        for (int j = 0; j < QK8_1 / 2; j++) {
            y[i].qs[j]             = (int8_t)roundf(x[j] * id);
            y[i].qs[j + QK8_1 / 2] = (int8_t)roundf(x[j + QK8_1 / 2] * id);
            sum += y[i].qs[j] + y[i].qs[j + QK8_1 / 2];
        }
        y[i].s = cairn_fp32_to_fp16(sum * d);
    }
}

/* ggml's nearest_int: round half to even via the 1.5*2^23 trick (|x| < 2^22). */
static inline int nearest_int(float fval) {
    float val = fval + 12582912.f;
    int i; memcpy(&i, &val, sizeof(int));
    return (i & 0x007fffff) - 0x00400000;
}

static void quantize_q8_K(const float *x, block_q8_K *y, int64_t n) {
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        float max = 0, amax = 0;
        for (int j = 0; j < QK_K; j++) {
            const float ax = fabsf(x[j]);
            if (ax > amax) { amax = ax; max = x[j]; }
        }
        if (!amax) { /* ggml leaves bsums unset here; we zero them */
            memset(&y[i], 0, sizeof y[i]);
            continue;
        }
        const float iscale = -127.f / max;
        for (int j = 0; j < QK_K; j++) {
            const int v = nearest_int(iscale * x[j]);
            y[i].qs[j] = (int8_t)CAIRN_MIN(127, v);
        }
        for (int j = 0; j < QK_K / 16; j++) {
            int sum = 0;
            for (int l = 0; l < 16; l++) sum += y[i].qs[j * 16 + l];
            y[i].bsums[j] = (int16_t)sum;
        }
        y[i].d = 1 / iscale;
    }
}

void cairn_quantize_act_ref(int32_t act_type, const float *x, void *y, int64_t n) {
    switch (act_type) {
    case CAIRN_TYPE_F32:  memcpy(y, x, (size_t)n * sizeof(float)); break;
    case CAIRN_TYPE_F16:  quantize_f16(x, y, n); break;
    case CAIRN_TYPE_Q8_0: quantize_q8_0(x, y, n); break;
    case CAIRN_TYPE_Q8_1: quantize_q8_1(x, y, n); break;
    case CAIRN_TYPE_Q8_K: quantize_q8_K(x, y, n); break;
    default: break;
    }
}

/* ---- traits ------------------------------------------------------------------------------ */

/* F16/BF16 weights take F32 activations (ggml converts them to F16/BF16; we keep full precision). */
static const cairn_type_traits g_traits[CAIRN_TYPE_COUNT] = {
    [CAIRN_TYPE_F32]  = { "f32",  1,     4,                  true,  CAIRN_TYPE_F32,  to_float_f32  },
    [CAIRN_TYPE_F16]  = { "f16",  1,     2,                  true,  CAIRN_TYPE_F32,  to_float_f16  },
    [CAIRN_TYPE_BF16] = { "bf16", 1,     2,                  true,  CAIRN_TYPE_F32,  to_float_bf16 },
    [CAIRN_TYPE_Q4_0] = { "q4_0", QK4_0, sizeof(block_q4_0), true,  CAIRN_TYPE_Q8_0, to_float_q4_0 },
    [CAIRN_TYPE_Q4_1] = { "q4_1", QK4_1, sizeof(block_q4_1), true,  CAIRN_TYPE_Q8_1, to_float_q4_1 },
    [CAIRN_TYPE_Q5_0] = { "q5_0", QK5_0, sizeof(block_q5_0), true,  CAIRN_TYPE_Q8_0, to_float_q5_0 },
    [CAIRN_TYPE_Q5_1] = { "q5_1", QK5_1, sizeof(block_q5_1), true,  CAIRN_TYPE_Q8_1, to_float_q5_1 },
    [CAIRN_TYPE_Q8_0] = { "q8_0", QK8_0, sizeof(block_q8_0), true,  CAIRN_TYPE_Q8_0, to_float_q8_0 },
    [CAIRN_TYPE_Q8_1] = { "q8_1", QK8_1, sizeof(block_q8_1), false, CAIRN_TYPE_Q8_1, NULL          },
    [CAIRN_TYPE_Q4_K] = { "q4_K", QK_K,  sizeof(block_q4_K), true,  CAIRN_TYPE_Q8_K, to_float_q4_K },
    [CAIRN_TYPE_Q5_K] = { "q5_K", QK_K,  sizeof(block_q5_K), true,  CAIRN_TYPE_Q8_K, to_float_q5_K },
    [CAIRN_TYPE_Q6_K] = { "q6_K", QK_K,  sizeof(block_q6_K), true,  CAIRN_TYPE_Q8_K, to_float_q6_K },
    [CAIRN_TYPE_Q8_K] = { "q8_K", QK_K,  sizeof(block_q8_K), false, CAIRN_TYPE_Q8_K, NULL          },
};

const cairn_type_traits *cairn_type_traits_get(int32_t type) {
    if (type < 0 || type >= CAIRN_TYPE_COUNT || !g_traits[type].name) return NULL;
    return &g_traits[type];
}

size_t cairn_row_size(int32_t type, int64_t n) {
    const cairn_type_traits *t = cairn_type_traits_get(type);
    return t ? (size_t)(n / t->blck) * t->type_size : 0;
}

const char *cairn_type_name(int32_t type) {
    const cairn_type_traits *t = cairn_type_traits_get(type);
    return t && t->weight_ok ? t->name : NULL;
}
