/* kernels-avx2-attn.h — batched causal attention (attn16) and SwiGLU (silu_mul) for the AVX2
 * table (internal: included by kernels-x86.c when it builds the avx2 table). The AVX-512 table's
 * forms (kernels-avx512.c) explain the approach: lanes are queries, so a block of positions is
 * FMAs with no horizontal work, with an online softmax per lane. Here a register holds 8 queries:
 * the 16 queries of a call are two halves that share each block's K/V rows (converted to f32
 * once), and a block is 8 positions (8 score registers per half fit the 16 ymm registers).
 */
#ifndef CAIRN_KERNELS_AVX2_ATTN_H
#define CAIRN_KERNELS_AVX2_ATTN_H

#define ATT2_PB     8    /* positions per block */
#define ATT2_MAX_HD 256

/* e^x per lane (x = n ln2 + r, a degree-5 polynomial for e^r, times 2^n built in the exponent
 * field). x is clamped to +-88.37; 2^n to [2^-126, 2^127], so e^x of very negative x is 0. */
INLINE __m256 exp256(__m256 x) {
    x = _mm256_max_ps(_mm256_min_ps(x, _mm256_set1_ps(88.3762626647949f)), _mm256_set1_ps(-88.3762626647949f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    x = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), x);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, x, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(x, x), _mm256_add_ps(x, _mm256_set1_ps(1.0f)));
    const __m256 nc = _mm256_max_ps(_mm256_min_ps(n, _mm256_set1_ps(127.0f)), _mm256_set1_ps(-126.0f));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(nc), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

/* g[i] = silu(g[i]) * u[i] = g / (1 + e^-g) * u, 8 at a time plus a scalar tail. */
static void avx2_silu_mul(float *g, const float *u, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(g + i);
        const __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), x));
        _mm256_storeu_ps(g + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

/* rows p0 .. p0 + pb - 1 (f16, stride elements apart) -> f32 dst[j][d]; rows pb.. zeroed */
INLINE void att2_rows_f32(float (*dst)[ATT2_MAX_HD], const uint16_t *src, size_t stride, int pb, int64_t hd) {
    for (int j = 0; j < ATT2_PB; j++)
        for (int64_t d = 0; d < hd; d += 8)
            _mm256_store_ps(dst[j] + d, j < pb ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + j * stride + d)))
                                               : _mm256_setzero_ps());
}

static void avx2_attn16(int nq, int64_t hd, const float *const *q, float *const *out, const int64_t *n_past,
                        const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale) {
    float qt[ATT2_MAX_HD][16] __attribute__((aligned(32))), o[ATT2_MAX_HD][16] __attribute__((aligned(32)));
    float kf[ATT2_PB][ATT2_MAX_HD] __attribute__((aligned(32))), vf[ATT2_PB][ATT2_MAX_HD] __attribute__((aligned(32)));
    int32_t np[16];
    int64_t maxp = 0;
    for (int i = 0; i < 16; i++) { /* idle lanes: a zero query over position 0 */
        np[i] = i < nq ? (int32_t)n_past[i] : 1;
        maxp = CAIRN_MAX(maxp, (int64_t)np[i]);
    }
    for (int64_t d = 0; d < hd; d++) {
        for (int i = 0; i < 16; i++) qt[d][i] = i < nq ? q[i][d] * scale : 0.0f;
        _mm256_store_ps(o[d], _mm256_setzero_ps());
        _mm256_store_ps(o[d] + 8, _mm256_setzero_ps());
    }
    const int halves = nq > 8 ? 2 : 1;
    __m256 m[2] = { _mm256_set1_ps(-INFINITY), _mm256_set1_ps(-INFINITY) }, l[2] = { _mm256_setzero_ps(), _mm256_setzero_ps() };
    for (int64_t p0 = 0; p0 < maxp; p0 += ATT2_PB) {
        const int pb = (int)CAIRN_MIN((int64_t)ATT2_PB, maxp - p0);
        att2_rows_f32(kf, kc + p0 * kv_stride, kv_stride, pb, hd);
        att2_rows_f32(vf, vc + p0 * kv_stride, kv_stride, pb, hd);
        for (int h = 0; h < halves; h++) {
            const int lo = 8 * h;
            __m256 sc[ATT2_PB];
            UNROLL for (int j = 0; j < ATT2_PB; j++) sc[j] = _mm256_setzero_ps();
            for (int64_t d = 0; d < hd; d++) {
                const __m256 qv = _mm256_load_ps(qt[d] + lo);
                UNROLL for (int j = 0; j < ATT2_PB; j++) sc[j] = _mm256_fmadd_ps(_mm256_set1_ps(kf[j][d]), qv, sc[j]);
            }
            const __m256i npv = _mm256_loadu_si256((const __m256i *)(np + lo));
            __m256 live[ATT2_PB], mb = _mm256_set1_ps(-INFINITY);
            UNROLL for (int j = 0; j < ATT2_PB; j++) {
                live[j] = _mm256_castsi256_ps(_mm256_cmpgt_epi32(npv, _mm256_set1_epi32((int)(p0 + j))));
                mb = _mm256_max_ps(mb, _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), sc[j], live[j]));
            }
            const __m256 mn = _mm256_max_ps(m[h], mb);
            const __m256 corr = exp256(_mm256_sub_ps(m[h], mn)); /* first block: m = -inf, l = o = 0 */
            m[h] = mn;
            l[h] = _mm256_mul_ps(l[h], corr);
            if (p0 > 0 && _mm256_movemask_ps(_mm256_cmp_ps(corr, _mm256_set1_ps(1.0f), _CMP_NEQ_UQ)))
                for (int64_t d = 0; d < hd; d++) _mm256_store_ps(o[d] + lo, _mm256_mul_ps(_mm256_load_ps(o[d] + lo), corr));
            UNROLL for (int j = 0; j < ATT2_PB; j++) {
                sc[j] = _mm256_and_ps(live[j], exp256(_mm256_sub_ps(sc[j], mn)));
                l[h] = _mm256_add_ps(l[h], sc[j]);
            }
            for (int64_t d = 0; d < hd; d++) {
                __m256 acc = _mm256_load_ps(o[d] + lo);
                UNROLL for (int j = 0; j < ATT2_PB; j++) acc = _mm256_fmadd_ps(_mm256_set1_ps(vf[j][d]), sc[j], acc);
                _mm256_store_ps(o[d] + lo, acc);
            }
        }
    }
    float inv[16];
    _mm256_storeu_ps(inv, _mm256_div_ps(_mm256_set1_ps(1.0f), l[0]));
    _mm256_storeu_ps(inv + 8, _mm256_div_ps(_mm256_set1_ps(1.0f), l[1]));
    for (int i = 0; i < nq; i++)
        for (int64_t d = 0; d < hd; d++) out[i][d] = o[d][i] * inv[i];
}

#endif
