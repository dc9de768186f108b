/* bench-kernels.c — single-thread gemm throughput per weight type and backend (not run by tests).
 * Decode (nc = 1): GB/s of weights streamed from a buffer larger than the caches.
 * Hot decode: GB/s on a 512 KiB slab that stays in L2 (compute-bound rate).
 * Prefill (nc = 64): time per activation column relative to decode, on an L2-sized weight slab.
 * `bench-kernels attn [n_past]`: decode attention (attn_dec) of one token over the 1B shapes' 16
 * layers (8 KV heads of 4 queries, head size 64), one thread, per layer from its own cache rows
 * (from memory) and 16 times over one layer's rows (cache-resident where they fit).
 * Build by hand, e.g.:
 *   gcc -O2 -std=c11 -D_GNU_SOURCE -Inative/include -Inative/src native/tests/bench-kernels.c \
 *       build/kernels/obj/*.o -o /tmp/bench-kernels -lm -lpthread && /tmp/bench-kernels [MiB] [types...]
 */
#include "quants-impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static uint64_t g_rng = 88172645463325252ull;
static uint32_t rnd(void) { g_rng ^= g_rng << 13; g_rng ^= g_rng >> 7; g_rng ^= g_rng << 17; return (uint32_t)(g_rng >> 16); }

/* Random bytes, then every f16 scale made small and sane (so no inf/nan slows the FP units). */
static void fill(int type, uint8_t *p, size_t rows, int64_t n) {
    const cairn_type_traits *t = cairn_type_traits_get(type);
    const size_t rs = cairn_row_size(type, n);
    for (size_t i = 0; i < rows * rs; i += 4) { uint32_t v = rnd(); memcpy(p + i, &v, CAIRN_MIN(4, rows * rs - i)); }
    const uint16_t h = cairn_fp32_to_fp16(0.01f);
    for (size_t r = 0; r < rows; r++)
        for (int64_t b = 0; b < n / t->blck; b++) {
            uint8_t *blk = p + r * rs + b * t->type_size;
            switch (type) {
            case CAIRN_TYPE_F32: { float f = (float)(rnd() % 1000) * 1e-3f; memcpy(blk, &f, 4); break; }
            case CAIRN_TYPE_F16: memcpy(blk, &h, 2); break;
            case CAIRN_TYPE_BF16: { uint16_t v = cairn_fp32_to_bf16(0.01f); memcpy(blk, &v, 2); break; }
            case CAIRN_TYPE_Q6_K: memcpy(blk + 208, &h, 2); break;
            case CAIRN_TYPE_Q4_1: case CAIRN_TYPE_Q5_1: case CAIRN_TYPE_Q4_K: case CAIRN_TYPE_Q5_K:
                memcpy(blk, &h, 2); memcpy(blk + 2, &h, 2); break;
            default: memcpy(blk, &h, 2); break;
            }
        }
}

static void bench_attn_dec(int64_t n_past) {
    const int64_t hd = 64, kvh = 8, grp = 4, layers = 16, kvd = kvh * hd;
    const size_t cells = (size_t)(layers * n_past * kvd);
    /* 64-byte aligned as the engine's cache regions are (malloc's 16-byte offset put each head's
     * 128-byte slice of a row on 3 cache lines instead of 2) */
    const size_t bytes = (cells * 2 + 63) / 64 * 64;
    uint16_t *kc = aligned_alloc(64, bytes), *vc = aligned_alloc(64, bytes);
    for (size_t i = 0; i < cells; i++) {
        kc[i] = cairn_fp32_to_fp16((float)((int)(rnd() % 2001) - 1000) * 1e-3f);
        vc[i] = cairn_fp32_to_fp16((float)((int)(rnd() % 2001) - 1000) * 1e-3f);
    }
    float q[32][64], o[32][64];
    for (int i = 0; i < 32; i++) for (int d = 0; d < 64; d++) q[i][d] = (float)((int)(rnd() % 2001) - 1000) * 1e-3f;
    const cairn_kernels *ks[3] = { cairn_kernels_avx2(), cairn_kernels_avx512(), cairn_kernels_neon() };
    printf("attn_dec, %lld positions, 16 layers x 8 KV heads x 4 queries, hd 64, one thread: ms per token\n", (long long)n_past);
    for (int k = 0; k < 3; k++) {
        if (!ks[k] || !ks[k]->attn_dec) continue;
        for (int resident = 0; resident < 2; resident++) {
            double best = 1e9;
            for (int rep = 0; rep < 5; rep++) {
                const double t0 = now();
                for (int64_t l = 0; l < layers; l++) {
                    const size_t base = (size_t)((resident ? 0 : l) * n_past * kvd);
                    for (int64_t g = 0; g < kvh; g++) {
                        const float *qq[4]; float *oo[4];
                        for (int j = 0; j < grp; j++) { qq[j] = q[g * grp + j]; oo[j] = o[g * grp + j]; }
                        ks[k]->attn_dec((int)grp, hd, qq, oo, n_past, kc + base + g * hd, vc + base + g * hd, (size_t)kvd, 0.125f);
                    }
                }
                const double dt = now() - t0;
                if (dt < best) best = dt;
            }
            printf("  %-7s %-16s %7.3f ms\n", ks[k]->name, resident ? "one layer x16" : "16 layers", best * 1e3);
        }
    }
    free(kc); free(vc);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "attn") == 0) { bench_attn_dec(argc > 2 ? atoi(argv[2]) : 544); return 0; }
    const size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 512;
    const int64_t n = 2048;
    static const int types[] = { CAIRN_TYPE_Q4_0, CAIRN_TYPE_Q8_0, CAIRN_TYPE_Q4_K, CAIRN_TYPE_Q6_K, CAIRN_TYPE_Q5_K,
                                 CAIRN_TYPE_Q4_1, CAIRN_TYPE_Q5_0, CAIRN_TYPE_Q5_1, CAIRN_TYPE_F16, CAIRN_TYPE_BF16, CAIRN_TYPE_F32 };
    /* amx: only its packed prefill path differs from avx512 (decode columns repeat avx512's) */
    const cairn_kernels *ks[5] = { cairn_kernels_reference(), cairn_kernels_avx2(), cairn_kernels_avx512(), cairn_kernels_neon(),
                                   cairn_kernels_amx() };
    uint8_t *w = malloc(mib << 20);
    float *x = malloc(64 * n * sizeof(float));
    uint8_t *a = malloc(64 * n * 4 + 64);
    float *out = malloc(sizeof(float) * 1 << 22);
    for (int i = 0; i < 64 * n; i++) x[i] = (float)((int)(rnd() % 2001) - 1000) * 1e-3f;
    printf("%-5s %10s %10s %10s %10s %10s   (decode GB/s, n=%lld, %zu MiB of weights; prefill nc=64: us/column on 4 MiB)\n",
           "type", "reference", "avx2", "avx512", "neon", "amx", (long long)n, mib);
    void *packed = aligned_alloc(64, 64 * n * 4 + 64);
    for (size_t ti = 0; ti < sizeof types / sizeof types[0]; ti++) {
        const int type = types[ti];
        int only = argc <= 2;
        for (int i = 2; i < argc; i++) only |= strcmp(argv[i], cairn_type_traits_get(type)->name) == 0;
        if (!only) continue;
        const cairn_type_traits *t = cairn_type_traits_get(type);
        const size_t rs = cairn_row_size(type, n), as = cairn_row_size(t->act_type, n);
        const size_t rows = ((mib << 20) / rs) & ~(size_t)7;
        fill(type, w, rows, n);
        for (int c = 0; c < 64; c++) cairn_quantize_act_ref(t->act_type, x + c * n, a + c * as, n);
        printf("%-5s", t->name);
        char pre[256] = "", hot[256] = "";
        for (int k = 0; k < 5; k++) {
            if (!ks[k] || !ks[k]->gemm[type]) { printf(" %10s", "-"); continue; }
            const cairn_gemm_fn g = ks[k]->gemm[type];
            /* decode: stream all rows, in chunks of 4096 rows (out fits) */
            const int reps = k == 0 ? 1 : 3;
            double best = 1e9;
            for (int r = 0; r < reps; r++) {
                const double t0 = now();
                for (size_t i = 0; i < rows; i += 4096) g(n, out + (i % (1 << 20)), 1, w + i * rs, rs, (int64_t)CAIRN_MIN(4096, rows - i), a, as, 1);
                const double dt = now() - t0;
                if (dt < best) best = dt;
            }
            printf(" %10.2f", rows * rs / best / 1e9);
            /* decode on a 512 KiB slab that stays in L2: the kernel's compute rate */
            const size_t hrows = CAIRN_MIN(rows, (512u << 10) / rs);
            double bh = 1e9;
            for (int r = 0; r < 5; r++) {
                const double t0 = now();
                for (int it = 0; it < (k == 0 ? 4 : 64); it++) g(n, out, 1, w, rs, (int64_t)hrows, a, as, 1);
                const double dt = (now() - t0) / (k == 0 ? 4 : 64);
                if (dt < bh) bh = dt;
            }
            snprintf(hot + strlen(hot), sizeof hot - strlen(hot), " %s:%.1f", ks[k]->name, hrows * rs / bh / 1e9);
            /* prefill: 4 MiB slab, 64 columns */
            const size_t prow = CAIRN_MIN(rows, (4u << 20) / rs);
            double bp = 1e9;
            for (int r = 0; r < (k == 0 ? 1 : 3); r++) {
                const double t0 = now();
                if (k == 4 && ks[k]->gemm_packed[type]) { /* the packing is part of the product's cost */
                    ks[k]->act_pack(t->act_type, n, a, as, 64, packed, 0, 1);
                    ks[k]->gemm_packed[type](n, out, prow, w, rs, (int64_t)prow, packed, 0, 64);
                } else g(n, out, prow, w, rs, (int64_t)prow, a, as, 64);
                const double dt = now() - t0;
                if (dt < bp) bp = dt;
            }
            snprintf(pre + strlen(pre), sizeof pre - strlen(pre), " %s:%.0fus(%.2fGB/s/col)", ks[k]->name,
                     bp / 64 * 1e6, prow * rs * 64 / bp / 1e9);
        }
        printf("   hot decode GB/s%s   prefill%s\n", hot, pre);
        fflush(stdout);
    }
    return 0;
}
