/* model.c — loads a `llama`-architecture GGUF: hyperparameters, tensor binding, semantic checks,
 * memory estimate, state-layout planning. The forward pass is in forward.c. */
#include "model-impl.h"
#include "gguf-impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef CAIRN_METAL
#include "../../metal/metal-impl.h"
#endif

#define MAX_LAYERS   1024
#define MAX_DIM      (1 << 17)
#define MAX_VOCAB    (1 << 22)
#define MAX_HEAD_DIM 512

/* ---- hyperparameters: the reader's typed getters, then the loader's bounds ---- */

/* An integer key in [lo, hi]; a missing key gives dflt when !required. */
static cairn_status get_u32(const cairn_gguf *g, const char *path, const char *key, bool required,
                            uint32_t dflt, uint32_t lo, uint32_t hi, uint32_t *out) {
    const cairn_status s = required ? cairn_gguf_get_u32_req(g, key, out) : cairn_gguf_get_u32_opt(g, key, dflt, out);
    if (s) return s;
    if (*out < lo || *out > hi) return cairn_fail(CAIRN_E_HPARAMS, "%s: key '%s' = %u is outside %u..%u", path, key, *out, lo, hi);
    return CAIRN_OK;
}

/* A float key (F32 or F64 only: the reader's getter would also take integers) in [lo, hi]; a
 * missing key gives dflt. */
static cairn_status get_f32(const cairn_gguf *g, const char *path, const char *key, float dflt,
                            float lo, float hi, float *out) {
    const int64_t i = cairn_gguf_find_key(g, key);
    if (i < 0) { *out = dflt; return CAIRN_OK; }
    const int32_t t = cairn_gguf_kv_type(g, i);
    if (t != CAIRN_GGUF_F32 && t != CAIRN_GGUF_F64)
        return cairn_fail(CAIRN_E_HPARAMS, "%s: key '%s' has value type %d, expected a float", path, key, t);
    const double v = cairn_gguf_get_f64(g, i);
    if (!(v >= lo && v <= hi)) return cairn_fail(CAIRN_E_HPARAMS, "%s: key '%s' = %g is outside %g..%g", path, key, v, lo, hi);
    *out = (float)v;
    return CAIRN_OK;
}

/* ---- tensor binding ---- */

static cairn_status bind_tensor(const cairn_gguf *g, const char *path, const char *name, bool required,
                                int64_t ne0, int64_t ne1, bool matrix, int64_t *idx) {
    *idx = cairn_gguf_find_tensor(g, name);
    if (*idx < 0) {
        if (!required) return CAIRN_OK;
        return cairn_fail(CAIRN_E_MISSING_TENSOR, "%s: tensor '%s' is missing", path, name);
    }
    const int64_t t = *idx;
    const uint32_t nd = cairn_gguf_tensor_n_dims(g, t);
    const uint64_t a = cairn_gguf_tensor_ne(g, t, 0), b = nd > 1 ? cairn_gguf_tensor_ne(g, t, 1) : 1;
    const uint64_t c = nd > 2 ? cairn_gguf_tensor_ne(g, t, 2) : 1, d = nd > 3 ? cairn_gguf_tensor_ne(g, t, 3) : 1;
    if (a != (uint64_t)ne0 || b != (uint64_t)ne1 || c != 1 || d != 1)
        return cairn_fail(CAIRN_E_SHAPE, "%s: tensor '%s' has shape [%llu, %llu, %llu, %llu], expected [%lld, %lld]", path, name,
                          (unsigned long long)a, (unsigned long long)b, (unsigned long long)c, (unsigned long long)d,
                          (long long)ne0, (long long)ne1);
    const int32_t type = cairn_gguf_tensor_type(g, t);
    if (!matrix && type != CAIRN_TYPE_F32)
        return cairn_fail(CAIRN_E_SHAPE, "%s: tensor '%s' has type %s, expected f32", path, name,
                          cairn_type_name(type) ? cairn_type_name(type) : "?");
    return CAIRN_OK;
}

static cairn_status bind_weight(const cairn_gguf *g, const char *path, const char *name, int64_t ne0, int64_t ne1,
                                cairn_weight *w) {
    int64_t t;
    cairn_status s = bind_tensor(g, path, name, true, ne0, ne1, true, &t);
    if (s) return s;
    w->type = cairn_gguf_tensor_type(g, t);
    const cairn_type_traits *tr = cairn_type_traits_get(w->type);
    if (!tr || !tr->weight_ok || ne0 % tr->blck != 0)
        return cairn_fail(CAIRN_E_SHAPE, "%s: tensor '%s' of type %d cannot be used as a weight matrix", path, name, w->type);
    w->data = cairn_gguf_tensor_data(g, t);
    w->ne0 = ne0;
    w->ne1 = ne1;
    w->row_size = cairn_row_size(w->type, ne0);
    return CAIRN_OK;
}

static cairn_status bind_norm(const cairn_gguf *g, const char *path, const char *name, int64_t n, const float **out) {
    int64_t t;
    cairn_status s = bind_tensor(g, path, name, true, n, 1, false, &t);
    if (s) return s;
    *out = cairn_gguf_tensor_data(g, t);
    return CAIRN_OK;
}

/* ---- memory ---- */

static uint64_t mem_available_bytes(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) { fclose(f); return (uint64_t)kb * 1024; }
        fclose(f);
    }
    const long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    return pages > 0 && psz > 0 ? (uint64_t)pages * (uint64_t)psz : UINT64_MAX;
}

static uint64_t kv_bytes(const cairn_model_info *in, uint32_t n_ctx) {
    return 2ull * in->n_layer * n_ctx * in->n_head_kv * in->head_dim * sizeof(uint16_t);
}

uint64_t cairn_model_estimate(const cairn_model *m, uint32_t n_ctx) {
    const cairn_model_info *in = &m->info;
    const uint64_t scratch = 64ull << 20;
    return in->weights_bytes + kv_bytes(in, n_ctx) + (uint64_t)n_ctx * in->n_vocab * 0 + scratch;
}

/* ---- load ---- */

static cairn_status load_hparams(cairn_model *m, const char *path) {
    const cairn_gguf *g = m->gguf;
    cairn_model_info *in = &m->info;
    const int64_t ai = cairn_gguf_find_key(g, "general.architecture");
    if (ai < 0) return cairn_fail(CAIRN_E_ARCH, "%s: key 'general.architecture' is missing", path);
    if (cairn_gguf_kv_type(g, ai) != CAIRN_GGUF_STRING)
        return cairn_fail(CAIRN_E_ARCH, "%s: key 'general.architecture' is not a string", path);
    char arch[64] = {0};
    const uint64_t alen = cairn_gguf_get_str(g, ai, (uint8_t *)arch, sizeof arch - 1);
    if (alen >= sizeof arch || strcmp(arch, "llama") != 0)
        return cairn_fail(CAIRN_E_ARCH, "%s: architecture '%.*s' is not supported (supported: llama)", path,
                          (int)CAIRN_MIN(alen, sizeof arch - 1), arch);
    cairn_status s;
    if ((s = get_u32(g, path, "llama.block_count", true, 0, 1, MAX_LAYERS, &in->n_layer)) ||
        (s = get_u32(g, path, "llama.embedding_length", true, 0, 1, MAX_DIM, &in->n_embd)) ||
        (s = get_u32(g, path, "llama.feed_forward_length", true, 0, 1, 4 * MAX_DIM, &in->n_ff)) ||
        (s = get_u32(g, path, "llama.attention.head_count", true, 0, 1, 4096, &in->n_head)) ||
        (s = get_u32(g, path, "llama.attention.head_count_kv", false, in->n_head, 1, in->n_head, &in->n_head_kv)) ||
        (s = get_u32(g, path, "llama.context_length", false, 4096, 1, 1u << 24, &in->n_ctx_train)) ||
        (s = get_f32(g, path, "llama.rope.freq_base", 10000.0f, 1.0f, 1e12f, &in->rope_base)) ||
        (s = get_f32(g, path, "llama.attention.layer_norm_rms_epsilon", 1e-5f, 0.0f, 1.0f, &in->norm_eps)))
        return s;
    if (in->n_head % in->n_head_kv != 0)
        return cairn_fail(CAIRN_E_HPARAMS, "%s: head_count %u is not a multiple of head_count_kv %u", path, in->n_head, in->n_head_kv);
    const uint32_t dflt_hd = in->n_embd % in->n_head == 0 ? in->n_embd / in->n_head : 0;
    if ((s = get_u32(g, path, "llama.attention.key_length", false, dflt_hd, 1, MAX_HEAD_DIM, &in->head_dim))) return s;
    uint32_t vlen;
    if ((s = get_u32(g, path, "llama.attention.value_length", false, in->head_dim, 1, MAX_HEAD_DIM, &vlen))) return s;
    if (in->head_dim == 0 || in->head_dim % 2 != 0 || vlen != in->head_dim)
        return cairn_fail(CAIRN_E_HPARAMS, "%s: head size %u (embedding %u / %u heads) is not supported", path,
                          in->head_dim, in->n_embd, in->n_head);
    if ((s = get_u32(g, path, "llama.rope.dimension_count", false, in->head_dim, 2, in->head_dim, &m->n_rot))) return s;
    if (m->n_rot % 2) return cairn_fail(CAIRN_E_HPARAMS, "%s: llama.rope.dimension_count %u is odd", path, m->n_rot);
    /* vocabulary size: token_embd decides; llama.vocab_size must agree when present */
    const int64_t te = cairn_gguf_find_tensor(g, "token_embd.weight");
    if (te < 0) return cairn_fail(CAIRN_E_MISSING_TENSOR, "%s: tensor 'token_embd.weight' is missing", path);
    const uint64_t nv = cairn_gguf_tensor_n_dims(g, te) >= 2 ? cairn_gguf_tensor_ne(g, te, 1) : 0;
    if (nv < 1 || nv > MAX_VOCAB) return cairn_fail(CAIRN_E_SHAPE, "%s: tensor 'token_embd.weight' has %llu rows", path, (unsigned long long)nv);
    in->n_vocab = (uint32_t)nv;
    uint32_t vs;
    if ((s = get_u32(g, path, "llama.vocab_size", false, in->n_vocab, 1, MAX_VOCAB, &vs))) return s;
    if (vs != in->n_vocab)
        return cairn_fail(CAIRN_E_HPARAMS, "%s: llama.vocab_size %u disagrees with token_embd.weight's %u rows", path, vs, in->n_vocab);
    const int64_t tk = cairn_gguf_find_key(g, "tokenizer.ggml.tokens");
    if (tk >= 0 && cairn_gguf_arr_len(g, tk) != in->n_vocab)
        return cairn_fail(CAIRN_E_VOCAB, "%s: tokenizer.ggml.tokens has %llu entries but the model has %u rows", path,
                          (unsigned long long)cairn_gguf_arr_len(g, tk), in->n_vocab);
    static const char *special[] = {"tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                                    "tokenizer.ggml.eom_token_id", "tokenizer.ggml.padding_token_id", "tokenizer.ggml.unknown_token_id"};
    for (size_t i = 0; i < sizeof special / sizeof *special; i++) {
        uint32_t id;
        if ((s = get_u32(g, path, special[i], false, 0, 0, UINT32_MAX, &id))) return s;
        if (cairn_gguf_find_key(g, special[i]) >= 0 && id >= in->n_vocab)
            return cairn_fail(CAIRN_E_VOCAB, "%s: %s = %u is not below the vocabulary size %u", path, special[i], id, in->n_vocab);
    }
    return CAIRN_OK;
}

static cairn_status load_tensors(cairn_model *m, const char *path) {
    const cairn_gguf *g = m->gguf;
    cairn_model_info *in = &m->info;
    const int64_t E = in->n_embd, Q = (int64_t)in->n_head * in->head_dim, KV = (int64_t)in->n_head_kv * in->head_dim;
    cairn_status s;
    if ((s = bind_weight(g, path, "token_embd.weight", E, in->n_vocab, &m->tok_embd))) return s;
    if ((s = bind_norm(g, path, "output_norm.weight", E, &m->output_norm))) return s;
    int64_t out_idx;
    if ((s = bind_tensor(g, path, "output.weight", false, E, in->n_vocab, true, &out_idx))) return s;
    in->tied_output = out_idx < 0;
    if (out_idx < 0) m->output = m->tok_embd;
    else if ((s = bind_weight(g, path, "output.weight", E, in->n_vocab, &m->output))) return s;

    for (uint32_t i = 0; i < m->n_rot / 2; i++) {
        m->rope_theta[i] = powf(in->rope_base, -2.0f * (float)i / (float)m->n_rot);
        m->rope_freq_scale_inv[i] = 1.0f;
    }
    int64_t rf;
    if ((s = bind_tensor(g, path, "rope_freqs.weight", false, m->n_rot / 2, 1, false, &rf))) return s;
    in->has_rope_freqs = rf >= 0;
    if (rf >= 0) {
        const float *ff = cairn_gguf_tensor_data(g, rf);
        for (uint32_t i = 0; i < m->n_rot / 2; i++) {
            if (!(ff[i] > 0.0f && isfinite(ff[i])))
                return cairn_fail(CAIRN_E_SHAPE, "%s: rope_freqs.weight[%u] = %g is not a positive finite factor", path, i, ff[i]);
            m->rope_freq_scale_inv[i] = 1.0f / ff[i];
        }
    }
    m->layers = calloc(in->n_layer, sizeof *m->layers);
    if (!m->layers) return cairn_fail(CAIRN_E_NOMEM, "%s: out of memory for %u layers", path, in->n_layer);
    char name[96];
    for (uint32_t l = 0; l < in->n_layer; l++) {
        cairn_layer *L = &m->layers[l];
#define W(field, suffix, ne0, ne1) \
        snprintf(name, sizeof name, "blk.%u." suffix ".weight", l); \
        if ((s = bind_weight(g, path, name, ne0, ne1, &L->field))) return s;
#define N(field, suffix) \
        snprintf(name, sizeof name, "blk.%u." suffix ".weight", l); \
        if ((s = bind_norm(g, path, name, E, &L->field))) return s;
        N(attn_norm, "attn_norm")
        W(wq, "attn_q", E, Q)
        W(wk, "attn_k", E, KV)
        W(wv, "attn_v", E, KV)
        W(wo, "attn_output", Q, E)
        N(ffn_norm, "ffn_norm")
        W(w_gate, "ffn_gate", E, in->n_ff)
        W(w_up, "ffn_up", E, in->n_ff)
        W(w_down, "ffn_down", in->n_ff, E)
#undef W
#undef N
    }
    /* the most common matrix type, for display */
    int64_t count[CAIRN_TYPE_COUNT] = {0};
    for (uint32_t l = 0; l < in->n_layer; l++) {
        const cairn_layer *L = &m->layers[l];
        const cairn_weight *ws[] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w_gate, &L->w_up, &L->w_down};
        for (size_t k = 0; k < 7; k++) count[ws[k]->type] += ws[k]->ne0 * ws[k]->ne1;
    }
    int32_t best = 0;
    for (int32_t t = 0; t < CAIRN_TYPE_COUNT; t++) if (count[t] > count[best]) best = t;
    in->ftype_main = best;
    uint64_t wb = 0;
    for (int64_t t = 0; t < cairn_gguf_n_tensors(g); t++) wb += cairn_gguf_tensor_size(g, t);
    in->weights_bytes = wb;
    in->file_size = cairn_gguf_file_size(g);
    return CAIRN_OK;
}

/* ---- weight placement ---- */

/* Whether transparent huge pages can be had with madvise (mode "always" or "madvise"). */
static bool thp_enabled(void) {
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (!f) return false;
    char line[128] = {0};
    const bool ok = fgets(line, sizeof line, f) && (strstr(line, "[always]") || strstr(line, "[madvise]"));
    fclose(f);
    return ok;
}

static void run_on_pool(void *pool, void (*fn)(void *ctx, int ith, int nth), void *ctx) { cairn_pool_run(pool, fn, ctx); }

/* Decode streams every weight once per token, so where it streams from matters: from the file
 * mapping, each 4 KiB page costs a TLB entry and page walk; copied into 2 MiB pages, the same
 * bytes stream faster (2 threads, q8_0 gemv 25 -> 28 GB/s; 1B q8_0 decode ~18.5 -> ~20.5 tok/s).
 * The copy is byte-identical and the reader's validation stands; the tensors are re-bound to it. */
static cairn_status place_weights(cairn_model *m, const char *path, int32_t mode) {
    m->info.weights = CAIRN_WEIGHTS_MAP;
    if (mode == CAIRN_WEIGHTS_MAP || (mode == CAIRN_WEIGHTS_AUTO && !thp_enabled())) return CAIRN_OK;
    bool huge = false;
    const cairn_status s = cairn_gguf_copy_data(m->gguf, true, run_on_pool, m->pool, &huge);
    if (s == CAIRN_E_ARG || (s && mode == CAIRN_WEIGHTS_AUTO)) { cairn_clear_error(); return CAIRN_OK; }
    if (s) return s;
    m->info.weights = huge ? CAIRN_WEIGHTS_HUGE : CAIRN_WEIGHTS_COPY;
    free(m->layers);
    m->layers = NULL;
    return load_tensors(m, path);
}

cairn_status cairn_model_load(const char *path, const cairn_model_params *p, cairn_model **out) {
    cairn_clear_error();
    if (!path || !out) return cairn_fail(CAIRN_E_ARG, "cairn_model_load: path and out are required");
    *out = NULL;
    cairn_model_params dp = {0};
    if (!p) p = &dp;
    if (p->weights < CAIRN_WEIGHTS_AUTO || p->weights > CAIRN_WEIGHTS_COPY)
        return cairn_fail(CAIRN_E_ARG, "cairn_model_load: weights mode %d is not AUTO, MAP or COPY", p->weights);
    cairn_model *m = calloc(1, sizeof *m);
    if (!m) return cairn_fail(CAIRN_E_NOMEM, "%s: out of memory", path);
    pthread_mutex_init(&m->lock, NULL);
    cairn_status s = cairn_gguf_open(path, &m->gguf);
    if (!s) s = load_hparams(m, path);
    if (!s) s = load_tensors(m, path);
    const bool metal = p->backend == CAIRN_BACKEND_METAL;
    if (!s) { /* the CPU kernels (Metal keeps them for the CPU's share: embeddings) */
        m->kern = cairn_kernels_select(metal || p->backend == CAIRN_BACKEND_CPU ? CAIRN_BACKEND_AUTO : p->backend);
        if (!m->kern) s = cairn_fail(CAIRN_E_ARG, "backend %d is not available on this CPU or build", p->backend);
    }
    if (!s) {
        const uint64_t need = cairn_model_estimate(m, CAIRN_MIN(m->info.n_ctx_train, 4096u));
        const uint64_t avail = p->mem_available ? p->mem_available : mem_available_bytes();
        if (need > avail)
            s = cairn_fail(CAIRN_E_NOMEM, "%s: needs %.2f GB, %.2f GB available", path, need / 1e9, avail / 1e9);
    }
    if (!s) {
        long nc = sysconf(_SC_NPROCESSORS_ONLN);
        int nt = p->n_threads > 0 ? p->n_threads : (int)(nc > 0 ? nc : 1);
        if (nt > 256) nt = 256;
        m->pool = cairn_pool_new(nt);
        m->range = aligned_alloc(64, (size_t)nt * sizeof *m->range);
        if (!m->pool || !m->range) s = cairn_fail(CAIRN_E_NOMEM, "cannot start %d threads", nt);
        m->info.n_threads = nt;
        m->info.backend = m->kern ? m->kern->backend : 0;
    }
    if (!s) s = place_weights(m, path, p->weights);
#ifdef CAIRN_METAL
    /* Metal: when asked, or by default on Apple Silicon where a device opens (else the CPU) */
#if defined(__APPLE__) && defined(__aarch64__)
    const bool metal_auto = p->backend == CAIRN_BACKEND_AUTO;
#else
    const bool metal_auto = false;
#endif
    if (!s && (metal || metal_auto)) {
        s = cairn_metal_init(m, &m->metal);
        if (!s) m->info.backend = CAIRN_BACKEND_METAL;
        else if (metal_auto) { cairn_clear_error(); s = CAIRN_OK; }
    }
#else
    if (!s && metal) s = cairn_fail(CAIRN_E_ARG, "the Metal backend is not in this build (macOS on Apple Silicon only)");
#endif
    if (s) { cairn_model_free(m); return s; }
    *out = m;
    return CAIRN_OK;
}

void cairn_model_free(cairn_model *m) {
    if (!m) return;
#ifdef CAIRN_METAL
    cairn_metal_free(m->metal);
#endif
    if (m->pool) cairn_pool_free(m->pool);
    free(m->range);
    cairn_scratch_free(&m->scratch);
    cairn_state_copy_free(m);
    free(m->layers);
    cairn_gguf_free(m->gguf);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

cairn_status cairn_model_info_get(const cairn_model *m, cairn_model_info *out) {
    if (!m || !out) return cairn_fail(CAIRN_E_ARG, "cairn_model_info_get: null argument");
    *out = m->info;
    return CAIRN_OK;
}

const cairn_gguf *cairn_model_gguf(const cairn_model *m) { return m ? m->gguf : NULL; }

uint64_t cairn_model_bytes_copied(const cairn_model *m) { return m ? atomic_load(&m->bytes_copied) : 0; }

/* ---- state layout ---- */

static uint64_t align64(uint64_t x) { return (x + 63) & ~(uint64_t)63; }

cairn_status cairn_layout_plan(const cairn_model *m, uint32_t n_ctx, uint32_t logits_rows, uint64_t start,
                               cairn_state_layout *out, uint64_t *end) {
    if (!m || !out || !end) return cairn_fail(CAIRN_E_ARG, "cairn_layout_plan: null argument");
    if (n_ctx == 0 || n_ctx > (1u << 24) || logits_rows == 0 || logits_rows > n_ctx)
        return cairn_fail(CAIRN_E_LAYOUT, "layout: n_ctx %u / logits_rows %u out of range", n_ctx, logits_rows);
    const cairn_model_info *in = &m->info;
    memset(out, 0, sizeof *out);
    uint64_t p = align64(start);
    out->logits_off = p;
    out->logits_rows = logits_rows;
    p = align64(p + (uint64_t)logits_rows * in->n_vocab * sizeof(float));
    const uint64_t kv = kv_bytes(in, n_ctx) / 2;
    out->k_off = p;
    p = align64(p + kv);
    out->v_off = p;
    p = align64(p + kv);
    out->n_ctx = n_ctx;
    out->kv_type = CAIRN_TYPE_F16;
    out->size = p;
    *end = p;
    return CAIRN_OK;
}
