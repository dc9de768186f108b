/* kernels-x86-attn.h — attention over the f16 KV cache and SwiGLU in 256-bit registers (internal:
 * included by kernels-x86.c, so both x86 tables have x86_attn_dec; the rest is the AVX2 table's).
 *
 * Decode (x86_attn_dec): the queries of one token that share a KV head (the GQA group) read each
 * K and V row once together. A block of 8 positions is converted to f32 once; per query, each
 * position's dot product is hd / 8 FMAs into its own register and the 8 registers reduce to one
 * whose lane j is position j's score (21 shuffles and adds), so the online softmax runs on
 * positions in lanes; V rows then add into the query's output with one FMA per 8 elements.
 * Against the per-position helpers (a call, a horizontal sum and hd products per (query,
 * position), K and V read once per query) this does about a third of the work.
 *
 * Prefill (avx2_attn16, the AVX2 table only): the AVX-512 table's attn16 (kernels-avx512.c)
 * explains the approach: lanes are queries, so a block of positions is FMAs with no horizontal
 * work, with an online softmax per lane. Here a register holds 8 queries: the 16 queries of a call
 * are two halves that share each block's K/V rows (converted to f32 once), and a block is 8
 * positions (8 score registers per half fit the 16 ymm registers).
 */
#ifndef CAIRN_KERNELS_X86_ATTN_H
#define CAIRN_KERNELS_X86_ATTN_H

#define ATT2_PB     8    /* positions per block */
#define ATT2_MAX_HD 256
_Static_assert(ATT2_MAX_HD >= CAIRN_ATTN_DEC_MAX_HD, "x86_attn_dec's buffers hold the contract's head size");

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

/* rows p0 .. p0 + pb - 1 (f16, stride elements apart) -> f32 dst[j][d]; rows pb.. zeroed */
INLINE void att2_rows_f32(float (*dst)[ATT2_MAX_HD], const uint16_t *src, size_t stride, int pb, int64_t hd) {
    for (int j = 0; j < ATT2_PB; j++)
        for (int64_t d = 0; d < hd; d += 8)
            _mm256_store_ps(dst[j] + d, j < pb ? _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + j * stride + d)))
                                               : _mm256_setzero_ps());
}

/* lane j of the result = the sum of v[j]'s 8 lanes */
INLINE __m256 hsum8x8(const __m256 *v) {
    __m256 t[4], u[2];
    UNROLL for (int k = 0; k < 4; k++) t[k] = _mm256_add_ps(_mm256_unpacklo_ps(v[2 * k], v[2 * k + 1]), _mm256_unpackhi_ps(v[2 * k], v[2 * k + 1]));
    UNROLL for (int k = 0; k < 2; k++) {
        const __m256d a = _mm256_castps_pd(t[2 * k]), b = _mm256_castps_pd(t[2 * k + 1]);
        u[k] = _mm256_add_ps(_mm256_castpd_ps(_mm256_unpacklo_pd(a, b)), _mm256_castpd_ps(_mm256_unpackhi_pd(a, b))); /* 4 positions per 128-bit lane */
    }
    return _mm256_add_ps(_mm256_permute2f128_ps(u[0], u[1], 0x20), _mm256_permute2f128_ps(u[0], u[1], 0x31));
}

/* nq <= CAIRN_ATTN_DEC_MAX_Q queries of one token sharing a KV head, all over positions [0, n_past). */
static void x86_attn_dec(int nq, int64_t hd, const float *const *q, float *const *out, int64_t n_past,
                         const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale) {
    float qs[CAIRN_ATTN_DEC_MAX_Q][ATT2_MAX_HD] __attribute__((aligned(32))), o[CAIRN_ATTN_DEC_MAX_Q][ATT2_MAX_HD] __attribute__((aligned(32)));
    float kf[ATT2_PB][ATT2_MAX_HD] __attribute__((aligned(32))), vf[ATT2_PB][ATT2_MAX_HD] __attribute__((aligned(32)));
    float m[CAIRN_ATTN_DEC_MAX_Q], l[CAIRN_ATTN_DEC_MAX_Q];
    for (int i = 0; i < nq; i++) {
        for (int64_t d = 0; d < hd; d++) { qs[i][d] = q[i][d] * scale; o[i][d] = 0.0f; }
        m[i] = -INFINITY; l[i] = 0.0f;
    }
    for (int64_t p0 = 0; p0 < n_past; p0 += ATT2_PB) {
        const int pb = (int)CAIRN_MIN((int64_t)ATT2_PB, n_past - p0);
        att2_rows_f32(kf, kc + p0 * kv_stride, kv_stride, pb, hd);
        att2_rows_f32(vf, vc + p0 * kv_stride, kv_stride, pb, hd);
        const __m256 live = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(pb), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
        for (int i = 0; i < nq; i++) {
            __m256 v[ATT2_PB];
            UNROLL for (int j = 0; j < ATT2_PB; j++) v[j] = _mm256_setzero_ps();
            for (int64_t d = 0; d < hd; d += 8) {
                const __m256 qv = _mm256_load_ps(qs[i] + d);
                UNROLL for (int j = 0; j < ATT2_PB; j++) v[j] = _mm256_fmadd_ps(_mm256_load_ps(kf[j] + d), qv, v[j]);
            }
            const __m256 s = _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), hsum8x8(v), live);
            const float mn = CAIRN_MAX(m[i], hmax_ps(s));
            const float corr = expf(m[i] - mn); /* first block: m = -inf, so 0 (l and o are 0) */
            m[i] = mn;
            const __m256 p = _mm256_and_ps(live, exp256(_mm256_sub_ps(s, _mm256_set1_ps(mn))));
            l[i] = l[i] * corr + hsum_ps(p);
            float pj[ATT2_PB];
            _mm256_storeu_ps(pj, p);
            const __m256 vc8 = _mm256_set1_ps(corr);
            for (int64_t d = 0; d < hd; d += 8) {
                __m256 acc = _mm256_mul_ps(_mm256_load_ps(o[i] + d), vc8);
                UNROLL for (int j = 0; j < ATT2_PB; j++) acc = _mm256_fmadd_ps(_mm256_set1_ps(pj[j]), _mm256_load_ps(vf[j] + d), acc);
                _mm256_store_ps(o[i] + d, acc);
            }
        }
    }
    for (int i = 0; i < nq; i++)
        for (int64_t d = 0; d < hd; d++) out[i][d] = o[i][d] / l[i];
}

/* attn16's inputs by lane: np[i] = query i's limit, qt[d][i] = q[i][d] * scale, o zeroed (idle
 * lanes: a zero query over position 0); returns the longest limit. */
INLINE int64_t att16_lanes(int nq, int64_t hd, const float *const *q, const int64_t *n_past, float scale,
                           float (*qt)[16], float (*o)[16], int32_t *np) {
    int64_t maxp = 0;
    for (int i = 0; i < 16; i++) {
        np[i] = i < nq ? (int32_t)n_past[i] : 1;
        maxp = CAIRN_MAX(maxp, (int64_t)np[i]);
    }
    for (int64_t d = 0; d < hd; d++)
        for (int i = 0; i < 16; i++) { qt[d][i] = i < nq ? q[i][d] * scale : 0.0f; o[d][i] = 0.0f; }
    return maxp;
}

#ifndef CAIRN_X86_VNNI
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

static void avx2_attn16(int nq, int64_t hd, const float *const *q, float *const *out, const int64_t *n_past,
                        const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale) {
    float qt[ATT2_MAX_HD][16] __attribute__((aligned(32))), o[ATT2_MAX_HD][16] __attribute__((aligned(32)));
    float kf[ATT2_PB][ATT2_MAX_HD] __attribute__((aligned(32))), vf[ATT2_PB][ATT2_MAX_HD] __attribute__((aligned(32)));
    int32_t np[16];
    const int64_t maxp = att16_lanes(nq, hd, q, n_past, scale, qt, o, np);
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

#endif /* !CAIRN_X86_VNNI */

#endif
