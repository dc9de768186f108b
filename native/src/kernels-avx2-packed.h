/* kernels-avx2-packed.h — packed 8-row panels for prefill in the AVX2 table (internal: included
 * by kernels-x86.c when it builds the avx2 table). The AVX-512 table has 16-row panels of its
 * own (kernels-avx512.c explains the idea); this is the same idea in 256-bit registers, where it
 * matters more: without VNNI the row tiles spend vpmaddubsw + vpmaddwd + a subtraction, a
 * conversion, a scale permute and an FMA on every (row, column, block) and reduce every lane sum
 * horizontally at the end.
 *
 * A panel holds 8 weight rows of one K-segment, repacked (a transient L1 copy; the mapped weights
 * are never copied as a whole) into units of 32 elements: q[g] lane r = bytes 4g..4g+3 of row r's
 * 32 unsigned (or, for q8_0, signed) values, with per-row float scale lanes. Per unit and column,
 * each q[g] meets the column's 4 activation bytes broadcast from memory, the 8 lanes are the 8
 * rows' sums (no horizontal reduction), and the scale is one 8-lane FMA:
 * - q4_0 / q4_K (values 0..15): the 8 groups' vpmaddubsw pair sums add in int16 (each at most
 *   2 * 15 * 128, 8 of them below 2^15) before one vpmaddwd; q4_0's -8 offset is the column's
 *   -8 * sum(y), q4_K's mins one FNMA of dmin * m lanes with the column's dy * sub-block sum.
 * - q6_K (values 0..63): pairs of groups add in int16 (2 * 2 * 63 * 128 < 2^15); each 16-element
 *   sub-block has its own scale lanes, its -32 offset is -32 * bsum.
 * - q8_0 (signed): vpmaddubsw of |x| with y carrying x's sign (|x| <= 128, |y| <= 127, so a pair
 *   sum stays below 2^15), one vpmaddwd per group.
 */
#ifndef CAIRN_KERNELS_AVX2_PACKED_H
#define CAIRN_KERNELS_AVX2_PACKED_H

enum { P2_Q4_0, P2_Q8_0, P2_Q4_K, P2_Q6_K };
#define P2_ROWS   8
#define P2_SEG    32   /* 32-element units per K-segment: 32 x 320 B = 10 KiB of panel */
#define P2_COLS   128  /* columns per pass (bounds the per-column stack array) */
#define P2_C      4    /* columns per register tile */
#define P2_MIN_NC 8    /* as the AVX-512 panels: batches from 8 tokens (see kernels-avx512.c) */

typedef struct { __m256i q[8]; __m256 d, m; } p2_unit; /* m: q4_K dmin * min, q6_K second sub-block's scale */
typedef struct { int32_t o0, o1; float dy, ym; } p2_act; /* one column's terms for one unit */

/* Start of unit u's 32 activation bytes in one column. */
INLINE const int8_t *p2_y(const int K, const uint8_t *col, int64_t u) {
    if (K >= P2_Q4_K) return ((const block_q8_K *)col + u / 8)->qs + 32 * (u % 8);
    return ((const block_q8_0 *)col + u)->qs;
}

/* q[g] lane r = dword g of r[r] (8 x 8 dword transpose). */
INLINE void p2_transpose(const __m256i *r, __m256i *q) {
    __m256i t[8], u[8];
    UNROLL for (int i = 0; i < 4; i++) {
        t[2 * i]     = _mm256_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    UNROLL for (int i = 0; i < 2; i++) { /* rows 4i..4i+3: u[4i + k] = dwords k | k + 4 */
        u[4 * i]     = _mm256_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    UNROLL for (int k = 0; k < 4; k++) {
        q[k]     = _mm256_permute2x128_si256(u[k], u[4 + k], 0x20);
        q[k + 4] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x31);
    }
}

/* Packs 8 rows' units [u0, u0 + nu). */
static void p2_pack(const int K, p2_unit *pu, const uint8_t *w, size_t ws, int64_t u0, int64_t nu) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < nu; i++) {
        const int64_t u = u0 + i;
        __m256i rows[P2_ROWS];
        float d[P2_ROWS], m[P2_ROWS];
        for (int r = 0; r < P2_ROWS; r++) {
            const uint8_t *row = w + r * ws;
            uint16_t h;
            if (K == P2_Q4_0 || K == P2_Q8_0) {
                const uint8_t *xb = row + u * (K == P2_Q4_0 ? sizeof(block_q4_0) : sizeof(block_q8_0));
                memcpy(&h, xb, 2);
                d[r] = f16(h); m[r] = 0.0f;
                rows[r] = K == P2_Q4_0 ? unpack_nibbles(xb + 2) : _mm256_loadu_si256((const __m256i *)(xb + 2));
            } else if (K == P2_Q4_K) {
                const block_q4_K *xb = (const block_q4_K *)row + u / 8;
                const int sb = (int)(u % 8);
                uint8_t sc, mn;
                cairn_get_scale_min_k4(sb, xb->scales, &sc, &mn);
                d[r] = f16(xb->d) * sc; m[r] = f16(xb->dmin) * mn;
                const __m256i q = _mm256_loadu_si256((const __m256i *)(xb->qs + 32 * (sb / 2)));
                rows[r] = _mm256_and_si256(sb & 1 ? _mm256_srli_epi16(q, 4) : q, m4);
            } else { /* q6_K: unit k of a block = quarter k % 4 of half k / 4 */
                const block_q6_K *xb = (const block_q6_K *)row + u / 8;
                const int k = (int)(u % 8);
                rows[r] = q6_quarter(xb->ql + 64 * (k / 4), xb->qh + 32 * (k / 4), k % 4);
                const float dx = f16(xb->d);
                d[r] = dx * xb->scales[2 * k]; m[r] = dx * xb->scales[2 * k + 1];
            }
        }
        p2_transpose(rows, pu[i].q);
        pu[i].d = _mm256_loadu_ps(d);
        pu[i].m = _mm256_loadu_ps(m);
    }
}

/* The columns' per-unit terms: pa[c * P2_SEG + i] for unit u0 + i. */
static void p2_prep(const int K, p2_act *pa, const uint8_t *a, size_t as, int64_t ncg, int64_t u0, int64_t nu) {
    for (int64_t c = 0; c < ncg; c++)
        for (int64_t i = 0; i < nu; i++) {
            const int64_t u = u0 + i;
            p2_act *p = pa + c * P2_SEG + i;
            p->o0 = p->o1 = 0; p->ym = 0.0f;
            if (K == P2_Q4_0 || K == P2_Q8_0) {
                const block_q8_0 *yb = (const block_q8_0 *)(a + c * as) + u;
                p->dy = f16(yb->d);
                if (K == P2_Q4_0) p->o0 = -8 * sum_i8x32(yb->qs);
            } else {
                const block_q8_K *yb = (const block_q8_K *)(a + c * as) + u / 8;
                const int k = (int)(u % 8);
                p->dy = yb->d;
                if (K == P2_Q4_K) p->ym = yb->d * (float)(yb->bsums[2 * k] + yb->bsums[2 * k + 1]);
                else { p->o0 = -32 * yb->bsums[2 * k]; p->o1 = -32 * yb->bsums[2 * k + 1]; }
            }
        }
}

/* Keeps v in a register as computed: without it GCC reassociates the int16 sums into a tree of
 * 32 products, which spills the tile to the stack and halves its speed. */
#define P2_KEEP(v) __asm__("" : "+x"(v))

INLINE __m256i p2_bcast(const int8_t *y, int g) { int32_t v; memcpy(&v, y + 4 * g, 4); return _mm256_set1_epi32(v); }

/* 8 rows x C columns over one panel; out[c * ldo + r] = (ADD ? out + : ) sum. */
INLINE void p2_tile(const int K, const int C, const p2_unit *pu, int64_t u0, int64_t nu, const uint8_t *a, size_t as,
                    const p2_act *pa, float *out, size_t ldo, int add) {
    const __m256i ones = _mm256_set1_epi16(1);
    __m256 acc[P2_C];
    UNROLL for (int c = 0; c < C; c++) acc[c] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nu; i++) {
        const p2_unit *p = pu + i;
        const int8_t *y[P2_C];
        UNROLL for (int c = 0; c < C; c++) y[c] = p2_y(K, a + c * as, u0 + i);
        __m256i s[P2_C], s1[P2_C];
        if (K == P2_Q4_0 || K == P2_Q4_K) {
            UNROLL for (int c = 0; c < C; c++) s[c] = _mm256_setzero_si256();
            UNROLL for (int g = 0; g < 8; g++) {
                const __m256i q = _mm256_load_si256(&p->q[g]);
                UNROLL for (int c = 0; c < C; c++) { s[c] = _mm256_add_epi16(s[c], _mm256_maddubs_epi16(q, p2_bcast(y[c], g))); P2_KEEP(s[c]); }
            }
            UNROLL for (int c = 0; c < C; c++) s[c] = _mm256_madd_epi16(s[c], ones);
        } else if (K == P2_Q8_0) {
            UNROLL for (int c = 0; c < C; c++) s[c] = _mm256_setzero_si256();
            UNROLL for (int g = 0; g < 8; g++) {
                const __m256i q = _mm256_load_si256(&p->q[g]), aq = _mm256_abs_epi8(q);
                UNROLL for (int c = 0; c < C; c++) {
                    s[c] = _mm256_add_epi32(s[c], _mm256_madd_epi16(_mm256_maddubs_epi16(aq, _mm256_sign_epi8(p2_bcast(y[c], g), q)), ones));
                    P2_KEEP(s[c]);
                }
            }
        } else {
            UNROLL for (int c = 0; c < C; c++) { s[c] = _mm256_setzero_si256(); s1[c] = _mm256_setzero_si256(); }
            UNROLL for (int g = 0; g < 8; g += 2) {
                const __m256i q0 = _mm256_load_si256(&p->q[g]), q1 = _mm256_load_si256(&p->q[g + 1]);
                UNROLL for (int c = 0; c < C; c++) {
                    const __m256i t = _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(q0, p2_bcast(y[c], g)),
                                                                         _mm256_maddubs_epi16(q1, p2_bcast(y[c], g + 1))), ones);
                    if (g < 4) { s[c] = _mm256_add_epi32(s[c], t); P2_KEEP(s[c]); }
                    else { s1[c] = _mm256_add_epi32(s1[c], t); P2_KEEP(s1[c]); }
                }
            }
        }
        UNROLL for (int c = 0; c < C; c++) {
            const p2_act *pc = pa + c * P2_SEG + i;
            const __m256 dy = _mm256_set1_ps(pc->dy);
            const __m256i si = K == P2_Q4_0 || K == P2_Q6_K ? _mm256_add_epi32(s[c], _mm256_set1_epi32(pc->o0)) : s[c];
            acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(si), _mm256_mul_ps(p->d, dy), acc[c]);
            if (K == P2_Q4_K) acc[c] = _mm256_fnmadd_ps(p->m, _mm256_set1_ps(pc->ym), acc[c]);
            if (K == P2_Q6_K)
                acc[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(s1[c], _mm256_set1_epi32(pc->o1))), _mm256_mul_ps(p->m, dy), acc[c]);
        }
    }
    UNROLL for (int c = 0; c < C; c++) {
        float *o = out + c * ldo;
        _mm256_storeu_ps(o, add ? _mm256_add_ps(_mm256_loadu_ps(o), acc[c]) : acc[c]);
    }
}

/* Whole 8-row panels of a product with nc >= P2_MIN_NC columns; returns the rows done (0 when
 * the product is a decode or too narrow: the row tiles take it). */
INLINE int64_t p2_gemm(const int K, int64_t n, float *out, size_t ldo, const uint8_t *w, size_t ws, int64_t nr,
                       const uint8_t *a, size_t as, int64_t nc) {
    if (nc < P2_MIN_NC || nr < P2_ROWS) return 0;
    const int64_t nu_all = n / 32, np = nr / P2_ROWS;
    p2_unit pu[P2_SEG];
    p2_act pa[P2_COLS * P2_SEG];
    for (int64_t j0 = 0; j0 < nc; j0 += P2_COLS) {
        const int64_t ncg = CAIRN_MIN((int64_t)P2_COLS, nc - j0);
        for (int64_t u0 = 0; u0 < nu_all; u0 += P2_SEG) {
            const int64_t nu = CAIRN_MIN((int64_t)P2_SEG, nu_all - u0);
            p2_prep(K, pa, a + j0 * as, as, ncg, u0, nu);
            for (int64_t p = 0; p < np; p++) {
                p2_pack(K, pu, w + p * P2_ROWS * ws, ws, u0, nu);
                float *ob = out + j0 * ldo + p * P2_ROWS;
                int64_t c = 0;
                for (; c + P2_C <= ncg; c += P2_C)
                    p2_tile(K, P2_C, pu, u0, nu, a + (j0 + c) * as, as, pa + c * P2_SEG, ob + c * ldo, ldo, u0 > 0);
                for (; c < ncg; c++)
                    p2_tile(K, 1, pu, u0, nu, a + (j0 + c) * as, as, pa + c * P2_SEG, ob + c * ldo, ldo, u0 > 0);
            }
        }
    }
    return np * P2_ROWS;
}

#endif
