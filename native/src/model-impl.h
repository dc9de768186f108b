/* model-impl.h — the loaded llama model (internal). */
#ifndef CAIRN_MODEL_IMPL_H
#define CAIRN_MODEL_IMPL_H

#include "cairn-impl.h"
#include "quants-impl.h"
#include "threadpool.h"

#include <pthread.h>
#include <stdatomic.h>

/* A weight matrix as it lies in the mapped file: ne0 = columns (input dim), ne1 = rows. */
typedef struct {
    const void *data;
    int32_t     type;
    int64_t     ne0, ne1;
    size_t      row_size;   /* bytes per row */
} cairn_weight;

typedef struct {
    const float *attn_norm;  /* [n_embd]                        */
    cairn_weight wq;         /* [n_embd] -> [n_head * head_dim]  */
    cairn_weight wk;         /* [n_embd] -> [n_head_kv*head_dim] */
    cairn_weight wv;         /* [n_embd] -> [n_head_kv*head_dim] */
    cairn_weight wo;         /* [n_head*head_dim] -> [n_embd]    */
    const float *ffn_norm;   /* [n_embd]                        */
    cairn_weight w_gate;     /* [n_embd] -> [n_ff]               */
    cairn_weight w_up;       /* [n_embd] -> [n_ff]               */
    cairn_weight w_down;     /* [n_ff] -> [n_embd]               */
} cairn_layer;

/* Per-call activations, engine-owned (transient, not conversation state). */
typedef struct {
    int64_t cap_tokens;     /* batch capacity */
    int64_t cap_ctx;        /* attention score capacity per thread */
    float  *x, *xb, *q, *k, *v, *att_out, *hb, *hb2;
    void   *act;            /* quantized activations: cap_tokens rows of the widest act row */
    size_t  act_row_cap;    /* bytes per act row reserved */
    void   *packed;         /* the backend's packed activations (batched path), NULL if it has none */
    float  *scores;         /* [n_threads][cap_ctx] */
    float  *rope_cs;        /* [cap_tokens][n_rot / 2][2]: cos, sin of each pair's angle at a chunk's positions */
} cairn_scratch;

/* Rotary pairs per head the model can hold (head_dim <= 512 is checked at load). */
#define CAIRN_MAX_ROPE_PAIRS 512

/* One thread's share of a parallel job: [front, back) as front | back << 32, on its own line. */
typedef struct { _Alignas(64) _Atomic uint64_t v; } cairn_range;

struct cairn_model {
    cairn_gguf   *gguf;
    cairn_model_info info;
    float         rope_freq_scale_inv[CAIRN_MAX_ROPE_PAIRS]; /* 1/freq_factor per pair (1 if no rope_freqs) */
    float         rope_theta[CAIRN_MAX_ROPE_PAIRS];          /* base^(-2i/n_rot) */
    uint32_t      n_rot;
    cairn_weight  tok_embd;                 /* [n_embd] x n_vocab */
    cairn_weight  output;                   /* tok_embd when tied */
    const float  *output_norm;
    cairn_layer  *layers;
    const cairn_kernels *kern;
    cairn_pool   *pool;
    cairn_range  *range;                    /* [n_threads], see forward.c */
    cairn_scratch scratch;
    pthread_mutex_t lock;                   /* one forward at a time per model (shared scratch) */
    atomic_uint_least64_t bytes_copied;     /* see cairn_model_bytes_copied */
    uint8_t      *shadow;                   /* CAIRN_FORWARD_COPY_STATE's engine-owned state (state-copy.c) */
    uint64_t      shadow_size;
#ifdef CAIRN_METAL
    struct cairn_metal *metal;              /* the GPU path (metal/metal-forward.c), NULL on the CPU */
#endif
};

/* RoPE angle of pair i at position pos: forward.c rotates by it, kvshift.c re-rotates with it. */
static inline float cairn_rope_angle(const cairn_model *m, uint32_t i, int64_t pos) {
    return (float)pos * m->rope_theta[i] * m->rope_freq_scale_inv[i];
}

/* Checks a caller's state layout against the model (regions inside layout->size, aligned,
 * disjoint, f16 KV); `who` starts the error text. CAIRN_E_ARG / CAIRN_E_LAYOUT. (forward.c) */
cairn_status cairn_check_layout(const cairn_model *m, const void *base, const cairn_state_layout *L, const char *who);

/* The copy baseline (CAIRN_FORWARD_COPY_STATE, state-copy.c), called under m->lock: copy_in returns
 * the engine-owned buffer holding base's K/V rows [0, pos) (NULL and an error when it cannot be
 * allocated); copy_out copies K/V rows [0, pos + n) and `logit_rows` logits rows back to base.
 * Both add what they copy to m->bytes_copied. */
uint8_t *cairn_state_copy_in(cairn_model *m, const uint8_t *base, const cairn_state_layout *L, uint32_t pos);
void     cairn_state_copy_out(cairn_model *m, uint8_t *base, const cairn_state_layout *L, uint32_t pos, uint32_t n, uint32_t logit_rows);
void     cairn_state_copy_free(cairn_model *m);

/* Frees the engine's activation scratch (forward.c). */
void cairn_scratch_free(cairn_scratch *s);

#endif
