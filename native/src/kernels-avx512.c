/* kernels-avx512.c — the x86 table for CPUs with AVX-512 (F, BW, VL, DQ) and VNNI, compiled with
 * -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni plus the AVX2 flags. The shared x86
 * kernels (kernels-x86.c) come first, with CAIRN_X86_VNNI: integer dot products in VNNI form and a
 * 4 rows x 4 columns register tile. Then what only this table has: q4_0 / q8_0 tiles holding two
 * blocks per 512-bit register, q4_0's decode (nc = 1) form and packed 16-row panels for prefill;
 * packed q4_K / q6_K panels; batched causal attention (attn16) and a vector SwiGLU (silu_mul).
 */
#define CAIRN_X86_VNNI 1
#include "kernels-x86.c"

#if defined(__x86_64__)

#include "kernels-avx512-kdecode.h" /* decode (nc = 1) forms of q4_K, q5_K, q6_K */

/* ---- AVX-512 forms of q4_0 / q8_0: two consecutive blocks per 512-bit register ----
 * Per (row, column) and pair of blocks: one vpdpbusd (64 products), one int->float conversion,
 * one scale permute and one FMA, instead of that sequence per block on 256-bit registers. The
 * f16 scales of the row tile's two blocks are converted with one vcvtph2ps ([r0b0 .. r3b0 r0b1 ..
 * r3b1]), multiplied once per column by that column's [dy0 x4, dy1 x4], and each row's lanes are
 * spread over the 16 dword lanes with vpermps. An odd last block goes through the 256-bit tile. */

/* f16 scales at (w + r*ws + off) and (w + r*ws + off + bs) for r < R -> [r0b0 r1b0 r2b0 r3b0 r0b1 .. r3b1]. */
INLINE __m256 row_scales2(const int R, const uint8_t *w, size_t ws, size_t off, size_t bs) {
    uint64_t v0 = 0, v1 = 0;
    UNROLL for (int r = 0; r < R; r++) {
        uint16_t h0, h1;
        memcpy(&h0, w + r * ws + off, 2); memcpy(&h1, w + r * ws + off + bs, 2);
        v0 |= (uint64_t)h0 << (16 * r); v1 |= (uint64_t)h1 << (16 * r);
    }
    return _mm256_cvtph_ps(_mm_set_epi64x((long long)v1, (long long)v0));
}

/* Two activation block scales -> [d0 x4, d1 x4]. */
INLINE __m256 act_scales2(uint16_t d0, uint16_t d1) {
    const __m128i v = _mm_cvtsi32_si128((int)(d0 | (uint32_t)d1 << 16));
    return _mm256_cvtph_ps(_mm_shuffle_epi8(v, _mm_setr_epi8(0, 1, 0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3, 2, 3)));
}

/* Row r's scale lanes: QUARTERS = 1 -> [b0 x4, b1 x4, b0 x4, b1 x4] (q4_0 layout), else [b0 x8, b1 x8]. */
INLINE __m512i scale_idx(const int r, const int quarters) {
    return quarters ? _mm512_setr_epi32(r, r, r, r, 4 + r, 4 + r, 4 + r, 4 + r, r, r, r, r, 4 + r, 4 + r, 4 + r, 4 + r)
                    : _mm512_setr_epi32(r, r, r, r, r, r, r, r, 4 + r, 4 + r, 4 + r, 4 + r, 4 + r, 4 + r, 4 + r, 4 + r);
}

#define ZERO_TILE512(R, C)                                                      \
    __m512 acc[TILE_R][TILE_C];                                                 \
    UNROLL for (int r = 0; r < R; r++)                                          \
        UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm512_setzero_ps();

/* Stores the tile; an odd last block is added from the 256-bit tile. */
#define STORE_TILE512(R, C, T, BS, ABS)                                                                  \
    float tail[TILE_C * TILE_R] = {0};                                                            \
    if (nb & 1) tile_##T##_256(R, C, 1, tail, TILE_R, w + (nb - 1) * (BS), ws, pf, a + (nb - 1) * (ABS), as); \
    UNROLL for (int c = 0; c < C; c++)                                                             \
        UNROLL for (int r = 0; r < R; r++) out[c * ldo + r] = _mm512_reduce_add_ps(acc[r][c]) + tail[c * TILE_R + r];

INLINE void tile_q4_0(TILE_PARAMS) {
    ZERO_TILE512(R, C)
    /* weights unpack to [lo(b0) lo(b1) hi(b0) hi(b1)] (16 bytes each); activations are permuted to match */
    const __m512i yperm = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    for (int64_t b = 0; b + 2 <= nb; b += 2) {
        __m512i y[TILE_C], ys[TILE_C]; __m256 p[TILE_C];
        const __m256 dx = row_scales2(R, w, ws, b * sizeof(block_q4_0), sizeof(block_q4_0));
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_0 *yb = (const block_q8_0 *)(a + c * as) + b;
            y[c] = _mm512_permutex2var_epi64(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)yb[0].qs)), yperm,
                                             _mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)yb[1].qs)));
            /* accumulator start: -8 * sum(y) per dword */
            ys[c] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(8), y[c]));
            p[c] = _mm256_mul_ps(dx, act_scales2(yb[0].d, yb[1].d));
        }
        UNROLL for (int r = 0; r < R; r++) {
            const block_q4_0 *xb = (const block_q4_0 *)(w + r * ws) + b;
            PREFETCH(xb);
            const __m256i t = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)xb[0].qs)),
                                                      _mm_loadu_si128((const __m128i *)xb[1].qs), 1);
            const __m512i q = _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(t), _mm256_srli_epi16(t, 4), 1),
                                               _mm512_set1_epi8(0x0F));
            const __m512i idx = scale_idx(r, 1);
            UNROLL for (int c = 0; c < C; c++) {
                const __m512i s = _mm512_dpbusd_epi32(ys[c], q, y[c]);
                acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(p[c])), acc[r][c]);
            }
        }
    }
    STORE_TILE512(R, C, q4_0, sizeof(block_q4_0), sizeof(block_q8_0))
}
#define tile_q4_0_tiles tile_q4_0
DEFINE_GEMM(q4_0_tiles, QK4_0)

INLINE void tile_q8_0(TILE_PARAMS) {
    ZERO_TILE512(R, C)
    for (int64_t b = 0; b + 2 <= nb; b += 2) {
        __m512i y[TILE_C], ys[TILE_C]; __m256 p[TILE_C];
        const __m256 dx = row_scales2(R, w, ws, b * sizeof(block_q8_0), sizeof(block_q8_0));
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_0 *yb = (const block_q8_0 *)(a + c * as) + b;
            y[c] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)yb[0].qs)),
                                      _mm256_loadu_si256((const __m256i *)yb[1].qs), 1);
            /* weights biased to unsigned (x + 128): accumulator start -128 * sum(y) */
            ys[c] = _mm512_sub_epi32(_mm512_setzero_si512(), _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)0x80), y[c]));
            p[c] = _mm256_mul_ps(dx, act_scales2(yb[0].d, yb[1].d));
        }
        UNROLL for (int r = 0; r < R; r++) {
            const block_q8_0 *xb = (const block_q8_0 *)(w + r * ws) + b;
            PREFETCH(xb); PREFETCH((const uint8_t *)xb + 64);
            const __m512i x = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)xb[0].qs)),
                                                 _mm256_loadu_si256((const __m256i *)xb[1].qs), 1);
            const __m512i ux = _mm512_xor_si512(x, _mm512_set1_epi8((char)0x80));
            const __m512i idx = scale_idx(r, 0);
            UNROLL for (int c = 0; c < C; c++) {
                const __m512i s = _mm512_dpbusd_epi32(ys[c], ux, y[c]);
                acc[r][c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(p[c])), acc[r][c]);
            }
        }
    }
    STORE_TILE512(R, C, q8_0, sizeof(block_q8_0), sizeof(block_q8_0))
}
#define tile_q8_0_tiles tile_q8_0
DEFINE_GEMM(q8_0_tiles, QK8_0)

/* ---- decode (nc = 1) form of q4_0: 4-row tiles spread over the call's rows ----
 * q8_0's decode is DEFINE_GEMM's: the 4-row tiles above, spread (GEMV_SPREAD), one row ahead
 * prefetched in each stream. An 8-row form with gathered scales (adjacent rows, the next tile
 * prefetched) had been kept for q8_0; the spread 4-row tiles beat it on both x86 families
 * measured (bench-kernels, one core, from DRAM: AMD EPYC Zen 5 26-29 -> 35-40 GB/s, its compute
 * rate 41 -> 60; Intel Xeon (AMX) 17-19 -> 18-20). q4_0's tiles had been 8 spread rows: with 4,
 * the engine's Q4_0 decode on Zen 5 went 64.7 -> 75.7 tok/s (2 threads, medians of 5 interleaved
 * runs), one Intel core from DRAM 11.4 -> 11.0 GB/s (medians of 5, inside that machine's noise).
 * The rows are the shared tiles' TILE_R (4): q4_0x4_scales and the 256-bit tail tile assume it. */

/* q4_0 decode, 4 rows x 4 blocks per step: one register holds a row's 4 blocks of quants (one
 * 128-bit lane per block), split into low and high nibbles (elements 0..15 and 16..31 of each
 * block) against activations laid out the same way once per step for the 4 rows, so a row
 * costs two vpdpbusd, one conversion and one FMA per 128 weights.
 * The 16 f16 block scales of the step come from word permutes (q4_0x4_scales). */
/* 16 bytes from each of p0..p3 -> 128-bit lanes 0..3 (insert positions must be literal constants). */
INLINE __m512i lanes4(const void *p0, const void *p1, const void *p2, const void *p3) {
    __m512i v = _mm512_castsi128_si512(_mm_loadu_si128((const __m128i *)p0));
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)p1), 1);
    v = _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)p2), 2);
    return _mm512_inserti32x4(v, _mm_loadu_si128((const __m128i *)p3), 3);
}

/* Word permute of two rows' first 64 bytes picking words 9k (block k's f16 scale, at byte 18k), k < 4:
 * the first row's to words at + k, the second's to at + 4 + k. */
INLINE __m512i q4_0x4_scale_idx(int at) {
    _Alignas(64) int16_t idx[32] = {0};
    for (int k = 0; k < 4; k++) { idx[at + k] = (int16_t)(9 * k); idx[at + 4 + k] = (int16_t)(32 + 9 * k); }
    return _mm512_load_si512(idx);
}

/* The 16 f16 block scales of 4 rows' 4 blocks (rows w + r*ws) -> lane 4r + k: two word permutes of the
 * rows' first 64 bytes (in bounds: 4 blocks are 72) and a blend. A gather (its 16 loads) had taken
 * a quarter of the decode's time on AMD Zen 5: one core's compute rate went 29 -> 50 GB/s
 * (bench-kernels, L2-resident), Intel Xeon (AMX) 21 -> 24. */
INLINE __m512 q4_0x4_scales(const uint8_t *w, size_t ws, __m512i idx01, __m512i idx23) {
    const __m512i r01 = _mm512_permutex2var_epi16(_mm512_loadu_si512(w), idx01, _mm512_loadu_si512(w + ws));
    const __m512i r23 = _mm512_permutex2var_epi16(_mm512_loadu_si512(w + 2 * ws), idx23, _mm512_loadu_si512(w + 3 * ws));
    return _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_mask_blend_epi16(0xFF00, r01, r23)));
}

INLINE void gemv_q4_0x4(int64_t nb, float *out, int64_t os, const uint8_t *w, size_t ws, size_t pf, const uint8_t *a) {
    const size_t bsz = sizeof(block_q4_0);
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i sidx01 = q4_0x4_scale_idx(0), sidx23 = q4_0x4_scale_idx(8);
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    __m512 acc[TILE_R];
    UNROLL for (int r = 0; r < TILE_R; r++) acc[r] = _mm512_setzero_ps();
    int64_t b = 0;
    for (; b + 4 <= nb; b += 4) {
        const block_q8_0 *yb = (const block_q8_0 *)a + b;
        const __m512i ylo = lanes4(yb[0].qs, yb[1].qs, yb[2].qs, yb[3].qs);
        const __m512i yhi = lanes4(yb[0].qs + 16, yb[1].qs + 16, yb[2].qs + 16, yb[3].qs + 16);
        /* weights 0..15 = x + 8: each block's lanes start at -8 * sum(y) */
        const __m512i ys = _mm512_sub_epi32(_mm512_setzero_si512(),
            _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(8), ylo), _mm512_set1_epi8(8), yhi));
        const uint64_t dyh = yb[0].d | (uint64_t)yb[1].d << 16 | (uint64_t)yb[2].d << 32 | (uint64_t)yb[3].d << 48;
        const __m512 dy = _mm512_cvtph_ps(_mm256_set1_epi64x((long long)dyh)); /* lane 4r + k: dy of block k */
        const uint8_t *wb = w + b * bsz;
        const __m512 p = _mm512_mul_ps(q4_0x4_scales(wb, ws, sidx01, sidx23), dy);
        UNROLL for (int r = 0; r < TILE_R; r++) {
            const uint8_t *xb = wb + r * ws;
            _mm_prefetch((const char *)xb + pf, _MM_HINT_T1);
            _mm_prefetch((const char *)xb + pf + 64, _MM_HINT_T1);
            const __m512i x = lanes4(xb + 2, xb + bsz + 2, xb + 2 * bsz + 2, xb + 3 * bsz + 2);
            const __m512i s = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(ys, _mm512_and_si512(x, m4), ylo),
                                                  _mm512_and_si512(_mm512_srli_epi16(x, 4), m4), yhi);
            const __m512i idx = _mm512_add_epi32(_mm512_srli_epi32(lane, 2), _mm512_set1_epi32(4 * r));
            acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_permutexvar_ps(idx, p), acc[r]);
        }
    }
    float tail[TILE_R] = {0};
    if (b < nb) /* the last nb % 4 blocks: the 256-bit tile */
        tile_q4_0_256(TILE_R, 1, nb - b, tail, 1, w + (size_t)b * bsz, ws, pf, a + (size_t)b * sizeof(block_q8_0), 0);
    UNROLL for (int r = 0; r < TILE_R; r++) out[r * os] = _mm512_reduce_add_ps(acc[r]) + tail[r];
}

/* q4_0's 4-row decode tiles, spread over the call's rows (the prefetch 2 rows ahead in each row's
 * stream); returns the rows done. */
INLINE int64_t gemv_q4_0(int64_t n, float *out, const uint8_t *w, size_t ws, int64_t nr, const uint8_t *a) {
    GEMV_SPREAD(TILE_R, nr, g, nt, t) gemv_q4_0x4(n / QK4_0, out + g + t, nt, w + (g + t) * ws, nt * ws, 2 * ws, a);
    return gemv_spread_done(TILE_R, nr);
}

/* ---- packed panels for prefill (q4_0 / q8_0 weights x q8_0 activations, nc >= PACK_MIN_NC) ----
 * The row-tile kernels above reduce every (row, column, block) dot product across lanes, and
 * pay a conversion, a scale permute and an FMA per 64 products. For many columns the weights are
 * instead repacked, 16 rows at a time and one K-segment at a time, into a small stack panel that
 * lives in L1 (a transient copy, like a BLAS packing buffer; the mapped weights are never
 * copied as a whole): for each block, 8 registers of 16 rows x 4 consecutive unsigned bytes.
 * One vpdpbusd with the column's 4 activation bytes broadcast from memory then advances 16
 * rows at once, the 16 lanes are the 16 rows' sums (no horizontal reduction), and the block's
 * scales are one 16-lane vector. A block's 8 products run across the tile's columns (8
 * independent chains per weight register) rather than down one column's chain of 8. The unsigned weights' offset (8 for q4_0, 128 for q8_0) is
 * the accumulator start, -offset * sum(y), computed once per (column, block) for all panels. */
#define PACK_ROWS   16
#define PACK_SEG    32     /* blocks per K-segment: panel 32 x 576 B = 18 KiB */
#define PACK_COLS   256    /* columns per pass (bounds the per-column stack arrays) */
/* Used from 8 columns up. The packed sums agree with the reference within test-kernels'
 * tolerance but add in another order than the decode row tiles, so a prompt run as one batch and
 * the same prompt run token by token differ by float rounding (amplified where it flips an int8
 * activation step); model.test.ts bounds quantized presets accordingly. */
#define PACK_MIN_NC 8

typedef struct {
    __m512i q[8];          /* q[g] lane r = bytes 4g..4g+3 of row r (unsigned) */
    __m512  d;             /* lane r = row r's block scale */
} packed_block;

/* q[g] lane r = dword g of u[r], for 16 rows of 32 bytes (8 dwords). Register z[r] holds rows r
 * and r + 8, one per 256-bit half; an 8 x 8 dword transpose inside both halves at once (unpacks
 * within 128-bit lanes, then a qword permute across them) leaves dword g of the 16 rows in one
 * register: 24 shuffles, where 8 gathers of 16 dwords cost several times more. */
INLINE void transpose_16x8(__m512i *q, const __m256i *u) {
    __m512i z[8], t[8];
    UNROLL for (int r = 0; r < 8; r++) z[r] = _mm512_inserti64x4(_mm512_castsi256_si512(u[r]), u[r + 8], 1);
    UNROLL for (int k = 0; k < 4; k++) {
        t[2 * k] = _mm512_unpacklo_epi32(z[2 * k], z[2 * k + 1]);
        t[2 * k + 1] = _mm512_unpackhi_epi32(z[2 * k], z[2 * k + 1]);
    }
    UNROLL for (int k = 0; k < 2; k++) UNROLL for (int h = 0; h < 2; h++) {
        z[4 * k + 2 * h] = _mm512_unpacklo_epi64(t[4 * k + h], t[4 * k + h + 2]);
        z[4 * k + 2 * h + 1] = _mm512_unpackhi_epi64(t[4 * k + h], t[4 * k + h + 2]);
    }
    /* z[0..3] (rows 0-3 | 8-11) hold dwords {0,4}, {1,5}, {2,6}, {3,7} per 128-bit lane; z[4..7] rows 4-7 | 12-15 */
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    UNROLL for (int g = 0; g < 4; g++) {
        q[g] = _mm512_permutex2var_epi64(z[g], lo, z[g + 4]);
        q[g + 4] = _mm512_permutex2var_epi64(z[g], hi, z[g + 4]);
    }
}

/* s[c] += packed weights q[g] (16 rows x 4 bytes) . column c's bytes 4g .. 4g + 3 (at y + c * as),
 * groups g0 .. g0 + ng - 1: each weight register feeds the C columns' independent chains. */
INLINE void packed_dots(const int C, __m512i *s, const __m512i *q, int g0, int ng, const int8_t *y, size_t as) {
    UNROLL for (int g = g0; g < g0 + ng; g++) {
        const __m512i wq = _mm512_load_si512(q + g);
        UNROLL for (int c = 0; c < C; c++) {
            int32_t y4; memcpy(&y4, y + c * as + 4 * g, 4);
            s[c] = _mm512_dpbusd_epi32(s[c], wq, _mm512_set1_epi32(y4));
        }
    }
}

/* Packs PACK_ROWS rows' blocks [b0, b0 + nbs) of q4_0 (Q8 = 0) or q8_0 (Q8 = 1) weights. */
INLINE void pack_panel(const int Q8, packed_block *pb, const uint8_t *w, size_t ws, int64_t b0, int64_t nbs) {
    const size_t bsz = Q8 ? sizeof(block_q8_0) : sizeof(block_q4_0);
    for (int64_t b = 0; b < nbs; b++) {
        __m256i u[PACK_ROWS];
        float d[PACK_ROWS];
        for (int r = 0; r < PACK_ROWS; r++) {
            const uint8_t *xb = w + r * ws + (b0 + b) * bsz;
            uint16_t h; memcpy(&h, xb, 2);
            d[r] = f16(h);
            u[r] = Q8 ? _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(xb + 2)), _mm256_set1_epi8((char)0x80)) : unpack_nibbles(xb + 2);
        }
        transpose_16x8(pb[b].q, u);
        pb[b].d = _mm512_loadu_ps(d);
    }
}

/* 16 rows x C columns over one packed segment; out[c * ldo + r] = (ADD ? out + : ) sum. */
INLINE void packed_tile(const int C, const packed_block *pb, int64_t nbs, const uint8_t *a, size_t as,
                        const int32_t *ys, const float *dy, int64_t ystride, float *out, size_t ldo, int add) {
    __m512 acc[8];
    UNROLL for (int c = 0; c < C; c++) acc[c] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nbs; b++) {
        const packed_block *p = pb + b;
        __m512i s[8];
        UNROLL for (int c = 0; c < C; c++) s[c] = _mm512_set1_epi32(ys[c * ystride + b]);
        packed_dots(C, s, p->q, 0, 8, ((const block_q8_0 *)a + b)->qs, as);
        UNROLL for (int c = 0; c < C; c++)
            acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[c]), _mm512_mul_ps(p->d, _mm512_set1_ps(dy[c * ystride + b])), acc[c]);
    }
    UNROLL for (int c = 0; c < C; c++) {
        float *o = out + c * ldo;
        _mm512_storeu_ps(o, add ? _mm512_add_ps(_mm512_loadu_ps(o), acc[c]) : acc[c]);
    }
}

INLINE void gemm_packed(const int Q8, int64_t n, float *out, size_t ldo, const uint8_t *w, size_t ws, int64_t nr,
                        const uint8_t *a, size_t as, int64_t nc) {
    const int64_t nb = n / QK8_0, np = nr / PACK_ROWS;
    const size_t bsz = Q8 ? sizeof(block_q8_0) : sizeof(block_q4_0);
    packed_block pb[PACK_SEG];
    int32_t ys[PACK_COLS * PACK_SEG];
    float dy[PACK_COLS * PACK_SEG];
    for (int64_t j0 = 0; j0 < nc; j0 += PACK_COLS) {
        const int64_t ncg = CAIRN_MIN((int64_t)PACK_COLS, nc - j0);
        for (int64_t b0 = 0; b0 < nb; b0 += PACK_SEG) {
            const int64_t nbs = CAIRN_MIN((int64_t)PACK_SEG, nb - b0);
            /* per (column, block): -offset * sum(y) and the f32 scale */
            for (int64_t c = 0; c < ncg; c++)
                for (int64_t b = 0; b < nbs; b++) {
                    const block_q8_0 *yb = (const block_q8_0 *)(a + (j0 + c) * as) + b0 + b;
                    ys[c * PACK_SEG + b] = -(Q8 ? 128 : 8) * sum_i8x32(yb->qs);
                    dy[c * PACK_SEG + b] = f16(yb->d);
                }
            for (int64_t p = 0; p < np; p++) {
                const int64_t i = p * PACK_ROWS;
                pack_panel(Q8, pb, w + i * ws, ws, b0, nbs);
                const uint8_t *ab = a + j0 * as + b0 * sizeof(block_q8_0);
                float *ob = out + j0 * ldo + i;
                int64_t c = 0;
                for (; c + 8 <= ncg; c += 8)
                    packed_tile(8, pb, nbs, ab + c * as, as, ys + c * PACK_SEG, dy + c * PACK_SEG, PACK_SEG, ob + c * ldo, ldo, b0 > 0);
                for (; c < ncg; c++)
                    packed_tile(1, pb, nbs, ab + c * as, as, ys + c * PACK_SEG, dy + c * PACK_SEG, PACK_SEG, ob + c * ldo, ldo, b0 > 0);
            }
        }
    }
    (void)bsz;
}

/* Many columns and whole panels: packed; the remaining rows (and decode) use the row tiles. */
#define DEFINE_GEMM_PACKED(T, Q8)                                                                              \
    static void gemm_##T(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr,             \
                         const void *a, size_t as, int64_t nc) {                                              \
        int64_t done = 0;                                                                                     \
        if (nc == 1) done = Q8 ? 0 : gemv_q4_0(n, out, w, ws, nr, a); /* q8_0: the spread tiles */           \
        else if (nc >= PACK_MIN_NC && nr >= PACK_ROWS) {                                                      \
            done = nr / PACK_ROWS * PACK_ROWS;                                                                \
            gemm_packed(Q8, n, out, ldo, w, ws, done, a, as, nc);                                             \
        }                                                                                                     \
        if (done < nr) gemm_##T##_tiles(n, out + done, ldo, (const uint8_t *)w + done * ws, ws, nr - done, a, as, nc); \
    }
DEFINE_GEMM_PACKED(q4_0, 0)
DEFINE_GEMM_PACKED(q8_0, 1)

#define tile_q4_K_tiles tile_q4_K
DEFINE_GEMM(q4_K_tiles, QK_K)

/* Packed q4_K panels for prefill (see the q4_0 / q8_0 packed panels): one packed_block per
 * 32-element sub-block, its scale lanes d * sc[s] per row, plus the min lanes dmin * m[s] per
 * row, which multiply the column's sub-block sum of y (from the q8_K bsums). */
#define PACK_KSEG 4        /* QK_K blocks per segment: 4 x 8 x 640 B = 20 KiB */

typedef struct { packed_block p; __m512 m; } packed_k4;

static void pack_panel_q4_K(packed_k4 *pk, const uint8_t *w, size_t ws, int64_t b0, int64_t nbs) {
    for (int64_t b = 0; b < nbs; b++)
        for (int sb = 0; sb < 8; sb++) {
            __m256i u[PACK_ROWS];
            float d[PACK_ROWS], m[PACK_ROWS];
            for (int r = 0; r < PACK_ROWS; r++) {
                const block_q4_K *xb = (const block_q4_K *)(w + r * ws) + b0 + b;
                uint8_t sc, mn;
                cairn_get_scale_min_k4(sb, xb->scales, &sc, &mn);
                d[r] = f16(xb->d) * sc;
                m[r] = f16(xb->dmin) * mn;
                const __m256i q = _mm256_loadu_si256((const __m256i *)(xb->qs + 32 * (sb / 2)));
                u[r] = _mm256_and_si256(sb & 1 ? _mm256_srli_epi16(q, 4) : q, _mm256_set1_epi8(0x0F));
            }
            packed_k4 *o = pk + b * 8 + sb;
            transpose_16x8(o->p.q, u);
            o->p.d = _mm512_loadu_ps(d);
            o->m = _mm512_loadu_ps(m);
        }
}

/* ym[c][b*8 + s] = dy * (sum of y over sub-block s); dy[c][b] */
INLINE void packed_tile_q4_K(const int C, const packed_k4 *pk, int64_t nbs, const uint8_t *a, size_t as,
                             const float *dy, const float *ym, int64_t ystride, float *out, size_t ldo, int add) {
    __m512 acc[8];
    UNROLL for (int c = 0; c < C; c++) acc[c] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nbs; b++)
        for (int sb = 0; sb < 8; sb++) {
            const packed_k4 *p = pk + b * 8 + sb;
            __m512i s[8];
            UNROLL for (int c = 0; c < C; c++) s[c] = _mm512_setzero_si512();
            packed_dots(C, s, p->p.q, 0, 8, ((const block_q8_K *)a + b)->qs + 32 * sb, as);
            UNROLL for (int c = 0; c < C; c++) {
                acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s[c]), _mm512_mul_ps(p->p.d, _mm512_set1_ps(dy[c * ystride + b])), acc[c]);
                acc[c] = _mm512_fnmadd_ps(p->m, _mm512_set1_ps(ym[c * ystride * 8 + b * 8 + sb]), acc[c]);
            }
        }
    UNROLL for (int c = 0; c < C; c++) {
        float *o = out + c * ldo;
        _mm512_storeu_ps(o, add ? _mm512_add_ps(_mm512_loadu_ps(o), acc[c]) : acc[c]);
    }
}

static void gemm_q4_K(int64_t n, float *out, size_t ldo, const void *vw, size_t ws, int64_t nr,
                      const void *va, size_t as, int64_t nc) {
    const uint8_t *w = vw, *a = va;
    int64_t done = 0;
    if (nc == 1) done = kd_gemv_k4(0, n, out, w, ws, nr, a);
    else if (nc >= PACK_MIN_NC && nr >= PACK_ROWS) {
        const int64_t nb = n / QK_K, np = nr / PACK_ROWS;
        packed_k4 pk[PACK_KSEG * 8];
        float dy[PACK_COLS * PACK_KSEG], ym[PACK_COLS * PACK_KSEG * 8];
        for (int64_t j0 = 0; j0 < nc; j0 += PACK_COLS) {
            const int64_t ncg = CAIRN_MIN((int64_t)PACK_COLS, nc - j0);
            for (int64_t b0 = 0; b0 < nb; b0 += PACK_KSEG) {
                const int64_t nbs = CAIRN_MIN((int64_t)PACK_KSEG, nb - b0);
                for (int64_t c = 0; c < ncg; c++)
                    for (int64_t b = 0; b < nbs; b++) {
                        const block_q8_K *yb = (const block_q8_K *)(a + (j0 + c) * as) + b0 + b;
                        dy[c * PACK_KSEG + b] = yb->d;
                        for (int sb = 0; sb < 8; sb++)
                            ym[(c * PACK_KSEG + b) * 8 + sb] = yb->d * (float)(yb->bsums[2 * sb] + yb->bsums[2 * sb + 1]);
                    }
                for (int64_t p = 0; p < np; p++) {
                    const int64_t i = p * PACK_ROWS;
                    pack_panel_q4_K(pk, w + i * ws, ws, b0, nbs);
                    const uint8_t *ab = a + j0 * as + b0 * sizeof(block_q8_K);
                    float *ob = out + j0 * ldo + i;
                    int64_t c = 0;
                    for (; c + 8 <= ncg; c += 8)
                        packed_tile_q4_K(8, pk, nbs, ab + c * as, as, dy + c * PACK_KSEG, ym + c * PACK_KSEG * 8, PACK_KSEG, ob + c * ldo, ldo, b0 > 0);
                    for (; c < ncg; c++)
                        packed_tile_q4_K(1, pk, nbs, ab + c * as, as, dy + c * PACK_KSEG, ym + c * PACK_KSEG * 8, PACK_KSEG, ob + c * ldo, ldo, b0 > 0);
                }
            }
        }
        done = np * PACK_ROWS;
    }
    if (done < nr) gemm_q4_K_tiles(n, out + done, ldo, w + done * ws, ws, nr - done, a, as, nc);
}

#define tile_q5_K_tiles tile_q5_K
DEFINE_GEMM(q5_K_tiles, QK_K)
static void gemm_q5_K(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr,
                      const void *a, size_t as, int64_t nc) {
    const int64_t done = nc == 1 ? kd_gemv_k4(1, n, out, w, ws, nr, a) : 0;
    if (done < nr) gemm_q5_K_tiles(n, out + done, ldo, (const uint8_t *)w + done * ws, ws, nr - done, a, as, nc);
}

#define tile_q6_K_tiles tile_q6_K
DEFINE_GEMM(q6_K_tiles, QK_K)

/* Packed q6_K panels for prefill: one unit per 32 elements (two 16-element sub-blocks: groups
 * 0..3 and 4..7, each with its own scale lanes d * sc per row); the -32 offset starts each
 * sub-block's accumulator at -32 * bsum. */
typedef struct { __m512i q[8]; __m512 d0, d1; } packed_q6;

static void pack_panel_q6_K(packed_q6 *pk, const uint8_t *w, size_t ws, int64_t b0, int64_t nbs) {
    for (int64_t b = 0; b < nbs; b++)
        for (int k = 0; k < 8; k++) { /* unit k: quarter k % 4 of half k / 4, 256 unsigned 6-bit values in element order */
            __m256i u[PACK_ROWS];
            float d0[PACK_ROWS], d1[PACK_ROWS];
            for (int r = 0; r < PACK_ROWS; r++) {
                const block_q6_K *xb = (const block_q6_K *)(w + r * ws) + b0 + b;
                const float dx = f16(xb->d);
                d0[r] = dx * xb->scales[2 * k];
                d1[r] = dx * xb->scales[2 * k + 1];
                u[r] = q6_quarter(xb->ql + 64 * (k / 4), xb->qh + 32 * (k / 4), k % 4);
            }
            packed_q6 *o = pk + b * 8 + k;
            transpose_16x8(o->q, u);
            o->d0 = _mm512_loadu_ps(d0);
            o->d1 = _mm512_loadu_ps(d1);
        }
}

/* ys[c][b*16 + k] = -32 * bsums[k]; dy[c][b] */
INLINE void packed_tile_q6_K(const int C, const packed_q6 *pk, int64_t nbs, const uint8_t *a, size_t as,
                             const float *dy, const int32_t *ys, int64_t ystride, float *out, size_t ldo, int add) {
    __m512 acc[8];
    UNROLL for (int c = 0; c < C; c++) acc[c] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nbs; b++)
        for (int u = 0; u < 8; u++) {
            const packed_q6 *p = pk + b * 8 + u;
            __m512i s0[8], s1[8];
            UNROLL for (int c = 0; c < C; c++) {
                const int32_t *yo = ys + (c * ystride + b) * 16 + 2 * u;
                s0[c] = _mm512_set1_epi32(yo[0]);
                s1[c] = _mm512_set1_epi32(yo[1]);
            }
            const int8_t *y = ((const block_q8_K *)a + b)->qs + 32 * u;
            packed_dots(C, s0, p->q, 0, 4, y, as);
            packed_dots(C, s1, p->q, 4, 4, y, as);
            UNROLL for (int c = 0; c < C; c++) {
                const __m512 vdy = _mm512_set1_ps(dy[c * ystride + b]);
                acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s0[c]), _mm512_mul_ps(p->d0, vdy), acc[c]);
                acc[c] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s1[c]), _mm512_mul_ps(p->d1, vdy), acc[c]);
            }
        }
    UNROLL for (int c = 0; c < C; c++) {
        float *o = out + c * ldo;
        _mm512_storeu_ps(o, add ? _mm512_add_ps(_mm512_loadu_ps(o), acc[c]) : acc[c]);
    }
}

static void gemm_q6_K(int64_t n, float *out, size_t ldo, const void *vw, size_t ws, int64_t nr,
                      const void *va, size_t as, int64_t nc) {
    const uint8_t *w = vw, *a = va;
    int64_t done = 0;
    if (nc == 1) done = kd_gemv_q6_K(n, out, w, ws, nr, a);
    else if (nc >= PACK_MIN_NC && nr >= PACK_ROWS) {
        const int64_t nb = n / QK_K, np = nr / PACK_ROWS;
        packed_q6 pk[PACK_KSEG * 8];
        float dy[PACK_COLS * PACK_KSEG];
        int32_t ys[PACK_COLS * PACK_KSEG * 16];
        for (int64_t j0 = 0; j0 < nc; j0 += PACK_COLS) {
            const int64_t ncg = CAIRN_MIN((int64_t)PACK_COLS, nc - j0);
            for (int64_t b0 = 0; b0 < nb; b0 += PACK_KSEG) {
                const int64_t nbs = CAIRN_MIN((int64_t)PACK_KSEG, nb - b0);
                for (int64_t c = 0; c < ncg; c++)
                    for (int64_t b = 0; b < nbs; b++) {
                        const block_q8_K *yb = (const block_q8_K *)(a + (j0 + c) * as) + b0 + b;
                        dy[c * PACK_KSEG + b] = yb->d;
                        for (int k = 0; k < 16; k++) ys[(c * PACK_KSEG + b) * 16 + k] = -32 * yb->bsums[k];
                    }
                for (int64_t p = 0; p < np; p++) {
                    const int64_t i = p * PACK_ROWS;
                    pack_panel_q6_K(pk, w + i * ws, ws, b0, nbs);
                    const uint8_t *ab = a + j0 * as + b0 * sizeof(block_q8_K);
                    float *ob = out + j0 * ldo + i;
                    int64_t c = 0;
                    for (; c + 8 <= ncg; c += 8)
                        packed_tile_q6_K(8, pk, nbs, ab + c * as, as, dy + c * PACK_KSEG, ys + c * PACK_KSEG * 16, PACK_KSEG, ob + c * ldo, ldo, b0 > 0);
                    for (; c < ncg; c++)
                        packed_tile_q6_K(1, pk, nbs, ab + c * as, as, dy + c * PACK_KSEG, ys + c * PACK_KSEG * 16, PACK_KSEG, ob + c * ldo, ldo, b0 > 0);
                }
            }
        }
        done = np * PACK_ROWS;
    }
    if (done < nr) gemm_q6_K_tiles(n, out + done, ldo, w + done * ws, ws, nr - done, a, as, nc);
}

/* ---- batched causal attention (prefill): 16 queries of one KV head per call ----
 * The per-row helpers above cost a call, a horizontal sum and 64 products per (query,
 * position). Here the 16 lanes of a register are 16 queries (the heads of a GQA group and
 * consecutive tokens), so a block of 16 positions is 2 x head_dim FMAs per position with no
 * horizontal work: scores S[p] = sum_d K[p][d] * Q^T[d] (K converted to f32 once per block,
 * broadcast per element), online softmax per lane (running max, rescaled sums), and
 * O^T[d] += sum_p V[p][d] * P[p]. Each lane masks the positions at or past its n_past. */
#define ATT_PB     16    /* positions per block */
#define ATT_MAX_HD 256

/* e^x per lane (cephes expf: x = n ln2 + r, a degree-5 polynomial for e^r, scaled by 2^n). */
INLINE __m512 exp512(__m512 x) {
    x = _mm512_max_ps(_mm512_min_ps(x, _mm512_set1_ps(88.3762626647949f)), _mm512_set1_ps(-88.3762626647949f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    x = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    x = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), x);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, x, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(x, x), _mm512_add_ps(x, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

/* g[i] = silu(g[i]) * u[i] = g / (1 + e^-g) * u, 16 at a time plus a scalar tail. */
static void x86_silu_mul(float *g, const float *u, int64_t n) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 x = _mm512_loadu_ps(g + i);
        const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), x));
        _mm512_storeu_ps(g + i, _mm512_mul_ps(_mm512_div_ps(x, _mm512_add_ps(_mm512_set1_ps(1.0f), e)), _mm512_loadu_ps(u + i)));
    }
    for (; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

/* rows p0 .. p0 + pb - 1 (f16, stride elements apart) -> f32 dst[j][d]; rows pb.. zeroed */
INLINE void att_rows_f32(float (*dst)[ATT_MAX_HD], const uint16_t *src, size_t stride, int pb, int64_t hd) {
    for (int j = 0; j < ATT_PB; j++)
        for (int64_t d = 0; d < hd; d += 16)
            _mm512_store_ps(dst[j] + d, j < pb ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(src + j * stride + d)))
                                               : _mm512_setzero_ps());
}

static void x86_attn16(int nq, int64_t hd, const float *const *q, float *const *out, const int64_t *n_past,
                       const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale) {
    float qt[ATT_MAX_HD][16] __attribute__((aligned(64))), o[ATT_MAX_HD][16] __attribute__((aligned(64)));
    float kf[ATT_PB][ATT_MAX_HD] __attribute__((aligned(64))), vf[ATT_PB][ATT_MAX_HD] __attribute__((aligned(64)));
    int32_t np[16];
    const int64_t maxp = att16_lanes(nq, hd, q, n_past, scale, qt, o, np);
    const __m512i npv = _mm512_loadu_si512(np);
    __m512 m = _mm512_set1_ps(-INFINITY), l = _mm512_setzero_ps();
    for (int64_t p0 = 0; p0 < maxp; p0 += ATT_PB) {
        const int pb = (int)CAIRN_MIN((int64_t)ATT_PB, maxp - p0);
        att_rows_f32(kf, kc + p0 * kv_stride, kv_stride, pb, hd);
        att_rows_f32(vf, vc + p0 * kv_stride, kv_stride, pb, hd);
        __m512 sc[ATT_PB];
        UNROLL for (int j = 0; j < ATT_PB; j++) sc[j] = _mm512_setzero_ps();
        for (int64_t d = 0; d < hd; d++) {
            const __m512 qv = _mm512_load_ps(qt[d]);
            _Pragma("GCC unroll 16") for (int j = 0; j < ATT_PB; j++) sc[j] = _mm512_fmadd_ps(_mm512_set1_ps(kf[j][d]), qv, sc[j]);
        }
        __mmask16 live[ATT_PB];
        __m512 mb = _mm512_set1_ps(-INFINITY);
        _Pragma("GCC unroll 16") for (int j = 0; j < ATT_PB; j++) {
            live[j] = _mm512_cmpgt_epi32_mask(npv, _mm512_set1_epi32((int)(p0 + j)));
            mb = _mm512_mask_max_ps(mb, live[j], mb, sc[j]);
        }
        const __m512 mn = _mm512_max_ps(m, mb);
        const __m512 corr = exp512(_mm512_sub_ps(m, mn)); /* first block: m = -inf, l = o = 0 */
        m = mn;
        l = _mm512_mul_ps(l, corr);
        if (p0 > 0 && _mm512_cmp_ps_mask(corr, _mm512_set1_ps(1.0f), _CMP_NEQ_UQ))
            for (int64_t d = 0; d < hd; d++) _mm512_store_ps(o[d], _mm512_mul_ps(_mm512_load_ps(o[d]), corr));
        _Pragma("GCC unroll 16") for (int j = 0; j < ATT_PB; j++) {
            sc[j] = _mm512_maskz_mov_ps(live[j], exp512(_mm512_sub_ps(sc[j], m)));
            l = _mm512_add_ps(l, sc[j]);
        }
        for (int64_t d = 0; d < hd; d++) {
            __m512 acc = _mm512_load_ps(o[d]);
            _Pragma("GCC unroll 16") for (int j = 0; j < ATT_PB; j++) acc = _mm512_fmadd_ps(_mm512_set1_ps(vf[j][d]), sc[j], acc);
            _mm512_store_ps(o[d], acc);
        }
    }
    float inv[16];
    _mm512_storeu_ps(inv, _mm512_div_ps(_mm512_set1_ps(1.0f), l));
    for (int i = 0; i < nq; i++)
        for (int64_t d = 0; d < hd; d++) out[i][d] = o[d][i] * inv[i];
}

/* ---- decode attention in 512-bit registers ----
 * x86_attn_dec's plan (kernels-x86-attn.h: the GQA group's queries read each K and V row once,
 * chunks of 64 positions, scores / one softmax step / V) with 16 lanes a register: a block's
 * scores are hd / 16 FMAs per (query, position) and one 16x16 reduction (hsum16x16), V is one pass
 * of up to 64 output elements per 4 queries, each V element converted once. Half the instructions
 * of the 256-bit form. `bench-kernels attn` (1B shapes, one thread, AMD EPYC dev machine), 256 ->
 * 512-bit: 544 positions 1.51 -> 1.16-1.20 ms per token from memory, 1.28 -> 0.78-0.81 cache-resident;
 * 2048 positions 6.6-7.8 -> 5.7-7.3 and 5.7-7.1 -> 3.3-4.4 ms. The next chunk's K and V rows (a
 * head's 128 bytes of each 1 KiB row) are prefetched; 1, 2, 4 and 8 chunks ahead measured alike
 * (2048 positions). */
#define ATTZ_C CAIRN_ATTN_DEC_CHUNK /* positions per chunk */
_Static_assert(ATT_MAX_HD == CAIRN_ATTN_DEC_MAX_HD, "avx512_attn_dec's rows are cairn_attn_dec_state's");

/* lane j of the result = the sum of v[j]'s 16 lanes */
INLINE __m512 hsum16x16(const __m512 *v) {
    __m512 t[8], u[4];
    UNROLL for (int k = 0; k < 8; k++) t[k] = _mm512_add_ps(_mm512_unpacklo_ps(v[2 * k], v[2 * k + 1]), _mm512_unpackhi_ps(v[2 * k], v[2 * k + 1]));
    UNROLL for (int k = 0; k < 4; k++) { /* per 128-bit lane: positions 4k .. 4k + 3, one quarter of each sum */
        const __m512d a = _mm512_castps_pd(t[2 * k]), b = _mm512_castps_pd(t[2 * k + 1]);
        u[k] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)), _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
    }
    const __m512 w0 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], 0x88), _mm512_shuffle_f32x4(u[0], u[1], 0xdd));
    const __m512 w1 = _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], 0x88), _mm512_shuffle_f32x4(u[2], u[3], 0xdd));
    return _mm512_add_ps(_mm512_shuffle_f32x4(w0, w1, 0x88), _mm512_shuffle_f32x4(w0, w1, 0xdd));
}

/* o[i][d0 .. d0 + 16 DW) += sum over j < cn of p[i][j] V[j] for queries i0 .. i0 + 3 */
INLINE void attz_v(const int DW, float (*o)[ATT_MAX_HD], const float (*p)[ATTZ_C], int i0, int64_t d0, int cn,
                   const uint16_t *vc, size_t stride) {
    __m512 acc[4][4];
    UNROLL for (int i = 0; i < 4; i++) UNROLL for (int w = 0; w < DW; w++) acc[i][w] = _mm512_load_ps(o[i0 + i] + d0 + 16 * w);
    for (int j = 0; j < cn; j++) {
        __m512 v[4];
        UNROLL for (int w = 0; w < DW; w++) v[w] = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(vc + j * stride + d0 + 16 * w)));
        UNROLL for (int i = 0; i < 4; i++) {
            const __m512 pij = _mm512_set1_ps(p[i0 + i][j]);
            UNROLL for (int w = 0; w < DW; w++) acc[i][w] = _mm512_fmadd_ps(pij, v[w], acc[i][w]);
        }
    }
    UNROLL for (int i = 0; i < 4; i++) UNROLL for (int w = 0; w < DW; w++) _mm512_store_ps(o[i0 + i] + d0 + 16 * w, acc[i][w]);
}

static void avx512_attn_dec(int nq, int64_t hd, const float *const *q, float *const *out, int64_t n_past,
                            const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale) {
    if (hd % 16 != 0) { x86_attn_dec(nq, hd, q, out, n_past, kc, vc, kv_stride, scale); return; }
    cairn_attn_dec_state st;
    const int nqp = cairn_attn_dec_begin(&st, nq, hd, q, scale);
    float (*qs)[ATT_MAX_HD] = st.qs, (*o)[ATT_MAX_HD] = st.o, (*p)[ATTZ_C] = st.p, *m = st.m, *l = st.l;
    float kf[ATT_PB][ATT_MAX_HD] __attribute__((aligned(64)));
    for (int64_t c0 = 0; c0 < n_past; c0 += ATTZ_C) {
        const int cn = (int)CAIRN_MIN((int64_t)ATTZ_C, n_past - c0), nv = (cn + ATT_PB - 1) / ATT_PB;
        for (int b = 0; b < nv; b++) {
            const int64_t pos = c0 + ATT_PB * b;
            att_rows_f32(kf, kc + pos * kv_stride, kv_stride, CAIRN_MIN(ATT_PB, cn - ATT_PB * b), hd);
            /* a head's slice of each position (strided rows): the next chunk's K and V rows,
             * fetched a chunk ahead */
            for (int j = 0; j < ATT_PB && pos + ATTZ_C + j < n_past; j++)
                for (int64_t d = 0; d < hd; d += 32) {
                    _mm_prefetch((const char *)(kc + (pos + ATTZ_C + j) * kv_stride + d), _MM_HINT_T0);
                    _mm_prefetch((const char *)(vc + (pos + ATTZ_C + j) * kv_stride + d), _MM_HINT_T0);
                }
            for (int i = 0; i < nq; i++) {
                __m512 v[ATT_PB];
                UNROLL for (int j = 0; j < ATT_PB; j++) v[j] = _mm512_setzero_ps();
                for (int64_t d = 0; d < hd; d += 16) {
                    const __m512 qv = _mm512_load_ps(qs[i] + d);
                    _Pragma("GCC unroll 16") for (int j = 0; j < ATT_PB; j++) v[j] = _mm512_fmadd_ps(_mm512_load_ps(kf[j] + d), qv, v[j]);
                }
                _mm512_store_ps(p[i] + ATT_PB * b, hsum16x16(v));
            }
        }
        /* one online-softmax step per query: p = e^(s - max), positions past the end 0 */
        const __mmask16 tail = (__mmask16)((1u << (cn - ATT_PB * (nv - 1))) - 1u);
        for (int i = 0; i < nq; i++) {
            __m512 mx = _mm512_set1_ps(-INFINITY);
            for (int b = 0; b < nv; b++) mx = _mm512_mask_max_ps(mx, b < nv - 1 ? (__mmask16)0xffff : tail, mx, _mm512_load_ps(p[i] + ATT_PB * b));
            const float mn = CAIRN_MAX(m[i], _mm512_reduce_max_ps(mx));
            const float corr = expf(m[i] - mn); /* first chunk: m = -inf, so 0 (l and o are 0) */
            m[i] = mn;
            __m512 sum = _mm512_setzero_ps();
            for (int b = 0; b < nv; b++) {
                const __m512 e = _mm512_maskz_mov_ps(b < nv - 1 ? (__mmask16)0xffff : tail,
                                                     exp512(_mm512_sub_ps(_mm512_load_ps(p[i] + ATT_PB * b), _mm512_set1_ps(mn))));
                _mm512_store_ps(p[i] + ATT_PB * b, e);
                sum = _mm512_add_ps(sum, e);
            }
            l[i] = l[i] * corr + _mm512_reduce_add_ps(sum);
            if (c0 > 0) for (int64_t d = 0; d < hd; d += 16) _mm512_store_ps(o[i] + d, _mm512_mul_ps(_mm512_load_ps(o[i] + d), _mm512_set1_ps(corr)));
        }
        /* o += p V: up to 64 output elements of 4 queries per pass over the chunk's V rows */
        const uint16_t *vb = vc + c0 * kv_stride;
        for (int i0 = 0; i0 < nqp; i0 += 4) {
            int64_t d = 0;
            for (; d + 64 <= hd; d += 64) attz_v(4, o, (const float (*)[ATTZ_C])p, i0, d, cn, vb, kv_stride);
            switch ((hd - d) / 16) {
            case 3: attz_v(3, o, (const float (*)[ATTZ_C])p, i0, d, cn, vb, kv_stride); break;
            case 2: attz_v(2, o, (const float (*)[ATTZ_C])p, i0, d, cn, vb, kv_stride); break;
            case 1: attz_v(1, o, (const float (*)[ATTZ_C])p, i0, d, cn, vb, kv_stride); break;
            default: break;
            }
        }
    }
    cairn_attn_dec_end(&st, nq, hd, out);
}

/* ---- the table: the shared entries plus the batched attention and SwiGLU above ---- */

#define X86_SUPPORTED() (X86_AVX2_SUPPORTED() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") \
                         && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")                   \
                         && __builtin_cpu_supports("avx512vnni"))
DEFINE_X86_TABLE(.attn16 = x86_attn16, .attn_dec = avx512_attn_dec, .silu_mul = x86_silu_mul, .attn16_max_hd = ATT_MAX_HD)

#endif /* __x86_64__ */
