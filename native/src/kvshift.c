/* kvshift.c — context shift over caller memory (llama.cpp's llama_memory_seq_rm + seq_add).
 *
 * Drops positions [keep, keep + d) of every layer and moves rows [keep + d, n_past) down to keep.
 * The K cache holds rows after RoPE ("norm": pair i of a head rotated by pos·θ_i, see forward.c),
 * and rotations compose, R((p - d)·θ) = R(-d·θ) R(p·θ), so each moved K row is rotated by -d·θ_i
 * per pair: in f32 from its f16 values, back to f16, by the kernel table's rope_f16 (F16C + AVX2 or
 * NEON where the CPU has them; the same bits as the scalar reference, tested). The angle is the
 * same for every row, so its cos/sin are computed once. V rows move as they are (one memmove per
 * layer). Rows move in increasing order, so a row is read before anything is written over it; the
 * rows they leave are not cleared (see shift_worker). Work items: one (layer, K or V) each, on the
 * model's pool. Nothing leaves caller memory (no copy is counted).
 */
#include "model-impl.h"

#include <math.h>
#ifdef CAIRN_METAL
#include "../../metal/metal-impl.h"
#endif

typedef struct {
    const cairn_model *m;
    uint8_t *base;
    const cairn_state_layout *L;
    int64_t keep, discard, n_move;           /* rows [keep + discard, +n_move) move to keep */
    float   cs[2 * CAIRN_MAX_ROPE_PAIRS];    /* cos, sin of the -discard rotation, per pair */
    void  (*rope)(uint16_t *y, const uint16_t *x, int64_t n, int64_t hd, int64_t n_pairs, const float *cs);
    atomic_int next;
} shift_job;

static void shift_worker(void *ctx, int ith, int nth) {
    shift_job *j = ctx;
    const cairn_model_info *in = &j->m->info;
    const int64_t hd = in->head_dim, kvd = (int64_t)in->n_head_kv * hd;
    for (;;) {
        const int item = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (item >= 2 * (int)in->n_layer) break;
        const bool is_k = item % 2 == 0;
        uint16_t *rows = (uint16_t *)(j->base + (is_k ? j->L->k_off : j->L->v_off)) + (size_t)(item / 2) * j->L->n_ctx * kvd;
        uint16_t *dst = rows + (size_t)j->keep * kvd;
        const uint16_t *src = rows + (size_t)(j->keep + j->discard) * kvd;
        /* the moved rows as one run of n_move·n_head_kv head vectors */
        if (is_k) j->rope(dst, src, j->n_move * in->n_head_kv, hd, j->m->n_rot / 2, j->cs);
        else memmove(dst, src, (size_t)(j->n_move * kvd) * sizeof *dst);
        /* rows [n_past - discard, n_past) keep what they held: past the new n_past nothing reads
         * them, and the actor host zeroes every row it ever wrote when it releases the actor
         * (zeroing them here cost a quarter of the shift, and never covered rows a rewind left) */
    }
}

cairn_status cairn_kv_shift(cairn_model *m, void *base, const cairn_state_layout *L,
                            uint32_t n_past, uint32_t keep, uint32_t discard) {
    cairn_clear_error();
    if (!m) return cairn_fail(CAIRN_E_ARG, "kv_shift: model is required");
    cairn_status s = cairn_check_layout(m, base, L, "kv_shift");
    if (s) return s;
    if (n_past > L->n_ctx) return cairn_fail(CAIRN_E_ARG, "kv_shift: n_past %u exceeds the context of %u", n_past, L->n_ctx);
    if (discard == 0 || (uint64_t)keep + discard > n_past)
        return cairn_fail(CAIRN_E_ARG, "kv_shift: positions [%u, %llu) to drop are empty or not all below n_past %u",
                          keep, (unsigned long long)keep + discard, n_past);
    shift_job j = {.m = m, .base = base, .L = L, .keep = keep, .discard = discard, .n_move = (int64_t)n_past - keep - discard};
    for (uint32_t i = 0; i < m->n_rot / 2; i++) {
        const float theta = cairn_rope_angle(m, i, -(int64_t)discard);
        j.cs[2 * i] = cosf(theta);
        j.cs[2 * i + 1] = sinf(theta);
    }
    j.rope = m->kern->rope_f16 ? m->kern->rope_f16 : cairn_kernels_reference()->rope_f16;
    atomic_init(&j.next, 0);
    pthread_mutex_lock(&m->lock); /* the pool is the model's, shared with forward */
#ifdef CAIRN_METAL
    if (m->metal) {
        s = cairn_metal_kv_shift(m, base, L, n_past, keep, discard, j.cs);
        pthread_mutex_unlock(&m->lock);
        return s;
    }
#endif
    cairn_pool_run(m->pool, shift_worker, &j);
    pthread_mutex_unlock(&m->lock);
    return CAIRN_OK;
}
