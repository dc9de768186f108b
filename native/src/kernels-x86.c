/* kernels-x86.c — the x86 kernels both x86 tables share (AVX2 + FMA + F16C). Compiled alone, with
 * -mavx2 -mfma -mf16c, it is the "avx2" table. kernels-avx512.c defines CAIRN_X86_VNNI and includes
 * it: that swaps the two integer primitives below for their VNNI forms (vpdpbusd / vpdpwssd on
 * 256-bit registers) and widens the register tile (32 registers), and kernels-avx512.c then adds
 * what only AVX-512 has (q4_0 / q8_0 512-bit, decode and packed-panel forms, packed K-quant panels,
 * batched attention) and defines the "avx512" table. So both tables compute the same sums.
 *
 * Shape of every quantized gemm: a register tile of R weight rows x C activation columns
 * walks the row length once. Per block, each weight row is unpacked once and reused for the
 * C columns, and each activation block is loaded once and reused for the R rows; integer dot
 * products are scaled into float accumulators (one 8-lane vector per (row, column)) with FMA,
 * and reduced horizontally at the end. Decode (nc = 1) runs R x 1 tiles: 4 rows share each
 * activation block, which is what lets a single core stream weights near memory speed, together
 * with the next-tile prefetch below.
 * Offsets that make weights signed (q4_0's -8, q5_0's -16, q6_K's -32) are applied through
 * per-column sums of the activations, so the weights stay unsigned for vpmaddubsw/vpdpbusd.
 */
#if defined(__x86_64__)

#include "quants-impl.h"

#include <cpuid.h>
#include <immintrin.h>
#include <math.h>

#ifdef CAIRN_X86_VNNI
#  define X86_NAME      "avx512"
#  define X86_BACKEND   CAIRN_BACKEND_AVX512
#  define X86_GETTER    cairn_kernels_avx512
#  define TILE_C        4
#else
#  define X86_NAME      "avx2"
#  define X86_BACKEND   CAIRN_BACKEND_AVX2
#  define X86_GETTER    cairn_kernels_avx2
#  define TILE_C        2
#endif
#define TILE_R 4

#define INLINE static inline __attribute__((always_inline))
/* Software prefetch of the weights: the same bytes of the next row tile (R rows further, in
 * the tile functions' scope), into L2. Decode streams R rows at once and rows are only a few
 * KiB, too short for a fixed in-row distance to stay inside the row (and the hardware prefetcher
 * alone leaves the core waiting on DRAM); one tile ahead is ahead whatever the row length. */
#define PREFETCH(p) _mm_prefetch((const char *)(p) + pf, _MM_HINT_T1)
#define UNROLL _Pragma("GCC unroll 8")

/* ---- primitives ---- */

/* acc + sum over groups of 4 of u8(u) * s8(s), as 8 int32 lanes. The AVX2 form goes through
 * saturating int16 pair sums: every caller keeps |u*s| pairs below 2^15. */
INLINE __m256i dot_us8(__m256i acc, __m256i u, __m256i s) {
#ifdef CAIRN_X86_VNNI
    return _mm256_dpbusd_epi32(acc, u, s);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

/* acc + pairwise int16 products summed into int32 lanes. */
INLINE __m256i dot_s16(__m256i acc, __m256i a, __m256i b) {
#ifdef CAIRN_X86_VNNI
    return _mm256_dpwssd_epi32(acc, a, b);
#else
    return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b));
#endif
}

INLINE float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

INLINE float f16(uint16_t h) { return _cvtsh_ss(h); }
INLINE __m256 f16x8(uint16_t h) { return _mm256_cvtph_ps(_mm_set1_epi16((short)h)); }

/* The f16 scales of up to 4 rows' block (at w + r*ws + off), as [d0 d1 d2 d3 d0 d1 d2 d3] floats:
 * one conversion for the whole row tile instead of one per row. Lane r is then taken with vshufps. */
INLINE __m256 row_scales(const int R, const uint8_t *w, size_t ws, size_t off) {
    uint64_t v = 0;
    UNROLL for (int r = 0; r < R; r++) { uint16_t h; memcpy(&h, w + r * ws + off, 2); v |= (uint64_t)h << (16 * r); }
    return _mm256_cvtph_ps(_mm_set1_epi64x((long long)v));
}
#define LANE(v, r) _mm256_permutevar8x32_ps((v), _mm256_set1_epi32(r)) /* no immediate: -O1 builds keep r a variable */

/* 16 bytes of packed nibbles -> 32 bytes: low nibbles (elements 0..15) then high nibbles. */
INLINE __m256i unpack_nibbles(const uint8_t *qs) {
    const __m128i t = _mm_loadu_si128((const __m128i *)qs);
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0F));
}

/* 32 bits -> 32 bytes, byte k = 0x10 if bit k is set (q5 high bits). */
INLINE __m256i bits_to_0x10(const uint8_t *qh) {
    uint32_t x32; memcpy(&x32, qh, 4);
    const __m256i shuf = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                           0x0101010101010101, 0x0000000000000000);
    __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32((int)x32), shuf);
    bytes = _mm256_or_si256(bytes, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
    return _mm256_and_si256(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1)), _mm256_set1_epi8(0x10));
}

/* The sum of 32 int8 (psadbw on y + 128). */
INLINE int sum_i8x32(const int8_t *y) {
    const __m256i sad = _mm256_sad_epu8(_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)y), _mm256_set1_epi8((char)0x80)),
                                        _mm256_setzero_si256()); /* 4 x sum(y + 128) */
    __m128i t = _mm_add_epi64(_mm256_castsi256_si128(sad), _mm256_extracti128_si256(sad, 1));
    t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
    return _mm_cvtsi128_si32(t) - 32 * 128;
}

/* Quarter qq (0..3) of a q6_K half (ql: its 64 low-bit bytes, qh: its 32 high-bit bytes): the 32
 * unsigned 6-bit values of the half's elements 32qq .. 32qq + 31 (low nibbles of ql[32 (qq % 2) ..],
 * high nibbles for qq >= 2; bits 2qq, 2qq + 1 of qh). */
INLINE __m256i q6_quarter(const uint8_t *ql, const uint8_t *qh, int qq) {
    const __m256i l = _mm256_loadu_si256((const __m256i *)(ql + 32 * (qq % 2)));
    const __m256i lo = _mm256_and_si256(qq < 2 ? l : _mm256_srli_epi16(l, 4), _mm256_set1_epi8(0x0F));
    const __m256i hi = _mm256_and_si256(_mm256_srl_epi16(_mm256_loadu_si256((const __m256i *)qh), _mm_cvtsi32_si128(2 * qq)),
                                        _mm256_set1_epi8(0x03));
    return _mm256_or_si256(lo, _mm256_slli_epi16(hi, 4));
}

/* Writes the R x C tile of 8-lane accumulators. */
#define STORE_TILE(R, C)                                                        \
    UNROLL for (int c = 0; c < C; c++)                                          \
        UNROLL for (int r = 0; r < R; r++) out[c * ldo + r] = hsum_ps(acc[r][c]);

#define ZERO_TILE(R, C)                                                         \
    __m256 acc[TILE_R][TILE_C];                                                           \
    UNROLL for (int r = 0; r < R; r++)                                          \
        UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm256_setzero_ps();

#include "kernels-gemm-impl.h" /* TILE_PARAMS, TILE_ARGS, DEFINE_GEMM: the shared tile driver */
#ifndef CAIRN_X86_VNNI
#include "kernels-avx2-packed.h" /* p2_gemm: packed 8-row panels for prefill (avx2 table) */
#endif


/* ---- q4_0 x q8_0 ---- */

INLINE void tile_q4_0_256(TILE_PARAMS) {
    ZERO_TILE(R, C)
    for (int64_t b = 0; b < nb; b++) {
        __m256i y[TILE_C], yoff[TILE_C]; __m256 dy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_0 *yb = (const block_q8_0 *)(a + c * as) + b;
            y[c] = _mm256_loadu_si256((const __m256i *)yb->qs);
            dy[c] = f16x8(yb->d);
            yoff[c] = dot_us8(_mm256_setzero_si256(), _mm256_set1_epi8(8), y[c]); /* 8 * sum(y) */
#ifdef CAIRN_X86_VNNI
            yoff[c] = _mm256_sub_epi32(_mm256_setzero_si256(), yoff[c]); /* accumulator start */
#endif
        }
        const __m256 dx = row_scales(R, w, ws, b * sizeof(block_q4_0));
        UNROLL for (int r = 0; r < R; r++) {
            const block_q4_0 *xb = (const block_q4_0 *)(w + r * ws) + b;
            PREFETCH(xb);
            const __m256i q = unpack_nibbles(xb->qs);
            UNROLL for (int c = 0; c < C; c++) {
#ifdef CAIRN_X86_VNNI
                const __m256i s = dot_us8(yoff[c], q, y[c]);
#else
                const __m256i s = _mm256_sub_epi32(dot_us8(_mm256_setzero_si256(), q, y[c]), yoff[c]);
#endif
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), LANE(_mm256_mul_ps(dx, dy[c]), r), acc[r][c]);
            }
        }
    }
    STORE_TILE(R, C)
}
#ifndef CAIRN_X86_VNNI
INLINE void tile_q4_0(TILE_PARAMS) { tile_q4_0_256(R, C, nb, out, ldo, w, ws, pf, a, as); }
#define tile_q4_0_tiles tile_q4_0
DEFINE_GEMM(q4_0_tiles, QK4_0)

/* q4_0 decode (nc = 1), 4 rows x 2 blocks per step: one register holds a row's two blocks of
 * quants (one 128-bit lane each), split into low and high nibbles (elements 0..15 and 16..31)
 * against activations laid out the same way once per step for the 4 rows; the two halves' int16
 * pair sums add before the one vpmaddwd (each stays below 2 * 2 * 15 * 128 < 2^15), and the -8
 * offset is one subtraction of the step's -8 * sum(y) lanes. The row tiles spend about half
 * again as many instructions per block. */
INLINE void q4_0_rows4_decode(int64_t nb, float *out, int64_t os, const uint8_t *w, size_t ws, size_t pf, const uint8_t *a) {
    const size_t bsz = sizeof(block_q4_0);
    const __m256i m4 = _mm256_set1_epi8(0x0F), ones = _mm256_set1_epi16(1), eights = _mm256_set1_epi8(8);
    __m256 acc[TILE_R];
    UNROLL for (int r = 0; r < TILE_R; r++) acc[r] = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        const block_q8_0 *yb = (const block_q8_0 *)a + b;
        const __m256i ylo = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)yb[1].qs), _mm_loadu_si128((const __m128i *)yb[0].qs));
        const __m256i yhi = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)(yb[1].qs + 16)), _mm_loadu_si128((const __m128i *)(yb[0].qs + 16)));
        const __m256i yo = _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(eights, ylo), _mm256_maddubs_epi16(eights, yhi)), ones);
        const __m128i dyh = _mm_setr_epi16((short)yb[0].d, (short)yb[0].d, (short)yb[0].d, (short)yb[0].d,
                                           (short)yb[1].d, (short)yb[1].d, (short)yb[1].d, (short)yb[1].d);
        const uint8_t *wb = w + b * bsz;
        /* [r0b0 .. r3b0 r0b1 .. r3b1] * [dy0 x4, dy1 x4] */
        uint64_t v0 = 0, v1 = 0;
        UNROLL for (int r = 0; r < TILE_R; r++) {
            uint16_t h0, h1;
            memcpy(&h0, wb + r * ws, 2); memcpy(&h1, wb + r * ws + bsz, 2);
            v0 |= (uint64_t)h0 << (16 * r); v1 |= (uint64_t)h1 << (16 * r);
        }
        const __m256 p = _mm256_mul_ps(_mm256_cvtph_ps(_mm_set_epi64x((long long)v1, (long long)v0)), _mm256_cvtph_ps(dyh));
        UNROLL for (int r = 0; r < TILE_R; r++) {
            const uint8_t *xb = wb + r * ws;
            _mm_prefetch((const char *)xb + pf, _MM_HINT_T1);
            const __m256i x = _mm256_set_m128i(_mm_loadu_si128((const __m128i *)(xb + bsz + 2)), _mm_loadu_si128((const __m128i *)(xb + 2)));
            const __m256i pp = _mm256_add_epi16(_mm256_maddubs_epi16(_mm256_and_si256(x, m4), ylo),
                                                _mm256_maddubs_epi16(_mm256_and_si256(_mm256_srli_epi16(x, 4), m4), yhi));
            const __m256i s = _mm256_sub_epi32(_mm256_madd_epi16(pp, ones), yo);
            const __m256 sc = _mm256_permutevar8x32_ps(p, _mm256_setr_epi32(r, r, r, r, 4 + r, 4 + r, 4 + r, 4 + r));
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), sc, acc[r]);
        }
    }
    float tail[TILE_R] = {0};
    if (b < nb) tile_q4_0_256(TILE_R, 1, nb - b, tail, 1, w + b * bsz, ws, pf, a + b * sizeof(block_q8_0), 0);
    UNROLL for (int r = 0; r < TILE_R; r++) out[r * os] = hsum_ps(acc[r]) + tail[r];
}

static void gemm_q4_0(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr,
                      const void *a, size_t as, int64_t nc) {
    int64_t done = 0;
    if (nc == 1) { /* spread tiles (GEMV_SPREAD), the prefetch 2 rows ahead in each row's stream */
        GEMV_SPREAD(TILE_R, nr, g, nt, t) q4_0_rows4_decode(n / QK4_0, out + g + t, nt, (const uint8_t *)w + (g + t) * ws, nt * ws, 2 * ws, a);
        done = gemv_spread_done(TILE_R, nr);
    } else done = p2_gemm(P2_Q4_0, n, out, ldo, w, ws, nr, a, as, nc);
    if (done < nr) gemm_q4_0_tiles(n, out + done, ldo, (const uint8_t *)w + done * ws, ws, nr - done, a, as, nc);
}
#endif

/* ---- q4_1 x q8_1 ---- */

INLINE void tile_q4_1(TILE_PARAMS) {
    ZERO_TILE(R, C)
    for (int64_t b = 0; b < nb; b++) {
        __m256i y[TILE_C]; __m256 dy[TILE_C], sy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_1 *yb = (const block_q8_1 *)(a + c * as) + b;
            y[c] = _mm256_loadu_si256((const __m256i *)yb->qs);
            dy[c] = f16x8(yb->d);
            sy[c] = _mm256_mul_ps(f16x8(yb->s), _mm256_set1_ps(0.125f)); /* m*s spread over 8 lanes */
        }
        UNROLL for (int r = 0; r < R; r++) {
            const block_q4_1 *xb = (const block_q4_1 *)(w + r * ws) + b;
            PREFETCH(xb);
            const __m256i q = unpack_nibbles(xb->qs);
            const __m256 dx = f16x8(xb->d), mx = f16x8(xb->m);
            UNROLL for (int c = 0; c < C; c++) {
                const __m256i s = dot_us8(_mm256_setzero_si256(), q, y[c]);
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dx, dy[c]), acc[r][c]);
                acc[r][c] = _mm256_fmadd_ps(mx, sy[c], acc[r][c]);
            }
        }
    }
    STORE_TILE(R, C)
}
DEFINE_GEMM(q4_1, QK4_1)

/* ---- q5_0 x q8_0 ---- */

INLINE void tile_q5_0(TILE_PARAMS) {
    ZERO_TILE(R, C)
    for (int64_t b = 0; b < nb; b++) {
        __m256i y[TILE_C], yoff[TILE_C]; __m256 dy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_0 *yb = (const block_q8_0 *)(a + c * as) + b;
            y[c] = _mm256_loadu_si256((const __m256i *)yb->qs);
            dy[c] = f16x8(yb->d);
            yoff[c] = dot_us8(_mm256_setzero_si256(), _mm256_set1_epi8(16), y[c]); /* 16 * sum(y) */
        }
        UNROLL for (int r = 0; r < R; r++) {
            const block_q5_0 *xb = (const block_q5_0 *)(w + r * ws) + b;
            PREFETCH(xb);
            const __m256i q = _mm256_or_si256(unpack_nibbles(xb->qs), bits_to_0x10(xb->qh));
            const __m256 dx = f16x8(xb->d);
            UNROLL for (int c = 0; c < C; c++) {
                const __m256i s = _mm256_sub_epi32(dot_us8(_mm256_setzero_si256(), q, y[c]), yoff[c]);
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dx, dy[c]), acc[r][c]);
            }
        }
    }
    STORE_TILE(R, C)
}
DEFINE_GEMM(q5_0, QK5_0)

/* ---- q5_1 x q8_1 ---- */

INLINE void tile_q5_1(TILE_PARAMS) {
    ZERO_TILE(R, C)
    for (int64_t b = 0; b < nb; b++) {
        __m256i y[TILE_C]; __m256 dy[TILE_C], sy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_1 *yb = (const block_q8_1 *)(a + c * as) + b;
            y[c] = _mm256_loadu_si256((const __m256i *)yb->qs);
            dy[c] = f16x8(yb->d);
            sy[c] = _mm256_mul_ps(f16x8(yb->s), _mm256_set1_ps(0.125f));
        }
        UNROLL for (int r = 0; r < R; r++) {
            const block_q5_1 *xb = (const block_q5_1 *)(w + r * ws) + b;
            PREFETCH(xb);
            const __m256i q = _mm256_or_si256(unpack_nibbles(xb->qs), bits_to_0x10(xb->qh));
            const __m256 dx = f16x8(xb->d), mx = f16x8(xb->m);
            UNROLL for (int c = 0; c < C; c++) {
                const __m256i s = dot_us8(_mm256_setzero_si256(), q, y[c]);
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dx, dy[c]), acc[r][c]);
                acc[r][c] = _mm256_fmadd_ps(mx, sy[c], acc[r][c]);
            }
        }
    }
    STORE_TILE(R, C)
}
DEFINE_GEMM(q5_1, QK5_1)

/* ---- q8_0 x q8_0 ---- */

INLINE void tile_q8_0_256(TILE_PARAMS) {
    ZERO_TILE(R, C)
    for (int64_t b = 0; b < nb; b++) {
        __m256i y[TILE_C], yoff[TILE_C]; __m256 dy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_0 *yb = (const block_q8_0 *)(a + c * as) + b;
            y[c] = _mm256_loadu_si256((const __m256i *)yb->qs);
            dy[c] = f16x8(yb->d);
#ifdef CAIRN_X86_VNNI
            /* weights biased to unsigned (x + 128); subtract 128 * sum(y) */
            yoff[c] = dot_us8(_mm256_setzero_si256(), _mm256_set1_epi8((char)0x80), y[c]);
#else
            yoff[c] = _mm256_setzero_si256();
#endif
        }
        const __m256 dx = row_scales(R, w, ws, b * sizeof(block_q8_0));
        UNROLL for (int r = 0; r < R; r++) {
            const block_q8_0 *xb = (const block_q8_0 *)(w + r * ws) + b;
            PREFETCH(xb);
            const __m256i x = _mm256_loadu_si256((const __m256i *)xb->qs);
#ifdef CAIRN_X86_VNNI
            const __m256i ux = _mm256_xor_si256(x, _mm256_set1_epi8((char)0x80));
#else
            const __m256i ux = _mm256_sign_epi8(x, x); /* |x|, sign moved onto y */
#endif
            UNROLL for (int c = 0; c < C; c++) {
#ifdef CAIRN_X86_VNNI
                const __m256i s = _mm256_sub_epi32(dot_us8(_mm256_setzero_si256(), ux, y[c]), yoff[c]);
#else
                const __m256i s = dot_us8(yoff[c], ux, _mm256_sign_epi8(y[c], x));
#endif
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), LANE(_mm256_mul_ps(dx, dy[c]), r), acc[r][c]);
            }
        }
    }
    STORE_TILE(R, C)
}
#ifndef CAIRN_X86_VNNI
INLINE void tile_q8_0(TILE_PARAMS) { tile_q8_0_256(R, C, nb, out, ldo, w, ws, pf, a, as); }
#define tile_q8_0_tiles tile_q8_0
DEFINE_GEMM(q8_0_tiles, QK8_0)
/* gemm_T: packed panels for a batch (P2 kind PK), the row tiles for decode and the last rows */
#define DEFINE_GEMM_P2(T, PK)                                                                                   \
    static void gemm_##T(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr,               \
                         const void *a, size_t as, int64_t nc) {                                                \
        const int64_t done = p2_gemm(PK, n, out, ldo, w, ws, nr, a, as, nc);                                    \
        if (done < nr) gemm_##T##_tiles(n, out + done, ldo, (const uint8_t *)w + done * ws, ws, nr - done, a, as, nc); \
    }
DEFINE_GEMM_P2(q8_0, P2_Q8_0)
#endif

/* ---- K-quants ---- */

/* q4_K/q5_K 12-byte scales -> 8 scales (bytes 0..7) and 8 mins (bytes 8..15). */
INLINE __m128i unpack_scales_k4(const uint8_t *scales) {
    uint32_t u[4];
    memcpy(u, scales, 12);
    const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
    u[3] = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
    const uint32_t m = u[1] & k1;
    u[1] = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
    u[2] = m;
    u[0] &= k1;
    return _mm_loadu_si128((const __m128i *)u);
}

/* int16 word k of a 128-bit vector broadcast to all 16 words of a 256-bit one. */
INLINE __m256i bcast_word(__m256i v2, int k) {
    return _mm256_shuffle_epi8(v2, _mm256_set1_epi16((short)((2 * k) | ((2 * k + 1) << 8))));
}

/* Shared q4_K/q5_K tile; HB = 1 for q5_K (a fifth bit per element from qh). */
INLINE void tile_k4(TILE_PARAMS, const int HB) {
    ZERO_TILE(R, C)
    const size_t bsz = HB ? sizeof(block_q5_K) : sizeof(block_q4_K);
    for (int64_t b = 0; b < nb; b++) {
        __m128i bsp[TILE_C]; float dy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) {
            const block_q8_K *yb = (const block_q8_K *)(a + c * as) + b;
            dy[c] = yb->d;
            const __m256i bs = _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)yb->bsums), _mm256_set1_epi16(1));
            bsp[c] = _mm_packs_epi32(_mm256_castsi256_si128(bs), _mm256_extracti128_si256(bs, 1)); /* 8 sub-block sums */
        }
        UNROLL for (int r = 0; r < R; r++) {
            const uint8_t *xb = w + r * ws + b * bsz;
            PREFETCH(xb); PREFETCH(xb + 64); PREFETCH(xb + 128);
            /* both block layouts start d, dmin, scales[12] */
            const block_q4_K *x4 = (const block_q4_K *)xb;
            const uint8_t *qs = HB ? ((const block_q5_K *)xb)->qs : x4->qs;
            const __m128i sm = unpack_scales_k4(x4->scales);
            const __m256i sc2 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(sm));
            const __m128i mins = _mm_cvtepu8_epi16(_mm_srli_si128(sm, 8));
            __m256i hb = HB ? _mm256_loadu_si256((const __m256i *)((const block_q5_K *)xb)->qh) : _mm256_setzero_si256();
            __m256i sumi[TILE_C];
            UNROLL for (int c = 0; c < C; c++) sumi[c] = _mm256_setzero_si256();
            UNROLL for (int j = 0; j < QK_K / 64; j++) {
                const __m256i q = _mm256_loadu_si256((const __m256i *)(qs + 32 * j));
                __m256i lo = _mm256_and_si256(q, _mm256_set1_epi8(0x0F));
                __m256i hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), _mm256_set1_epi8(0x0F));
                if (HB) {
                    const __m256i one = _mm256_set1_epi8(1);
                    lo = _mm256_or_si256(lo, _mm256_slli_epi16(_mm256_and_si256(hb, one), 4));
                    hi = _mm256_or_si256(hi, _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(hb, 1), one), 4));
                    hb = _mm256_srli_epi16(hb, 2);
                }
                const __m256i s_lo = bcast_word(sc2, 2 * j), s_hi = bcast_word(sc2, 2 * j + 1);
                UNROLL for (int c = 0; c < C; c++) {
                    const int8_t *q8 = ((const block_q8_K *)(a + c * as) + b)->qs + 64 * j;
                    const __m256i p_lo = _mm256_maddubs_epi16(lo, _mm256_loadu_si256((const __m256i *)q8));
                    const __m256i p_hi = _mm256_maddubs_epi16(hi, _mm256_loadu_si256((const __m256i *)(q8 + 32)));
                    sumi[c] = dot_s16(dot_s16(sumi[c], p_lo, s_lo), p_hi, s_hi);
                }
            }
            const float dx = f16(x4->d), mx = f16(x4->dmin);
            UNROLL for (int c = 0; c < C; c++) {
                const __m256i pm = _mm256_zextsi128_si256(_mm_madd_epi16(mins, bsp[c]));
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[c]), _mm256_set1_ps(dx * dy[c]), acc[r][c]);
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(pm), _mm256_set1_ps(-mx * dy[c]), acc[r][c]);
            }
        }
    }
    STORE_TILE(R, C)
}

INLINE void tile_q4_K(TILE_PARAMS) { tile_k4(R, C, nb, out, ldo, w, ws, pf, a, as, 0); }
INLINE void tile_q5_K(TILE_PARAMS) { tile_k4(R, C, nb, out, ldo, w, ws, pf, a, as, 1); }
#ifndef CAIRN_X86_VNNI
#include "kernels-avx2-kdecode.h" /* decode (nc = 1) forms of q4_K, q5_K */
#define tile_q4_K_tiles tile_q4_K
#define tile_q5_K_tiles tile_q5_K
DEFINE_GEMM(q4_K_tiles, QK_K)
DEFINE_GEMM(q5_K_tiles, QK_K)
/* gemm_q4_K / gemm_q5_K: decode by 4-row tiles, else (and for the last rows) the row tiles */
#define DEFINE_GEMM_K4(T, HB)                                                                                   \
    static void gemm_##T(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr,               \
                         const void *a, size_t as, int64_t nc) {                                                \
        const int64_t done = nc == 1 ? kd2_gemv_k4(HB, n, out, w, ws, nr, a)                                    \
                           : HB ? 0 : p2_gemm(P2_Q4_K, n, out, ldo, w, ws, nr, a, as, nc);                      \
        if (done < nr) gemm_##T##_tiles(n, out + done, ldo, (const uint8_t *)w + done * ws, ws, nr - done, a, as, nc); \
    }
DEFINE_GEMM_K4(q4_K, 0)
DEFINE_GEMM_K4(q5_K, 1)
#endif

/* q6_K: scale pair shuffles, [s(2k) x 8 | s(2k+1) x 8] as int16 */
INLINE __m256i q6_scale_pair(__m128i scales, int k) {
    const __m128i m = _mm_set_epi64x(0x0101010101010101LL * (2 * k + 1), 0x0101010101010101LL * (2 * k));
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, m));
}

INLINE void tile_q6_K(TILE_PARAMS) {
    ZERO_TILE(R, C)
    for (int64_t b = 0; b < nb; b++) {
        float dy[TILE_C];
        UNROLL for (int c = 0; c < C; c++) dy[c] = ((const block_q8_K *)(a + c * as) + b)->d;
        UNROLL for (int r = 0; r < R; r++) {
            const block_q6_K *xb = (const block_q6_K *)(w + r * ws) + b;
            PREFETCH(xb); PREFETCH((const uint8_t *)xb + 64); PREFETCH((const uint8_t *)xb + 128); PREFETCH((const uint8_t *)xb + 192);
            const __m128i scales = _mm_loadu_si128((const __m128i *)xb->scales);
            const __m256i sc16 = _mm256_cvtepi8_epi16(scales);
            __m256i sumi[TILE_C];
            UNROLL for (int c = 0; c < C; c++) {
                /* -32 offset: 32 * sum over sub-blocks of scale * bsum */
                const __m256i bs = _mm256_loadu_si256((const __m256i *)((const block_q8_K *)(a + c * as) + b)->bsums);
                sumi[c] = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(_mm256_madd_epi16(sc16, bs), 5));
            }
            UNROLL for (int h = 0; h < 2; h++) {
                UNROLL for (int k = 0; k < 4; k++) {
                    const __m256i q = q6_quarter(xb->ql + 64 * h, xb->qh + 32 * h, k);
                    const __m256i s = q6_scale_pair(scales, 4 * h + k);
                    UNROLL for (int c = 0; c < C; c++) {
                        const int8_t *q8 = ((const block_q8_K *)(a + c * as) + b)->qs + 128 * h + 32 * k;
                        const __m256i p = _mm256_maddubs_epi16(q, _mm256_loadu_si256((const __m256i *)q8));
                        sumi[c] = dot_s16(sumi[c], p, s);
                    }
                }
            }
            const float dx = f16(xb->d);
            UNROLL for (int c = 0; c < C; c++)
                acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(sumi[c]), _mm256_set1_ps(dx * dy[c]), acc[r][c]);
        }
    }
    STORE_TILE(R, C)
}
#ifndef CAIRN_X86_VNNI
#define tile_q6_K_tiles tile_q6_K
DEFINE_GEMM(q6_K_tiles, QK_K)
DEFINE_GEMM_P2(q6_K, P2_Q6_K)
#endif

/* ---- float weights x F32 activations ---- */

INLINE __m256 load_f32(const float *p)     { return _mm256_loadu_ps(p); }
INLINE __m256 load_f16(const uint16_t *p)  { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
INLINE __m256 load_bf16(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
INLINE float scalar_f32(const float *p, int64_t k)     { return p[k]; }
INLINE float scalar_f16(const uint16_t *p, int64_t k)  { return f16(p[k]); }
INLINE float scalar_bf16(const uint16_t *p, int64_t k) { return cairn_bf16_to_fp32(p[k]); }

/* nb = n here (blck 1); 8 elements per step plus a scalar tail. */
#define FLOAT_TILE(T, WT)                                                                         \
    INLINE void tile_##T(TILE_PARAMS) {                                                           \
        ZERO_TILE(R, C)                                                                           \
        const int64_t n = nb;                                                                     \
        int64_t k = 0;                                                                            \
        for (; k + 8 <= n; k += 8) {                                                              \
            __m256 y[TILE_C];                                                                          \
            UNROLL for (int c = 0; c < C; c++) y[c] = _mm256_loadu_ps((const float *)(a + c * as) + k); \
            UNROLL for (int r = 0; r < R; r++) {                                                  \
                const __m256 x = load_##T((const WT *)(w + r * ws) + k);                          \
                UNROLL for (int c = 0; c < C; c++) acc[r][c] = _mm256_fmadd_ps(x, y[c], acc[r][c]); \
            }                                                                                     \
        }                                                                                         \
        UNROLL for (int c = 0; c < C; c++)                                                        \
            UNROLL for (int r = 0; r < R; r++) {                                                  \
                float s = hsum_ps(acc[r][c]);                                                     \
                for (int64_t t = k; t < n; t++)                                                   \
                    s += scalar_##T((const WT *)(w + r * ws), t) * ((const float *)(a + c * as))[t]; \
                out[c * ldo + r] = s;                                                             \
            }                                                                                     \
    }
FLOAT_TILE(f32, float)
FLOAT_TILE(f16, uint16_t)
FLOAT_TILE(bf16, uint16_t)
DEFINE_GEMM(f32, 1)
DEFINE_GEMM(f16, 1)
DEFINE_GEMM(bf16, 1)

/* ---- f16 helpers ---- */

static float x86_dot_f16_f32(const uint16_t *a, const float *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(load_f16(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(load_f16(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(load_f16(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum_ps(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += f16(a[i]) * b[i];
    return s;
}

static void x86_axpy_f16_f32(float *y, float alpha, const uint16_t *x, int64_t n) {
    const __m256 va = _mm256_set1_ps(alpha);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, load_f16(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += alpha * f16(x[i]);
}


/* ---- activation quantizers (bit-exact with the reference) ---- */

INLINE float hmax_ps(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    return _mm_cvtss_f32(m);
}

/* roundf (ties away from zero), exact: t = trunc(v); t + sign(v) if |v - t| >= 0.5. */
INLINE __m256i roundf_epi32(__m256 v) {
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 sgn = _mm256_and_ps(v, _mm256_set1_ps(-0.0f));
    const __m256 f = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), _mm256_sub_ps(v, t));
    const __m256 up = _mm256_and_ps(_mm256_cmp_ps(f, _mm256_set1_ps(0.5f), _CMP_GE_OQ), _mm256_or_ps(sgn, _mm256_set1_ps(1.0f)));
    return _mm256_cvtps_epi32(_mm256_add_ps(t, up));
}

/* 32 int32 (4 vectors) -> 32 int8 in order. */
INLINE __m256i pack_epi32_to_epi8(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    return _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

INLINE __m256 abs_ps(__m256 v) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), v); }

/* Quantizes 32 floats with roundf(x * id); returns the bytes and the int sum. */
INLINE __m256i quant32(const float *x, float id, int *sum) {
    const __m256 vid = _mm256_set1_ps(id);
    __m256i i[4];
    UNROLL for (int k = 0; k < 4; k++) i[k] = roundf_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), vid));
    if (sum) {
        __m256i s = _mm256_add_epi32(_mm256_add_epi32(i[0], i[1]), _mm256_add_epi32(i[2], i[3]));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
        s4 = _mm_hadd_epi32(s4, s4); s4 = _mm_hadd_epi32(s4, s4);
        *sum = _mm_cvtsi128_si32(s4);
    }
    return pack_epi32_to_epi8(i[0], i[1], i[2], i[3]);
}

INLINE float amax32(const float *x) {
    __m256 m = abs_ps(_mm256_loadu_ps(x));
    UNROLL for (int k = 1; k < 4; k++) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(x + 8 * k)));
    return hmax_ps(m);
}

static void x86_quant_q8_0(const float *x, void *vy, int64_t n) {
    block_q8_0 *y = vy;
    for (int64_t i = 0; i < n / QK8_0; i++, x += QK8_0) {
        const float d = amax32(x) / 127;
        const float id = d ? 1.0f / d : 0.0f;
        y[i].d = cairn_fp32_to_fp16(d);
        _mm256_storeu_si256((__m256i *)y[i].qs, quant32(x, id, NULL));
    }
}

static void x86_quant_q8_1(const float *x, void *vy, int64_t n) {
    block_q8_1 *y = vy;
    for (int64_t i = 0; i < n / QK8_1; i++, x += QK8_1) {
        const float d = amax32(x) / 127;
        const float id = d ? 1.0f / d : 0.0f;
        int sum;
        y[i].d = cairn_fp32_to_fp16(d);
        _mm256_storeu_si256((__m256i *)y[i].qs, quant32(x, id, &sum));
        y[i].s = cairn_fp32_to_fp16(sum * d);
    }
}

static void x86_quant_q8_K(const float *x, void *vy, int64_t n) {
    block_q8_K *y = vy;
    for (int64_t i = 0; i < n / QK_K; i++, x += QK_K) {
        __m256 m = _mm256_setzero_ps();
        for (int k = 0; k < QK_K; k += 8) m = _mm256_max_ps(m, abs_ps(_mm256_loadu_ps(x + k)));
        const float amax = hmax_ps(m);
        if (!amax) { memset(&y[i], 0, sizeof y[i]); continue; }
        float max = 0; /* the first element whose |x| is amax, sign kept (as the reference) */
        for (int k = 0; k < QK_K; k += 8) {
            const int mask = _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(_mm256_loadu_ps(x + k)), _mm256_set1_ps(amax), _CMP_EQ_OQ));
            if (mask) { max = x[k + __builtin_ctz((unsigned)mask)]; break; }
        }
        const float iscale = -127.f / max;
        const __m256 vs = _mm256_set1_ps(iscale);
        for (int k = 0; k < QK_K; k += 32) {
            __m256i v[4];
            UNROLL for (int t = 0; t < 4; t++) /* round half to even = ggml nearest_int; clamp at 127 */
                v[t] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + k + 8 * t), vs)), _mm256_set1_epi32(127));
            const __m256i q = pack_epi32_to_epi8(v[0], v[1], v[2], v[3]);
            _mm256_storeu_si256((__m256i *)(y[i].qs + k), q);
            /* two bsums of 16 */
            const __m256i s16 = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q), _mm256_set1_epi16(1));
            __m128i lo = _mm256_castsi256_si128(s16), hi = _mm256_extracti128_si256(s16, 1);
            lo = _mm_hadd_epi32(lo, hi); lo = _mm_hadd_epi32(lo, lo);
            y[i].bsums[k / 16 + 0] = (int16_t)_mm_cvtsi128_si32(lo);
            y[i].bsums[k / 16 + 1] = (int16_t)_mm_extract_epi32(lo, 1);
        }
        y[i].d = 1 / iscale;
    }
}

static void x86_quant_f16(const float *x, void *vy, int64_t n) {
    uint16_t *y = vy;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm_storeu_si128((__m128i *)(y + i), _mm256_cvtps_ph(_mm256_loadu_ps(x + i), 0));
    for (; i < n; i++) y[i] = cairn_fp32_to_fp16(x[i]);
}

static void x86_quant_f32(const float *x, void *y, int64_t n) { memcpy(y, x, (size_t)n * sizeof(float)); }

/* ---- RoPE re-rotation of f16 vectors (the context shift) ----
 * Four pairs per step: e = [a0 b0 a1 b1 a2 b2 a3 b3] (vcvtph2ps), cs = [c0 s0 c1 s1 ...];
 * [a0 a0 a1 a1 ..]·[c0 s0 ..] = [a·c, a·s], [b0 b0 b1 b1 ..]·[s0 c0 ..] = [b·s, b·c], and addsub
 * gives [a·c − b·s, a·s + b·c]: the reference's products, operands and order, lane by lane
 * (compiled with -ffp-contract=off like every engine file, so nothing fuses), rounded to f16 by
 * vcvtps2ph to nearest even. The pairs past a multiple of 4 take the reference's scalar form
 * (cairn_rope_f16_from). */
static void x86_rope_f16(uint16_t *y, const uint16_t *x, int64_t n, int64_t hd, int64_t n_pairs, const float *cs) {
    for (int64_t v = 0; v < n; v++, x += hd, y += hd) {
        int64_t i = 0;
        for (; i + 4 <= n_pairs; i += 4) {
            const __m256 e = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(x + 2 * i)));
            const __m256 c_s = _mm256_loadu_ps(cs + 2 * i), s_c = _mm256_permute_ps(c_s, 0xB1);
            const __m256 r = _mm256_addsub_ps(_mm256_mul_ps(_mm256_moveldup_ps(e), c_s), _mm256_mul_ps(_mm256_movehdup_ps(e), s_c));
            _mm_storeu_si128((__m128i *)(y + 2 * i), _mm256_cvtps_ph(r, _MM_FROUND_TO_NEAREST_INT));
        }
        cairn_rope_f16_from(y, x, i, hd, n_pairs, cs);
    }
}

/* ---- the table ----
 * DEFINE_X86_TABLE(extra entries) defines g_table (the entries both tables share, plus the extra
 * ones) and the getter, which returns it where X86_SUPPORTED() holds. The AVX2 table is defined
 * here; the AVX-512 one at the end of kernels-avx512.c, after its own kernels. */

/* F16C from CPUID leaf 1 (ECX bit 29): clang before 15 has no "f16c" for __builtin_cpu_supports.
 * The AVX state it needs is the one "avx2" already requires of the OS. */
static int has_f16c(void) {
    unsigned a, b, c, d;
    return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
}
#define X86_AVX2_SUPPORTED() (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c())

#include "kernels-x86-attn.h" /* x86_attn_dec; avx2_attn16, avx2_silu_mul */

#define DEFINE_X86_TABLE(...)                                                                               \
    static const cairn_kernels g_table = {                                                                  \
        .name = X86_NAME,                                                                                   \
        .backend = X86_BACKEND,                                                                             \
        .gemm = {                                                                                           \
            [CAIRN_TYPE_F32] = gemm_f32, [CAIRN_TYPE_F16] = gemm_f16, [CAIRN_TYPE_BF16] = gemm_bf16,        \
            [CAIRN_TYPE_Q4_0] = gemm_q4_0, [CAIRN_TYPE_Q4_1] = gemm_q4_1, [CAIRN_TYPE_Q5_0] = gemm_q5_0,    \
            [CAIRN_TYPE_Q5_1] = gemm_q5_1, [CAIRN_TYPE_Q8_0] = gemm_q8_0,                                   \
            [CAIRN_TYPE_Q4_K] = gemm_q4_K, [CAIRN_TYPE_Q5_K] = gemm_q5_K, [CAIRN_TYPE_Q6_K] = gemm_q6_K,    \
        },                                                                                                  \
        .quant = {                                                                                          \
            [CAIRN_TYPE_F32] = x86_quant_f32, [CAIRN_TYPE_F16] = x86_quant_f16,                             \
            [CAIRN_TYPE_Q8_0] = x86_quant_q8_0, [CAIRN_TYPE_Q8_1] = x86_quant_q8_1,                         \
            [CAIRN_TYPE_Q8_K] = x86_quant_q8_K,                                                             \
        },                                                                                                  \
        .dot_f16_f32 = x86_dot_f16_f32,                                                                     \
        .axpy_f16_f32 = x86_axpy_f16_f32,                                                                   \
        .rope_f16 = x86_rope_f16,                                                                           \
        __VA_ARGS__                                                                                         \
    };                                                                                                      \
    const cairn_kernels *X86_GETTER(void) {                                                                 \
        __builtin_cpu_init();                                                                               \
        return X86_SUPPORTED() ? &g_table : NULL;                                                           \
    }

#ifndef CAIRN_X86_VNNI
#define X86_SUPPORTED() X86_AVX2_SUPPORTED()
DEFINE_X86_TABLE(.attn16 = avx2_attn16, .attn_dec = x86_attn_dec, .silu_mul = avx2_silu_mul, .attn16_max_hd = ATT2_MAX_HD)
#endif

#endif /* __x86_64__ */
