/* state-copy.c — the copy baseline (CAIRN_FORWARD_COPY_STATE): the conventional host, whose engine
 * owns the KV cache and logits, so every forward marshals the caller's state in and back out.
 * It exists to be measured beside the in-place path (the benchmark's "copy baseline" rows) and to
 * give cairn_model_bytes_copied a path that counts. */
#include "model-impl.h"

#include <stdlib.h>

/* Copies K and V rows [0, rows) of every layer from src to dst (same layout); returns the bytes. */
static uint64_t copy_kv_rows(uint8_t *dst, const uint8_t *src, const cairn_model *m, const cairn_state_layout *L, uint32_t rows) {
    const uint64_t row = (uint64_t)m->info.n_head_kv * m->info.head_dim * 2, layer = row * L->n_ctx;
    for (uint32_t l = 0; l < m->info.n_layer; l++) {
        memcpy(dst + L->k_off + l * layer, src + L->k_off + l * layer, rows * row);
        memcpy(dst + L->v_off + l * layer, src + L->v_off + l * layer, rows * row);
    }
    return 2 * (uint64_t)m->info.n_layer * rows * row;
}

uint8_t *cairn_state_copy_in(cairn_model *m, const uint8_t *base, const cairn_state_layout *L, uint32_t pos) {
    if (m->shadow_size < L->size) {
        cairn_state_copy_free(m);
        void *p = NULL;
        if (posix_memalign(&p, 64, (L->size + 63) & ~(uint64_t)63) != 0) {
            cairn_fail(CAIRN_E_NOMEM, "forward: out of memory for the %llu-byte engine-owned state (copy baseline)",
                       (unsigned long long)L->size);
            return NULL;
        }
        m->shadow = p;
        m->shadow_size = L->size;
    }
    atomic_fetch_add(&m->bytes_copied, copy_kv_rows(m->shadow, base, m, L, pos));
    return m->shadow;
}

void cairn_state_copy_out(cairn_model *m, uint8_t *base, const cairn_state_layout *L, uint32_t pos, uint32_t n, uint32_t logit_rows) {
    uint64_t bytes = copy_kv_rows(base, m->shadow, m, L, pos + n);
    const uint64_t lg = (uint64_t)logit_rows * m->info.n_vocab * 4;
    memcpy(base + L->logits_off, m->shadow + L->logits_off, lg);
    atomic_fetch_add(&m->bytes_copied, bytes + lg);
}

void cairn_state_copy_free(cairn_model *m) {
    free(m->shadow);
    m->shadow = NULL;
    m->shadow_size = 0;
}
