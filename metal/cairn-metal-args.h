/* cairn-metal-args.h — kernel-argument structs, shared by the host (C) and the shaders (Metal),
 * so the two cannot drift. Counts are int32, strides uint64 (in elements unless named _bytes).
 * Each struct is passed with setBytes at buffer index 0; buffers follow at 1, 2, ... in the order
 * the kernel's comment gives (the .metal files in metal/kernels).
 */
#ifndef CAIRN_METAL_ARGS_H
#define CAIRN_METAL_ARGS_H

#ifdef __METAL_VERSION__
typedef int   cm_i32;
typedef ulong cm_u64;
#define CAIRN_MTL_SIZE(T, n) static_assert(sizeof(T) == (n), #T " differs between host and shader");
#else
#include <stdint.h>
typedef int32_t  cm_i32;
typedef uint64_t cm_u64;
#ifdef __cplusplus
#define CAIRN_MTL_SIZE(T, n) static_assert(sizeof(T) == (n), #T " differs between host and shader");
#else
#define CAIRN_MTL_SIZE(T, n) _Static_assert(sizeof(T) == (n), #T " differs between host and shader");
#endif
#endif

#define CAIRN_MTL_MAX_PAIRS 128 /* rotary pairs per head (head_dim <= 256 on Metal)       */
#define CAIRN_MTL_MAX_HD    256 /* attention keeps head_dim / 32 accumulators per lane     */
#define CAIRN_MTL_MV_SG     2   /* mul_mv: simdgroups per threadgroup                      */
#define CAIRN_MTL_MV_NR     4   /* mul_mv: weight rows per simdgroup                       */
#define CAIRN_MTL_MM_TILE   32  /* mul_mm: rows x tokens x k per threadgroup tile          */
#define CAIRN_MTL_MM_MIN    8   /* tokens from which a product runs mul_mm instead of mul_mv */
#define CAIRN_MTL_ATT_MIN_CHUNK 256 /* attention: positions per threadgroup, at least     */
#define CAIRN_MTL_ATT_MAX_CHUNKS 32 /* ... and at most this many threadgroups per query    */

/* out[t * out_stride + r] (+)= dot(row r of W, x[t * x_stride ...]) for r < rows, t < n_tok.
 * Buffers: 1 W (rows of w_row_bytes), 2 x (f32), 3 out (f32). */
typedef struct {
    cm_i32 ne0;          /* elements per row (the dot length)          */
    cm_i32 rows;         /* weight rows                                */
    cm_i32 n_tok;        /* activation rows                            */
    cm_i32 accumulate;   /* 1: add to out (the residual), 0: overwrite */
    cm_u64 w_row_bytes;
    cm_u64 x_stride;
    cm_u64 out_stride;
} cairn_mtl_args_mul;

/* out[r] = x[r] / sqrt(mean(x[r]^2) + eps) * w. Buffers: 1 x, 2 w (f32 [n]), 3 out. */
typedef struct {
    cm_i32 n;
    cm_i32 n_rows;
    float  eps;
    cm_i32 _pad;
    cm_u64 x_stride;
    cm_u64 out_stride;
} cairn_mtl_args_norm;

/* RoPE ("norm": adjacent pairs) of q and k of tokens at pos0 + t, then the K/V rows into the
 * f16 cache: angle of pair i at p = (p * theta[i]) * scale_inv[i], as forward.c computes it.
 * Buffers: 1 q (f32, rotated in place), 2 k (f32), 3 v (f32), 4 K cache row pos0 (f16),
 * 5 V cache row pos0 (f16). */
typedef struct {
    cm_i32 n_tok, n_head, n_head_kv, head_dim;
    cm_i32 n_pairs;      /* rotated pairs per head (n_rot / 2) */
    cm_i32 pos0;
    cm_u64 q_stride, kv_stride; /* f32 elements per token in q and in k/v */
    cm_u64 cache_row;           /* f16 elements per cache row (n_head_kv * head_dim) */
    float  theta[CAIRN_MTL_MAX_PAIRS];
    float  scale_inv[CAIRN_MTL_MAX_PAIRS];
} cairn_mtl_args_rope;

/* Attention of n_tok queries (token t sees cache positions [0, pos0 + t]) split into chunks of
 * `chunk` positions: threadgroup (c, h, t) writes the chunk's running max, sum and unnormalized
 * output to part[((t * n_head + h) * n_chunks + c) * (head_dim + 2)]; attn_reduce combines them.
 * attn buffers: 1 q (f32), 2 K cache (f16, position 0), 3 V cache (f16), 4 part (f32).
 * attn_reduce buffers: 1 part, 2 out (f32, head h of token t at t * out_stride + h * head_dim). */
typedef struct {
    cm_i32 n_tok, n_head, n_head_kv, head_dim;
    cm_i32 pos0, chunk, n_chunks;
    float  scale;
    cm_u64 q_stride, cache_row, out_stride;
} cairn_mtl_args_attn;

/* g[i] = silu(g[i]) * u[i] for i < n (g and u contiguous). Buffers: 1 g, 2 u. */
typedef struct {
    cm_i32 n, _pad;
} cairn_mtl_args_swiglu;

/* Context shift of n_layer layers: rows [discard, discard + n_move) of each layer's cache move to
 * rows [0, n_move); K rows are re-rotated by (cs[2i], cs[2i+1]) per pair i < n_pairs, V rows move
 * as they are. Each thread owns one pair of columns of one (layer, K|V) and walks the rows in
 * increasing order, so every element is read before it is overwritten, without barriers.
 * Buffers: 1 K cache row `keep` of layer 0 (f16), 2 V cache row `keep` of layer 0 (f16). */
typedef struct {
    cm_i32 n_move, discard, n_layer, head_dim;
    cm_i32 n_pairs, kv_dim;
    cm_u64 layer_stride;         /* f16 elements from one layer's cache to the next */
    float  cs[2 * CAIRN_MTL_MAX_PAIRS];
} cairn_mtl_args_shift;

/* The same sizes on both sides (the Metal compiler checks these too), so no field can drift. */
CAIRN_MTL_SIZE(cairn_mtl_args_mul, 40)
CAIRN_MTL_SIZE(cairn_mtl_args_norm, 32)
CAIRN_MTL_SIZE(cairn_mtl_args_rope, 48 + 8 * CAIRN_MTL_MAX_PAIRS)
CAIRN_MTL_SIZE(cairn_mtl_args_attn, 56)
CAIRN_MTL_SIZE(cairn_mtl_args_swiglu, 8)
CAIRN_MTL_SIZE(cairn_mtl_args_shift, 32 + 8 * CAIRN_MTL_MAX_PAIRS)

#endif
