/* kernels-gemm-impl.h — the tile driver every SIMD backend shares (internal).
 * A backend defines TILE_R x TILE_C and, per type T, an always-inline
 *   tile_T(R, C, nb, out, ldo, w, ws, a, as)
 * computing an R x C block of the gemm contract in quants-impl.h; DEFINE_GEMM(T, BLCK) then
 * emits gemm_T, which covers nr x nc with full tiles and smaller remainder tiles. */
#ifndef CAIRN_KERNELS_GEMM_IMPL_H
#define CAIRN_KERNELS_GEMM_IMPL_H

#define TILE_PARAMS const int R, const int C, const int64_t nb, float *out, const size_t ldo, \
                    const uint8_t *w, const size_t ws, const size_t pf, const uint8_t *a, const size_t as
#define TILE_ARGS nb, out + j * ldo + i, ldo, (const uint8_t *)w + i * ws, ws, R_ * ws, (const uint8_t *)a + j * as, as

/* ---- decode (nc = 1) tiles spread over a call's rows ----
 * A decode tile of R rows takes rows t, t + nt, ..., t + (R - 1) nt of a group of up to
 * GEMV_GROUP rows (nt = the group's rows / R), so each of its rows is one sequential stream through
 * the group: R long streams per core, where R adjacent rows are one short run of a few KiB before
 * the next tile. The hardware prefetchers follow the long streams: one core's q4_K decode on the
 * AMD EPYC dev machine went from 25 to 33 GB/s (bench-kernels), the engine's decode of a Q4_K file
 * by a third (the bandwidth probe's multi-stream patterns, membw.c, read faster the same way).
 * The engine hands a decode product to its threads in a few large work items (forward.c) so the
 * streams are long. Software prefetch then goes a row or two ahead within each stream. */
#define GEMV_GROUP 1024
/* for (g, nt, t): tile t of the group starting at row g, whose rows are nt apart */
#define GEMV_SPREAD(R, nr, g, nt, t)                                                  \
    for (int64_t g = 0; g + (R) <= (nr); g += GEMV_GROUP)                             \
        for (int64_t nt = CAIRN_MIN((int64_t)GEMV_GROUP, (nr) - g) / (R), t = 0; t < nt; t++)
/* The rows GEMV_SPREAD covers: a prefix of the call's rows (the rest go to other tiles). */
INLINE int64_t gemv_spread_done(int R, int64_t nr) {
    const int64_t full = nr / GEMV_GROUP * GEMV_GROUP;
    return full + (nr - full) / R * R;
}
#define DEFINE_GEMM(T, BLCK)                                                                      \
    static void gemm_##T(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr, \
                         const void *a, size_t as, int64_t nc) {                                  \
        const int64_t nb = n / (BLCK);                                                            \
        int64_t i = 0;                                                                            \
        if (nc == 1) { /* decode: spread tiles, each row a stream; pf one row ahead in it */      \
            GEMV_SPREAD(TILE_R, nr, g, nt, t) {                                                   \
                float o[TILE_R];                                                                  \
                tile_##T(TILE_R, 1, nb, o, 1, (const uint8_t *)w + (g + t) * ws, nt * ws, ws, (const uint8_t *)a, as); \
                for (int r = 0; r < TILE_R; r++) out[g + t + r * nt] = o[r];                      \
            }                                                                                     \
            i = gemv_spread_done(TILE_R, nr);                                                     \
        }                                                                                         \
        enum { R_ = TILE_R };                                                                     \
        for (; i + TILE_R <= nr; i += TILE_R) {                                                   \
            int64_t j = 0;                                                                        \
            for (; j + TILE_C <= nc; j += TILE_C) tile_##T(TILE_R, TILE_C, TILE_ARGS);            \
            for (; j < nc; j++) tile_##T(TILE_R, 1, TILE_ARGS);                                   \
        }                                                                                         \
        for (; i < nr; i++) {                                                                     \
            enum { R_ = 1 };                                                                      \
            int64_t j = 0;                                                                        \
            for (; j + TILE_C <= nc; j += TILE_C) tile_##T(1, TILE_C, TILE_ARGS);                 \
            for (; j < nc; j++) tile_##T(1, 1, TILE_ARGS);                                        \
        }                                                                                         \
    }

#endif
