/* test-kvshift.c — cairn_kv_shift on small llama models written here (f32 random weights; one
 * with partial rotary dims, one with rope_freqs factors): bad arguments refused with memory
 * untouched; after a shift, kept rows unchanged, V rows moved bit for bit, K rows equal to a
 * float64 rotation of the old rows to within one f16 rounding, layer-0 K rows (which depend only on
 * token and position) equal to a fresh forward at the new positions, vacated rows zero, rows past
 * n_past untouched; 1 and 4 threads give the same bytes; nothing is copied. */
#include "cairn-impl.h"

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
    /* the whole history but the first token, and everything after keep = 0 */
    CHECK(cairn_kv_shift(m, s.base, &s.L, 8, 1, 7) == CAIRN_OK);
    CHECK(cairn_kv_shift(m, s.base, &s.L, 1, 0, 1) == CAIRN_OK);
    CHECK(row(&s, 1, 2, 0)[0] == 0 && row(&s, 0, 2, 0)[KVD - 1] == 0);
    free(before);
    free(s.base);
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

    CHECK(cairn_kv_shift(m1, a.base, &a.L, N, KEEP, D) == CAIRN_OK);
    CHECK(cairn_kv_shift(m4, b.base, &b.L, N, KEEP, D) == CAIRN_OK);
    CHECK(memcmp(a.base, b.base, (size_t)a.L.size) == 0); /* 1 or 4 threads: the same bytes */

    int bad_rot = 0, bad_move = 0, bad_fresh = 0, rotated = 0; /* bad_fresh: values more than 1 ulp off */
    double worst_fresh = 0;
    for (int l = 0; l < NL; l++) {
        for (int k = 0; k < 2; k++) {
            for (int p2 = 0; p2 < KEEP; p2++) CHECK(memcmp(row(&a, k, l, p2), row(&o, k, l, p2), KVD * 2) == 0);
            for (int p2 = N - D; p2 < N; p2++) for (int i = 0; i < KVD; i++) bad_move += row(&a, k, l, p2)[i] != 0;
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
    test_shift(path, HD, 0);
    test_shift(path, HD, 1);
    test_shift(path, HD / 2, 0); /* partial rotary: dims past n_rot move unrotated */
    printf("test-kvshift: %d checks, %d failed\n", g_checks, g_fail);
    return g_fail ? 1 : 0;
}
