/* kernels-gemm-impl.h — the tile driver every SIMD backend shares (internal).
 * A backend defines TILE_R x TILE_C and, per type T, an always-inline
 *   tile_T(R, C, nb, out, ldo, w, ws, a, as)
 * computing an R x C block of the gemm contract in quants-impl.h; DEFINE_GEMM(T, BLCK) then
 * emits gemm_T, which covers nr x nc with full tiles and smaller remainder tiles. */
#ifndef CAIRN_KERNELS_GEMM_IMPL_H
#define CAIRN_KERNELS_GEMM_IMPL_H

#define TILE_PARAMS const int R, const int C, const int64_t nb, float *out, const size_t ldo, \
                    const uint8_t *w, const size_t ws, const uint8_t *a, const size_t as
#define TILE_ARGS nb, out + j * ldo + i, ldo, (const uint8_t *)w + i * ws, ws, (const uint8_t *)a + j * as, as
#define DEFINE_GEMM(T, BLCK)                                                                      \
    static void gemm_##T(int64_t n, float *out, size_t ldo, const void *w, size_t ws, int64_t nr, \
                         const void *a, size_t as, int64_t nc) {                                  \
        const int64_t nb = n / (BLCK);                                                            \
        int64_t i = 0;                                                                            \
        for (; i + TILE_R <= nr; i += TILE_R) {                                                   \
            int64_t j = 0;                                                                        \
            for (; j + TILE_C <= nc; j += TILE_C) tile_##T(TILE_R, TILE_C, TILE_ARGS);            \
            for (; j < nc; j++) tile_##T(TILE_R, 1, TILE_ARGS);                                   \
        }                                                                                         \
        for (; i < nr; i++) {                                                                     \
            int64_t j = 0;                                                                        \
            for (; j + TILE_C <= nc; j += TILE_C) tile_##T(1, TILE_C, TILE_ARGS);                 \
            for (; j < nc; j++) tile_##T(1, 1, TILE_ARGS);                                        \
        }                                                                                         \
    }

#endif
