/* kernels-x86-attn.h — attention over the f16 KV cache and SwiGLU in 256-bit registers (internal:
 * included by kernels-x86.c, so both x86 tables have x86_attn_dec; the rest is the AVX2 table's).
 *
 * Decode (x86_attn_dec): the queries of one token that share a KV head (the GQA group) read each
 * K and V row once together, in chunks of 64 positions, three passes per chunk:
 * - scores: a block of 8 K rows is converted to f32 once; per query each position's dot product
 *   is hd / 8 FMAs into its own register, and the 8 registers reduce to one whose lane j is
 *   position j's score (hsum8x8);
 * - one online-softmax step per query and chunk (max, e^(s - max) 8 lanes at a time, rescale o);
 * - V: each V element is converted once and multiplied into 4 queries' outputs, 16 output
 *   elements a pass (8 independent FMA chains, none waiting on a softmax).
 * Doing the softmax per 8-position block instead, between the scores and V of each query, left
 * every step waiting on the one before (a horizontal max, a scalar exp, a horizontal sum): 3.5 ms
 * per token at 544 positions on the 1B shapes, against about 1 ms this way.
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
#define ATTD_C      CAIRN_ATTN_DEC_CHUNK /* attn_dec: positions per chunk */
_Static_assert(ATT2_MAX_HD == CAIRN_ATTN_DEC_MAX_HD, "x86_attn_dec's rows are cairn_attn_dec_state's");

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

/* o[i][d0 .. d0 + 8 * DW) += sum over j < cn of p[i][j] * V[j] for queries i0 .. i0 + 3 (DW = 1 or 2 registers
 * of 8 elements): 4 * DW accumulator chains, each V element converted once for 4 queries. */
INLINE void attd_v(const int DW, float (*o)[ATT2_MAX_HD], const float (*p)[ATTD_C], int i0, int64_t d0, int cn,
                   const uint16_t *vc, size_t stride) {
    __m256 acc[4][2];
    UNROLL for (int i = 0; i < 4; i++) UNROLL for (int w = 0; w < DW; w++) acc[i][w] = _mm256_load_ps(o[i0 + i] + d0 + 8 * w);
    for (int j = 0; j < cn; j++) {
        __m256 v[2];
        UNROLL for (int w = 0; w < DW; w++) v[w] = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(vc + j * stride + d0 + 8 * w)));
        UNROLL for (int i = 0; i < 4; i++) {
            const __m256 pij = _mm256_broadcast_ss(&p[i0 + i][j]);
            UNROLL for (int w = 0; w < DW; w++) acc[i][w] = _mm256_fmadd_ps(pij, v[w], acc[i][w]);
        }
    }
    UNROLL for (int i = 0; i < 4; i++) UNROLL for (int w = 0; w < DW; w++) _mm256_store_ps(o[i0 + i] + d0 + 8 * w, acc[i][w]);
}

/* nq <= CAIRN_ATTN_DEC_MAX_Q queries of one token sharing a KV head, all over positions [0, n_past). */
static void x86_attn_dec(int nq, int64_t hd, const float *const *q, float *const *out, int64_t n_past,
                         const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale) {
    cairn_attn_dec_state st;
    const int nqp = cairn_attn_dec_begin(&st, nq, hd, q, scale);
    float (*qs)[ATT2_MAX_HD] = st.qs, (*o)[ATT2_MAX_HD] = st.o, (*p)[ATTD_C] = st.p, *m = st.m, *l = st.l;
    float kf[ATT2_PB][ATT2_MAX_HD] __attribute__((aligned(32)));
    for (int64_t c0 = 0; c0 < n_past; c0 += ATTD_C) {
        const int cn = (int)CAIRN_MIN((int64_t)ATTD_C, n_past - c0), nv = (cn + ATT2_PB - 1) / ATT2_PB;
        /* scores of the chunk, 8 positions a register (hsum8x8) */
        for (int b = 0; b < nv; b++) {
            const int64_t pos = c0 + ATT2_PB * b;
            att2_rows_f32(kf, kc + pos * kv_stride, kv_stride, CAIRN_MIN(ATT2_PB, cn - ATT2_PB * b), hd);
            /* the rows are a head's slice of each position (strided): fetch this block's V rows
             * and the next chunk's K rows ahead (prefetches past the cache's end are dropped) */
            for (int j = 0; j < ATT2_PB && pos + j < n_past; j++)
                for (int64_t d = 0; d < hd; d += 32) {
                    _mm_prefetch((const char *)(vc + (pos + j) * kv_stride + d), _MM_HINT_T0);
                    if (pos + ATTD_C + j < n_past) _mm_prefetch((const char *)(kc + (pos + ATTD_C + j) * kv_stride + d), _MM_HINT_T0);
                }
            for (int i = 0; i < nq; i++) {
                __m256 v[ATT2_PB];
                UNROLL for (int j = 0; j < ATT2_PB; j++) v[j] = _mm256_setzero_ps();
                for (int64_t d = 0; d < hd; d += 8) {
                    const __m256 qv = _mm256_load_ps(qs[i] + d);
                    UNROLL for (int j = 0; j < ATT2_PB; j++) v[j] = _mm256_fmadd_ps(_mm256_load_ps(kf[j] + d), qv, v[j]);
                }
                _mm256_store_ps(p[i] + ATT2_PB * b, hsum8x8(v));
            }
        }
        /* one online-softmax step per query: p = e^(s - max), positions past the end 0 */
        const __m256 tail = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(cn - ATT2_PB * (nv - 1)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
        for (int i = 0; i < nq; i++) {
            __m256 mx = _mm256_set1_ps(-INFINITY);
            for (int b = 0; b < nv; b++) mx = _mm256_max_ps(mx, b < nv - 1 ? _mm256_load_ps(p[i] + ATT2_PB * b)
                                                                         : _mm256_blendv_ps(mx, _mm256_load_ps(p[i] + ATT2_PB * b), tail));
            const float mn = CAIRN_MAX(m[i], hmax_ps(mx));
            const float corr = expf(m[i] - mn); /* first chunk: m = -inf, so 0 (l and o are 0) */
            m[i] = mn;
            __m256 sum = _mm256_setzero_ps();
            for (int b = 0; b < nv; b++) {
                __m256 e = exp256(_mm256_sub_ps(_mm256_load_ps(p[i] + ATT2_PB * b), _mm256_set1_ps(mn)));
                if (b == nv - 1) e = _mm256_and_ps(e, tail);
                _mm256_store_ps(p[i] + ATT2_PB * b, e);
                sum = _mm256_add_ps(sum, e);
            }
            l[i] = l[i] * corr + hsum_ps(sum);
            if (c0 > 0) for (int64_t d = 0; d < hd; d += 8) _mm256_store_ps(o[i] + d, _mm256_mul_ps(_mm256_load_ps(o[i] + d), _mm256_set1_ps(corr)));
        }
        /* o += p V: 16 output elements of 4 queries per pass over the chunk's V rows */
        const uint16_t *vb = vc + c0 * kv_stride;
        for (int i0 = 0; i0 < nqp; i0 += 4) {
            int64_t d = 0;
            for (; d + 16 <= hd; d += 16) attd_v(2, o, (const float (*)[ATTD_C])p, i0, d, cn, vb, kv_stride);
            if (d < hd) attd_v(1, o, (const float (*)[ATTD_C])p, i0, d, cn, vb, kv_stride);
        }
    }
    cairn_attn_dec_end(&st, nq, hd, out);
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
