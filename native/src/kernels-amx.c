/* kernels-amx.c — Intel AMX (tile matrix multiply) prefill kernels, compiled with the AVX-512
 * flags plus -mamx-tile -mamx-int8.
 *
 * The "amx" table is the AVX-512 table (kernels-avx512.c: decode and everything below
 * PACK_MIN_NC columns is unchanged) plus a batched path for q4_0 / q8_0 / q4_K / q6_K weights:
 *
 *   1. act_pack lays the product's quantized activations out once per matmul, 16 tokens at a
 *      time, as AMX "B" tiles in VNNI order: for each 32-element block, 8 rows of 64 bytes,
 *      row g = the 16 tokens' elements 4g..4g+3, followed by per-token float scales (and, for
 *      q8_K, per-32 sums of the quants for q4_K's mins). Every weight panel of the product
 *      reuses it, so the transposition costs nothing per weight row.
 *   2. gemm_packed walks the weights 16 rows (one "A" tile) at a time and one K-segment at a
 *      time: the rows' blocks are unpacked into a panel buffer of signed int8 in row order on
 *      the stack (a transient scratch of at most 36 KiB per call, never a copy of the model),
 *      with their scales as floats.
 *   3. q4_0 / q8_0: per (weight panel, 16-token tile, block of 32) one TDPBSSD (K = 32) gives
 *      the 16 x 16 int32 block dot products; they are stored, converted to float and
 *      accumulated with AVX-512 as acc[row] += int * (d_w[row] * d_x[tokens]), 16 rows in 16
 *      registers whose lanes are the 16 tokens; the finished tile is transposed into out.
 *      q4_K / q6_K: the integer sub-block scales are folded into the quants, so a whole
 *      super-block is one int32 per (row, token), computed with K = 64 tiles (see below).
 *
 * Measured on one core of this project's Sapphire Rapids-class VM (n = 2048, 256 tokens): the
 * AVX-512 packed panels reach ~140-150 GMAC/s, these ~350 (q4_0 / q8_0), ~370 (q4_K) and ~480
 * (q6_K). The tile loads and stores, not the multiplies, bound it: a K = 32 TDPBSSD costs as
 * much as a K = 64 one, and every block's int32 tile has to go through memory to be scaled.
 *
 * Integer block dot products are exact, so results differ from the reference only in float
 * summation order (test-kernels.c checks every type against the reference).
 *
 * Tiles need the kernel's permission (Linux: arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA)) and a
 * tile configuration per thread: each gemm call loads its configuration and releases the tiles
 * at the end, so threads hold no AMX state between calls. Where CPUID lacks AMX-INT8 or the
 * request fails, cairn_kernels_amx() returns NULL and AUTO picks AVX-512.
 */
#if defined(__x86_64__)

#include "quants-impl.h"

#include <immintrin.h>
#include <pthread.h>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

#define INLINE static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 16")

#define AMX_TOK   16   /* tokens per tile (B columns, C lanes)            */
#define AMX_ROWS  16   /* weight rows per panel (A rows, C rows)          */
#define AMX_SEG   64   /* 32-element blocks per K-segment of a panel      */
#define AMX_MIN_NC 8   /* columns from which forward.c takes this path: at 8 a half-empty
                        * token tile already beats the AVX-512 panels, at 4 it does not */

/* ---- packed activations ----------------------------------------------------------------
 * q8_0 activations: per (16-token tile, block of 32): amx_q8 (576 bytes).
 * q8_K activations: per (tile, block of 256): amx_q8k = 8 sub-blocks of 32 + d + sums.
 * Tiles of a product are consecutive, blocks within a tile consecutive. Tokens past nc are zero. */
typedef struct {
    int8_t q[8][64];          /* B tile: row g, bytes 4t..4t+3 = token t's elements 4g..4g+3 */
    float  d[AMX_TOK];        /* token t's block scale                                         */
} amx_q8;

typedef struct {
    int8_t q[8][8][64];       /* per sub-block of 32, as amx_q8.q; sub-blocks 2c, 2c + 1 make
                               * the 16-row (K = 64) B tile of elements 64c .. 64c + 63         */
    float  d[AMX_TOK];        /* token t's block scale                                         */
    float  s[8][AMX_TOK];     /* d * token t's sum of quants over sub-block s (q4_K mins)      */
} amx_q8k;

_Static_assert(sizeof(amx_q8) % 64 == 0 && sizeof(amx_q8k) % 64 == 0, "packed blocks keep 64-byte alignment");

static size_t amx_pack_size(int32_t act_type, int64_t n, int64_t nc) {
    const size_t tiles = (size_t)((nc + AMX_TOK - 1) / AMX_TOK);
    if (act_type == CAIRN_TYPE_Q8_0) return tiles * (size_t)(n / QK8_0) * sizeof(amx_q8);
    if (act_type == CAIRN_TYPE_Q8_K) return tiles * (size_t)(n / QK_K) * sizeof(amx_q8k);
    return 0;
}

/* 8 B-tile rows of one 32-byte sub-block: tokens' bytes at base + t*as (t < 16, masked to live tokens). */
INLINE void pack_b_rows(int8_t dst[8][64], const uint8_t *base, __m512i idx, __mmask16 live) {
    UNROLL for (int g = 0; g < 8; g++)
        _mm512_store_si512((__m512i *)dst[g], _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live, idx, base + 4 * g, 1));
}

/* Packs the tiles ith, ith + nth, ... of nc activation rows (a, as bytes apart) into dst. */
static void amx_act_pack(int32_t act_type, int64_t n, const void *va, size_t as, int64_t nc, void *dst, int ith, int nth) {
    const uint8_t *a = va;
    const int64_t tiles = (nc + AMX_TOK - 1) / AMX_TOK;
    const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                           _mm512_set1_epi32((int)as));
    for (int64_t tt = ith; tt < tiles; tt += nth) {
        const int live_n = (int)CAIRN_MIN((int64_t)AMX_TOK, nc - tt * AMX_TOK);
        const __mmask16 live = (__mmask16)((1u << live_n) - 1);
        const uint8_t *rows = a + (size_t)tt * AMX_TOK * as;
        if (act_type == CAIRN_TYPE_Q8_0) {
            const int64_t nb = n / QK8_0;
            amx_q8 *o = (amx_q8 *)dst + tt * nb;
            for (int64_t b = 0; b < nb; b++) {
                pack_b_rows(o[b].q, rows + b * sizeof(block_q8_0) + offsetof(block_q8_0, qs), idx, live);
                for (int t = 0; t < AMX_TOK; t++) {
                    uint16_t h = 0;
                    if (t < live_n) memcpy(&h, rows + t * as + b * sizeof(block_q8_0), 2);
                    o[b].d[t] = _cvtsh_ss(h);
                }
            }
        } else {
            const int64_t nb = n / QK_K;
            amx_q8k *o = (amx_q8k *)dst + tt * nb;
            for (int64_t b = 0; b < nb; b++) {
                for (int s = 0; s < 8; s++) pack_b_rows(o[b].q[s], rows + b * sizeof(block_q8_K) + offsetof(block_q8_K, qs) + 32 * s, idx, live);
                for (int t = 0; t < AMX_TOK; t++) {
                    const block_q8_K *y = (const block_q8_K *)(rows + t * as) + b;
                    o[b].d[t] = t < live_n ? y->d : 0.0f;
                    for (int s = 0; s < 8; s++) o[b].s[s][t] = t < live_n ? y->d * (float)(y->bsums[2 * s] + y->bsums[2 * s + 1]) : 0.0f;
                }
            }
        }
    }
}

/* ---- tiles ---- */

typedef struct __attribute__((aligned(64))) {
    uint8_t  palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t  rows[16];
} amx_tilecfg;

/* Tiles 0, 2: A (16 weight rows x k bytes); 1, 3: B (k/4 rows x 64 bytes); 4..7: C (16 x 16 int32). */
INLINE void amx_config(int k) {
    amx_tilecfg c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int t = 0; t < 8; t++) {
        const int kind = t < 4 ? (t & 1) : 2;
        c.rows[t]  = (uint8_t)(kind == 1 ? k / 4 : AMX_ROWS);
        c.colsb[t] = (uint16_t)(kind == 0 ? k : 64);
    }
    _tile_loadconfig(&c);
}

/* acc[r] += int32 row r of c * dx * dw[r]; the 16 lanes are the 16 tokens. */
INLINE void post_rows(__m512 acc[AMX_ROWS], const int32_t *c, __m512 dx, const float *dw) {
    UNROLL for (int r = 0; r < AMX_ROWS; r++)
        acc[r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512((const __m512i *)(c + 16 * r))),
                                 _mm512_mul_ps(dx, _mm512_set1_ps(dw[r])), acc[r]);
}

/* 16 x 16 transpose (rows r[i] -> columns), then out[t * ldo + i] (+)= for live tokens t and rows i. */
INLINE void store_tile(__m512 r[16], float *out, size_t ldo, int n_tok, int n_rows, int add) {
    __m512 a[16], b[16];
    UNROLL for (int k = 0; k < 8; k++) {
        a[2 * k]     = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
        a[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
    }
    UNROLL for (int k = 0; k < 4; k++) {
        b[4 * k]     = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a[4 * k]),     _mm512_castps_pd(a[4 * k + 2])));
        b[4 * k + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a[4 * k]),     _mm512_castps_pd(a[4 * k + 2])));
        b[4 * k + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a[4 * k + 1]), _mm512_castps_pd(a[4 * k + 3])));
        b[4 * k + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a[4 * k + 1]), _mm512_castps_pd(a[4 * k + 3])));
    }
    /* b[4k + j] lane L = rows 4k..4k+3 of column 4L + j: a 4 x 4 transpose of 128-bit lanes per j */
    UNROLL for (int j = 0; j < 4; j++) {
        const __m512 t0 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0x44), t1 = _mm512_shuffle_f32x4(b[j], b[4 + j], 0xEE);
        const __m512 t2 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0x44), t3 = _mm512_shuffle_f32x4(b[8 + j], b[12 + j], 0xEE);
        r[j]      = _mm512_shuffle_f32x4(t0, t2, 0x88);
        r[4 + j]  = _mm512_shuffle_f32x4(t0, t2, 0xDD);
        r[8 + j]  = _mm512_shuffle_f32x4(t1, t3, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(t1, t3, 0xDD);
    }
    const __mmask16 m = (__mmask16)((1u << n_rows) - 1);
    UNROLL for (int t = 0; t < 16; t++) { /* constant indices keep r in registers */
        if (t >= n_tok) break;
        float *o = out + t * ldo;
        _mm512_mask_storeu_ps(o, m, add ? _mm512_add_ps(_mm512_maskz_loadu_ps(m, o), r[t]) : r[t]);
    }
}

/* ---- q4_0 / q8_0: per block of 32, A = 16 rows x 32 signed bytes ---- */

typedef struct {
    int8_t q[AMX_SEG][AMX_ROWS][32];    /* 32 KiB */
    float  d[AMX_SEG][AMX_ROWS];
} panel32;

/* Unpacks rows [0, nrow) of blocks [b0, b0 + nbs) into p (rows past nrow zero); rows are read in
 * order (one stream each, which the hardware prefetcher follows). */
INLINE void prep_panel32(const int Q8, panel32 *p, const uint8_t *w, size_t ws, int nrow, int64_t b0, int64_t nbs) {
    const size_t bsz = Q8 ? sizeof(block_q8_0) : sizeof(block_q4_0);
    for (int r = 0; r < AMX_ROWS; r++) {
        const uint8_t *x = w + r * ws + b0 * bsz;
        for (int64_t b = 0; b < nbs; b++, x += bsz) {
            __m256i q = _mm256_setzero_si256();
            float d = 0.0f;
            if (r < nrow) {
                uint16_t h; memcpy(&h, x, 2);
                d = _cvtsh_ss(h);
                if (Q8) q = _mm256_loadu_si256((const __m256i *)(x + 2));
                else {
                    const __m128i t = _mm_loadu_si128((const __m128i *)(x + 2));
                    q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0F));
                    q = _mm256_sub_epi8(q, _mm256_set1_epi8(8));
                }
            }
            _mm256_store_si256((__m256i *)p->q[b][r], q);
            p->d[b][r] = d;
        }
    }
}

/* 16 rows x 16 tokens over the nbs blocks of one segment, into out (add: out +=).
 * Two C tiles alternate so that one pair of block products runs on the tile unit while the
 * previous pair is converted and scaled: stores of finished tiles come first, then the next
 * products, then the float work on the stored pair. */
#define TDP(C, AT, BT, b) do { _tile_loadd(AT, p->q[b], 32); _tile_loadd(BT, y[b].q, 64); _tile_zero(C); _tile_dpbssd(C, AT, BT); } while (0)
static void tile_seg32(const panel32 *p, const amx_q8 *y, int64_t nbs, float *out, size_t ldo, int n_tok, int n_rows, int add) {
    int32_t c[4][AMX_ROWS * 16] __attribute__((aligned(64)));
    __m512 acc[AMX_ROWS];
    UNROLL for (int r = 0; r < AMX_ROWS; r++) acc[r] = _mm512_setzero_ps();
    int64_t b = 0;
    if (nbs >= 2) {
        TDP(4, 0, 1, 0); TDP(5, 2, 3, 1);
        int k = 0;
        for (b = 2; b + 2 <= nbs; b += 2, k ^= 2) {
            _tile_stored(4, c[k], 64); _tile_stored(5, c[k + 1], 64);
            TDP(4, 0, 1, b); TDP(5, 2, 3, b + 1);
            post_rows(acc, c[k], _mm512_load_ps(y[b - 2].d), p->d[b - 2]);
            post_rows(acc, c[k + 1], _mm512_load_ps(y[b - 1].d), p->d[b - 1]);
        }
        _tile_stored(4, c[k], 64); _tile_stored(5, c[k + 1], 64);
        post_rows(acc, c[k], _mm512_load_ps(y[b - 2].d), p->d[b - 2]);
        post_rows(acc, c[k + 1], _mm512_load_ps(y[b - 1].d), p->d[b - 1]);
    }
    for (; b < nbs; b++) {
        TDP(4, 0, 1, b);
        _tile_stored(4, c[0], 64);
        post_rows(acc, c[0], _mm512_load_ps(y[b].d), p->d[b]);
    }
    store_tile(acc, out, ldo, n_tok, n_rows, add);
}
#undef TDP

INLINE void gemm_amx32(const int Q8, int64_t n, float *out, size_t ldo, const uint8_t *w, size_t ws, int64_t nr,
                       const void *packed, int64_t nc) {
    panel32 panel __attribute__((aligned(64))); /* 36 KiB of stack, like the AVX-512 packed panels */
    const int64_t nb = n / QK8_0, tiles = (nc + AMX_TOK - 1) / AMX_TOK;
    const amx_q8 *y = packed;
    amx_config(32);
    for (int64_t b0 = 0; b0 < nb; b0 += AMX_SEG) {
        const int64_t nbs = CAIRN_MIN((int64_t)AMX_SEG, nb - b0);
        for (int64_t i = 0; i < nr; i += AMX_ROWS) {
            const int nrow = (int)CAIRN_MIN((int64_t)AMX_ROWS, nr - i);
            prep_panel32(Q8, &panel, w + i * ws, ws, nrow, b0, nbs);
            for (int64_t tt = 0; tt < tiles; tt++)
                tile_seg32(&panel, y + tt * nb + b0, nbs, out + tt * AMX_TOK * ldo + i, ldo,
                           (int)CAIRN_MIN((int64_t)AMX_TOK, nc - tt * AMX_TOK), nrow, b0 > 0);
        }
    }
    _tile_release();
}

static void gemm_amx_q4_0(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr, const void *a, size_t as, int64_t nc) {
    gemm_amx32(0, n, out, ldo, w, ws, nr, a, nc);
}
static void gemm_amx_q8_0(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr, const void *a, size_t as, int64_t nc) {
    gemm_amx32(1, n, out, ldo, w, ws, nr, a, nc);
}

/* ---- q4_K / q6_K x q8_K: sub-block scales folded into the integers ----
 * A K-quant's sub-block scales are small integers (q4_K: 6-bit, q6_K: int8), so per element
 * v = scale * q is an integer (q4_K: 0..945; q6_K: -4064..4096) and a whole super-block's
 * sum of v * y is one int32 per (row, token), scaled once by d * d_y. v does not fit a byte,
 * so it is split as v = 2^S * h + l (q4_K: S = 3, h 0..118, l 0..7; q6_K: S = 6, h -64..64,
 * l 0..63), two A tiles against the same B tile: per 64 elements two TDPBSSD (K = 64), per
 * super-block two tile stores, and per row ~5 vector operations (q4_K adds dmin * min[s] * d_y
 * * sum(y over s), 8 FMAs with activation sums prepared at packing). */
#define KSEG 4   /* super-blocks per panel segment: 4 x 4 chunks x 2 KiB = 32 KiB */

typedef struct {
    int8_t h[KSEG * 4][AMX_ROWS][64];      /* per 64-element chunk: A tile of the high parts */
    int8_t l[KSEG * 4][AMX_ROWS][64];      /* ... of the low parts                           */
    float  d[KSEG][AMX_ROWS];              /* super-block scale d per row                    */
    float  m[KSEG][8][AMX_ROWS];           /* q4_K: dmin * min of sub-block s per row        */
} panelk;

/* 32 values v (int16, from u8 quants times a scale) -> high and low byte parts at dst rows. */
INLINE void split32(const int S, __m512i v, int8_t *h, int8_t *l) {
    _mm256_storeu_si256((__m256i *)h, _mm512_cvtepi16_epi8(_mm512_srai_epi16(v, S)));
    _mm256_storeu_si256((__m256i *)l, _mm512_cvtepi16_epi8(_mm512_and_si512(v, _mm512_set1_epi16((short)((1 << S) - 1)))));
}

static void prep_panel_q4_K(panelk *p, const uint8_t *w, size_t ws, int nrow, int64_t b0, int64_t nsb) {
    for (int r = 0; r < AMX_ROWS; r++)
        for (int64_t k = 0; k < nsb; k++) {
            const block_q4_K *x = (const block_q4_K *)(w + r * ws) + b0 + k;
            const bool live = r < nrow;
            uint8_t sc[8] = {0}, mn[8] = {0};
            if (live) for (int s = 0; s < 8; s++) cairn_get_scale_min_k4(s, x->scales, &sc[s], &mn[s]);
            for (int j = 0; j < 4; j++) { /* qs[32j..]: low nibbles = sub-block 2j, high = 2j + 1 = chunk j */
                const __m256i q = live ? _mm256_loadu_si256((const __m256i *)(x->qs + 32 * j)) : _mm256_setzero_si256();
                const __m512i lo = _mm512_cvtepu8_epi16(_mm256_and_si256(q, _mm256_set1_epi8(0x0F)));
                const __m512i hi = _mm512_cvtepu8_epi16(_mm256_and_si256(_mm256_srli_epi16(q, 4), _mm256_set1_epi8(0x0F)));
                const int c = (int)(4 * k + j);
                split32(3, _mm512_mullo_epi16(lo, _mm512_set1_epi16(sc[2 * j])), p->h[c][r], p->l[c][r]);
                split32(3, _mm512_mullo_epi16(hi, _mm512_set1_epi16(sc[2 * j + 1])), p->h[c][r] + 32, p->l[c][r] + 32);
            }
            p->d[k][r] = live ? _cvtsh_ss(x->d) : 0.0f;
            const float dmin = live ? _cvtsh_ss(x->dmin) : 0.0f;
            for (int s = 0; s < 8; s++) p->m[k][s][r] = dmin * mn[s];
        }
}

static void prep_panel_q6_K(panelk *p, const uint8_t *w, size_t ws, int nrow, int64_t b0, int64_t nsb) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m3 = _mm256_set1_epi8(0x03);
    for (int r = 0; r < AMX_ROWS; r++)
        for (int64_t k = 0; k < nsb; k++) {
            const block_q6_K *x = (const block_q6_K *)(w + r * ws) + b0 + k;
            const bool live = r < nrow;
            for (int hf = 0; hf < 2; hf++) {
                __m256i g[4] = { _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256() };
                if (live) { /* g[i] = unsigned 6-bit quants of elements 128 hf + 32 i + 0..31 */
                    const __m256i qh = _mm256_loadu_si256((const __m256i *)(x->qh + 32 * hf));
                    const __m256i l0 = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * hf));
                    const __m256i l1 = _mm256_loadu_si256((const __m256i *)(x->ql + 64 * hf + 32));
                    g[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(qh, m3), 4));
                    g[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), m3), 4));
                    g[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), m3), 4));
                    g[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), m3), 4));
                }
                for (int i = 0; i < 4; i++) { /* scales 8 hf + 2 i (first 16) and + 1 (next 16) */
                    const int16_t s0 = live ? x->scales[8 * hf + 2 * i] : 0, s1 = live ? x->scales[8 * hf + 2 * i + 1] : 0;
                    const __m512i sc = _mm512_mask_blend_epi16(0xFFFF0000u, _mm512_set1_epi16(s0), _mm512_set1_epi16(s1));
                    const __m512i v = _mm512_mullo_epi16(_mm512_sub_epi16(_mm512_cvtepu8_epi16(g[i]), _mm512_set1_epi16(32)), sc);
                    const int c = (int)(4 * k + 2 * hf + i / 2);
                    split32(6, v, p->h[c][r] + 32 * (i & 1), p->l[c][r] + 32 * (i & 1));
                }
            }
            p->d[k][r] = live ? _cvtsh_ss(x->d) : 0.0f;
        }
}

/* Tiles for K-quants (all 16 x 64 bytes): 0, 3 = B of two token tiles; 1, 2 = A high / low;
 * 4, 5 = C high / low of the first token tile; 6, 7 = of the second. */
INLINE void amx_config_k(void) {
    amx_tilecfg c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int t = 0; t < 8; t++) { c.rows[t] = AMX_ROWS; c.colsb[t] = 64; }
    _tile_loadconfig(&c);
}

/* acc (in memory, 16 rows x 16 tokens) += one super-block's stored high / low int32 tiles
 * scaled by d (per row) * d_y (per token), minus (q4_K) the mins term. */
INLINE void post_k(const int Q6, float (*acc)[16], const int32_t *ch, const int32_t *cl, const panelk *p, int64_t k, const amx_q8k *yk) {
    const int S = Q6 ? 6 : 3;
    const __m512 dy = _mm512_load_ps(yk->d);
    __m512 ys[8];
    if (!Q6) UNROLL for (int s = 0; s < 8; s++) ys[s] = _mm512_load_ps(yk->s[s]);
    UNROLL for (int r = 0; r < AMX_ROWS; r++) {
        const __m512i v = _mm512_add_epi32(_mm512_slli_epi32(_mm512_load_si512((const __m512i *)(ch + 16 * r)), S),
                                           _mm512_load_si512((const __m512i *)(cl + 16 * r)));
        __m512 a = _mm512_fmadd_ps(_mm512_cvtepi32_ps(v), _mm512_mul_ps(dy, _mm512_set1_ps(p->d[k][r])), _mm512_load_ps(acc[r]));
        if (!Q6) UNROLL for (int s = 0; s < 8; s++) a = _mm512_fnmadd_ps(_mm512_set1_ps(p->m[k][s][r]), ys[s], a);
        _mm512_store_ps(acc[r], a);
    }
}

/* 16 rows x NT (1 or 2) token tiles over the nsb super-blocks of one segment, into out (add:
 * out +=). Each A tile load serves both token tiles. */
INLINE void tile_segk(const int Q6, const int NT, const panelk *p, const amx_q8k *y0, const amx_q8k *y1, int64_t nsb,
                      float *out0, float *out1, size_t ldo, int n_tok0, int n_tok1, int n_rows, int add) {
    int32_t c[4][AMX_ROWS * 16] __attribute__((aligned(64)));
    float acc[2][AMX_ROWS][16] __attribute__((aligned(64)));
    memset(acc, 0, sizeof acc);
    for (int64_t k = 0; k < nsb; k++) {
        _tile_zero(4); _tile_zero(5);
        if (NT == 2) { _tile_zero(6); _tile_zero(7); }
        for (int j = 0; j < 4; j++) {
            _tile_loadd(0, y0[k].q[2 * j], 64);
            if (NT == 2) _tile_loadd(3, y1[k].q[2 * j], 64);
            _tile_loadd(1, p->h[4 * k + j], 64);
            _tile_dpbssd(4, 1, 0);
            if (NT == 2) _tile_dpbssd(6, 1, 3);
            _tile_loadd(2, p->l[4 * k + j], 64);
            _tile_dpbssd(5, 2, 0);
            if (NT == 2) _tile_dpbssd(7, 2, 3);
        }
        _tile_stored(4, c[0], 64); _tile_stored(5, c[1], 64);
        if (NT == 2) { _tile_stored(6, c[2], 64); _tile_stored(7, c[3], 64); }
        post_k(Q6, acc[0], c[0], c[1], p, k, y0 + k);
        if (NT == 2) post_k(Q6, acc[1], c[2], c[3], p, k, y1 + k);
    }
    for (int t = 0; t < NT; t++) {
        __m512 v[AMX_ROWS];
        UNROLL for (int r = 0; r < AMX_ROWS; r++) v[r] = _mm512_load_ps(acc[t][r]);
        store_tile(v, t ? out1 : out0, ldo, t ? n_tok1 : n_tok0, n_rows, add);
    }
}

INLINE void gemm_amxk(const int Q6, int64_t n, float *out, size_t ldo, const uint8_t *w, size_t ws, int64_t nr,
                      const void *packed, int64_t nc) {
    panelk panel __attribute__((aligned(64))); /* 34 KiB of stack */
    const int64_t nb = n / QK_K, tiles = (nc + AMX_TOK - 1) / AMX_TOK;
    const amx_q8k *y = packed;
    amx_config_k();
    for (int64_t b0 = 0; b0 < nb; b0 += KSEG) {
        const int64_t nsb = CAIRN_MIN((int64_t)KSEG, nb - b0);
        for (int64_t i = 0; i < nr; i += AMX_ROWS) {
            const int nrow = (int)CAIRN_MIN((int64_t)AMX_ROWS, nr - i);
            if (Q6) prep_panel_q6_K(&panel, w + i * ws, ws, nrow, b0, nsb);
            else    prep_panel_q4_K(&panel, w + i * ws, ws, nrow, b0, nsb);
            int64_t tt = 0;
            for (; tt + 2 <= tiles; tt += 2)
                tile_segk(Q6, 2, &panel, y + tt * nb + b0, y + (tt + 1) * nb + b0, nsb, out + tt * AMX_TOK * ldo + i,
                          out + (tt + 1) * AMX_TOK * ldo + i, ldo, AMX_TOK, (int)CAIRN_MIN((int64_t)AMX_TOK, nc - (tt + 1) * AMX_TOK),
                          nrow, b0 > 0);
            if (tt < tiles)
                tile_segk(Q6, 1, &panel, y + tt * nb + b0, NULL, nsb, out + tt * AMX_TOK * ldo + i, NULL, ldo,
                          (int)CAIRN_MIN((int64_t)AMX_TOK, nc - tt * AMX_TOK), 0, nrow, b0 > 0);
        }
    }
    _tile_release();
}

static void gemm_amx_q4_K(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr, const void *a, size_t as, int64_t nc) {
    gemm_amxk(0, n, out, ldo, w, ws, nr, a, nc);
}
static void gemm_amx_q6_K(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr, const void *a, size_t as, int64_t nc) {
    gemm_amxk(1, n, out, ldo, w, ws, nr, a, nc);
}

/* ---- the table ---- */

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA  18

static cairn_kernels g_amx;
static const cairn_kernels *g_amx_ok;
static pthread_once_t g_amx_once = PTHREAD_ONCE_INIT;

static void amx_init(void) {
    const cairn_kernels *base = cairn_kernels_avx512();
    if (!base) return;
    unsigned eax, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(0));
    const int amx_tile = (edx >> 24) & 1, amx_int8 = (edx >> 25) & 1;
    if (!amx_tile || !amx_int8) return;
#if defined(__linux__)
    if (syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) != 0) return;
#else
    return; /* no way to ask other kernels for tile state here */
#endif
    g_amx = *base;
    g_amx.name = "amx";
    g_amx.backend = CAIRN_BACKEND_AMX;
    g_amx.pack_size = amx_pack_size;
    g_amx.act_pack = amx_act_pack;
    g_amx.pack_min_nc = AMX_MIN_NC;
    g_amx.gemm_packed[CAIRN_TYPE_Q4_0] = gemm_amx_q4_0;
    g_amx.gemm_packed[CAIRN_TYPE_Q8_0] = gemm_amx_q8_0;
    g_amx.gemm_packed[CAIRN_TYPE_Q4_K] = gemm_amx_q4_K;
    g_amx.gemm_packed[CAIRN_TYPE_Q6_K] = gemm_amx_q6_K;
    g_amx_ok = &g_amx;
}

const cairn_kernels *cairn_kernels_amx(void) {
    pthread_once(&g_amx_once, amx_init);
    return g_amx_ok;
}

#endif /* __x86_64__ */
