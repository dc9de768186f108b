/* quants-impl.h — ggml-compatible block layouts, type traits and the kernel table.
 *
 * Layouts are bit-exact with ggml (ggml-common.h). QK = elements per block.
 *   q4_0 : d(f16) qs[16]            x = (nibble - 8) * d        low nibbles = elems 0..15
 *   q4_1 : d,m(f16) qs[16]          x = nibble * d + m
 *   q5_0 : d(f16) qh[4] qs[16]      x = ((nibble | bit<<4) - 16) * d   bit j of qh = elem j
 *   q5_1 : d,m(f16) qh[4] qs[16]    x = (nibble | bit<<4) * d + m
 *   q8_0 : d(f16) qs[32] int8       x = q * d
 *   q8_1 : d,s(f16) qs[32]          s = d * sum(qs)          (activations for q4_1/q5_1)
 *   q4_K : d,dmin(f16) scales[12] qs[128]   8 sub-blocks of 32, 6-bit scale+min each
 *   q5_K : d,dmin(f16) scales[12] qh[32] qs[128]
 *   q6_K : ql[128] qh[64] scales[16](int8) d(f16)   16 sub-blocks of 16
 *   q8_K : d(f32) qs[256] bsums[16](int16)  (activations for K-quants)
 */
#ifndef CAIRN_QUANTS_IMPL_H
#define CAIRN_QUANTS_IMPL_H

#include "cairn-impl.h"

#define QK4_0 32
#define QK4_1 32
#define QK5_0 32
#define QK5_1 32
#define QK8_0 32
#define QK8_1 32
#define QK_K  256
#define K_SCALE_SIZE 12

typedef struct { uint16_t d; uint8_t qs[QK4_0 / 2]; } block_q4_0;
typedef struct { uint16_t d, m; uint8_t qs[QK4_1 / 2]; } block_q4_1;
typedef struct { uint16_t d; uint8_t qh[4]; uint8_t qs[QK5_0 / 2]; } block_q5_0;
typedef struct { uint16_t d, m; uint8_t qh[4]; uint8_t qs[QK5_1 / 2]; } block_q5_1;
typedef struct { uint16_t d; int8_t qs[QK8_0]; } block_q8_0;
typedef struct { uint16_t d, s; int8_t qs[QK8_1]; } block_q8_1;
typedef struct { uint16_t d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qs[QK_K / 2]; } block_q4_K;
typedef struct { uint16_t d, dmin; uint8_t scales[K_SCALE_SIZE]; uint8_t qh[QK_K / 8]; uint8_t qs[QK_K / 2]; } block_q5_K;
typedef struct { uint8_t ql[QK_K / 2]; uint8_t qh[QK_K / 4]; int8_t scales[QK_K / 16]; uint16_t d; } block_q6_K;
typedef struct { float d; int8_t qs[QK_K]; int16_t bsums[QK_K / 16]; } block_q8_K;

_Static_assert(sizeof(block_q4_0) == 18, "q4_0");
_Static_assert(sizeof(block_q4_1) == 20, "q4_1");
_Static_assert(sizeof(block_q5_0) == 22, "q5_0");
_Static_assert(sizeof(block_q5_1) == 24, "q5_1");
_Static_assert(sizeof(block_q8_0) == 34, "q8_0");
_Static_assert(sizeof(block_q8_1) == 36, "q8_1");
_Static_assert(sizeof(block_q4_K) == 144, "q4_K");
_Static_assert(sizeof(block_q5_K) == 176, "q5_K");
_Static_assert(sizeof(block_q6_K) == 210, "q6_K");
_Static_assert(sizeof(block_q8_K) == 292, "q8_K");

/* Decodes the 6-bit scale and min of sub-block j (0..7) of a q4_K/q5_K block. */
static inline void cairn_get_scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) { *d = q[j] & 63; *m = q[j + 4] & 63; }
    else {
        *d = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j - 0] >> 6) << 4));
    }
}

/* Static facts about a type. */
typedef struct {
    const char *name;
    int32_t     blck;        /* elements per block                          */
    size_t      type_size;   /* bytes per block                             */
    bool        weight_ok;   /* the engine accepts it as a weight type      */
    int32_t     act_type;    /* activation format its dot products consume  */
    /* reference dequantization of n elements (n % blck == 0) */
    void      (*to_float)(const void *src, float *dst, int64_t n);
} cairn_type_traits;

/* NULL for types the engine does not know. */
const cairn_type_traits *cairn_type_traits_get(int32_t type);
/* Bytes of a row of n elements of type t (n % blck == 0 assumed). */
size_t cairn_row_size(int32_t type, int64_t n);

/* Reference quantization of activations (n % blck == 0): F32 (copy), F16, Q8_0, Q8_1, Q8_K. */
void cairn_quantize_act_ref(int32_t act_type, const float *x, void *y, int64_t n);

/* ---- kernel table -------------------------------------------------------
 * A backend supplies, per weight type, a tile matmul over quantized activations:
 *   for i in [0,nr), j in [0,nc):
 *       out[j * ldo + i] = dot(row i of W, column j of A)
 * W rows are `w_stride` bytes apart, each n elements of the weight type; A holds nc
 * activation rows of n elements in the weight type's act_type format, `a_stride` bytes apart.
 * Implementations must give the same result as the reference up to float reassociation.
 */
typedef void (*cairn_gemm_fn)(int64_t n, float *out, size_t ldo,
                              const void *w, size_t w_stride, int64_t nr,
                              const void *a, size_t a_stride, int64_t nc);
typedef void (*cairn_quant_fn)(const float *x, void *y, int64_t n);

#define CAIRN_ATTN_DEC_MAX_Q  8   /* attn_dec's limits (below) */
#define CAIRN_ATTN_DEC_MAX_HD 256

/* attn_dec's working state, shared by its forms (kernels-x86-attn.h, kernels-avx512.c,
 * kernels-neon-attn.h), which all run chunks of CAIRN_ATTN_DEC_CHUNK positions (scores, one
 * online-softmax step per query, then V): the queries times the scale, their running outputs, a
 * chunk's probabilities (queries padded to the V step's 4, padding rows 0) and each query's running
 * max and sum. */
#define CAIRN_ATTN_DEC_CHUNK 64
#define CAIRN_ATTN_DEC_NQP   ((CAIRN_ATTN_DEC_MAX_Q + 3) / 4 * 4)
typedef struct {
    _Alignas(64) float qs[CAIRN_ATTN_DEC_MAX_Q][CAIRN_ATTN_DEC_MAX_HD];
    _Alignas(64) float o[CAIRN_ATTN_DEC_NQP][CAIRN_ATTN_DEC_MAX_HD];
    _Alignas(64) float p[CAIRN_ATTN_DEC_NQP][CAIRN_ATTN_DEC_CHUNK];
    float m[CAIRN_ATTN_DEC_MAX_Q], l[CAIRN_ATTN_DEC_MAX_Q];
} cairn_attn_dec_state;

/* Starts s for nq queries q[i] (hd floats); returns nq rounded up to 4. */
static inline int cairn_attn_dec_begin(cairn_attn_dec_state *s, int nq, int64_t hd, const float *const *q, float scale) {
    const int nqp = (nq + 3) / 4 * 4;
    for (int i = 0; i < nqp; i++) {
        for (int64_t d = 0; d < hd; d++) s->o[i][d] = 0.0f;
        if (i >= nq) { memset(s->p[i], 0, sizeof s->p[i]); continue; } /* padding queries add nothing */
        for (int64_t d = 0; d < hd; d++) s->qs[i][d] = q[i][d] * scale;
        s->m[i] = -__builtin_inff(); s->l[i] = 0.0f;
    }
    return nqp;
}

/* out[i] = o[i] / l[i] for the nq queries. */
static inline void cairn_attn_dec_end(const cairn_attn_dec_state *s, int nq, int64_t hd, float *const *out) {
    for (int i = 0; i < nq; i++)
        for (int64_t d = 0; d < hd; d++) out[i][d] = s->o[i][d] / s->l[i];
}

typedef struct {
    const char   *name;
    int32_t       backend;                       /* cairn_backend */
    cairn_gemm_fn gemm[CAIRN_TYPE_COUNT];        /* indexed by weight type; NULL = use reference */
    cairn_quant_fn quant[CAIRN_TYPE_COUNT];      /* indexed by act type; NULL = use reference   */
    /* f16 helpers for attention over the KV cache (n elements) */
    float       (*dot_f16_f32)(const uint16_t *a, const float *b, int64_t n);
    void        (*axpy_f16_f32)(float *y, float alpha, const uint16_t *x, int64_t n); /* y += alpha*x */
    /* Optional (NULL = the per-row helpers above): causal attention of nq <= 16 queries that share
     * one KV head, head_dim hd (a multiple of 16, at most attn16_max_hd). Query i (hd floats at
     * q[i]) attends to positions [0, n_past[i]) of the f16 caches kc / vc (rows kv_stride elements
     * apart): out[i] = softmax(scale * q[i] K^T) V. */
    void        (*attn16)(int nq, int64_t hd, const float *const *q, float *const *out, const int64_t *n_past,
                          const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale);
    int64_t       attn16_max_hd;
    /* Optional (NULL = the per-row helpers): decode attention, nq <= CAIRN_ATTN_DEC_MAX_Q queries of
     * one token that share one KV head, all over positions [0, n_past); hd a multiple of 8, at most
     * CAIRN_ATTN_DEC_MAX_HD. Same result as attn16 with every n_past[i] = n_past. */
    void        (*attn_dec)(int nq, int64_t hd, const float *const *q, float *const *out, int64_t n_past,
                            const uint16_t *kc, const uint16_t *vc, size_t kv_stride, float scale);
    /* Optional (NULL = scalar): g[i] = g[i] / (1 + e^-g[i]) * u[i] for i < n (SwiGLU). */
    void        (*silu_mul)(float *g, const float *u, int64_t n);
    /* Optional (NULL = the reference's): RoPE re-rotation of f16 vectors (the context shift, kvshift.c).
     * For each of n vectors of hd f16 values (x and y advance by hd), the adjacent pairs (a, b) =
     * (x[2i], x[2i+1]), i < n_pairs, become y[2i] = f16(a·c − b·s), y[2i+1] = f16(a·s + b·c) with
     * c = cs[2i], s = cs[2i+1]: a and b widened to f32, each product rounded to f32 (never a fused
     * multiply-add), the difference / sum rounded to f32, then to f16 to nearest even; values
     * [2·n_pairs, hd) are copied as they are. Every table gives the reference's bits for every
     * result that is not a NaN (a NaN stays a NaN; its payload may differ). y may lie below x as
     * in a move down (y <= x - hd): each vector is read before anything is written over it. */
    void        (*rope_f16)(uint16_t *y, const uint16_t *x, int64_t n, int64_t hd, int64_t n_pairs, const float *cs);
    /* Optional batched path (all NULL / 0 where absent). A product with at least pack_min_nc
     * columns whose weight type has gemm_packed may lay its quantized activations out once with
     * act_pack (nc rows of act_type, a_stride bytes apart -> pack_size(act_type, n, nc) bytes at
     * dst, 64-byte aligned; thread ith of nth packs its share) and then run gemm_packed[type]
     * over row chunks: the gemm contract with `a` the packed buffer (a_stride unused).
     * pack_size returns 0 for an act type without a packed form. */
    size_t      (*pack_size)(int32_t act_type, int64_t n, int64_t nc);
    void        (*act_pack)(int32_t act_type, int64_t n, const void *a, size_t a_stride, int64_t nc, void *dst, int ith, int nth);
    cairn_gemm_fn gemm_packed[CAIRN_TYPE_COUNT];
    int64_t       pack_min_nc;
} cairn_kernels;

/* rope_f16 of one vector from pair i on, in the reference's scalar form (the reference runs it from
 * pair 0; the SIMD tables finish each vector with it). */
static inline void cairn_rope_f16_from(uint16_t *y, const uint16_t *x, int64_t i, int64_t hd, int64_t n_pairs, const float *cs) {
    for (; i < n_pairs; i++) {
        const float a = cairn_fp16_to_fp32(x[2 * i]), b = cairn_fp16_to_fp32(x[2 * i + 1]);
        const float c = cs[2 * i], s = cs[2 * i + 1];
        y[2 * i]     = cairn_fp32_to_fp16(a * c - b * s);
        y[2 * i + 1] = cairn_fp32_to_fp16(a * s + b * c);
    }
    memcpy(y + 2 * n_pairs, x + 2 * n_pairs, (size_t)(hd - 2 * n_pairs) * sizeof *y);
}

const cairn_kernels *cairn_kernels_reference(void);
/* Backends compiled for this target (NULL if not built or not supported by this CPU). */
const cairn_kernels *cairn_kernels_avx2(void);
const cairn_kernels *cairn_kernels_avx512(void);
const cairn_kernels *cairn_kernels_neon(void);
const cairn_kernels *cairn_kernels_amx(void);     /* also NULL where the OS refuses tile state */
/* The table for a requested backend (CAIRN_BACKEND_AUTO = best supported); NULL if unavailable. */
const cairn_kernels *cairn_kernels_select(int32_t backend);

#endif
