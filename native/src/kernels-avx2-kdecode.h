/* kernels-avx2-kdecode.h — decode (nc = 1) forms of q4_K / q5_K for the AVX2 table (internal:
 * included by kernels-x86.c when it builds the avx2 table; the AVX-512 table has its own,
 * kernels-avx512-kdecode.h, which explains the approach).
 * Against the shared row tiles, what changes per row and block is the overhead around the
 * integer products: the 6-bit scales and mins of 4 rows unpack together (two rows per
 * register, one per 128-bit lane), each sub-block's scale words come from one pshufb of the
 * row's lane, the mins term of two rows is one vpmaddwd, and d / dmin of the 4 rows convert
 * with one vcvtph2ps. The products stay vpmaddubsw + vpmaddwd (AVX2 has no VNNI).
 */
#ifndef CAIRN_KERNELS_AVX2_KDECODE_H
#define CAIRN_KERNELS_AVX2_KDECODE_H

#define KD2_R 4 /* rows per decode tile */

/* The 12 scale bytes of two rows' blocks (at p0 + 4, p1 + 4) -> lane i: bytes 0..7 the 6-bit scales
 * of row i, bytes 8..15 its 6-bit mins (cairn_get_scale_min_k4's values). */
INLINE __m256i kd2_scales_mins2(const uint8_t *p0, const uint8_t *p1) {
    const __m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p0 + 4))),
                                              _mm_loadu_si128((const __m128i *)(p1 + 4)), 1);
    const __m256i a = _mm256_shuffle_epi32(v, 0x98); /* u0 u2 u1 u2 */
    const __m256i b = _mm256_shuffle_epi32(v, 0x50); /* u0 u0 u1 u1 */
    const __m256i lo = _mm256_and_si256(_mm256_srlv_epi32(a, _mm256_setr_epi32(0, 0, 0, 4, 0, 0, 0, 4)),
                                        _mm256_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F,
                                                          0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F));
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi32(b, 2), _mm256_setr_epi32(0, 0x30303030, 0, 0x30303030, 0, 0x30303030, 0, 0x30303030));
    return _mm256_or_si256(lo, hi);
}

/* pshufb control: every word = byte k of the lane, zero-extended. */
INLINE __m256i kd2_word_ctrl(int k) { return _mm256_set1_epi16((short)(0x8000 | k)); }

/* 4 rows x one q8_K column of q4_K (HB = 0) or q5_K (HB = 1) weights, blocks [0, nb). */
INLINE void kd2_k4_rows4(const int HB, int64_t nb, float *out, int64_t os, const uint8_t *w, size_t ws, size_t pf, const uint8_t *a) {
    const size_t bsz = HB ? sizeof(block_q5_K) : sizeof(block_q4_K);
    const size_t qs_off = HB ? offsetof(block_q5_K, qs) : offsetof(block_q4_K, qs);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    const __m256i cmin = _mm256_setr_epi32((int)0x80098008, (int)0x800B800A, (int)0x800D800C, (int)0x800F800E,
                                           (int)0x80098008, (int)0x800B800A, (int)0x800D800C, (int)0x800F800E);
    __m256 acc[KD2_R], accm[2] = { _mm256_setzero_ps(), _mm256_setzero_ps() };
    UNROLL for (int r = 0; r < KD2_R; r++) acc[r] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const block_q8_K *yb = (const block_q8_K *)a + b;
        const __m256i bs = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yb->bsums), _mm256_set1_epi16(1));
        const __m256i bsp = _mm256_broadcastsi128_si256(_mm_packs_epi32(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1)));
        const size_t off = (size_t)b * bsz;
        uint32_t dm[KD2_R];
        UNROLL for (int r = 0; r < KD2_R; r++) memcpy(&dm[r], w + r * ws + off, 4);
        const __m256 ddy = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)dm)), _mm256_set1_ps(yb->d));
        __m256i sm[2];
        UNROLL for (int p = 0; p < 2; p++) {
            sm[p] = kd2_scales_mins2(w + 2 * p * ws + off, w + (2 * p + 1) * ws + off);
            /* mins: lane i of accm[p] gathers row 2p + i's dmin * dy * sum(m * bsum) (4 partial lanes) */
            const __m256i mp = _mm256_madd_epi16(_mm256_shuffle_epi8(sm[p], cmin), bsp);
            const __m256 dmin = _mm256_permutevar8x32_ps(ddy, _mm256_setr_epi32(4 * p + 1, 4 * p + 1, 4 * p + 1, 4 * p + 1,
                                                                                 4 * p + 3, 4 * p + 3, 4 * p + 3, 4 * p + 3));
            accm[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mp), dmin, accm[p]);
        }
        UNROLL for (int r = 0; r < KD2_R; r++) {
            const uint8_t *xb = w + r * ws + off;
            _mm_prefetch((const char *)xb + pf, _MM_HINT_T1);
            _mm_prefetch((const char *)xb + pf + 64, _MM_HINT_T1);
            _mm_prefetch((const char *)xb + pf + 128, _MM_HINT_T1);
            /* row r's lane in both lanes (literal immediates: -O1 builds keep r a variable) */
            const __m256i sr = (r % 2) ? _mm256_permute2x128_si256(sm[r / 2], sm[r / 2], 0x11) : _mm256_permute2x128_si256(sm[r / 2], sm[r / 2], 0x00);
            __m256i hb = HB ? _mm256_loadu_si256((const __m256i *)((const block_q5_K *)xb)->qh) : _mm256_setzero_si256();
            __m256i sumi = _mm256_setzero_si256();
            UNROLL for (int j = 0; j < QK_K / 64; j++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(xb + qs_off + 32 * j));
                __m256i lo = _mm256_and_si256(q, m4), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
                if (HB) {
                    const __m256i one = _mm256_set1_epi8(1);
                    lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(hb, one), 4));
                    hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 1), one), 4));
                    hb = _mm256_srli_epi16(hb, 2);
                }
                const __m256i p_lo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)(yb->qs + 64 * j)));
                const __m256i p_hi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(yb->qs + 64 * j + 32)));
                sumi = _mm256_add_epi32(sumi, _mm256_add_epi32(_mm256_madd_epi16(p_lo, _mm256_shuffle_epi8(sr, kd2_word_ctrl(2 * j))),
                                                               _mm256_madd_epi16(p_hi, _mm256_shuffle_epi8(sr, kd2_word_ctrl(2 * j + 1)))));
            }
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi), _mm256_permutevar8x32_ps(ddy, _mm256_set1_epi32(2 * r)), acc[r]);
        }
    }
    float mins[2][8];
    _mm256_storeu_ps(mins[0], accm[0]);
    _mm256_storeu_ps(mins[1], accm[1]);
    UNROLL for (int r = 0; r < KD2_R; r++) {
        const float *m = mins[r / 2] + 4 * (r % 2);
        out[r * os] = hsum_ps(acc[r]) - ((m[0] + m[1]) + (m[2] + m[3]));
    }
}

/* 4-row tiles of a q4_K / q5_K decode product, spread over the call's rows (GEMV_SPREAD, the
 * prefetch 2 rows ahead in each stream); returns the rows done. */
INLINE int64_t kd2_gemv_k4(const int HB, int64_t n, float *out, const uint8_t *w, size_t ws, int64_t nr, const uint8_t *a) {
    GEMV_SPREAD(KD2_R, nr, g, nt, t) kd2_k4_rows4(HB, n / QK_K, out + g + t, nt, w + (g + t) * ws, nt * ws, 2 * ws, a);
    return gemv_spread_done(KD2_R, nr);
}

#endif
