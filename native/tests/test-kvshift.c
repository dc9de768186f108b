/* test-kvshift.c — cairn_kv_shift on small llama models written here (f32 random weights; one
 * with partial rotary dims, one with rope_freqs factors): bad arguments refused with memory
 * untouched; after a shift, kept rows unchanged, V rows moved bit for bit, K rows equal to a
 * float64 rotation of the old rows to within one f16 rounding, layer-0 K rows (which depend only on
 * token and position) equal to a fresh forward at the new positions, vacated rows and rows past
 * n_past untouched; 1 and 4 threads give the same bytes; nothing is copied. The re-rotation kernel
 * of every table this CPU runs (F16C + AVX2, AVX-512, AMX, NEON) gives the scalar reference's bits,
 * both alone (random and special values, every pair count, in place moves) and inside a shift, and
 * the reference itself rounds every product (a fused multiply-add would give other bits). */
#include "cairn-impl.h"
#include "quants-impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int g_fail = 0, g_checks = 0;
#define CHECK(c) do { g_checks++; if (!(c)) { g_fail++; fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)

#include "gguf-build.h"

enum { E = 32, H = 2, HKV = 1, HD = 16, KVD = HKV * HD, F = 32, V = 16, NL = 3, N_CTX = 64 };
#define ROPE_BASE 10000.0f

static uint32_t g_rng = 12345;
static float rnd(void) { g_rng = g_rng * 1664525u + 1013904223u; return (float)(g_rng >> 8) / (float)(1 << 24) - 0.5f; }

typedef struct { char name[48]; uint64_t ne[2]; uint32_t nd; } tdesc;

/* A llama GGUF with f32 weights (random), unit norms, tied output; n_rot rotary dims per head,
 * and rope_freqs factors 1, 1.5, 2, ... when freqs. */
static void write_model(const char *path, uint32_t n_rot, int freqs) {
    tdesc t[2 + 9 * NL + 1];
    int nt = 0;
#define T2(nm, a, b) do { snprintf(t[nt].name, sizeof t[nt].name, "%s", nm); t[nt].ne[0] = a; t[nt].ne[1] = b; t[nt].nd = 2; nt++; } while (0)
#define T1(nm, a) do { snprintf(t[nt].name, sizeof t[nt].name, "%s", nm); t[nt].ne[0] = a; t[nt].ne[1] = 1; t[nt].nd = 1; nt++; } while (0)
    T2("token_embd.weight", E, V);
    T1("output_norm.weight", E);
    char nm[48];
    for (int l = 0; l < NL; l++) {
        snprintf(nm, sizeof nm, "blk.%d.attn_norm.weight", l);   T1(nm, E);
        snprintf(nm, sizeof nm, "blk.%d.attn_q.weight", l);      T2(nm, E, H * HD);
        snprintf(nm, sizeof nm, "blk.%d.attn_k.weight", l);      T2(nm, E, KVD);
        snprintf(nm, sizeof nm, "blk.%d.attn_v.weight", l);      T2(nm, E, KVD);
        snprintf(nm, sizeof nm, "blk.%d.attn_output.weight", l); T2(nm, H * HD, E);
        snprintf(nm, sizeof nm, "blk.%d.ffn_norm.weight", l);    T1(nm, E);
        snprintf(nm, sizeof nm, "blk.%d.ffn_gate.weight", l);    T2(nm, E, F);
        snprintf(nm, sizeof nm, "blk.%d.ffn_up.weight", l);      T2(nm, E, F);
        snprintf(nm, sizeof nm, "blk.%d.ffn_down.weight", l);    T2(nm, F, E);
    }
    if (freqs) T1("rope_freqs.weight", n_rot / 2);
#undef T1
#undef T2
    buf x = {0};
    hdr(&x, 3, (uint64_t)nt, 8);
    kv_str(&x, "general.architecture", "llama");
    kv_u32(&x, "llama.block_count", NL);
    kv_u32(&x, "llama.embedding_length", E);
    kv_u32(&x, "llama.feed_forward_length", F);
    kv_u32(&x, "llama.attention.head_count", H);
    kv_u32(&x, "llama.attention.head_count_kv", HKV);
    kv_u32(&x, "llama.rope.dimension_count", n_rot);
    kv_f32(&x, "llama.rope.freq_base", ROPE_BASE);
    uint64_t off = 0;
    for (int i = 0; i < nt; i++) {
        tinfo(&x, t[i].name, t[i].nd, t[i].ne, CAIRN_TYPE_F32, off);
        off += (t[i].ne[0] * t[i].ne[1] * 4 + 31) & ~(uint64_t)31;
    }
    pad(&x, 32);
    for (int i = 0; i < nt; i++) {
        const uint64_t n = t[i].ne[0] * t[i].ne[1];
        const int norm = strstr(t[i].name, "norm") != NULL, rf = strstr(t[i].name, "rope_freqs") != NULL;
        for (uint64_t k = 0; k < n; k++) {
            const float v = norm ? 1.0f : rf ? 1.0f + 0.5f * (float)k : rnd();
            uint32_t b; memcpy(&b, &v, 4); u32(&x, b);
        }
        pad(&x, 32);
    }
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(x.b, 1, x.n, f) == x.n);
    if (f) fclose(f);
    free(x.b);
}

typedef struct { cairn_model *m; cairn_state_layout L; uint8_t *base; } state;

static state new_state(cairn_model *m) {
    state s = {.m = m};
    uint64_t end = 0;
    CHECK(cairn_layout_plan(m, N_CTX, 1, 0, &s.L, &end) == CAIRN_OK);
    s.base = aligned_alloc(64, (size_t)end);
    s.L.size = end;
    /* a sentinel in every K/V element: rows past n_past must keep it */
    for (int k = 0; k < 2; k++) {
        uint16_t *kv = (uint16_t *)(s.base + (k ? s.L.k_off : s.L.v_off));
        for (size_t i = 0; i < (size_t)NL * N_CTX * KVD; i++) kv[i] = 0x1234;
    }
    return s;
}

static uint16_t *row(const state *s, int k, int l, int p) {
    return (uint16_t *)(s->base + (k ? s->L.k_off : s->L.v_off)) + ((size_t)l * N_CTX + (size_t)p) * KVD;
}

/* The f16 spacing at |x| (subnormal spacing below the smallest normal). */
static double f16_ulp(double x) { x = fabs(x); return x < 6.103515625e-05 ? 5.9604644775390625e-08 : ldexp(1.0, ilogb(x) - 10); }

/* |got - want| within one f16 rounding of want: half an ulp, doubled for the f32 work before it. */
static int f16_close(uint16_t got, double want) { return fabs(cairn_fp16_to_fp32(got) - want) <= f16_ulp(want); }

static void test_args(cairn_model *m) {
    state s = new_state(m);
    const int32_t toks[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(cairn_forward(m, s.base, &s.L, toks, 8, 0, 0, NULL) == CAIRN_OK);
    uint8_t *before = malloc((size_t)s.L.size);
    memcpy(before, s.base, (size_t)s.L.size);
    cairn_state_layout small = s.L;
    small.size = s.L.v_off; /* V outside the state */
    CHECK(cairn_kv_shift(NULL, s.base, &s.L, 8, 1, 2) == CAIRN_E_ARG);
    CHECK(cairn_kv_shift(m, NULL, &s.L, 8, 1, 2) == CAIRN_E_ARG && strstr(cairn_last_error(), "kv_shift"));
    CHECK(cairn_kv_shift(m, s.base, NULL, 8, 1, 2) == CAIRN_E_ARG);
    CHECK(cairn_kv_shift(m, s.base, &small, 8, 1, 2) == CAIRN_E_LAYOUT);
    CHECK(cairn_kv_shift(m, s.base, &s.L, 8, 1, 0) == CAIRN_E_ARG && strstr(cairn_last_error(), "n_past 8"));
    CHECK(cairn_kv_shift(m, s.base, &s.L, 8, 7, 2) == CAIRN_E_ARG);
    CHECK(cairn_kv_shift(m, s.base, &s.L, 8, UINT32_MAX, 2) == CAIRN_E_ARG);
    CHECK(cairn_kv_shift(m, s.base, &s.L, 8, 2, UINT32_MAX) == CAIRN_E_ARG);
    CHECK(cairn_kv_shift(m, s.base, &s.L, N_CTX + 1, 1, 2) == CAIRN_E_ARG);
    CHECK(memcmp(before, s.base, (size_t)s.L.size) == 0);
    /* the whole history but the first token, and everything after keep = 0: nothing is left to
     * move, and the dropped rows are not cleared, so no byte changes */
    CHECK(cairn_kv_shift(m, s.base, &s.L, 8, 1, 7) == CAIRN_OK);
    CHECK(cairn_kv_shift(m, s.base, &s.L, 1, 0, 1) == CAIRN_OK);
    CHECK(memcmp(before, s.base, (size_t)s.L.size) == 0);
    free(before);
    free(s.base);
}

/* ---- the re-rotation kernels (rope_f16) against the scalar reference ---- */

typedef struct { const char *name; int32_t id; const cairn_kernels *k; } backend;

/* Every table this CPU runs (the reference first). */
static int backends(backend *out) {
    static const struct { const char *name; int32_t id; } all[] = {
        {"reference", CAIRN_BACKEND_REFERENCE}, {"avx2", CAIRN_BACKEND_AVX2}, {"avx512", CAIRN_BACKEND_AVX512},
        {"amx", CAIRN_BACKEND_AMX}, {"neon", CAIRN_BACKEND_NEON},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const cairn_kernels *k = cairn_kernels_select(all[i].id);
        if (k) out[n++] = (backend){all[i].name, all[i].id, k};
    }
    return n;
}

static int f16_nan(uint16_t h) { return (h & 0x7fff) > 0x7c00; }

/* f16 bits: mostly values of a K cache (|x| < 8), the rest any bit pattern (subnormals, zeros,
 * values that overflow when rotated, infinities, NaNs). */
static uint32_t g_rng2 = 777; /* apart from g_rng, which makes the models' weights */
static uint32_t rnd2(void) { g_rng2 = g_rng2 * 1664525u + 1013904223u; return g_rng2; }
static float rnd2f(void) { return (float)(rnd2() >> 8) / (float)(1 << 24) - 0.5f; }
static uint16_t rnd_f16(void) {
    if ((rnd2() >> 28) < 10) return cairn_fp32_to_fp16(16.0f * rnd2f());
    return (uint16_t)(rnd2() >> 16);
}

/* The reference's formula with each product forced to f32 (volatile), i.e. never fused. */
static void rotate_unfused(uint16_t x0, uint16_t x1, float c, float s, uint16_t *y0, uint16_t *y1) {
    const float a = cairn_fp16_to_fp32(x0), b = cairn_fp16_to_fp32(x1);
    volatile float ac = a * c, bs = b * s, as = a * s, bc = b * c;
    *y0 = cairn_fp32_to_fp16(ac - bs);
    *y1 = cairn_fp32_to_fp16(as + bc);
}

static void test_rope_kernels(void) {
    backend bk[8];
    const int nb = backends(bk);
    CHECK(nb >= 1 && bk[0].k->rope_f16 != NULL);
    enum { NV = 5, MAXHD = 2 * 72 };
    static uint16_t x[NV * MAXHD], want[NV * MAXHD], got[NV * MAXHD + 8], moved[(NV + 2) * MAXHD];
    static float cs[MAXHD];
    long diff[8] = {0}, values = 0, unfused_bad = 0, fused_differs = 0, nan_in = 0;
    for (int trial = 0; trial < 120; trial++) {
        for (int hd = 2; hd <= MAXHD; hd += trial % 2 ? 2 : 30) {
            const int n_pairs = trial % 7 == 0 ? hd / 2 - (trial / 7) % (hd / 2 + 1) : hd / 2; /* partial rotary too */
            for (int i = 0; i < n_pairs; i++) {
                const float th = 40.0f * rnd2f();
                cs[2 * i] = cosf(th);
                cs[2 * i + 1] = sinf(th);
            }
            if (trial % 5 == 0 && n_pairs > 2) { cs[0] = 1; cs[1] = 0; cs[2] = 0; cs[3] = -1; } /* exact angles */
            for (int i = 0; i < NV * hd; i++) x[i] = rnd_f16();
            bk[0].k->rope_f16(want, x, NV, hd, n_pairs, cs);
            for (int v = 0; v < NV; v++) {
                const uint16_t *xv = x + v * hd, *wv = want + v * hd;
                for (int i = 0; i < n_pairs; i++) {
                    uint16_t u0, u1;
                    rotate_unfused(xv[2 * i], xv[2 * i + 1], cs[2 * i], cs[2 * i + 1], &u0, &u1);
                    const int nan = f16_nan(u0) || f16_nan(u1);
                    nan_in += nan;
                    unfused_bad += nan ? f16_nan(u0) != f16_nan(wv[2 * i]) || f16_nan(u1) != f16_nan(wv[2 * i + 1])
                                       : u0 != wv[2 * i] || u1 != wv[2 * i + 1];
                    /* what a fused a·c − b·s would give: differs somewhere, so fusing would be caught */
                    const float a = cairn_fp16_to_fp32(xv[2 * i]), b = cairn_fp16_to_fp32(xv[2 * i + 1]);
                    if (!nan && cairn_fp32_to_fp16(fmaf(a, cs[2 * i], -(b * cs[2 * i + 1]))) != u0) fused_differs++;
                }
                for (int i = 2 * n_pairs; i < hd; i++) unfused_bad += wv[i] != xv[i];
            }
            values += NV * hd;
            for (int b = 1; b < nb; b++) {
                memset(got, 0xAB, sizeof got);
                bk[b].k->rope_f16(got, x, NV, hd, n_pairs, cs);
                /* in place, as a shift moves rows down: vector v + 2 of the buffer lands at v */
                memcpy(moved + 2 * hd, x, (size_t)NV * hd * sizeof *x);
                bk[b].k->rope_f16(moved, moved + 2 * hd, NV, hd, n_pairs, cs);
                for (int i = 0; i < NV * hd; i++) {
                    const int nan = f16_nan(want[i]);
                    diff[b] += nan ? !f16_nan(got[i]) || !f16_nan(moved[i]) : got[i] != want[i] || moved[i] != want[i];
                }
                CHECK(got[NV * hd] == 0xABAB); /* nothing written past n vectors */
            }
        }
    }
    CHECK(unfused_bad == 0);
    CHECK(fused_differs > 0);
    printf("test-kvshift: rope_f16 over %ld values (%ld rotated to NaN): reference = unfused f32 formula (%ld off); "
           "a fused form would differ in %ld;", values, nan_in, unfused_bad, fused_differs);
    for (int b = 1; b < nb; b++) { CHECK(diff[b] == 0); printf(" %s %ld off", bk[b].name, diff[b]); }
    printf(nb > 1 ? "\n" : " no vector table on this CPU\n");
}

/* The same shift run with every table's model gives the reference model's bytes. */
static void test_shift_backends(const char *path, const state *before, int64_t n_past, uint32_t keep, uint32_t discard) {
    backend bk[8];
    const int nb = backends(bk);
    uint8_t *want = NULL;
    for (int b = 0; b < nb; b++) {
        cairn_model *m = NULL;
        cairn_model_params p = {.n_threads = 2, .backend = bk[b].id};
        CHECK(cairn_model_load(path, &p, &m) == CAIRN_OK);
        if (!m) continue;
        uint8_t *s = malloc((size_t)before->L.size);
        memcpy(s, before->base, (size_t)before->L.size);
        CHECK(cairn_kv_shift(m, s, &before->L, (uint32_t)n_past, keep, discard) == CAIRN_OK);
        if (!want) want = s;
        else { CHECK(memcmp(s, want, (size_t)before->L.size) == 0); free(s); }
        cairn_model_free(m);
    }
    free(want);
}

static void test_shift(const char *path, uint32_t n_rot, int freqs) {
    write_model(path, n_rot, freqs);
    cairn_model *m1 = NULL, *m4 = NULL;
    cairn_model_params p = {.n_threads = 1};
    CHECK(cairn_model_load(path, &p, &m1) == CAIRN_OK);
    p.n_threads = 4;
    CHECK(cairn_model_load(path, &p, &m4) == CAIRN_OK);
    if (!m1 || !m4) { cairn_model_free(m1); cairn_model_free(m4); return; }
    if (n_rot == HD && !freqs) test_args(m1);

    enum { N = 40, KEEP = 5, D = 11 };
    int32_t toks[N], kept[N - D];
    for (int i = 0; i < N; i++) toks[i] = (int32_t)((i * 7 + 3) % V);
    for (int i = 0; i < N - D; i++) kept[i] = toks[i < KEEP ? i : i + D];
    state a = new_state(m1), b = new_state(m4), fresh = new_state(m1);
    CHECK(cairn_forward(m1, a.base, &a.L, toks, N, 0, 0, NULL) == CAIRN_OK);
    CHECK(cairn_forward(m4, b.base, &b.L, toks, N, 0, 0, NULL) == CAIRN_OK);
    CHECK(cairn_forward(m1, fresh.base, &fresh.L, kept, N - D, 0, 0, NULL) == CAIRN_OK);
    uint8_t *old = malloc((size_t)a.L.size);
    memcpy(old, a.base, (size_t)a.L.size);
    state o = a;
    o.base = old;

    test_shift_backends(path, &a, N, KEEP, D);
    CHECK(cairn_kv_shift(m1, a.base, &a.L, N, KEEP, D) == CAIRN_OK);
    CHECK(cairn_kv_shift(m4, b.base, &b.L, N, KEEP, D) == CAIRN_OK);
    CHECK(memcmp(a.base, b.base, (size_t)a.L.size) == 0); /* 1 or 4 threads: the same bytes */

    int bad_rot = 0, bad_move = 0, bad_fresh = 0, rotated = 0; /* bad_fresh: values more than 1 ulp off */
    double worst_fresh = 0;
    for (int l = 0; l < NL; l++) {
        for (int k = 0; k < 2; k++) {
            for (int p2 = 0; p2 < KEEP; p2++) CHECK(memcmp(row(&a, k, l, p2), row(&o, k, l, p2), KVD * 2) == 0);
            for (int p2 = N - D; p2 < N; p2++) bad_move += memcmp(row(&a, k, l, p2), row(&o, k, l, p2), KVD * 2) != 0; /* left as they were */
            for (int p2 = N; p2 < N_CTX; p2++) for (int i = 0; i < KVD; i++) bad_move += row(&a, k, l, p2)[i] != 0x1234;
        }
        for (int p2 = KEEP; p2 < N - D; p2++) {
            CHECK(memcmp(row(&a, 0, l, p2), row(&o, 0, l, p2 + D), KVD * 2) == 0);
            const uint16_t *got = row(&a, 1, l, p2), *src = row(&o, 1, l, p2 + D);
            for (int h = 0; h < HKV; h++) {
                for (uint32_t i = 0; i < HD / 2; i++) {
                    const uint16_t *x = src + h * HD + 2 * i, *y = got + h * HD + 2 * i;
                    if (i >= n_rot / 2) { bad_move += x[0] != y[0] || x[1] != y[1]; continue; }
                    /* the reference: pair i rotated by -D·θ_i in double */
                    const double th = -(double)D * pow(ROPE_BASE, -2.0 * i / n_rot) / (freqs ? 1.0 + 0.5 * i : 1.0);
                    const double xa = cairn_fp16_to_fp32(x[0]), xb = cairn_fp16_to_fp32(x[1]);
                    bad_rot += !f16_close(y[0], xa * cos(th) - xb * sin(th)) || !f16_close(y[1], xa * sin(th) + xb * cos(th));
                    rotated += y[0] != x[0] || y[1] != x[1];
                    if (l == 0) { /* layer 0 against a fresh forward at the new position, in ulps of the
                                   * pair's length: the rounding of the old row rotates with it */
                        const uint16_t *f = row(&fresh, 1, 0, p2) + h * HD + 2 * i;
                        const double len = hypot(cairn_fp16_to_fp32(f[0]), cairn_fp16_to_fp32(f[1]));
                        for (int e = 0; e < 2; e++) {
                            const double gy = cairn_fp16_to_fp32(y[e]), gf = cairn_fp16_to_fp32(f[e]);
                            const double u = fabs(gy - gf) / f16_ulp(len);
                            worst_fresh = fmax(worst_fresh, u);
                            bad_fresh += u > 1;
                        }
                    }
                }
            }
        }
    }
    CHECK(bad_rot == 0);
    CHECK(bad_move == 0);
    /* the fresh row is rounded once, the shifted one twice (at its old position, then rotated):
     * ≤ 0.5·√2 + 0.5 + 0.5 ulps of the pair's length apart, so at most 2 */
    CHECK(worst_fresh <= 2);
    CHECK(rotated > 0);
    printf("test-kvshift: n_rot %u%s: %d K values off the float64 rotation by more than one f16 rounding; "
           "layer 0 vs a fresh forward: max %.2f ulp (%d of %d values beyond 1)\n",
           n_rot, freqs ? " rope_freqs" : "", bad_rot, worst_fresh, bad_fresh, (N - D - KEEP) * HKV * (int)n_rot);
    CHECK(cairn_model_bytes_copied(m1) == 0 && cairn_model_bytes_copied(m4) == 0);
    free(old);
    free(a.base); free(b.base); free(fresh.base);
    cairn_model_free(m1);
    cairn_model_free(m4);
    unlink(path);
}

int main(void) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/cairn-test-kvshift-%d.gguf", (int)getpid());
    test_rope_kernels();
    test_shift(path, HD, 0);
    test_shift(path, HD, 1);
    test_shift(path, HD / 2, 0); /* partial rotary: dims past n_rot move unrotated */
    printf("test-kvshift: %d checks, %d failed\n", g_checks, g_fail);
    return g_fail ? 1 : 0;
}
