/* kernels-avx512-kdecode.h — decode (nc = 1) forms of the K-quants for the AVX-512 table
 * (internal: included by kernels-avx512.c after kernels-x86.c, whose helpers it uses).
 *
 * Decode streams every weight once per token, so a kernel is fast enough when it retires a
 * block faster than memory delivers it. The shared row tiles work in 256-bit registers and
 * spend about 75 instructions on a q4_K block (one sub-block pair at a time, the 6-bit scales
 * unpacked with scalar code per row); these forms spend about 30:
 * - a 512-bit load covers 64 bytes of quants (two 64-element groups), split into low and high
 *   nibbles, each a register of two 32-element sub-blocks. The activations are loaded in the
 *   matching order ([0..31 | 64..95], [32..63 | 96..127], ...) once per block for 4 rows.
 * - vpmaddubsw + vpdpwssd with a word scale per half (pshufb from the row's scales): the
 *   sub-block scales are applied in the integer sum, one float FMA per row and block.
 * - the 6-bit scales and mins of 4 rows unpack together, one row per 128-bit lane, and the
 *   mins term sum(m * bsum) of the 4 rows is one vpmaddwd on that register.
 * q6_K: 64 bytes of ql hold 128 elements in order (low nibbles 0..63, high 64..127), so the
 * activations need no reordering; each 128-bit lane of a product is one 16-element sub-block.
 * Results agree with the reference up to float reassociation, as every table's do.
 */
#ifndef CAIRN_KERNELS_AVX512_KDECODE_H
#define CAIRN_KERNELS_AVX512_KDECODE_H

#define KD_R 4 /* rows per decode tile */
/* Software prefetch distance, in rows of each tile row's stream (GEMV_SPREAD: a stream's next
 * rows are the next tiles'), as the DEFINE_GEMM tiles' one row. With adjacent-row tiles, 4 tiles
 * ahead had beaten 1 (one core, q4_K: median 28 -> 33 GB/s); with spread tiles 2, 4 and 8 rows
 * ahead had measured alike on the first AMD machine (33-34 GB/s). 4 -> 1 on 2026-12-06: one core
 * from DRAM (bench-kernels, medians of 5) on AMD Zen 5 q4_K 31.1 -> 33.8 GB/s, q6_K 32.4 -> 31.1;
 * Intel Xeon (AMX) device q4_K 13.9 -> 14.4, q6_K 14.3 -> 14.6; the engine's decode on Zen 5 (C
 * driver, medians of 4 interleaved runs) Q4_K 65.5 -> 72.4 tok/s, Q4_K_M 59.2 -> 63.0. */
#define KD_PF_ROWS 1

/* The 12 scale bytes of 4 rows' blocks (at w + r*ws + off + 4) -> lane r: bytes 0..7 the 6-bit
 * scales, bytes 8..15 the 6-bit mins (cairn_get_scale_min_k4's values, 4 rows at once). */
INLINE __m512i kd_scales_mins4(const uint8_t *w, size_t ws, size_t off) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)(w + off + 4)));
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(w + ws + off + 4)), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(w + 2 * ws + off + 4)), 2);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)(w + 3 * ws + off + 4)), 3);
    /* per lane, dwords u0 u1 u2: out = [u0 & k1, (u2 & k2) | ((u0 >> 6) & 3) << 4, u1 & k1, ((u2 >> 4) & k2) | ((u1 >> 6) & 3) << 4] */
    const __m512i a = _mm512_shuffle_epi32(v, (_MM_PERM_ENUM)0x98); /* u0 u2 u1 u2 */
    const __m512i b = _mm512_shuffle_epi32(v, (_MM_PERM_ENUM)0x50); /* u0 u0 u1 u1 */
    const __m512i lo = _mm512_and_si512(_mm512_srlv_epi32(a, _mm512_set4_epi32(4, 0, 0, 0)),
                                        _mm512_set4_epi32(0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F));
    const __m512i hi = _mm512_and_si512(_mm512_srli_epi32(b, 2), _mm512_set4_epi32(0x30303030, 0, 0x30303030, 0));
    return _mm512_or_si512(lo, hi);
}

/* pshufb control for a packed pair of sub-block sums: in lanes 0-1, words 0-3 = byte A and words
 * 4-7 = byte A + 1; in lanes 2-3 the same of bytes B and B + 1 (zero-extended). */
INLINE __m512i kd_pair_ctrl(int A, int B) {
    const uint64_t w = 0x0001000100010001ULL;
    const long long a0 = (long long)(w * (uint64_t)(0x8000 | A)), a1 = (long long)(w * (uint64_t)(0x8000 | (A + 1)));
    const long long b0 = (long long)(w * (uint64_t)(0x8000 | B)), b1 = (long long)(w * (uint64_t)(0x8000 | (B + 1)));
    return _mm512_setr_epi64(a0, a1, a0, a1, b0, b1, b0, b1);
}

/* 4 rows x one q8_K column of q4_K (HB = 0) or q5_K (HB = 1) weights, blocks [0, nb). Per row and
 * block: vpdpbusd gives each nibble register's 4-element sums (|sum| <= 4 * 31 * 128, an int16),
 * two registers pack into one of words (vpackssdw, exact), and one vpdpwssd per packed pair
 * applies the 6-bit sub-block scales. The rows' scale bytes and float factors go through a
 * small stack buffer, so each row takes them with a broadcast load rather than a permute. */
INLINE void kd_k4_rows4(const int HB, int64_t nb, float *out, int64_t os, const uint8_t *w, size_t ws, size_t pf, const uint8_t *a) {
    const size_t bsz = HB ? sizeof(block_q5_K) : sizeof(block_q4_K);
    const size_t qs_off = HB ? offsetof(block_q5_K, qs) : offsetof(block_q4_K, qs);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const __m512i c01 = kd_pair_ctrl(0, 2), c23 = kd_pair_ctrl(4, 6);
    const __m512i cmin = _mm512_set4_epi32((int)0x800F800E, (int)0x800D800C, (int)0x800B800A, (int)0x80098008);
    /* q5_K: bit k of qh[l] is the fifth bit of element 32k + l; per half of a register: bits [2j | 2j + 2] etc. */
    const __m512i hb_l0 = _mm512_setr_epi64(0x0101010101010101LL, 0x0101010101010101LL, 0x0101010101010101LL, 0x0101010101010101LL,
                                            0x0404040404040404LL, 0x0404040404040404LL, 0x0404040404040404LL, 0x0404040404040404LL);
    __m512 acc[KD_R], accm = _mm512_setzero_ps();
    UNROLL for (int r = 0; r < KD_R; r++) acc[r] = _mm512_setzero_ps();
    _Alignas(64) uint8_t smb[64];
    _Alignas(32) float ddyb[8];
    for (int64_t b = 0; b < nb; b++) {
        const block_q8_K *yb = (const block_q8_K *)a + b;
        const int8_t *q8 = yb->qs;
        /* activations in the order of the weights' nibble registers */
        __m512i y[4];
        UNROLL for (int k = 0; k < 4; k++) {
            const int8_t *p = q8 + 128 * (k / 2) + 32 * (k % 2);
            y[k] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)p)), _mm256_loadu_si256((const __m256i *)(p + 64)), 1);
        }
        const __m256i bs = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yb->bsums), _mm256_set1_epi16(1));
        const __m512i bsp = _mm512_broadcast_i32x4(_mm_packs_epi32(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1)));
        /* d, dmin of the 4 rows -> [d0 m0 d1 m1 d2 m2 d3 m3] * dy */
        const size_t off = (size_t)b * bsz;
        uint32_t dm[KD_R];
        UNROLL for (int r = 0; r < KD_R; r++) memcpy(&dm[r], w + r * ws + off, 4);
        const __m256 ddy = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)dm)), _mm256_set1_ps(yb->d));
        const __m512i sm = kd_scales_mins4(w, ws, off);
        _mm512_store_si512(smb, sm);
        _mm256_store_ps(ddyb, ddy);
        /* mins: lane r of accm gathers row r's dmin * dy * sum(m * bsum) (4 partial lanes) */
        const __m512i mp = _mm512_madd_epi16(_mm512_shuffle_epi8(sm, cmin), bsp);
        accm = _mm512_fmadd_ps(_mm512_cvtepi32_ps(mp),
                               _mm512_permutexvar_ps(_mm512_setr_epi32(1, 1, 1, 1, 3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7), _mm512_castps256_ps512(ddy)), accm);
        UNROLL for (int r = 0; r < KD_R; r++) {
            const uint8_t *xb = w + r * ws + off;
            _mm_prefetch((const char *)xb + pf, _MM_HINT_T1);
            _mm_prefetch((const char *)xb + pf + 64, _MM_HINT_T1);
            _mm_prefetch((const char *)xb + pf + 128, _MM_HINT_T1);
            const __m512i sr = _mm512_broadcast_i32x4(_mm_load_si128((const __m128i *)(smb + 16 * r)));
            const __m512i q0 = _mm512_loadu_si512(xb + qs_off), q1 = _mm512_loadu_si512(xb + qs_off + 64);
            __m512i x[4] = { _mm512_and_si512(q0, m4), _mm512_and_si512(_mm512_srli_epi16(q0, 4), m4),
                             _mm512_and_si512(q1, m4), _mm512_and_si512(_mm512_srli_epi16(q1, 4), m4) };
            if (HB) {
                /* x[k] covers elements [64*(2*(k/2)) + 32*(k%2) ..] and the group 64 further: qh bits k', k' + 2 */
                const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)((const block_q5_K *)xb)->qh));
                UNROLL for (int k = 0; k < 4; k++) {
                    const __m512i bit = _mm512_slli_epi64(hb_l0, (k / 2) * 4 + (k % 2));
                    x[k] = _mm512_mask_add_epi8(x[k], _mm512_test_epi8_mask(qh, bit), x[k], _mm512_set1_epi8(16));
                }
            }
            const __m512i z = _mm512_setzero_si512();
            const __m512i p01 = _mm512_packs_epi32(_mm512_dpbusd_epi32(z, x[0], y[0]), _mm512_dpbusd_epi32(z, x[1], y[1]));
            const __m512i p23 = _mm512_packs_epi32(_mm512_dpbusd_epi32(z, x[2], y[2]), _mm512_dpbusd_epi32(z, x[3], y[3]));
            const __m512i s = _mm512_dpwssd_epi32(_mm512_madd_epi16(p01, _mm512_shuffle_epi8(sr, c01)), p23, _mm512_shuffle_epi8(sr, c23));
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(ddyb[2 * r]), acc[r]);
        }
    }
    float mins[16];
    _mm512_storeu_ps(mins, accm);
    UNROLL for (int r = 0; r < KD_R; r++)
        out[r * os] = _mm512_reduce_add_ps(acc[r]) - ((mins[4 * r] + mins[4 * r + 1]) + (mins[4 * r + 2] + mins[4 * r + 3]));
}

/* 4-row tiles of a q4_K / q5_K decode product, spread over the call's rows (GEMV_SPREAD); returns
 * the rows done. */
INLINE int64_t kd_gemv_k4(const int HB, int64_t n, float *out, const uint8_t *w, size_t ws, int64_t nr, const uint8_t *a) {
    GEMV_SPREAD(KD_R, nr, g, nt, t) kd_k4_rows4(HB, n / QK_K, out + g + t, nt, w + (g + t) * ws, nt * ws, KD_PF_ROWS * ws, a);
    return gemv_spread_done(KD_R, nr);
}

/* vpermw index: every word of lane t = t0 + t. */
INLINE __m512i kd_lane_words(int t0) {
    const long long u = 0x0001000100010001LL;
    return _mm512_setr_epi64(u * t0, u * t0, u * (t0 + 1), u * (t0 + 1), u * (t0 + 2), u * (t0 + 2), u * (t0 + 3), u * (t0 + 3));
}

/* 4 rows x one q8_K column of q6_K weights. */
INLINE void kd_q6_rows4(int64_t nb, float *out, int64_t os, const uint8_t *w, size_t ws, size_t pf, const uint8_t *a) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    /* qh bits 2t, 2t+1 of byte l are the high bits of element 32t + l: rotated to bits 4, 5 */
    const __m512i rot_lo = _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2), rot_hi = _mm512_setr_epi64(0, 0, 0, 0, 62, 62, 62, 62);
    __m512 acc[KD_R];
    UNROLL for (int r = 0; r < KD_R; r++) acc[r] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const block_q8_K *yb = (const block_q8_K *)a + b;
        const __m512i y[4] = { _mm512_loadu_si512(yb->qs), _mm512_loadu_si512(yb->qs + 64),
                               _mm512_loadu_si512(yb->qs + 128), _mm512_loadu_si512(yb->qs + 192) };
        const __m256i bsums = _mm256_loadu_si256((const __m256i *)yb->bsums);
        const size_t off = (size_t)b * sizeof(block_q6_K);
        UNROLL for (int r = 0; r < KD_R; r++) {
            const block_q6_K *xb = (const block_q6_K *)(w + r * ws + off);
            _mm_prefetch((const char *)xb + pf, _MM_HINT_T1);
            _mm_prefetch((const char *)xb + pf + 64, _MM_HINT_T1);
            _mm_prefetch((const char *)xb + pf + 128, _MM_HINT_T1);
            _mm_prefetch((const char *)xb + pf + 192, _MM_HINT_T1);
            const __m256i sc = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)xb->scales));
            const __m512i sc2 = _mm512_castsi256_si512(sc);
            /* -32 offset: start at -32 * sum over sub-blocks of scale * bsum */
            const __m256i off32 = _mm256_slli_epi32(_mm256_madd_epi16(sc, bsums), 5);
            __m512i s = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_castsi256_si512(off32));
            UNROLL for (int h = 0; h < 2; h++) {
                const __m512i l = _mm512_loadu_si512(xb->ql + 64 * h);
                const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(xb->qh + 32 * h)));
                const __m512i q_lo = _mm512_ternarylogic_epi32(l, m4, _mm512_and_si512(_mm512_rolv_epi64(qh, rot_lo), m30), 0xEA);
                const __m512i q_hi = _mm512_ternarylogic_epi32(_mm512_srli_epi16(l, 4), m4, _mm512_and_si512(_mm512_rolv_epi64(qh, rot_hi), m30), 0xEA);
                /* lane t of a product is sub-block 8h + 4k + t: its scale in every word */
                const __m512i s_lo = _mm512_permutexvar_epi16(kd_lane_words(8 * h), sc2);
                const __m512i s_hi = _mm512_permutexvar_epi16(kd_lane_words(8 * h + 4), sc2);
                s = _mm512_dpwssd_epi32(s, _mm512_maddubs_epi16(q_lo, y[2 * h]), s_lo);
                s = _mm512_dpwssd_epi32(s, _mm512_maddubs_epi16(q_hi, y[2 * h + 1]), s_hi);
            }
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_set1_ps(f16(xb->d) * yb->d), acc[r]);
        }
    }
    UNROLL for (int r = 0; r < KD_R; r++) out[r * os] = _mm512_reduce_add_ps(acc[r]);
}

INLINE int64_t kd_gemv_q6_K(int64_t n, float *out, const uint8_t *w, size_t ws, int64_t nr, const uint8_t *a) {
    GEMV_SPREAD(KD_R, nr, g, nt, t) kd_q6_rows4(n / QK_K, out + g + t, nt, w + (g + t) * ws, nt * ws, KD_PF_ROWS * ws, a);
    return gemv_spread_done(KD_R, nr);
}

#endif
