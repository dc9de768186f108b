/* forward.c — the llama forward pass over caller-provided state (KV cache, logits).
 *
 * One section per block, llama2.c style:
 *   x = embed(tokens)                                     x   [n][n_embd]
 *   per layer:  xb = rmsnorm(x) * attn_norm
 *               q,k,v = Wq xb, Wk xb, Wv xb               q   [n][n_head*hd], k,v [n][n_kv*hd]
 *               rope(q, k); K/V rows -> caller's cache (f16)
 *               att = softmax(q K^T / sqrt(hd)) V         att [n][n_head*hd]   (causal)
 *               x += Wo att
 *               xb = rmsnorm(x) * ffn_norm
 *               x += Wdown (silu(Wgate xb) * Wup xb)      hb  [n][n_ff]
 *   logits = Wout (rmsnorm(x) * output_norm)              [n or 1][n_vocab] -> caller memory
 * Matrix products quantize the activations once into the weight type's act format and run
 * the backend's gemm over row chunks on the thread pool.
 */
#include "model-impl.h"

#include <math.h>
#include <stdlib.h>
#ifdef CAIRN_METAL
#include "../../metal/metal-impl.h"
#endif

#define MAX_BATCH   256    /* tokens per internal chunk (bounds engine scratch) */
#define ROW_CHUNK   16     /* weight rows per work item (decode: one token) */
/* Decode work: a thread takes a run of chunks from the front of its own range, half of what is
 * left there and at most DECODE_MAX_ROWS rows (= GEMV_GROUP: the decode kernels spread their tiles
 * over a run's rows, GEMV_SPREAD in kernels-gemm-impl.h, so a long run is a few long streams, where
 * 16-row runs were short runs of a few KiB). Chunks are about DECODE_CHUNK_BYTES of weights, so
 * the runs shrink toward the end of a range and the threads finish within about one chunk of each
 * other; a thread with nothing left takes single chunks from the back of another's range.
 * Equal runs of a quarter of a thread's share had the first thread wait 15-20 µs for the other
 * at the end of each FFN product (half a run), 2-6 µs with shrinking runs (2-core dev machine,
 * Q4_K, 2 threads: 0.4-0.5 ms per token less waiting). */
#define DECODE_MAX_ROWS 1024
#define DECODE_CHUNK_BYTES (128 << 10)
#define ROW_CHUNK_BATCH 64 /* ... for several tokens: the packed prefill kernels share their
                            * per-column work (activation sums) across a call's rows */

/* ---- scratch ---- */

void cairn_scratch_free(cairn_scratch *s) {
    free(s->x); free(s->xb); free(s->q); free(s->k); free(s->v); free(s->att_out);
    free(s->hb); free(s->hb2); free(s->act); free(s->packed); free(s->scores); free(s->rope_cs);
    memset(s, 0, sizeof *s);
}

static void *alloc64(size_t n) {
    void *p = NULL;
    if (n == 0) n = 64;
    return posix_memalign(&p, 64, (n + 63) & ~(size_t)63) == 0 ? p : NULL;
}

static cairn_status scratch_reserve(cairn_model *m, int64_t n_tok, int64_t n_ctx) {
    cairn_scratch *s = &m->scratch;
    if (s->cap_tokens >= n_tok && s->cap_ctx >= n_ctx) return CAIRN_OK;
    const int64_t T = CAIRN_MAX(n_tok, s->cap_tokens), C = CAIRN_MAX(n_ctx, s->cap_ctx);
    cairn_scratch_free(s);
    const cairn_model_info *in = &m->info;
    const int64_t E = in->n_embd, Q = (int64_t)in->n_head * in->head_dim, KV = (int64_t)in->n_head_kv * in->head_dim;
    const int64_t widest = CAIRN_MAX(CAIRN_MAX(E, Q), (int64_t)in->n_ff);
    /* widest act row: f32 is the largest act format */
    s->act_row_cap = (size_t)widest * sizeof(float);
    s->x = alloc64(T * E * 4);   s->xb = alloc64(T * E * 4);
    s->q = alloc64(T * Q * 4);   s->k = alloc64(T * KV * 4);  s->v = alloc64(T * KV * 4);
    s->att_out = alloc64(T * Q * 4);
    s->hb = alloc64(T * in->n_ff * 4); s->hb2 = alloc64(T * in->n_ff * 4);
    s->act = alloc64(T * s->act_row_cap);
    /* the backend's packed activation layout (batched path), sized for its largest form */
    size_t packed = 0;
    if (m->kern->pack_size)
        for (int32_t at = 0; at < CAIRN_TYPE_COUNT; at++) packed = CAIRN_MAX(packed, m->kern->pack_size(at, widest, T));
    s->packed = packed ? alloc64(packed) : NULL;
    s->scores = alloc64((size_t)cairn_pool_size(m->pool) * C * 4);
    s->rope_cs = alloc64((size_t)T * m->n_rot * sizeof(float));
    if (!s->rope_cs || !s->x || !s->xb || !s->q || !s->k || !s->v || !s->att_out || !s->hb || !s->hb2 || !s->act || (packed && !s->packed) || !s->scores) {
        cairn_scratch_free(s);
        return cairn_fail(CAIRN_E_NOMEM, "out of memory for %lld-token activations", (long long)T);
    }
    s->cap_tokens = T;
    s->cap_ctx = C;
    return CAIRN_OK;
}

/* ---- small kernels ---- */

static void rmsnorm(float *o, const float *x, const float *w, int64_t n, float eps) {
    double s4[4] = {0.0, 0.0, 0.0, 0.0}; /* 4 chains: one was a serial add latency per element */
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) s4[k] += (double)x[i + k] * x[i + k];
    for (; i < n; i++) s4[0] += (double)x[i] * x[i];
    const double ss = (s4[0] + s4[1]) + (s4[2] + s4[3]);
    const float scale = 1.0f / sqrtf((float)(ss / (double)n) + eps);
    for (int64_t i = 0; i < n; i++) o[i] = x[i] * scale * w[i];
}

static void softmax(float *x, int64_t n) {
    float mx = x[0];
    for (int64_t i = 1; i < n; i++) mx = x[i] > mx ? x[i] : mx;
    double sum = 0.0;
    for (int64_t i = 0; i < n; i++) { x[i] = expf(x[i] - mx); sum += x[i]; }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

/* ---- parallel matmul: up to 3 weights sharing one quantized input ----
 * The row chunks of the (concatenated) weights are split into one contiguous range per thread,
 * so each core streams its own run of memory: chunks handed out round-robin from one counter
 * interleave the two cores' streams every 16 rows, and each core's next-tile prefetch and
 * the hardware stream prefetcher then fetch lines the other core is about to read
 * (2 threads, q8_0 n = 2048: 21 -> 26 GB/s). A thread that finishes its range takes chunks
 * from the back of the others' ranges, so a core lost to another process costs balance only
 * at the end. Each range is one 64-bit word, front (low 32 bits) and back (high 32 bits). */

typedef struct {
    const cairn_weight *w[3];
    float        *out[3];
    int           n_w;
    const void   *act;
    size_t        act_stride;
    int64_t       nc;
    cairn_gemm_fn fn[3];
    int64_t       chunks[3];
    int64_t       rows;         /* weight rows per chunk */
    int64_t       max_run;      /* chunks per run at most (decode; 1 for batches) */
    cairn_range  *range;        /* [nth] */
} mm_job;

/* The next run [*c, *c + *nc) of chunks for thread ith: from the front of its own range, half of
 * what is left there (at least 1, at most max_run, not past the end of its weight); else one chunk
 * from the back of another thread's range. */
static bool take_chunks(const mm_job *j, int ith, int nth, int64_t *c, int64_t *nc) {
    _Atomic uint64_t *own = &j->range[ith].v;
    uint64_t cur = atomic_load_explicit(own, memory_order_relaxed);
    while ((uint32_t)cur < (uint32_t)(cur >> 32)) {
        const int64_t front = (uint32_t)cur, back = (int64_t)(cur >> 32);
        int64_t end = 0;
        for (int k = 0; k < j->n_w && end <= front; k++) end += j->chunks[k]; /* the weight's last chunk + 1 */
        const int64_t n = CAIRN_MIN(CAIRN_MIN(CAIRN_MAX((back - front) / 2, (int64_t)1), j->max_run), end - front);
        if (atomic_compare_exchange_weak_explicit(own, &cur, (uint64_t)(front + n) | (cur >> 32 << 32), memory_order_relaxed,
                                                  memory_order_relaxed)) {
            *c = front; *nc = n;
            return true;
        }
    }
    for (int k = 1; k < nth; k++) {
        _Atomic uint64_t *v = &j->range[(ith + k) % nth].v;
        cur = atomic_load_explicit(v, memory_order_relaxed);
        while ((uint32_t)cur < (uint32_t)(cur >> 32)) {
            const uint64_t back = (cur >> 32) - 1;
            if (atomic_compare_exchange_weak_explicit(v, &cur, (back << 32) | (uint32_t)cur, memory_order_relaxed,
                                                      memory_order_relaxed)) {
                *c = (int64_t)back; *nc = 1;
                return true;
            }
        }
    }
    return false;
}

/* Splits n items into nth contiguous ranges (thread 0 first). */
static void split_ranges(cairn_range *range, int nth, int64_t n) {
    for (int i = 0; i < nth; i++) {
        const uint64_t lo = (uint64_t)(n * i / nth), hi = (uint64_t)(n * (i + 1) / nth);
        atomic_store_explicit(&range[i].v, lo | hi << 32, memory_order_relaxed);
    }
}

static void mm_worker(void *ctx, int ith, int nth) {
    mm_job *j = ctx;
    int64_t c, nc;
    while (take_chunks(j, ith, nth, &c, &nc)) {
        int k = 0;
        while (c >= j->chunks[k]) c -= j->chunks[k++];
        const cairn_weight *w = j->w[k];
        const int64_t r0 = c * j->rows, nr = CAIRN_MIN(nc * j->rows, w->ne1 - r0);
        j->fn[k](w->ne0, j->out[k] + r0, (size_t)w->ne1, (const uint8_t *)w->data + (size_t)r0 * w->row_size,
                 w->row_size, nr, j->act, j->act_stride, j->nc);
    }
}

typedef struct {
    const float *x; int64_t ne0; int32_t act_type; void *act; size_t stride; int64_t n; cairn_quant_fn q;
    const cairn_kernels *pack; void *packed; /* non-NULL: then lay the rows out for gemm_packed */
} quant_job;

static void quant_worker(void *ctx, int ith, int nth) {
    quant_job *j = ctx;
    for (int64_t t = ith; t < j->n; t += nth) {
        if (j->q) j->q(j->x + t * j->ne0, (uint8_t *)j->act + t * j->stride, j->ne0);
        else cairn_quantize_act_ref(j->act_type, j->x + t * j->ne0, (uint8_t *)j->act + t * j->stride, j->ne0);
    }
}

static void pack_worker(void *ctx, int ith, int nth) {
    quant_job *j = ctx;
    j->pack->act_pack(j->act_type, j->ne0, j->act, j->stride, j->n, j->packed, ith, nth);
}

/* Rows per decode chunk: about DECODE_CHUNK_BYTES of the first weight's rows, a multiple of ROW_CHUNK. */
static int64_t decode_chunk_rows(const cairn_weight *w) {
    return CAIRN_MAX((int64_t)ROW_CHUNK, (int64_t)(DECODE_CHUNK_BYTES / w->row_size) / ROW_CHUNK * ROW_CHUNK);
}

/* out_k[t][row] = W_k · x[t] for t < n. All weights must share ne0 and act type. */
static void matmul(cairn_model *m, const float *x, int64_t n, int n_w, const cairn_weight *const *w, float *const *out) {
    const cairn_type_traits *tr = cairn_type_traits_get(w[0]->type);
    const int32_t at = tr->act_type;
    const cairn_kernels *K = m->kern;
    quant_job qj = {x, w[0]->ne0, at, m->scratch.act, cairn_row_size(at, w[0]->ne0), n, K->quant[at], NULL, NULL};
    if (n > 1) cairn_pool_run(m->pool, quant_worker, &qj);
    else quant_worker(&qj, 0, 1);
    /* the backend's batched path, where it has one for every weight of the call */
    bool packed = K->act_pack && n >= K->pack_min_nc && m->scratch.packed && K->pack_size(at, w[0]->ne0, n) > 0;
    for (int k = 0; k < n_w; k++) packed = packed && K->gemm_packed[w[k]->type];
    if (packed) {
        qj.pack = K;
        qj.packed = m->scratch.packed;
        cairn_pool_run(m->pool, pack_worker, &qj);
    }
    mm_job j = {.n_w = n_w, .act = packed ? qj.packed : qj.act, .act_stride = qj.stride, .nc = n,
                .rows = n > 1 ? ROW_CHUNK_BATCH : decode_chunk_rows(w[0]), .max_run = 1};
    if (n == 1) j.max_run = CAIRN_MAX((int64_t)1, DECODE_MAX_ROWS / j.rows);
    for (int k = 0; k < n_w; k++) {
        j.w[k] = w[k];
        j.out[k] = out[k];
        j.fn[k] = packed ? K->gemm_packed[w[k]->type]
                : K->gemm[w[k]->type] ? K->gemm[w[k]->type] : cairn_kernels_reference()->gemm[w[k]->type];
        j.chunks[k] = (w[k]->ne1 + j.rows - 1) / j.rows;
    }
    j.range = m->range;
    split_ranges(m->range, cairn_pool_size(m->pool), j.chunks[0] + j.chunks[1] + j.chunks[2]);
    cairn_pool_run(m->pool, mm_worker, &j);
}

/* Whether two weights can share one quantized input. */
static bool same_act(const cairn_weight *a, const cairn_weight *b) {
    return cairn_type_traits_get(a->type)->act_type == cairn_type_traits_get(b->type)->act_type;
}

static void matmul1(cairn_model *m, const float *x, int64_t n, const cairn_weight *w, float *out) {
    matmul(m, x, n, 1, &w, &out);
}

/* ---- attention ---- */

typedef struct {
    cairn_model *m;
    const uint16_t *kc, *vc;   /* this layer's cache rows (position 0) */
    int64_t n, pos, kv_dim;
    atomic_int next;
} att_job;

static void att_worker(void *ctx, int ith, int nth) {
    att_job *j = ctx;
    cairn_model *m = j->m;
    const cairn_model_info *in = &m->info;
    const int64_t hd = in->head_dim, H = in->n_head, group = in->n_head / in->n_head_kv;
    const float scale = 1.0f / sqrtf((float)hd);
    float *scores = m->scratch.scores + (size_t)ith * m->scratch.cap_ctx;
    const cairn_kernels *K = m->kern;
    for (;;) {
        const int64_t item = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (item >= j->n * H) break;
        const int64_t t = item / H, h = item % H, kvh = h / group;
        const float *q = m->scratch.q + t * H * hd + h * hd;
        const int64_t n_past = j->pos + t + 1;
        for (int64_t p = 0; p < n_past; p++) scores[p] = K->dot_f16_f32(j->kc + p * j->kv_dim + kvh * hd, q, hd) * scale;
        softmax(scores, n_past);
        float *o = m->scratch.att_out + t * H * hd + h * hd;
        memset(o, 0, (size_t)hd * sizeof(float));
        for (int64_t p = 0; p < n_past; p++) K->axpy_f16_f32(o, scores[p], j->vc + p * j->kv_dim + kvh * hd, hd);
    }
}

/* Batched form (several tokens, backend attn16): items of 16 queries sharing a KV head, the
 * queries of KV head g being (token t, head g * group + k) in t-major order; the latest tokens
 * (longest rows) are handed out first. */
static void att16_worker(void *ctx, int ith, int nth) {
    att_job *j = ctx;
    cairn_model *m = j->m;
    const cairn_model_info *in = &m->info;
    const int64_t hd = in->head_dim, H = in->n_head, G = in->n_head / in->n_head_kv, KVH = in->n_head_kv;
    const int64_t per = (j->n * G + 15) / 16; /* items per KV head */
    for (;;) {
        const int64_t item = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (item >= per * KVH) break;
        const int64_t c = per - 1 - item / KVH, g = item % KVH;
        const float *q[16]; float *o[16]; int64_t np[16];
        int nq = 0;
        for (int64_t qi = 16 * c; qi < CAIRN_MIN(16 * c + 16, j->n * G); qi++, nq++) {
            const int64_t t = qi / G, h = g * G + qi % G;
            q[nq] = m->scratch.q + t * H * hd + h * hd;
            o[nq] = m->scratch.att_out + t * H * hd + h * hd;
            np[nq] = j->pos + t + 1;
        }
        m->kern->attn16(nq, hd, q, o, np, j->kc + g * hd, j->vc + g * hd, (size_t)j->kv_dim, 1.0f / sqrtf((float)hd));
    }
}

/* Decode form (one token, backend attn_dec): an item per KV head, its group's queries together. */
static void attdec_worker(void *ctx, int ith, int nth) {
    att_job *j = ctx;
    cairn_model *m = j->m;
    const cairn_model_info *in = &m->info;
    const int64_t hd = in->head_dim, G = in->n_head / in->n_head_kv, KVH = in->n_head_kv;
    for (;;) {
        const int64_t g = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (g >= KVH) break;
        const float *q[CAIRN_ATTN_DEC_MAX_Q]; float *o[CAIRN_ATTN_DEC_MAX_Q];
        for (int64_t k = 0; k < G; k++) {
            q[k] = m->scratch.q + (g * G + k) * hd;
            o[k] = m->scratch.att_out + (g * G + k) * hd;
        }
        m->kern->attn_dec((int)G, hd, q, o, j->pos + 1, j->kc + g * hd, j->vc + g * hd, (size_t)j->kv_dim, 1.0f / sqrtf((float)hd));
    }
}

/* ---- row-parallel elementwise work ---- */

typedef struct {
    cairn_model *m; int64_t n; int kind; const float *w; float *a; const float *b;
    uint16_t *kc, *vc; int64_t pos;   /* ROWS_ROPE_KV: this layer's caches and the first position */
} rows_job;

enum { ROWS_RMSNORM, ROWS_SWIGLU, ROWS_ADD, ROWS_ROPE_KV };

static void rope(const cairn_model *m, float *x, int64_t n_heads, const float *cs);

static void rows_worker(void *ctx, int ith, int nth) {
    rows_job *j = ctx;
    const cairn_model_info *in = &j->m->info;
    for (int64_t t = ith; t < j->n; t += nth) {
        if (j->kind == ROWS_RMSNORM) rmsnorm(j->a + t * in->n_embd, j->b + t * in->n_embd, j->w, in->n_embd, in->norm_eps);
        else if (j->kind == ROWS_ADD) {
            float *x = j->a + t * in->n_embd;
            const float *y = j->b + t * in->n_embd;
            for (int64_t i = 0; i < in->n_embd; i++) x[i] += y[i];
        } else if (j->kind == ROWS_ROPE_KV) { /* rope q and k of token t, then its K/V rows into the cache (f16) */
            const cairn_scratch *s = &j->m->scratch;
            const int64_t KVD = (int64_t)in->n_head_kv * in->head_dim, QD = (int64_t)in->n_head * in->head_dim;
            const float *cs = s->rope_cs + (size_t)t * j->m->n_rot;
            rope(j->m, s->q + t * QD, in->n_head, cs);
            rope(j->m, s->k + t * KVD, in->n_head_kv, cs);
            uint16_t *kr = j->kc + (size_t)(j->pos + t) * KVD, *vr = j->vc + (size_t)(j->pos + t) * KVD;
            for (int64_t i = 0; i < KVD; i++) {
                kr[i] = cairn_fp32_to_fp16(s->k[t * KVD + i]);
                vr[i] = cairn_fp32_to_fp16(s->v[t * KVD + i]);
            }
        } else {
            float *g = j->a + t * in->n_ff;
            const float *u = j->b + t * in->n_ff;
            if (j->m->kern->silu_mul) j->m->kern->silu_mul(g, u, in->n_ff);
            else for (int64_t i = 0; i < in->n_ff; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
        }
    }
}

static void rows_run_job(rows_job *j) {
    if (j->n > 1) cairn_pool_run(j->m->pool, rows_worker, j);
    else rows_worker(j, 0, 1);
}

static void rows_run(cairn_model *m, int kind, int64_t n, const float *w, float *a, const float *b) {
    rows_job j = {m, n, kind, w, a, b, NULL, NULL, 0};
    rows_run_job(&j);
}

/* Rotates adjacent pairs (x[2i], x[2i+1]) of each head (llama.cpp's "norm" RoPE) by the angles
 * whose cos, sin are cs[2i], cs[2i + 1]. */
static void rope(const cairn_model *m, float *x, int64_t n_heads, const float *cs) {
    const int64_t hd = m->info.head_dim;
    for (int64_t h = 0; h < n_heads; h++)
        for (uint32_t i = 0; i < m->n_rot / 2; i++) {
            float *v = x + h * hd + 2 * i;
            const float a = v[0], b = v[1], c = cs[2 * i], s = cs[2 * i + 1];
            v[0] = a * c - b * s;
            v[1] = a * s + b * c;
        }
}

/* cos and sin of every pair's angle at positions pos .. pos + n - 1 (rope_cs): once per chunk,
 * where each layer's q and k had computed them again. */
static void rope_table(cairn_model *m, int64_t n, int64_t pos) {
    const uint32_t np = m->n_rot / 2;
    for (int64_t t = 0; t < n; t++)
        for (uint32_t i = 0; i < np; i++) {
            const float theta = cairn_rope_angle(m, i, pos + t);
            m->scratch.rope_cs[(t * np + i) * 2] = cosf(theta);
            m->scratch.rope_cs[(t * np + i) * 2 + 1] = sinf(theta);
        }
}

/* ---- one chunk of tokens ---- */

static cairn_status forward_chunk(cairn_model *m, uint8_t *base, const cairn_state_layout *L, const int32_t *tokens,
                                  int64_t n, int64_t pos, float *logits, bool all_logits, const volatile int32_t *cancel) {
    const cairn_model_info *in = &m->info;
    cairn_scratch *s = &m->scratch;
    const int64_t E = in->n_embd, hd = in->head_dim, KVD = (int64_t)in->n_head_kv * hd;
    const cairn_type_traits *emb = cairn_type_traits_get(m->tok_embd.type);

    rope_table(m, n, pos);
    for (int64_t t = 0; t < n; t++)
        emb->to_float((const uint8_t *)m->tok_embd.data + (size_t)tokens[t] * m->tok_embd.row_size, s->x + t * E, E);

    for (uint32_t l = 0; l < in->n_layer; l++) {
        if (cancel && *cancel) return cairn_fail(CAIRN_E_CANCELLED, "cancelled at layer %u", l);
        const cairn_layer *Ly = &m->layers[l];

        /* attention block */
        rows_run(m, ROWS_RMSNORM, n, Ly->attn_norm, s->xb, s->x);
        if (same_act(&Ly->wq, &Ly->wk) && same_act(&Ly->wq, &Ly->wv)) {
            const cairn_weight *w[3] = {&Ly->wq, &Ly->wk, &Ly->wv};
            float *o[3] = {s->q, s->k, s->v};
            matmul(m, s->xb, n, 3, w, o);
        } else {
            matmul1(m, s->xb, n, &Ly->wq, s->q);
            matmul1(m, s->xb, n, &Ly->wk, s->k);
            matmul1(m, s->xb, n, &Ly->wv, s->v);
        }
        uint16_t *kc = (uint16_t *)(base + L->k_off) + (size_t)l * L->n_ctx * KVD;
        uint16_t *vc = (uint16_t *)(base + L->v_off) + (size_t)l * L->n_ctx * KVD;
        rows_job rj = {m, n, ROWS_ROPE_KV, NULL, NULL, NULL, kc, vc, pos};
        rows_run_job(&rj);
        att_job aj = {.m = m, .kc = kc, .vc = vc, .n = n, .pos = pos, .kv_dim = KVD};
        atomic_init(&aj.next, 0);
        const bool batched = n > 1 && m->kern->attn16 && hd % 16 == 0 && hd <= m->kern->attn16_max_hd;
        const bool dec = n == 1 && m->kern->attn_dec && hd % 8 == 0 && hd <= CAIRN_ATTN_DEC_MAX_HD
                         && in->n_head / in->n_head_kv <= CAIRN_ATTN_DEC_MAX_Q;
        cairn_pool_run(m->pool, batched ? att16_worker : dec ? attdec_worker : att_worker, &aj);
        matmul1(m, s->att_out, n, &Ly->wo, s->xb);
        rows_run(m, ROWS_ADD, n, NULL, s->x, s->xb);

        /* feed-forward block */
        rows_run(m, ROWS_RMSNORM, n, Ly->ffn_norm, s->xb, s->x);
        if (same_act(&Ly->w_gate, &Ly->w_up)) {
            const cairn_weight *w[2] = {&Ly->w_gate, &Ly->w_up};
            float *o[2] = {s->hb, s->hb2};
            matmul(m, s->xb, n, 2, w, o);
        } else {
            matmul1(m, s->xb, n, &Ly->w_gate, s->hb);
            matmul1(m, s->xb, n, &Ly->w_up, s->hb2);
        }
        rows_run(m, ROWS_SWIGLU, n, NULL, s->hb, s->hb2);
        matmul1(m, s->hb, n, &Ly->w_down, s->xb);
        rows_run(m, ROWS_ADD, n, NULL, s->x, s->xb);
    }
    if (cancel && *cancel) return cairn_fail(CAIRN_E_CANCELLED, "cancelled before the output layer");
    if (!logits) return CAIRN_OK; /* an inner chunk of a prompt: only its K/V rows matter */

    /* output: every row, or only the last one */
    const int64_t first = all_logits ? 0 : n - 1, rows = n - first;
    rows_run(m, ROWS_RMSNORM, rows, m->output_norm, s->xb, s->x + first * E);
    matmul1(m, s->xb, rows, &m->output, logits);
    return CAIRN_OK;
}

/* ---- layout validation ---- */

static bool region_ok(uint64_t off, uint64_t len, uint64_t size) {
    return off % 64 == 0 && off <= size && len <= size - off;
}
static bool disjoint(uint64_t a, uint64_t al, uint64_t b, uint64_t bl) { return a + al <= b || b + bl <= a; }

cairn_status cairn_check_layout(const cairn_model *m, const void *base, const cairn_state_layout *L, const char *who) {
    const cairn_model_info *in = &m->info;
    if (!base || !L) return cairn_fail(CAIRN_E_ARG, "%s: base and layout are required", who);
    if ((uintptr_t)base % 16 != 0) return cairn_fail(CAIRN_E_LAYOUT, "layout: base %p is not 16-byte aligned", base);
    if (L->kv_type != CAIRN_TYPE_F16) return cairn_fail(CAIRN_E_LAYOUT, "layout: kv_type %u is not f16", L->kv_type);
    if (L->n_ctx == 0 || L->n_ctx > (1u << 24) || L->logits_rows == 0)
        return cairn_fail(CAIRN_E_LAYOUT, "layout: n_ctx %u / logits_rows %u invalid", L->n_ctx, L->logits_rows);
    uint64_t lg, kv;
    if (__builtin_mul_overflow((uint64_t)L->logits_rows, (uint64_t)in->n_vocab * 4, &lg) ||
        __builtin_mul_overflow((uint64_t)in->n_layer * L->n_ctx, (uint64_t)in->n_head_kv * in->head_dim * 2, &kv))
        return cairn_fail(CAIRN_E_LAYOUT, "layout: region sizes overflow");
    if (!region_ok(L->logits_off, lg, L->size)) return cairn_fail(CAIRN_E_LAYOUT, "layout: logits [%llu, +%llu) outside the %llu-byte state or misaligned",
                                                                  (unsigned long long)L->logits_off, (unsigned long long)lg, (unsigned long long)L->size);
    if (!region_ok(L->k_off, kv, L->size)) return cairn_fail(CAIRN_E_LAYOUT, "layout: K cache [%llu, +%llu) outside the %llu-byte state or misaligned",
                                                             (unsigned long long)L->k_off, (unsigned long long)kv, (unsigned long long)L->size);
    if (!region_ok(L->v_off, kv, L->size)) return cairn_fail(CAIRN_E_LAYOUT, "layout: V cache [%llu, +%llu) outside the %llu-byte state or misaligned",
                                                             (unsigned long long)L->v_off, (unsigned long long)kv, (unsigned long long)L->size);
    if (!disjoint(L->logits_off, lg, L->k_off, kv) || !disjoint(L->logits_off, lg, L->v_off, kv) || !disjoint(L->k_off, kv, L->v_off, kv))
        return cairn_fail(CAIRN_E_LAYOUT, "layout: logits, K and V regions overlap");
    return CAIRN_OK;
}

cairn_status cairn_forward(cairn_model *m, void *base, const cairn_state_layout *L, const int32_t *tokens,
                           uint32_t n, uint32_t pos, uint32_t flags, const volatile int32_t *cancel) {
    cairn_clear_error();
    if (!m || !tokens || n == 0) return cairn_fail(CAIRN_E_ARG, "forward: model, tokens and n > 0 are required");
    cairn_status s = cairn_check_layout(m, base, L, "forward");
    if (s) return s;
    const bool all = flags & CAIRN_FORWARD_ALL_LOGITS;
    if ((uint64_t)pos + n > L->n_ctx)
        return cairn_fail(CAIRN_E_CONTEXT, "forward: positions %u..%u exceed the context of %u", pos, pos + n - 1, L->n_ctx);
    if (all && n > L->logits_rows)
        return cairn_fail(CAIRN_E_LAYOUT, "forward: %u logits rows requested, layout has %u", n, L->logits_rows);
    for (uint32_t i = 0; i < n; i++)
        if (tokens[i] < 0 || (uint32_t)tokens[i] >= m->info.n_vocab)
            return cairn_fail(CAIRN_E_TOKEN, "forward: token %d at index %u is outside the vocabulary of %u", tokens[i], i, m->info.n_vocab);
    const bool copy = flags & CAIRN_FORWARD_COPY_STATE;
    pthread_mutex_lock(&m->lock);
#ifdef CAIRN_METAL
    if (m->metal) {
        s = cairn_metal_forward(m, base, L, tokens, n, pos, all, cancel);
        pthread_mutex_unlock(&m->lock);
        return s;
    }
#endif
    s = scratch_reserve(m, CAIRN_MIN((int64_t)n, MAX_BATCH), (int64_t)pos + n);
    uint8_t *b = base;
    if (!s && copy && !(b = cairn_state_copy_in(m, base, L, pos))) s = CAIRN_E_NOMEM;
    float *logits = (float *)(b + L->logits_off);
    for (uint32_t done = 0; !s && done < n;) {
        const uint32_t c = CAIRN_MIN(n - done, (uint32_t)MAX_BATCH);
        const bool last = done + c == n;
        /* without ALL_LOGITS, only the final chunk's last row is computed (into row 0) */
        float *out = all ? logits + (size_t)done * m->info.n_vocab : last ? logits : NULL;
        s = forward_chunk(m, b, L, tokens + done, c, pos + done, out, all, cancel);
        done += c;
    }
    if (!s && copy) cairn_state_copy_out(m, base, L, pos, n, all ? n : 1);
    pthread_mutex_unlock(&m->lock);
    return s;
}
