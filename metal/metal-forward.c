/* metal-forward.c — the llama forward pass and the context shift on the GPU, in plain C over the
 * device layer (metal-impl.h): one encode function per op, one command buffer per pass of at most
 * CAIRN_MTL_MAX_BATCH tokens, the same sections as forward.c:
 *   x = embed(tokens)                       the CPU dequantizes the rows straight into GPU scratch
 *   per layer: xb = rmsnorm(x); q,k,v = W xb; rope + K/V rows -> caller's cache (f16)
 *              att = softmax(q K^T / sqrt(hd)) V (chunks + reduce); x += Wo att
 *              xb = rmsnorm(x); hb = silu(Wg xb) * (Wu xb); x += Wd hb
 *   logits = Wout rmsnorm(x) -> caller memory
 * Buffers: the weights are wrapped where they lie (the file mapping), the caller's memory is wrapped
 * where it lies (a few wrappings are kept, keyed by address, length and mapping; a memory that grows
 * or moves is wrapped anew); activations live in one engine-owned scratch buffer. Nothing is copied.
 */
#include "../native/src/model-impl.h"
#include "../native/src/gguf-impl.h"
#include "metal-impl.h"
#include "cairn-metal-args.h"

#include <math.h>
#include <stdlib.h>

#define CAIRN_MTL_MAX_BATCH 256   /* tokens per command buffer (bounds the scratch) */
#define WRAP_CACHE 8

typedef struct { uintptr_t lo; uint64_t len, id, used; cairn_mtl_buf *buf; } wrap_entry;

struct cairn_metal {
    cairn_mtl     *dev;
    cairn_mtl_buf *weights;
    uintptr_t      wlo;                 /* address of the weight buffer's first byte */
    cairn_mtl_buf *scratch;
    uint8_t       *sp;                  /* its CPU address */
    uint64_t       off_x, off_xb, off_q, off_k, off_v, off_att, off_hb, off_hb2, off_part;
    wrap_entry     wrap[WRAP_CACHE];
    uint64_t       tick;
};

static uint64_t round_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

/* ---- buffers ---- */

static cairn_mtl_ref wref(const cairn_metal *mt, const void *p) {
    return (cairn_mtl_ref){mt->weights, (uint64_t)((uintptr_t)p - mt->wlo)};
}
static cairn_mtl_ref sref(const cairn_metal *mt, uint64_t off) { return (cairn_mtl_ref){mt->scratch, off}; }
static cairn_mtl_ref at(cairn_mtl_ref r, uint64_t bytes) { r.off += bytes; return r; }

/* The buffer over caller memory [base, base + size): the enclosing pages, wrapped once and kept. */
static cairn_status wrap_caller(cairn_metal *mt, uint8_t *base, uint64_t size, cairn_mtl_ref *out) {
    const uint64_t page = cairn_mtl_page_size();
    const uintptr_t lo = (uintptr_t)base / page * page;
    const uint64_t len = round_up((uintptr_t)base + size - lo, page), id = cairn_mtl_mapping_id((void *)lo);
    wrap_entry *slot = &mt->wrap[0];
    for (int i = 0; i < WRAP_CACHE; i++) {
        wrap_entry *e = &mt->wrap[i];
        if (e->buf && e->lo == lo && e->len == len && e->id == id) {
            e->used = ++mt->tick;
            *out = (cairn_mtl_ref){e->buf, (uint64_t)((uintptr_t)base - lo)};
            return CAIRN_OK;
        }
        /* a wrapping that overlaps this range is stale (the memory grew, moved or was remapped) */
        if (e->buf && e->lo < lo + len && lo < e->lo + e->len) { cairn_mtl_buf_free(e->buf); e->buf = NULL; }
        if (!e->buf || (slot->buf && e->used < slot->used)) slot = e;
    }
    if (slot->buf) cairn_mtl_buf_free(slot->buf);
    slot->buf = NULL;
    const cairn_status s = cairn_mtl_wrap(mt->dev, (void *)lo, len, &slot->buf);
    if (s) return s;
    *slot = (wrap_entry){lo, len, id, ++mt->tick, slot->buf};
    *out = (cairn_mtl_ref){slot->buf, (uint64_t)((uintptr_t)base - lo)};
    return CAIRN_OK;
}

/* ---- init ---- */

static void weight_span(const cairn_weight *w, uintptr_t *lo, uintptr_t *hi) {
    const uintptr_t a = (uintptr_t)w->data, b = a + (uintptr_t)w->row_size * (uintptr_t)w->ne1;
    if (a < *lo) *lo = a;
    if (b > *hi) *hi = b;
}
static void norm_span(const float *p, int64_t n, uintptr_t *lo, uintptr_t *hi) {
    if ((uintptr_t)p < *lo) *lo = (uintptr_t)p;
    if ((uintptr_t)(p + n) > *hi) *hi = (uintptr_t)(p + n);
}

cairn_status cairn_metal_init(cairn_model *m, cairn_metal **out) {
    const cairn_model_info *in = &m->info;
    *out = NULL;
    if (in->head_dim > CAIRN_MTL_MAX_HD || m->n_rot / 2 > CAIRN_MTL_MAX_PAIRS)
        return cairn_fail(CAIRN_E_ARG, "metal: head size %u is above the Metal kernels' %d", in->head_dim, CAIRN_MTL_MAX_HD);
    cairn_metal *mt = calloc(1, sizeof *mt);
    if (!mt) return cairn_fail(CAIRN_E_NOMEM, "metal: out of memory");
    cairn_status s = cairn_mtl_open(&mt->dev);
    /* the weights: one buffer over the pages that hold every tensor the forward pass reads */
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    weight_span(&m->tok_embd, &lo, &hi);
    weight_span(&m->output, &lo, &hi);
    norm_span(m->output_norm, in->n_embd, &lo, &hi);
    for (uint32_t l = 0; l < in->n_layer; l++) {
        const cairn_layer *L = &m->layers[l];
        const cairn_weight *ws[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w_gate, &L->w_up, &L->w_down};
        for (int k = 0; k < 7; k++) weight_span(ws[k], &lo, &hi);
        norm_span(L->attn_norm, in->n_embd, &lo, &hi);
        norm_span(L->ffn_norm, in->n_embd, &lo, &hi);
    }
    const uint64_t page = cairn_mtl_page_size();
    mt->wlo = lo / page * page;
    const uint64_t wlen = round_up(hi - mt->wlo, page);
    if (!s && wlen > cairn_mtl_max_buffer(mt->dev))
        s = cairn_fail(CAIRN_E_NOMEM, "metal: %llu bytes of weights exceed the device's largest buffer (%llu)",
                       (unsigned long long)wlen, (unsigned long long)cairn_mtl_max_buffer(mt->dev));
    if (!s) s = cairn_mtl_wrap(mt->dev, (void *)mt->wlo, wlen, &mt->weights);
    /* scratch: activations of CAIRN_MTL_MAX_BATCH tokens, attention partials of as many (query, chunk) */
    const uint64_t T = CAIRN_MTL_MAX_BATCH, E = in->n_embd, Q = (uint64_t)in->n_head * in->head_dim;
    const uint64_t KV = (uint64_t)in->n_head_kv * in->head_dim, F = in->n_ff;
    uint64_t off = 0;
#define REGION(field, bytes) do { mt->field = off; off = round_up(off + (bytes), 256); } while (0)
    REGION(off_x, T * E * 4); REGION(off_xb, T * E * 4); REGION(off_q, T * Q * 4);
    REGION(off_k, T * KV * 4); REGION(off_v, T * KV * 4); REGION(off_att, T * Q * 4);
    REGION(off_hb, T * F * 4); REGION(off_hb2, T * F * 4);
    REGION(off_part, T * in->n_head * ((uint64_t)in->head_dim + 2) * 4);
#undef REGION
    void *sp = NULL;
    if (!s) s = cairn_mtl_alloc(mt->dev, off, &mt->scratch, &sp);
    mt->sp = sp;
    if (s) { cairn_metal_free(mt); return s; }
    *out = mt;
    return CAIRN_OK;
}

void cairn_metal_free(cairn_metal *mt) {
    if (!mt) return;
    for (int i = 0; i < WRAP_CACHE; i++) if (mt->wrap[i].buf) cairn_mtl_buf_free(mt->wrap[i].buf);
    if (mt->weights) cairn_mtl_buf_free(mt->weights);
    if (mt->scratch) cairn_mtl_buf_free(mt->scratch);
    if (mt->dev) cairn_mtl_close(mt->dev);
    free(mt);
}

/* ---- one encode function per op ---- */

static const int32_t k_types[] = {CAIRN_TYPE_F32, CAIRN_TYPE_F16, CAIRN_TYPE_BF16, CAIRN_TYPE_Q4_0, CAIRN_TYPE_Q4_1,
                                  CAIRN_TYPE_Q5_0, CAIRN_TYPE_Q5_1, CAIRN_TYPE_Q8_0, CAIRN_TYPE_Q4_K, CAIRN_TYPE_Q5_K,
                                  CAIRN_TYPE_Q6_K}; /* the order of CAIRN_MTL_TYPES */

static int type_index(int32_t type) {
    for (int i = 0; i < (int)(sizeof k_types / sizeof *k_types); i++) if (k_types[i] == type) return i;
    return -1;
}

static void dispatch(cairn_metal *mt, cairn_mtl_kernel k, const void *args, size_t len, const cairn_mtl_ref *b, int nb,
                     uint32_t gx, uint32_t gy, uint32_t gz, uint32_t threads, uint32_t tg_mem) {
    const uint32_t grid[3] = {gx, gy, gz};
    cairn_mtl_dispatch(mt->dev, k, args, len, b, nb, grid, threads, tg_mem);
}

/* out[t][r] (+)= W[r] . x[t], t < n_tok: mul_mm from CAIRN_MTL_MM_MIN tokens, else mul_mv. */
static void enc_mul(cairn_metal *mt, const cairn_weight *w, cairn_mtl_ref x, uint64_t x_stride, cairn_mtl_ref out,
                    uint64_t out_stride, int64_t n_tok, bool accumulate) {
    const cairn_mtl_args_mul a = {(int32_t)w->ne0, (int32_t)w->ne1, (int32_t)n_tok, accumulate, w->row_size, x_stride, out_stride};
    const cairn_mtl_ref b[3] = {wref(mt, w->data), x, out};
    const int ti = type_index(w->type);
    if (n_tok >= CAIRN_MTL_MM_MIN)
        dispatch(mt, (cairn_mtl_kernel)(CAIRN_MTL_K_mul_mm_f32 + ti), &a, sizeof a, b, 3, (uint32_t)((w->ne1 + 31) / 32),
                 (uint32_t)((n_tok + 31) / 32), 1, 128, 2 * CAIRN_MTL_MM_TILE * CAIRN_MTL_MM_TILE * 4);
    else
        dispatch(mt, (cairn_mtl_kernel)(CAIRN_MTL_K_mul_mv_f32 + ti), &a, sizeof a, b, 3,
                 (uint32_t)((w->ne1 + CAIRN_MTL_MV_SG * CAIRN_MTL_MV_NR - 1) / (CAIRN_MTL_MV_SG * CAIRN_MTL_MV_NR)),
                 (uint32_t)n_tok, 1, 32 * CAIRN_MTL_MV_SG, 16);
}

static void enc_rmsnorm(cairn_metal *mt, const cairn_model *m, const float *w, cairn_mtl_ref x, cairn_mtl_ref out, int64_t rows) {
    const uint64_t E = m->info.n_embd;
    const cairn_mtl_args_norm a = {(int32_t)E, (int32_t)rows, m->info.norm_eps, 0, E, E};
    const cairn_mtl_ref b[3] = {x, wref(mt, w), out};
    dispatch(mt, CAIRN_MTL_K_rmsnorm, &a, sizeof a, b, 3, (uint32_t)rows, 1, 1, 256, 32);
}

static void enc_rope_kv(cairn_metal *mt, const cairn_model *m, cairn_mtl_ref kc, cairn_mtl_ref vc, int64_t n, int64_t pos) {
    const cairn_model_info *in = &m->info;
    cairn_mtl_args_rope a = {(int32_t)n, (int32_t)in->n_head, (int32_t)in->n_head_kv, (int32_t)in->head_dim,
                             (int32_t)(m->n_rot / 2), (int32_t)pos, (uint64_t)in->n_head * in->head_dim,
                             (uint64_t)in->n_head_kv * in->head_dim, (uint64_t)in->n_head_kv * in->head_dim, {0}, {0}};
    for (uint32_t i = 0; i < m->n_rot / 2; i++) { a.theta[i] = m->rope_theta[i]; a.scale_inv[i] = m->rope_freq_scale_inv[i]; }
    const uint64_t row = a.cache_row * 2 * (uint64_t)pos;
    const cairn_mtl_ref b[5] = {sref(mt, mt->off_q), sref(mt, mt->off_k), sref(mt, mt->off_v), at(kc, row), at(vc, row)};
    dispatch(mt, CAIRN_MTL_K_rope_kv, &a, sizeof a, b, 5, (uint32_t)n, in->n_head, 1, 64, 16);
}

/* Chunks per query: up to CAIRN_MTL_ATT_MAX_CHUNKS for one token, fewer as tokens bring their own
 * parallelism (so the partials fit the scratch: tokens x chunks <= CAIRN_MTL_MAX_BATCH). */
static void enc_attention(cairn_metal *mt, const cairn_model *m, cairn_mtl_ref kc, cairn_mtl_ref vc, int64_t n, int64_t pos) {
    const cairn_model_info *in = &m->info;
    const int64_t n_past = pos + n, max_chunks = CAIRN_MAX(1, CAIRN_MTL_ATT_MAX_CHUNKS / n);
    int64_t chunk = CAIRN_MAX(CAIRN_MTL_ATT_MIN_CHUNK, (int64_t)round_up((uint64_t)((n_past + max_chunks - 1) / max_chunks), 32));
    const int64_t n_chunks = (n_past + chunk - 1) / chunk;
    const cairn_mtl_args_attn a = {(int32_t)n, (int32_t)in->n_head, (int32_t)in->n_head_kv, (int32_t)in->head_dim,
                                   (int32_t)pos, (int32_t)chunk, (int32_t)n_chunks, 1.0f / sqrtf((float)in->head_dim),
                                   (uint64_t)in->n_head * in->head_dim, (uint64_t)in->n_head_kv * in->head_dim,
                                   (uint64_t)in->n_head * in->head_dim};
    const cairn_mtl_ref b[4] = {sref(mt, mt->off_q), kc, vc, sref(mt, mt->off_part)};
    dispatch(mt, CAIRN_MTL_K_attn, &a, sizeof a, b, 4, (uint32_t)n_chunks, in->n_head, (uint32_t)n, 32, (in->head_dim + 32) * 4);
    const cairn_mtl_ref r[2] = {sref(mt, mt->off_part), sref(mt, mt->off_att)};
    dispatch(mt, CAIRN_MTL_K_attn_reduce, &a, sizeof a, r, 2, in->n_head, (uint32_t)n, 1, 32, 16);
}

static void enc_swiglu(cairn_metal *mt, int64_t n_elems) {
    const cairn_mtl_args_swiglu a = {(int32_t)n_elems, 0};
    const cairn_mtl_ref b[2] = {sref(mt, mt->off_hb), sref(mt, mt->off_hb2)};
    dispatch(mt, CAIRN_MTL_K_swiglu, &a, sizeof a, b, 2, (uint32_t)((n_elems + 255) / 256), 1, 1, 256, 16);
}

/* ---- the forward pass ---- */

static cairn_status forward_pass(cairn_model *m, cairn_mtl_ref state, const cairn_state_layout *L, const int32_t *tokens,
                                 int64_t n, int64_t pos, cairn_mtl_ref *logits, bool all_logits) {
    cairn_metal *mt = m->metal;
    const cairn_model_info *in = &m->info;
    const int64_t E = in->n_embd, Q = (int64_t)in->n_head * in->head_dim, KVD = (int64_t)in->n_head_kv * in->head_dim;
    const cairn_type_traits *emb = cairn_type_traits_get(m->tok_embd.type);
    float *x = (float *)(mt->sp + mt->off_x);
    for (int64_t t = 0; t < n; t++)
        emb->to_float((const uint8_t *)m->tok_embd.data + (size_t)tokens[t] * m->tok_embd.row_size, x + t * E, E);
    cairn_status s = cairn_mtl_begin(mt->dev);
    if (s) return s;
    const cairn_mtl_ref X = sref(mt, mt->off_x), XB = sref(mt, mt->off_xb), HB = sref(mt, mt->off_hb);
    for (uint32_t l = 0; l < in->n_layer; l++) {
        const cairn_layer *Ly = &m->layers[l];
        const cairn_mtl_ref kc = at(state, L->k_off + (uint64_t)l * L->n_ctx * KVD * 2);
        const cairn_mtl_ref vc = at(state, L->v_off + (uint64_t)l * L->n_ctx * KVD * 2);
        /* attention block */
        enc_rmsnorm(mt, m, Ly->attn_norm, X, XB, n);
        enc_mul(mt, &Ly->wq, XB, E, sref(mt, mt->off_q), Q, n, false);
        enc_mul(mt, &Ly->wk, XB, E, sref(mt, mt->off_k), KVD, n, false);
        enc_mul(mt, &Ly->wv, XB, E, sref(mt, mt->off_v), KVD, n, false);
        enc_rope_kv(mt, m, kc, vc, n, pos);
        enc_attention(mt, m, kc, vc, n, pos);
        enc_mul(mt, &Ly->wo, sref(mt, mt->off_att), Q, X, E, n, true);
        /* feed-forward block */
        enc_rmsnorm(mt, m, Ly->ffn_norm, X, XB, n);
        enc_mul(mt, &Ly->w_gate, XB, E, HB, in->n_ff, n, false);
        enc_mul(mt, &Ly->w_up, XB, E, sref(mt, mt->off_hb2), in->n_ff, n, false);
        enc_swiglu(mt, n * in->n_ff);
        enc_mul(mt, &Ly->w_down, HB, in->n_ff, X, E, n, true);
    }
    if (logits) { /* every row, or only the last one */
        const int64_t first = all_logits ? 0 : n - 1, rows = n - first;
        enc_rmsnorm(mt, m, m->output_norm, at(X, (uint64_t)first * E * 4), XB, rows);
        enc_mul(mt, &m->output, XB, E, *logits, in->n_vocab, rows, false);
    }
    return cairn_mtl_commit_wait(mt->dev);
}

cairn_status cairn_metal_forward(cairn_model *m, uint8_t *base, const cairn_state_layout *L, const int32_t *tokens,
                                 uint32_t n, uint32_t pos, bool all_logits, const volatile int32_t *cancel) {
    cairn_mtl_ref state;
    cairn_status s = wrap_caller(m->metal, base, L->size, &state);
    for (uint32_t done = 0; !s && done < n;) {
        if (cancel && *cancel) return cairn_fail(CAIRN_E_CANCELLED, "cancelled before position %u", pos + done);
        const uint32_t c = CAIRN_MIN(n - done, (uint32_t)CAIRN_MTL_MAX_BATCH);
        const bool last = done + c == n;
        /* without all_logits, only the final pass's last row is computed (into row 0) */
        cairn_mtl_ref lg = at(state, L->logits_off + (all_logits ? (uint64_t)done * m->info.n_vocab * 4 : 0));
        s = forward_pass(m, state, L, tokens + done, c, pos + done, all_logits || last ? &lg : NULL, all_logits);
        done += c;
    }
    return s;
}

/* ---- context shift ---- */

cairn_status cairn_metal_kv_shift(cairn_model *m, uint8_t *base, const cairn_state_layout *L, uint32_t n_past,
                                  uint32_t keep, uint32_t discard, const float *cs) {
    cairn_metal *mt = m->metal;
    const cairn_model_info *in = &m->info;
    const int64_t kvd = (int64_t)in->n_head_kv * in->head_dim;
    cairn_mtl_ref state;
    cairn_status s = wrap_caller(mt, base, L->size, &state);
    if (s) return s;
    cairn_mtl_args_shift a = {(int32_t)(n_past - keep - discard), (int32_t)discard, (int32_t)in->n_layer, (int32_t)in->head_dim,
                              (int32_t)(m->n_rot / 2), (int32_t)kvd, (uint64_t)L->n_ctx * kvd, {0}};
    for (uint32_t i = 0; i < m->n_rot; i++) a.cs[i] = cs[i]; /* cos, sin per pair (kvshift.c) */
    const uint64_t row = (uint64_t)keep * kvd * 2;
    const cairn_mtl_ref b[2] = {at(state, L->k_off + row), at(state, L->v_off + row)};
    if ((s = cairn_mtl_begin(mt->dev))) return s;
    dispatch(mt, CAIRN_MTL_K_kv_shift, &a, sizeof a, b, 2, (uint32_t)((kvd / 2 + 63) / 64), in->n_layer, 2, 64, 16);
    return cairn_mtl_commit_wait(mt->dev);
}
