/* test-metal.c — the Metal backend's arithmetic against the engine's CPU reference, run on the kernel
 * shim (tests/shim-device.cpp): the kernels of metal/kernels compiled as C++, the device layer that
 * runs them on fibers, and everything above it (metal-forward.c, the engine) as on a Mac. On macOS
 * arm64 the same file runs against the real device layer (metal-device.m) on the GPU.
 *   ops:     every matrix kernel (mul_mv, mul_mm) for every weight type and odd shapes against the
 *            reference dequantization (quants.c) and a float64 dot; rmsnorm, rope_kv, attention
 *            (one and several chunks, GQA, head sizes 64 and 80), swiglu against float64 formulas;
 *            each kernel run in two opposite thread orders must give the same bytes.
 *   forward: llama models written here, every weight type (and a q4_K/q6_K mix): logits of the Metal
 *            path against the reference backend on the same weights dequantized to f32 (the float
 *            computation of that model) and, looser, against the reference backend on the model as
 *            it is (int8 activations); prompts of more than one 256-token pass; decode steps whose
 *            attention spans several chunks; K/V rows; a context shift; a state made on Metal
 *            continued on the CPU and one made on the CPU continued on Metal; the cancel flag; no
 *            bytes copied.
 */
#include "cairn-impl.h"
#include "quants-impl.h"
#include "../metal-impl.h"
#include "../cairn-metal-args.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

static int g_fail = 0, g_checks = 0;
#define CHECK(c) do { g_checks++; if (!(c)) { g_fail++; fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)
#define CHECKF(c, ...) do { g_checks++; if (!(c)) { g_fail++; fprintf(stderr, "%s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

#include "../../native/tests/gguf-build.h"

/* The shim's run order between synchronization points (tests/shim-device.cpp). On a Mac the same test
 * runs on the GPU itself (CAIRN_METAL_GPU_TEST), where the order is the hardware's. */
#ifdef CAIRN_METAL_GPU_TEST
#define ORDERS 1
static void cairn_shim_set_reverse(int reverse) { (void)reverse; }
#else
#define ORDERS 2
void cairn_shim_set_reverse(int reverse);
#endif

static uint32_t g_rng = 2024;
static uint32_t rnd_u32(void) { g_rng ^= g_rng << 13; g_rng ^= g_rng >> 17; g_rng ^= g_rng << 5; return g_rng; }
static float rnd(void) { return (float)(rnd_u32() >> 8) / (float)(1 << 24) - 0.5f; }

static const int32_t k_types[] = {CAIRN_TYPE_F32, CAIRN_TYPE_F16, CAIRN_TYPE_BF16, CAIRN_TYPE_Q4_0, CAIRN_TYPE_Q4_1,
                                  CAIRN_TYPE_Q5_0, CAIRN_TYPE_Q5_1, CAIRN_TYPE_Q8_0, CAIRN_TYPE_Q4_K, CAIRN_TYPE_Q5_K,
                                  CAIRN_TYPE_Q6_K};
#define N_TYPES ((int)(sizeof k_types / sizeof *k_types))

/* Random valid rows of a weight type: random bytes, then every f16 scale set to a finite value of
 * about `scale` (random sign for d where the format allows it), float types from random values. */
static void random_rows(int32_t type, void *dst, int64_t rows, int64_t n, float scale) {
    const cairn_type_traits *tr = cairn_type_traits_get(type);
    const size_t rs = cairn_row_size(type, n);
    uint8_t *p = dst;
    for (size_t i = 0; i < rs * (size_t)rows; i++) p[i] = (uint8_t)rnd_u32();
    const int64_t nb = rows * (n / tr->blck);
    for (int64_t b = 0; b < nb; b++) {
        uint8_t *blk = p + (size_t)b * tr->type_size;
        uint16_t h;
        switch (type) {
        case CAIRN_TYPE_F32: { const float v = rnd() * scale * 8; memcpy(blk, &v, 4); break; }
        case CAIRN_TYPE_F16: h = cairn_fp32_to_fp16(rnd() * scale * 8); memcpy(blk, &h, 2); break;
        case CAIRN_TYPE_BF16: h = cairn_fp32_to_bf16(rnd() * scale * 8); memcpy(blk, &h, 2); break;
        case CAIRN_TYPE_Q6_K: h = cairn_fp32_to_fp16(scale / 32 * (0.5f + rnd())); memcpy(blk + 208, &h, 2); break;
        case CAIRN_TYPE_Q4_1: case CAIRN_TYPE_Q5_1: { /* d > 0 and a min near -d * (middle level): centred values */
            const float d = scale / 8 * (0.5f + rnd()), m = -d * (type == CAIRN_TYPE_Q4_1 ? 7.5f : 15.5f) * (1 + 0.2f * rnd());
            h = cairn_fp32_to_fp16(d); memcpy(blk, &h, 2);
            h = cairn_fp32_to_fp16(m); memcpy(blk + 2, &h, 2);
            break;
        }
        case CAIRN_TYPE_Q4_K: case CAIRN_TYPE_Q5_K:
            h = cairn_fp32_to_fp16(scale / 64 * (0.5f + rnd())); memcpy(blk, &h, 2);
            h = cairn_fp32_to_fp16(scale * 0.25f * (0.5f + rnd())); memcpy(blk + 2, &h, 2);
            break;
        default: h = cairn_fp32_to_fp16(scale / 8 * rnd()); memcpy(blk, &h, 2); break;
        }
    }
}

/* ---- the device, and buffers over test memory ---- */

static cairn_mtl *g_dev;

/* Zeroed memory at a 64 KiB boundary from an anonymous mapping, as a Wasm memory is (Metal wraps only
 * whole VM pages of memory the process mapped); page_free takes the same pointer and length. */
static void *page_alloc(uint64_t len) {
    uint8_t *m = mmap(NULL, (size_t)len + 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) { fprintf(stderr, "mmap of %llu bytes failed\n", (unsigned long long)len); exit(1); }
    uint8_t *p = (uint8_t *)(((uintptr_t)m + 65535) & ~(uintptr_t)65535);
    memcpy(p + len, &m, sizeof m); /* where the mapping starts, past the end of the block */
    return p;
}
static void page_free(void *p, uint64_t len) {
    uint8_t *m;
    memcpy(&m, (uint8_t *)p + len, sizeof m);
    munmap(m, (size_t)len + 65536);
}

typedef struct { uint8_t *p; cairn_mtl_buf *b; uint64_t len; } tbuf;

static tbuf tb_new(uint64_t len) {
    tbuf t = {0};
    t.len = (len + 16383) / 16384 * 16384;
    t.p = page_alloc(t.len);
    CHECK(cairn_mtl_wrap(g_dev, t.p, t.len, &t.b) == CAIRN_OK);
    return t;
}
static void tb_free(tbuf *t) { cairn_mtl_buf_free(t->b); page_free(t->p, t->len); }
static cairn_mtl_ref R(tbuf *t) { return (cairn_mtl_ref){t->b, 0}; }

/* Runs one dispatch in forward and reverse thread order (out restored from `init` before each);
 * the two must give the same bytes. */
static void run2(cairn_mtl_kernel k, const void *args, size_t len, tbuf *bufs, int nb, int out_i, const void *init,
                 uint32_t gx, uint32_t gy, uint32_t gz, uint32_t threads, uint32_t tg_mem) {
    cairn_mtl_ref refs[8];
    for (int i = 0; i < nb; i++) refs[i] = R(&bufs[i]);
    const uint32_t grid[3] = {gx, gy, gz};
    uint8_t *first = malloc(bufs[out_i].len);
    for (int rev = 0; rev < ORDERS; rev++) {
        memcpy(bufs[out_i].p, init, bufs[out_i].len);
        cairn_shim_set_reverse(rev);
        CHECK(cairn_mtl_begin(g_dev) == CAIRN_OK);
        cairn_mtl_dispatch(g_dev, k, args, len, refs, nb, grid, threads, tg_mem);
        const cairn_status s = cairn_mtl_commit_wait(g_dev);
        CHECKF(s == CAIRN_OK, "kernel %d: %s", (int)k, cairn_last_error());
        if (!rev) memcpy(first, bufs[out_i].p, bufs[out_i].len);
        else CHECKF(memcmp(first, bufs[out_i].p, bufs[out_i].len) == 0, "kernel %d: thread order changes the result", (int)k);
    }
    cairn_shim_set_reverse(0);
    free(first);
}

/* ---- ops ---- */

static void test_matmul(int ti, int64_t rows, int64_t n, int64_t n_tok, int accumulate) {
    const int32_t type = k_types[ti];
    const size_t rs = cairn_row_size(type, n);
    tbuf b[3] = {tb_new(rs * rows), tb_new((uint64_t)n_tok * n * 4), tb_new((uint64_t)n_tok * (rows + 3) * 4)};
    random_rows(type, b[0].p, rows, n, 0.2f);
    float *x = (float *)b[1].p;
    for (int64_t i = 0; i < n_tok * n; i++) x[i] = rnd();
    float *init = malloc(b[2].len);
    memset(init, 0, b[2].len);
    for (int64_t i = 0; i < n_tok * (rows + 3); i++) init[i] = rnd();
    const cairn_mtl_args_mul a = {(int32_t)n, (int32_t)rows, (int32_t)n_tok, accumulate, rs, (uint64_t)n, (uint64_t)rows + 3};
    const bool mm = n_tok >= CAIRN_MTL_MM_MIN;
    run2((cairn_mtl_kernel)((mm ? CAIRN_MTL_K_mul_mm_f32 : CAIRN_MTL_K_mul_mv_f32) + ti), &a, sizeof a, b, 3, 2, init,
         mm ? (uint32_t)((rows + 31) / 32) : (uint32_t)((rows + 7) / 8), mm ? (uint32_t)((n_tok + 31) / 32) : (uint32_t)n_tok, 1,
         mm ? 128 : 64, mm ? 8192 : 16);
    float *w = malloc((size_t)n * 4), *out = (float *)b[2].p;
    const cairn_type_traits *tr = cairn_type_traits_get(type);
    double worst = 0;
    int bad = 0;
    for (int64_t r = 0; r < rows; r++) {
        tr->to_float(b[0].p + r * rs, w, n);
        for (int64_t t = 0; t < n_tok; t++) {
            double want = accumulate ? init[t * (rows + 3) + r] : 0, mag = fabs(want);
            for (int64_t i = 0; i < n; i++) { want += (double)w[i] * x[t * n + i]; mag += fabs((double)w[i] * x[t * n + i]); }
            /* any order of n + 1 float additions: (n + 2) * 2^-24 of the magnitude */
            const double err = fabs(out[t * (rows + 3) + r] - want), bound = (n + 2) * 5.97e-8 * mag + 1e-30;
            if (err > bound) bad++;
            if (err / bound > worst) worst = err / bound;
        }
    }
    /* the padding after each output row stays as it was */
    for (int64_t t = 0; t < n_tok; t++)
        for (int64_t r = rows; r < rows + 3; r++) if (out[t * (rows + 3) + r] != init[t * (rows + 3) + r]) bad++;
    CHECKF(bad == 0, "%s %s rows %lld n %lld tokens %lld acc %d: %d wrong (worst %.2f of the bound)", mm ? "mul_mm" : "mul_mv",
           tr->name, (long long)rows, (long long)n, (long long)n_tok, accumulate, bad, worst);
    free(w); free(init);
    for (int i = 0; i < 3; i++) tb_free(&b[i]);
}

static void test_rmsnorm(int64_t n, int64_t rows) {
    tbuf b[3] = {tb_new(rows * n * 4), tb_new(n * 4), tb_new(rows * n * 4)};
    float *x = (float *)b[0].p, *w = (float *)b[1].p, *o = (float *)b[2].p;
    for (int64_t i = 0; i < rows * n; i++) x[i] = rnd() * (1 + i % 7);
    for (int64_t i = 0; i < n; i++) w[i] = 1 + rnd();
    const cairn_mtl_args_norm a = {(int32_t)n, (int32_t)rows, 1e-5f, 0, (uint64_t)n, (uint64_t)n};
    void *init = calloc(1, b[2].len);
    run2(CAIRN_MTL_K_rmsnorm, &a, sizeof a, b, 3, 2, init, (uint32_t)rows, 1, 1, 256, 32);
    int bad = 0;
    for (int64_t r = 0; r < rows; r++) {
        double ss = 0;
        for (int64_t i = 0; i < n; i++) ss += (double)x[r * n + i] * x[r * n + i];
        const double sc = 1 / sqrt(ss / n + 1e-5);
        for (int64_t i = 0; i < n; i++) {
            const double want = x[r * n + i] * sc * w[i];
            if (fabs(o[r * n + i] - want) > 1e-5 * (fabs(want) + 1e-3)) bad++;
        }
    }
    CHECKF(bad == 0, "rmsnorm n %lld: %d wrong", (long long)n, bad);
    free(init);
    for (int i = 0; i < 3; i++) tb_free(&b[i]);
}

static double f16_ulp(double x) { x = fabs(x); return x < 6.103515625e-05 ? 5.9604644775390625e-08 : ldexp(1.0, ilogb(x) - 10); }

static void test_rope(int n_tok, int H, int HKV, int hd, int n_pairs, int pos0) {
    const int64_t QD = (int64_t)H * hd, KVD = (int64_t)HKV * hd;
    tbuf b[5] = {tb_new(n_tok * QD * 4), tb_new(n_tok * KVD * 4), tb_new(n_tok * KVD * 4), tb_new(n_tok * KVD * 2), tb_new(n_tok * KVD * 2)};
    cairn_mtl_args_rope a = {n_tok, H, HKV, hd, n_pairs, pos0, (uint64_t)QD, (uint64_t)KVD, (uint64_t)KVD, {0}, {0}};
    for (int i = 0; i < n_pairs; i++) { a.theta[i] = powf(10000.0f, -2.0f * i / (2 * n_pairs)); a.scale_inv[i] = 1.0f / (1 + 0.25f * i); }
    float *q0 = malloc(b[0].len), *k = (float *)b[1].p, *v = (float *)b[2].p;
    for (int64_t i = 0; i < n_tok * QD; i++) q0[i] = rnd();
    for (int64_t i = 0; i < n_tok * KVD; i++) { k[i] = rnd(); v[i] = rnd(); }
    /* q is rotated in place: run2 restores it from q0 before each order */
    tbuf order[5] = {b[0], b[1], b[2], b[3], b[4]};
    run2(CAIRN_MTL_K_rope_kv, &a, sizeof a, order, 5, 0, q0, n_tok, H, 1, 64, 16);
    int bad = 0;
    const float *q = (const float *)b[0].p;
    const uint16_t *kc = (const uint16_t *)b[3].p, *vc = (const uint16_t *)b[4].p;
    for (int t = 0; t < n_tok; t++)
        for (int h = 0; h < H; h++)
            for (int i = 0; i < hd / 2; i++) {
                const float th = (float)(pos0 + t) * a.theta[i] * a.scale_inv[i]; /* as forward.c */
                const double c = i < n_pairs ? cos(th) : 1, s = i < n_pairs ? sin(th) : 0;
                const float *x = q0 + t * QD + h * hd + 2 * i;
                const double w0 = x[0] * c - x[1] * s, w1 = x[0] * s + x[1] * c;
                if (fabs(q[t * QD + h * hd + 2 * i] - w0) > 1e-5 || fabs(q[t * QD + h * hd + 2 * i + 1] - w1) > 1e-5) bad++;
                if (h >= HKV) continue;
                const float *y = k + t * KVD + h * hd + 2 * i;
                const double k0 = y[0] * c - y[1] * s, k1 = y[0] * s + y[1] * c;
                const uint16_t *kr = kc + t * KVD + h * hd + 2 * i, *vr = vc + t * KVD + h * hd + 2 * i;
                if (fabs(cairn_fp16_to_fp32(kr[0]) - k0) > f16_ulp(k0) || fabs(cairn_fp16_to_fp32(kr[1]) - k1) > f16_ulp(k1)) bad++;
                if (vr[0] != cairn_fp32_to_fp16(v[t * KVD + h * hd + 2 * i]) || vr[1] != cairn_fp32_to_fp16(v[t * KVD + h * hd + 2 * i + 1])) bad++;
            }
    CHECKF(bad == 0, "rope_kv hd %d pairs %d pos %d: %d wrong", hd, n_pairs, pos0, bad);
    free(q0);
    for (int i = 0; i < 5; i++) tb_free(&b[i]);
}

/* attention of n_tok queries at pos0.. over a random f16 cache, with the chunking of metal-forward.c */
static void test_attention(int n_tok, int pos0, int H, int HKV, int hd, int chunk) {
    const int64_t QD = (int64_t)H * hd, KVD = (int64_t)HKV * hd, n_past = pos0 + n_tok;
    const int n_chunks = (int)((n_past + chunk - 1) / chunk);
    tbuf b[4] = {tb_new(n_tok * QD * 4), tb_new(n_past * KVD * 2), tb_new(n_past * KVD * 2),
                 tb_new((uint64_t)n_tok * H * n_chunks * (hd + 2) * 4)};
    tbuf o = tb_new(n_tok * QD * 4);
    float *q = (float *)b[0].p;
    uint16_t *kc = (uint16_t *)b[1].p, *vc = (uint16_t *)b[2].p;
    for (int64_t i = 0; i < n_tok * QD; i++) q[i] = 3 * rnd();
    for (int64_t i = 0; i < n_past * KVD; i++) { kc[i] = cairn_fp32_to_fp16(3 * rnd()); vc[i] = cairn_fp32_to_fp16(rnd()); }
    const cairn_mtl_args_attn a = {n_tok, H, HKV, hd, pos0, chunk, n_chunks, 1.0f / sqrtf((float)hd), (uint64_t)QD, (uint64_t)KVD, (uint64_t)QD};
    void *zero = calloc(1, b[3].len > o.len ? b[3].len : o.len);
    run2(CAIRN_MTL_K_attn, &a, sizeof a, b, 4, 3, zero, n_chunks, H, n_tok, 32, (hd + 32) * 4);
    tbuf r[2] = {b[3], o};
    run2(CAIRN_MTL_K_attn_reduce, &a, sizeof a, r, 2, 1, zero, H, n_tok, 1, 32, 16);
    int bad = 0;
    double *sc = malloc(n_past * sizeof *sc);
    const float *out = (const float *)o.p;
    for (int t = 0; t < n_tok; t++)
        for (int h = 0; h < H; h++) {
            const int kvh = h / (H / HKV), np = pos0 + t + 1;
            double mx = -1e300, sum = 0;
            for (int p = 0; p < np; p++) {
                double d = 0;
                for (int i = 0; i < hd; i++) d += (double)cairn_fp16_to_fp32(kc[p * KVD + kvh * hd + i]) * q[t * QD + h * hd + i];
                sc[p] = d / sqrt((double)hd);
                if (sc[p] > mx) mx = sc[p];
            }
            for (int p = 0; p < np; p++) { sc[p] = exp(sc[p] - mx); sum += sc[p]; }
            for (int i = 0; i < hd; i++) {
                double want = 0;
                for (int p = 0; p < np; p++) want += sc[p] / sum * cairn_fp16_to_fp32(vc[p * KVD + kvh * hd + i]);
                if (fabs(out[t * QD + h * hd + i] - want) > 1e-4) bad++;
            }
        }
    CHECKF(bad == 0, "attention tokens %d pos %d hd %d chunks %d: %d wrong", n_tok, pos0, hd, n_chunks, bad);
    free(sc); free(zero);
    for (int i = 0; i < 4; i++) tb_free(&b[i]);
    tb_free(&o);
}

static void test_swiglu(int n) {
    tbuf b[2] = {tb_new(n * 4), tb_new(n * 4)};
    float *g0 = malloc(b[0].len), *u = (float *)b[1].p;
    for (int i = 0; i < n; i++) { g0[i] = 8 * rnd(); u[i] = rnd(); }
    const cairn_mtl_args_swiglu a = {n, 0};
    run2(CAIRN_MTL_K_swiglu, &a, sizeof a, b, 2, 0, g0, (uint32_t)((n + 255) / 256), 1, 1, 256, 16);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        const double want = g0[i] / (1 + exp(-(double)g0[i])) * u[i];
        if (fabs(((float *)b[0].p)[i] - want) > 2e-5 * (fabs(want) + 1e-6)) bad++; /* Metal's fast exp */
    }
    CHECKF(bad == 0, "swiglu n %d: %d wrong", n, bad);
    free(g0);
    for (int i = 0; i < 2; i++) tb_free(&b[i]);
}

/* ---- whole forward passes through the engine ---- */

typedef struct {
    const char *name;
    int32_t type, type_hi;        /* matrices; wv, w_down and the (untied when differing) output */
    int E, H, HKV, HD, F, V, NL, n_rot, freqs;
    int n_prompt, n_ctx;
} spec;

typedef struct { char name[48]; uint64_t ne[2]; uint32_t nd; int32_t type; uint8_t *data; size_t size; } tensor;

/* Writes the model with its own types (twin = 0) or every tensor dequantized to f32 (twin = 1);
 * the same random bytes either way (the rng is reset from seed). */
static void write_model(const char *path, const spec *sp, int twin, uint32_t seed) {
    g_rng = seed;
    tensor t[3 + 9 * 4 + 1];
    int nt = 0;
    const int untied = sp->type_hi != sp->type;
#define ADD(nm, a, b, ty) do { tensor *x = &t[nt++]; snprintf(x->name, sizeof x->name, "%s", nm); x->ne[0] = a; x->ne[1] = b; \
        x->nd = (b) > 1 ? 2 : 1; x->type = ty; } while (0)
    ADD("token_embd.weight", sp->E, sp->V, sp->type);
    ADD("output_norm.weight", sp->E, 1, CAIRN_TYPE_F32);
    if (untied) ADD("output.weight", sp->E, sp->V, sp->type_hi);
    char nm[48];
    for (int l = 0; l < sp->NL; l++) {
#define L(suffix, a, b, ty) snprintf(nm, sizeof nm, "blk.%d." suffix ".weight", l); ADD(nm, a, b, ty);
        L("attn_norm", sp->E, 1, CAIRN_TYPE_F32)
        L("attn_q", sp->E, sp->H * sp->HD, sp->type)
        L("attn_k", sp->E, sp->HKV * sp->HD, sp->type)
        L("attn_v", sp->E, sp->HKV * sp->HD, sp->type_hi)
        L("attn_output", sp->H * sp->HD, sp->E, sp->type)
        L("ffn_norm", sp->E, 1, CAIRN_TYPE_F32)
        L("ffn_gate", sp->E, sp->F, sp->type)
        L("ffn_up", sp->E, sp->F, sp->type)
        L("ffn_down", sp->F, sp->E, sp->type_hi)
#undef L
    }
    if (sp->freqs) ADD("rope_freqs.weight", sp->n_rot / 2, 1, CAIRN_TYPE_F32);
#undef ADD
    for (int i = 0; i < nt; i++) {
        tensor *x = &t[i];
        const int64_t n = (int64_t)x->ne[0], rows = (int64_t)x->ne[1];
        x->size = cairn_row_size(x->type, n) * rows;
        x->data = malloc(x->size);
        if (strstr(x->name, "rope_freqs")) for (int64_t k = 0; k < n; k++) ((float *)x->data)[k] = 1.0f + 0.5f * (float)k;
        else if (strstr(x->name, "norm")) for (int64_t k = 0; k < n; k++) ((float *)x->data)[k] = 1.0f + 0.5f * rnd();
        else random_rows(x->type, x->data, rows, n, 1.0f / sqrtf((float)n) * 4);
        if (twin && x->type != CAIRN_TYPE_F32) {
            float *f = malloc((size_t)n * rows * 4);
            cairn_type_traits_get(x->type)->to_float(x->data, f, n * rows);
            free(x->data);
            x->data = (uint8_t *)f;
            x->type = CAIRN_TYPE_F32;
            x->size = (size_t)n * rows * 4;
        }
    }
    buf b = {0};
    hdr(&b, 3, (uint64_t)nt, 8);
    kv_str(&b, "general.architecture", "llama");
    kv_u32(&b, "llama.block_count", sp->NL);
    kv_u32(&b, "llama.embedding_length", sp->E);
    kv_u32(&b, "llama.feed_forward_length", sp->F);
    kv_u32(&b, "llama.attention.head_count", sp->H);
    kv_u32(&b, "llama.attention.head_count_kv", sp->HKV);
    kv_u32(&b, "llama.rope.dimension_count", sp->n_rot);
    kv_f32(&b, "llama.rope.freq_base", 10000.0f);
    uint64_t off = 0;
    for (int i = 0; i < nt; i++) { tinfo(&b, t[i].name, t[i].nd, t[i].ne, (uint32_t)t[i].type, off); off += (t[i].size + 31) & ~(size_t)31; }
    pad(&b, 32);
    for (int i = 0; i < nt; i++) { put(&b, t[i].data, t[i].size); pad(&b, 32); free(t[i].data); }
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b.b, 1, b.n, f) == b.n);
    if (f) fclose(f);
    free(b.b);
}

typedef struct { cairn_model *m; cairn_state_layout L; uint8_t *base; } state;

static cairn_model *load(const char *path, int32_t backend) {
    cairn_model_params p = {.n_threads = 1, .backend = backend, .weights = CAIRN_WEIGHTS_MAP};
    cairn_model *m = NULL;
    const cairn_status s = cairn_model_load(path, &p, &m);
    CHECKF(s == CAIRN_OK, "load %s (backend %d): %s", path, backend, cairn_last_error());
    return m;
}

static state new_state(cairn_model *m, const spec *sp) {
    state s = {.m = m};
    uint64_t end = 0;
    CHECK(cairn_layout_plan(m, (uint32_t)sp->n_ctx, (uint32_t)sp->n_prompt, 4096, &s.L, &end) == CAIRN_OK);
    s.L.size = (end + 16383) / 16384 * 16384; /* as a Wasm memory: whole pages */
    s.base = page_alloc(s.L.size);
    return s;
}

static float *logits(const state *s) { return (float *)(s->base + s->L.logits_off); }

/* max |a - b| over n values, in units of the standard deviation of b; *rms the RMS difference, likewise */
static double diff_sigma(const float *a, const float *b, int64_t n, double *rms) {
    double mean = 0, var = 0, mx = 0, ss = 0;
    for (int64_t i = 0; i < n; i++) mean += b[i];
    mean /= n;
    for (int64_t i = 0; i < n; i++) { var += (b[i] - mean) * (b[i] - mean); mx = fmax(mx, fabs(a[i] - b[i])); ss += (a[i] - b[i]) * (a[i] - b[i]); }
    const double sd = sqrt(var / n) + 1e-30;
    if (rms) *rms = sqrt(ss / n) / sd;
    return mx / sd;
}

static int32_t *random_tokens(int n, int vocab) {
    int32_t *t = malloc((size_t)n * sizeof *t);
    for (int i = 0; i < n; i++) t[i] = (int32_t)(rnd_u32() % (uint32_t)vocab);
    return t;
}

/* Metal tolerances: against the float computation of the same weights (the f32 twin on the reference
 * backend), only rounding differs, mostly of K/V rows stored as f16 (one ulp = 2^-11 relative), so
 * 2e-3 sigma is ~10x what that can move a logit by. The reference backend on the model as it is
 * rounds activations to int8 (q8_0/q8_1/q8_K) and so differs from the float computation by that
 * rounding (printed); the Metal path may differ from it by no more than that, plus 1e-3 sigma. */
#define TIGHT_SIGMA 2e-3
#define LOOSE_RMS_SIGMA 1e-3

static void test_forward(const spec *sp, int shift) {
    char pa[64], pb[64];
    snprintf(pa, sizeof pa, "/tmp/cairn-metal-%d-a.gguf", (int)getpid());
    snprintf(pb, sizeof pb, "/tmp/cairn-metal-%d-b.gguf", (int)getpid());
    write_model(pa, sp, 0, 99);
    write_model(pb, sp, 1, 99);
    cairn_model *mA = load(pa, CAIRN_BACKEND_METAL), *rA = load(pa, CAIRN_BACKEND_REFERENCE), *rB = load(pb, CAIRN_BACKEND_REFERENCE);
    if (!mA || !rA || !rB) { cairn_model_free(mA); cairn_model_free(rA); cairn_model_free(rB); return; }
    cairn_model_info info;
    CHECK(cairn_model_info_get(mA, &info) == CAIRN_OK && info.backend == CAIRN_BACKEND_METAL);
    state sm = new_state(mA, sp), sa = new_state(rA, sp), sb = new_state(rB, sp);
    const int np = sp->n_prompt, V = sp->V;
    int32_t *tok = random_tokens(np + 4, V);
    /* the prompt, every row of logits */
    CHECKF(cairn_forward(mA, sm.base, &sm.L, tok, np, 0, CAIRN_FORWARD_ALL_LOGITS, NULL) == CAIRN_OK, "%s: %s", sp->name, cairn_last_error());
    CHECK(cairn_forward(rA, sa.base, &sa.L, tok, np, 0, CAIRN_FORWARD_ALL_LOGITS, NULL) == CAIRN_OK);
    CHECK(cairn_forward(rB, sb.base, &sb.L, tok, np, 0, CAIRN_FORWARD_ALL_LOGITS, NULL) == CAIRN_OK);
    double rms_b, rms_a;
    const double tight = diff_sigma(logits(&sm), logits(&sb), (int64_t)np * V, &rms_b);
    diff_sigma(logits(&sm), logits(&sa), (int64_t)np * V, &rms_a);
    double cpu_rms; /* the two CPU computations apart, for scale */
    diff_sigma(logits(&sa), logits(&sb), (int64_t)np * V, &cpu_rms);
    printf("  %-10s prompt %3d: metal vs f32 model max %.1e sigma (rms %.1e); vs reference rms %.1e (reference vs f32 model %.1e)\n",
           sp->name, np, tight, rms_b, rms_a, cpu_rms);
    CHECKF(tight <= TIGHT_SIGMA, "%s: prompt logits %.2e sigma from the f32 model's", sp->name, tight);
    CHECKF(rms_a <= cpu_rms + LOOSE_RMS_SIGMA, "%s: prompt logits rms %.2e sigma from the reference backend's (%.2e from the f32 model's)",
           sp->name, rms_a, cpu_rms);
    /* K/V rows of the prompt: layer 0 within f16 rounding (plus float noise) of the f32 model's; deeper
     * layers see inputs made from f16 rows that may round the other way (1 ulp = 2^-11), so by RMS */
    const int64_t kvd = (int64_t)sp->HKV * sp->HD;
    int bad = 0;
    for (int kv = 0; kv < 2; kv++)
        for (int l = 0; l < sp->NL; l++) {
            double se = 0, sv = 0;
            for (int64_t i = 0; i < (int64_t)np * kvd; i++) {
                const uint64_t off = (kv ? sm.L.v_off : sm.L.k_off) + ((uint64_t)l * sp->n_ctx * kvd + i) * 2;
                const double g = cairn_fp16_to_fp32(*(uint16_t *)(sm.base + off)), w = cairn_fp16_to_fp32(*(uint16_t *)(sb.base + off));
                if (l == 0 && fabs(g - w) > 2 * f16_ulp(w) + 1e-6) bad++;
                se += (g - w) * (g - w);
                sv += w * w;
            }
            CHECKF(sqrt(se / (sv + 1e-30)) <= 2e-3, "%s: layer %d %c rows %.2e (rms) apart from the f32 model's", sp->name, l, kv ? 'V' : 'K', sqrt(se / (sv + 1e-30)));
        }
    CHECKF(bad == 0, "%s: %d layer-0 K/V values apart from the f32 model's", sp->name, bad);
    /* decode steps: one token each, attention over every position so far */
    for (int i = 0; i < 3; i++) {
        CHECK(cairn_forward(mA, sm.base, &sm.L, tok + np + i, 1, (uint32_t)(np + i), 0, NULL) == CAIRN_OK);
        CHECK(cairn_forward(rB, sb.base, &sb.L, tok + np + i, 1, (uint32_t)(np + i), 0, NULL) == CAIRN_OK);
        const double d = diff_sigma(logits(&sm), logits(&sb), V, NULL);
        CHECKF(d <= TIGHT_SIGMA, "%s: decode step %d logits %.2e sigma from the f32 model's", sp->name, i, d);
    }
    const int n_past = np + 3;
    /* a state made on Metal continues on the CPU as the CPU's own (the same f16 layout) */
    state sx = new_state(rB, sp);
    memcpy(sx.base, sm.base, sm.L.size);
    CHECK(cairn_forward(rB, sx.base, &sx.L, tok + n_past, 1, (uint32_t)n_past, 0, NULL) == CAIRN_OK);
    state sy = new_state(rB, sp);
    memcpy(sy.base, sb.base, sb.L.size);
    CHECK(cairn_forward(rB, sy.base, &sy.L, tok + n_past, 1, (uint32_t)n_past, 0, NULL) == CAIRN_OK);
    CHECKF(diff_sigma(logits(&sx), logits(&sy), V, NULL) <= TIGHT_SIGMA, "%s: a Metal state continued on the CPU differs", sp->name);
    /* ... and a CPU state on Metal */
    state sz = new_state(mA, sp);
    memcpy(sz.base, sb.base, sb.L.size);
    CHECK(cairn_forward(mA, sz.base, &sz.L, tok + n_past, 1, (uint32_t)n_past, 0, NULL) == CAIRN_OK);
    CHECKF(diff_sigma(logits(&sz), logits(&sy), V, NULL) <= TIGHT_SIGMA, "%s: a CPU state continued on Metal differs", sp->name);
    page_free(sx.base, sx.L.size); page_free(sy.base, sy.L.size); page_free(sz.base, sz.L.size);
    if (shift) { /* context shift on the same rows (a copy of the Metal state shifted by the CPU), then a step */
        const uint32_t keep = 2, discard = 7;
        state sc = new_state(rB, sp);
        memcpy(sc.base, sm.base, sm.L.size);
        CHECK(cairn_kv_shift(mA, sm.base, &sm.L, (uint32_t)n_past, keep, discard) == CAIRN_OK);
        CHECK(cairn_kv_shift(rB, sc.base, &sc.L, (uint32_t)n_past, keep, discard) == CAIRN_OK);
        CHECK(cairn_kv_shift(rB, sb.base, &sb.L, (uint32_t)n_past, keep, discard) == CAIRN_OK);
        int kbad = 0, vbad = 0;
        for (int l = 0; l < sp->NL; l++)
            for (int64_t i = 0; i < (int64_t)sp->n_ctx * kvd; i++) { /* every row: moved, vacated and never used */
                const uint64_t o = ((uint64_t)l * sp->n_ctx * kvd + i) * 2;
                const uint16_t gk = *(uint16_t *)(sm.base + sm.L.k_off + o), wk = *(uint16_t *)(sc.base + sc.L.k_off + o);
                const double wkf = cairn_fp16_to_fp32(wk);
                /* the CPU's bits, or one f16 step away where the GPU fuses a multiply-add */
                if (gk != wk && fabs(cairn_fp16_to_fp32(gk) - wkf) > f16_ulp(wkf)) kbad++;
                if (*(uint16_t *)(sm.base + sm.L.v_off + o) != *(uint16_t *)(sc.base + sc.L.v_off + o)) vbad++;
            }
        CHECKF(kbad == 0 && vbad == 0, "%s: after the shift %d K and %d V values differ from the CPU's shift", sp->name, kbad, vbad);
        page_free(sc.base, sc.L.size);
        const uint32_t p = (uint32_t)(n_past - discard);
        CHECK(cairn_forward(mA, sm.base, &sm.L, tok, 1, p, 0, NULL) == CAIRN_OK);
        CHECK(cairn_forward(rB, sb.base, &sb.L, tok, 1, p, 0, NULL) == CAIRN_OK);
        const double d = diff_sigma(logits(&sm), logits(&sb), V, NULL);
        CHECKF(d <= TIGHT_SIGMA, "%s: logits after the shift %.2e sigma from the f32 model's", sp->name, d);
    }
    /* the cancel flag stops a pass before it is committed */
    const volatile int32_t cancel = 1;
    CHECK(cairn_forward(mA, sm.base, &sm.L, tok, 1, 0, 0, &cancel) == CAIRN_E_CANCELLED);
    CHECK(cairn_model_bytes_copied(mA) == 0);
    free(tok); page_free(sm.base, sm.L.size); page_free(sa.base, sa.L.size); page_free(sb.base, sb.L.size);
    cairn_model_free(mA); cairn_model_free(rA); cairn_model_free(rB);
    unlink(pa); unlink(pb);
}

int main(void) {
    CHECK(cairn_mtl_open(&g_dev) == CAIRN_OK);
    /* matrix kernels: every type; odd row counts (tile and simdgroup remainders), several K, decode
     * (1-7 tokens) and prefill (8+, partial token tiles), overwrite and accumulate */
    for (int ti = 0; ti < N_TYPES; ti++) {
        const int32_t type = k_types[ti];
        const int blck = cairn_type_traits_get(type)->blck;
        const int64_t n1 = blck == 1 ? 37 : blck == 32 ? 96 : 256, n2 = blck == 1 ? 264 : 512;
        test_matmul(ti, 37, n1, 1, 0);
        test_matmul(ti, 9, n2, 3, 1);
        test_matmul(ti, 45, n1, 8, 0);
        test_matmul(ti, 33, n2, 37, 1);
    }
    test_rmsnorm(37, 3);
    test_rmsnorm(2048, 2);
    test_rope(3, 4, 2, 64, 32, 0);
    test_rope(2, 3, 1, 80, 24, 1000);
    test_attention(1, 0, 4, 2, 64, 256);
    test_attention(1, 700, 4, 2, 64, 256);   /* one query, 3 chunks, the last one partial */
    test_attention(5, 300, 4, 1, 80, 64);    /* head size not a multiple of 32; 5 queries over 6 chunks */
    test_attention(9, 0, 2, 2, 32, 256);
    test_swiglu(1000);
    cairn_mtl_close(g_dev);
    printf("  ops: %d checks, %d failed\n", g_checks, g_fail);

    /* whole models */
    static const spec specs[] = {
        {"f32",   CAIRN_TYPE_F32,  CAIRN_TYPE_F32,  64, 2, 1, 32, 64, 37, 2, 32, 0, 300, 320},  /* two passes (256 + 44) */
        {"f16",   CAIRN_TYPE_F16,  CAIRN_TYPE_F16,  64, 4, 2, 16, 96, 45, 2, 12, 1, 20, 64},    /* partial rotary dims, rope_freqs */
        {"bf16",  CAIRN_TYPE_BF16, CAIRN_TYPE_BF16, 64, 4, 2, 16, 96, 45, 2, 16, 0, 5, 64},    /* a prompt below CAIRN_MTL_MM_MIN: mul_mv */
        {"q4_0",  CAIRN_TYPE_Q4_0, CAIRN_TYPE_Q4_0, 64, 2, 1, 32, 96, 45, 2, 32, 0, 20, 64},
        {"q4_1",  CAIRN_TYPE_Q4_1, CAIRN_TYPE_Q4_1, 64, 2, 1, 32, 96, 45, 2, 32, 0, 20, 64},
        {"q5_0",  CAIRN_TYPE_Q5_0, CAIRN_TYPE_Q5_0, 64, 2, 1, 32, 96, 45, 2, 32, 0, 20, 64},
        {"q5_1",  CAIRN_TYPE_Q5_1, CAIRN_TYPE_Q5_1, 64, 2, 1, 32, 96, 45, 2, 32, 0, 20, 64},
        {"q8_0",  CAIRN_TYPE_Q8_0, CAIRN_TYPE_Q8_0, 64, 2, 1, 32, 96, 45, 2, 32, 1, 20, 64},
        {"q4_K",  CAIRN_TYPE_Q4_K, CAIRN_TYPE_Q4_K, 256, 4, 2, 64, 256, 45, 1, 64, 0, 12, 32},
        {"q5_K",  CAIRN_TYPE_Q5_K, CAIRN_TYPE_Q5_K, 256, 4, 2, 64, 256, 45, 1, 64, 0, 12, 32},
        {"q6_K",  CAIRN_TYPE_Q6_K, CAIRN_TYPE_Q6_K, 256, 4, 2, 64, 256, 45, 1, 64, 0, 12, 32},
        {"q4_K_M", CAIRN_TYPE_Q4_K, CAIRN_TYPE_Q6_K, 256, 4, 1, 64, 256, 45, 1, 48, 1, 12, 32}, /* mixed, untied output */
    };
    for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) test_forward(&specs[i], i == 0 || i == 1 || i == 11);
    printf("test-metal: %d checks, %d failed\n", g_checks, g_fail);
    return g_fail ? 1 : 0;
}
