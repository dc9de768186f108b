/* test-kernels.c — pins the reference dequantizers to ggml's block layouts with hand-built
 * blocks, then checks every fast kernel table (AVX2, AVX-512, NEON: whichever this CPU runs)
 * against the reference: gemm for every weight type over several shapes, the activation
 * quantizers, and the f16 attention helpers. Exits non-zero on any failure.
 */
#include "quants-impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int g_fail = 0, g_checks = 0;
#define CHECK(cond, ...) do { g_checks++; if (!(cond)) { g_fail++; if (g_fail < 30) { printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); } } } while (0)

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) { g_rng ^= g_rng << 13; g_rng ^= g_rng >> 7; g_rng ^= g_rng << 17; return (uint32_t)(g_rng >> 16); }
static float frand(float lo, float hi) { return lo + (hi - lo) * (rnd() & 0xFFFFFF) / (float)0x1000000; }

/* ------------------------------------------------------------------------------------------
 * 1. The reference pinned to ggml's layouts.
 *    (a) a few values computed by hand; (b) an independent element-by-element decoder written
 *    from the layout description in quants-impl.h, compared on random blocks.
 * ------------------------------------------------------------------------------------------ */

static void test_hand_values(void) {
    const cairn_type_traits *t;
    float y[256];

    /* f16 / bf16 */
    uint16_t h[4] = { 0x3C00, 0xC000, 0x0001, 0x7BFF };
    cairn_type_traits_get(CAIRN_TYPE_F16)->to_float(h, y, 4);
    CHECK(y[0] == 1.0f && y[1] == -2.0f && y[2] == ldexpf(1, -24) && y[3] == 65504.0f, "f16 values");
    uint16_t bh[2] = { 0x3F80, 0xC0A0 };
    cairn_type_traits_get(CAIRN_TYPE_BF16)->to_float(bh, y, 2);
    CHECK(y[0] == 1.0f && y[1] == -5.0f, "bf16 values");

    /* q4_0: d = 0.5, byte j = j | (15 - j) << 4 -> elem j = (j - 8) * 0.5, elem 16 + j = (7 - j) * 0.5 */
    block_q4_0 b40 = { .d = 0x3800 };
    for (int j = 0; j < 16; j++) b40.qs[j] = (uint8_t)(j | ((15 - j) << 4));
    t = cairn_type_traits_get(CAIRN_TYPE_Q4_0); t->to_float(&b40, y, 32);
    CHECK(y[0] == -4.0f && y[15] == 3.5f && y[16] == 3.5f && y[31] == -4.0f && y[9] == 0.5f, "q4_0 hand values");

    /* q4_1: d = 2, m = -1: elem 3 = 3*2 - 1 = 5; elem 19 = 12*2 - 1 = 23 */
    block_q4_1 b41 = { .d = 0x4000, .m = 0xBC00 };
    for (int j = 0; j < 16; j++) b41.qs[j] = (uint8_t)(j | ((15 - j) << 4));
    cairn_type_traits_get(CAIRN_TYPE_Q4_1)->to_float(&b41, y, 32);
    CHECK(y[3] == 5.0f && y[19] == 23.0f && y[0] == -1.0f, "q4_1 hand values");

    /* q5_0: d = 1, qs all 0x21 (low 1, high 2), qh bit 0 and bit 17 set:
     * elem 0 = (1|16) - 16 = 1, elem 1 = 1 - 16 = -15, elem 17 = (2|16) - 16 = 2, elem 16 = 2 - 16 = -14 */
    block_q5_0 b50 = { .d = 0x3C00, .qh = { 0x01, 0x00, 0x02, 0x00 } };
    memset(b50.qs, 0x21, 16);
    cairn_type_traits_get(CAIRN_TYPE_Q5_0)->to_float(&b50, y, 32);
    CHECK(y[0] == 1.0f && y[1] == -15.0f && y[17] == 2.0f && y[16] == -14.0f, "q5_0 hand values");

    /* q5_1: d = 1, m = 0.5, same bits: elem 0 = 17.5, elem 1 = 1.5, elem 17 = 18.5 */
    block_q5_1 b51 = { .d = 0x3C00, .m = 0x3800, .qh = { 0x01, 0x00, 0x02, 0x00 } };
    memset(b51.qs, 0x21, 16);
    cairn_type_traits_get(CAIRN_TYPE_Q5_1)->to_float(&b51, y, 32);
    CHECK(y[0] == 17.5f && y[1] == 1.5f && y[17] == 18.5f, "q5_1 hand values");

    /* q8_0: d = 0.25, qs[j] = j - 16 */
    block_q8_0 b80 = { .d = 0x3400 };
    for (int j = 0; j < 32; j++) b80.qs[j] = (int8_t)(j - 16);
    cairn_type_traits_get(CAIRN_TYPE_Q8_0)->to_float(&b80, y, 32);
    CHECK(y[0] == -4.0f && y[31] == 3.75f, "q8_0 hand values");

    /* q4_K: d = 1, dmin = 0.5. Sub-block 0: scale 3, min 2 (scales[0] = 3, scales[4] = 2).
     * Sub-block 5: scale = 0x25 (low 4 bits 5 in scales[9] & 0xF, top 2 bits 2 in scales[1] >> 6),
     *              min = 0x31 (low 4 bits 1 in scales[9] >> 4, top 2 bits 3 in scales[5] >> 6).
     * qs[0] = 0x74: elem 0 = 3*4 - 0.5*2 = 11; elem 32 (sub-block 1, scale 0) = 0*7 - 0 = 0.
     * qs[64 + 1] = 0x9A: elem 128 + 32 + 1 = 161 (sub-block 5, high nibble 9) = 37*9 - 0.5*49 = 308.5 */
    block_q4_K bk = { .d = 0x3C00, .dmin = 0x3800 };
    bk.scales[0] = 3; bk.scales[4] = 2;
    bk.scales[9] = 0x15; bk.scales[1] = 0x80; bk.scales[5] = 0xC0;
    bk.qs[0] = 0x74; bk.qs[65] = 0x9A;
    cairn_type_traits_get(CAIRN_TYPE_Q4_K)->to_float(&bk, y, 256);
    CHECK(y[0] == 11.0f && y[32] == 0.0f && y[161] == 308.5f, "q4_K hand values (%g %g %g)", y[0], y[32], y[161]);

    /* q5_K: as q4_K, plus qh[1] bit 5 (chunk 2, high half) -> elem 161 gets +16: 37*25 - 24.5 = 900.5;
     * qh[0] bit 0 -> elem 0 gets +16: 3*20 - 1 = 59 */
    block_q5_K b5k = { .d = 0x3C00, .dmin = 0x3800 };
    memcpy(b5k.scales, bk.scales, 12);
    b5k.qs[0] = 0x74; b5k.qs[65] = 0x9A; b5k.qh[1] = 0x20; b5k.qh[0] = 0x01;
    cairn_type_traits_get(CAIRN_TYPE_Q5_K)->to_float(&b5k, y, 256);
    CHECK(y[0] == 59.0f && y[161] == 900.5f, "q5_K hand values (%g %g)", y[0], y[161]);

    /* q6_K: d = 0.5. elem 0: ql[0] low = 5, qh[0] bits 0-1 = 2 -> q = 5 | 32 = 37 - 32 = 5, scale[0] = 4 -> 10.
     * elem 64+3 (quarter 2, l=3): ql[3] high = 0xF, qh[3] bits 4-5 = 1 -> 15|16 = 31 - 32 = -1, scale[4] = -3 -> 1.5
     * elem 128+32+17 = 177 (half 1, quarter 1, l=17): ql[64+32+17] low = 0, qh[32+17] bits 2-3 = 0 -> -32,
     *   scale[8 + 2 + 1] = 7 -> -112 */
    block_q6_K b6 = { .d = 0x3800 };
    b6.ql[0] = 0x05; b6.qh[0] = 0x02; b6.scales[0] = 4;
    b6.ql[3] = 0xF0; b6.qh[3] = 0x10; b6.scales[4] = -3;
    b6.scales[11] = 7;
    cairn_type_traits_get(CAIRN_TYPE_Q6_K)->to_float(&b6, y, 256);
    CHECK(y[0] == 10.0f && y[67] == 1.5f && y[177] == -112.0f, "q6_K hand values (%g %g %g)", y[0], y[67], y[177]);
}

/* Element e of a block, decoded straight from the layout description. */
static float decode_elem(int type, const void *blk, int e) {
    switch (type) {
    case CAIRN_TYPE_Q4_0: { const block_q4_0 *b = blk; int q = e < 16 ? b->qs[e] & 15 : b->qs[e - 16] >> 4;
        return (q - 8) * cairn_fp16_to_fp32(b->d); }
    case CAIRN_TYPE_Q4_1: { const block_q4_1 *b = blk; int q = e < 16 ? b->qs[e] & 15 : b->qs[e - 16] >> 4;
        return q * cairn_fp16_to_fp32(b->d) + cairn_fp16_to_fp32(b->m); }
    case CAIRN_TYPE_Q5_0: { const block_q5_0 *b = blk; int q = e < 16 ? b->qs[e] & 15 : b->qs[e - 16] >> 4;
        q |= ((b->qh[e / 8] >> (e % 8)) & 1) << 4; return (q - 16) * cairn_fp16_to_fp32(b->d); }
    case CAIRN_TYPE_Q5_1: { const block_q5_1 *b = blk; int q = e < 16 ? b->qs[e] & 15 : b->qs[e - 16] >> 4;
        q |= ((b->qh[e / 8] >> (e % 8)) & 1) << 4; return q * cairn_fp16_to_fp32(b->d) + cairn_fp16_to_fp32(b->m); }
    case CAIRN_TYPE_Q8_0: { const block_q8_0 *b = blk; return b->qs[e] * cairn_fp16_to_fp32(b->d); }
    case CAIRN_TYPE_Q4_K: case CAIRN_TYPE_Q5_K: {
        const int c = e / 64, l = e % 32, hi = (e % 64) >= 32, sb = e / 32;
        const block_q4_K *b4 = blk; const block_q5_K *b5 = blk;
        const uint8_t *qs = type == CAIRN_TYPE_Q4_K ? b4->qs : b5->qs;
        int q = hi ? qs[32 * c + l] >> 4 : qs[32 * c + l] & 15;
        if (type == CAIRN_TYPE_Q5_K) q += ((b5->qh[l] >> (2 * c + hi)) & 1) * 16;
        int sc, m; const uint8_t *s = b4->scales; /* scales sit at the same offset in both */
        if (sb < 4) { sc = s[sb] & 63; m = s[sb + 4] & 63; }
        else { sc = (s[sb + 4] & 15) | ((s[sb - 4] >> 6) << 4); m = (s[sb + 4] >> 4) | ((s[sb] >> 6) << 4); }
        return cairn_fp16_to_fp32(b4->d) * sc * q - cairn_fp16_to_fp32(b4->dmin) * m;
    }
    case CAIRN_TYPE_Q6_K: {
        const block_q6_K *b = blk;
        const int h = e / 128, r = e % 128, k = r / 32, l = r % 32;
        const uint8_t byte = b->ql[64 * h + l + 32 * (k & 1)];
        const int lo = k >= 2 ? byte >> 4 : byte & 15;
        const int q = (lo | (((b->qh[32 * h + l] >> (2 * k)) & 3) << 4)) - 32;
        return cairn_fp16_to_fp32(b->d) * b->scales[e / 16] * q;
    }
    }
    return NAN;
}

static const int k_weight_types[] = { CAIRN_TYPE_F32, CAIRN_TYPE_F16, CAIRN_TYPE_BF16, CAIRN_TYPE_Q4_0,
    CAIRN_TYPE_Q4_1, CAIRN_TYPE_Q5_0, CAIRN_TYPE_Q5_1, CAIRN_TYPE_Q8_0, CAIRN_TYPE_Q4_K, CAIRN_TYPE_Q5_K,
    CAIRN_TYPE_Q6_K };
#define N_WEIGHT_TYPES (int)(sizeof k_weight_types / sizeof k_weight_types[0])

static uint16_t rand_scale(float lo, float hi) { return cairn_fp32_to_fp16(frand(lo, hi)); }

/* Random bytes with sane f16 scales (so sums stay finite and meaningful). */
static void fill_weights(int type, void *dst, int64_t n) {
    const cairn_type_traits *t = cairn_type_traits_get(type);
    const int64_t nb = n / t->blck;
    uint8_t *p = dst;
    for (size_t i = 0; i < (size_t)nb * t->type_size; i++) p[i] = (uint8_t)rnd();
    for (int64_t b = 0; b < nb; b++) {
        void *blk = p + b * t->type_size;
        switch (type) {
        case CAIRN_TYPE_F32:  ((float *)dst)[b] = frand(-1, 1); break;
        case CAIRN_TYPE_F16:  ((uint16_t *)dst)[b] = cairn_fp32_to_fp16(frand(-1, 1)); break;
        case CAIRN_TYPE_BF16: ((uint16_t *)dst)[b] = cairn_fp32_to_bf16(frand(-1, 1)); break;
        case CAIRN_TYPE_Q4_0: ((block_q4_0 *)blk)->d = rand_scale(0.001f, 0.02f); break;
        case CAIRN_TYPE_Q5_0: ((block_q5_0 *)blk)->d = rand_scale(0.001f, 0.02f); break;
        case CAIRN_TYPE_Q8_0: ((block_q8_0 *)blk)->d = rand_scale(0.001f, 0.02f); break;
        case CAIRN_TYPE_Q4_1: ((block_q4_1 *)blk)->d = rand_scale(0.001f, 0.02f);
                              ((block_q4_1 *)blk)->m = rand_scale(-0.1f, 0.1f); break;
        case CAIRN_TYPE_Q5_1: ((block_q5_1 *)blk)->d = rand_scale(0.001f, 0.02f);
                              ((block_q5_1 *)blk)->m = rand_scale(-0.1f, 0.1f); break;
        case CAIRN_TYPE_Q4_K: ((block_q4_K *)blk)->d = rand_scale(0.0005f, 0.002f);
                              ((block_q4_K *)blk)->dmin = rand_scale(0.0005f, 0.002f); break;
        case CAIRN_TYPE_Q5_K: ((block_q5_K *)blk)->d = rand_scale(0.0005f, 0.002f);
                              ((block_q5_K *)blk)->dmin = rand_scale(0.0005f, 0.002f); break;
        case CAIRN_TYPE_Q6_K: ((block_q6_K *)blk)->d = rand_scale(0.0005f, 0.002f); break;
        }
    }
}

static void test_decoder_agrees(void) {
    float y[256];
    uint8_t blk[sizeof(block_q5_K) * 2];
    for (int ti = 3; ti < N_WEIGHT_TYPES; ti++) {
        const int type = k_weight_types[ti];
        const cairn_type_traits *t = cairn_type_traits_get(type);
        int bad = 0;
        for (int rep = 0; rep < 50; rep++) {
            fill_weights(type, blk, t->blck);
            t->to_float(blk, y, t->blck);
            for (int e = 0; e < t->blck; e++) {
                const float want = decode_elem(type, blk, e);
                if (fabsf(y[e] - want) > 1e-6f * fabsf(want)) bad++;
            }
        }
        CHECK(bad == 0, "%s: to_float disagrees with the layout decoder in %d elements", t->name, bad);
    }
}

static void test_traits(void) {
    int n_weight = 0;
    for (int type = -1; type <= CAIRN_TYPE_COUNT; type++) {
        const cairn_type_traits *t = cairn_type_traits_get(type);
        if (t && t->weight_ok) {
            n_weight++;
            CHECK(t->to_float != NULL && cairn_type_name(type) != NULL, "type %d traits", type);
        }
    }
    CHECK(n_weight == N_WEIGHT_TYPES, "weight types: %d", n_weight);
    CHECK(cairn_type_name(CAIRN_TYPE_Q8_K) == NULL && cairn_type_name(99) == NULL && cairn_type_name(-3) == NULL, "names");
    CHECK(strcmp(cairn_type_name(CAIRN_TYPE_Q4_K), "q4_K") == 0, "q4_K name");
    CHECK(cairn_row_size(CAIRN_TYPE_Q4_0, 4096) == 128 * 18 && cairn_row_size(CAIRN_TYPE_Q6_K, 4096) == 16 * 210
          && cairn_row_size(CAIRN_TYPE_F16, 10) == 20 && cairn_row_size(77, 32) == 0, "row sizes");
    CHECK(cairn_type_traits_get(CAIRN_TYPE_Q4_K)->act_type == CAIRN_TYPE_Q8_K
          && cairn_type_traits_get(CAIRN_TYPE_Q4_1)->act_type == CAIRN_TYPE_Q8_1
          && cairn_type_traits_get(CAIRN_TYPE_Q5_0)->act_type == CAIRN_TYPE_Q8_0, "act types");
    CHECK(cairn_kernels_select(CAIRN_BACKEND_REFERENCE) == cairn_kernels_reference()
          && cairn_kernels_select(CAIRN_BACKEND_AUTO) != NULL && cairn_kernels_select(99) == NULL, "select");
}

/* ------------------------------------------------------------------------------------------
 * 2. Reference activation quantizers on hand values.
 * ------------------------------------------------------------------------------------------ */

static void test_quant_ref_values(void) {
    float x[256];
    for (int j = 0; j < 32; j++) x[j] = 0;
    x[0] = 127.0f; x[1] = -63.5f; x[2] = 0.5f; x[3] = -0.5f; x[4] = 1.49f;
    block_q8_0 q; cairn_quantize_act_ref(CAIRN_TYPE_Q8_0, x, &q, 32);
    /* d = 1, roundf: -63.5 -> -64, 0.5 -> 1, -0.5 -> -1 (ties away from zero) */
    CHECK(q.d == 0x3C00 && q.qs[0] == 127 && q.qs[1] == -64 && q.qs[2] == 1 && q.qs[3] == -1 && q.qs[4] == 1, "q8_0 ref values");
    block_q8_1 q1; cairn_quantize_act_ref(CAIRN_TYPE_Q8_1, x, &q1, 32);
    CHECK(q1.d == 0x3C00 && cairn_fp16_to_fp32(q1.s) == 127 - 64 + 1 - 1 + 1, "q8_1 ref values");
    for (int j = 0; j < 256; j++) x[j] = 0;
    x[7] = -2.0f; x[8] = 1.0f; x[9] = 0.5f * 2.0f / 127.0f * 3; x[20] = 2.0f;
    block_q8_K k; cairn_quantize_act_ref(CAIRN_TYPE_Q8_K, x, &k, 256);
    /* max is -2 (first with the largest |x|): iscale = 63.5, so x[7] -> -127, x[8] -> 63.5 -> 64 (ties to even),
     * x[9] -> 1.5 -> 2 (ties to even), x[20] = 2 -> 127 */
    CHECK(k.qs[7] == -127 && k.qs[8] == 64 && k.qs[9] == 2 && k.qs[20] == 127 && k.bsums[0] == -127 + 64 + 2 && k.bsums[1] == 127
          && k.d == 1 / 63.5f, "q8_K ref values (%d %d %d %g)", k.qs[7], k.qs[8], k.qs[20], k.d);
}

/* ------------------------------------------------------------------------------------------
 * 3. Fast tables against the reference.
 * ------------------------------------------------------------------------------------------ */

static void dequant_act(int act_type, const void *src, float *y, int64_t n) {
    if (act_type == CAIRN_TYPE_F32) { memcpy(y, src, n * 4); return; }
    if (act_type == CAIRN_TYPE_Q8_0) { cairn_type_traits_get(CAIRN_TYPE_Q8_0)->to_float(src, y, n); return; }
    if (act_type == CAIRN_TYPE_Q8_1) {
        const block_q8_1 *b = src;
        for (int64_t i = 0; i < n; i++) y[i] = b[i / 32].qs[i % 32] * cairn_fp16_to_fp32(b[i / 32].d);
        return;
    }
    const block_q8_K *b = src;
    for (int64_t i = 0; i < n; i++) y[i] = b[i / 256].qs[i % 256] * b[i / 256].d;
}

static void fill_act(float *x, int64_t n) {
    for (int64_t i = 0; i < n; i++) x[i] = frand(-1, 1);
    x[rnd() % n] = 6.0f; /* an outlier */
    if (n >= 512) for (int i = 256; i < 512; i++) x[i] = 0; /* an all-zero super-block */
}

typedef struct { const char *name; const cairn_kernels *k; bool packed; } backend; /* packed: its gemm_packed path */

/* Tolerance. Integer block sums are exact in every implementation, so results differ only in
 * float rounding: the order in which per-block (or per-element, for float weights) terms are
 * added, and FMA vs separate multiply-add. Sequential summation of m terms errs by at most
 * (m - 1) u sum|term| (Higham, u = 2^-24); both sides err, and each term's own scaling rounds a
 * few times more. So |fast - ref| <= 2 (m + 8) u M, with m = n/16 terms for quantized types
 * (at most 2 float terms per 32 elements) and m = n for float types, and M = sum over elements
 * of (|w| + |w with its quants zeroed|) |a|, which bounds |term| even where a block's
 * scale*q and min parts cancel. */
static float g_worst_ratio[CAIRN_TYPE_COUNT];

static void test_gemm_type(int type, const backend *bs, int nbk) {
    const cairn_type_traits *t = cairn_type_traits_get(type);
    static const struct { int n, nr[8], nc[8]; } shapes[] = {
        { 256,  { 1, 2, 3, 4, 5, 7, 8, 0 }, { 1, 2, 3, 4, 5, 16, 33, 0 } },
        { 2048, { 1, 4, 5, 7, 9, 16, 0 },   { 1, 2, 4, 5, 16, 0 } },
        { 96,   { 8, 9, 13, 16, 0 },        { 1, 2, 9, 0 } },   /* odd block count (32-element types only) */
        { 224,  { 8, 17, 0 },               { 1, 0 } },         /* 7 blocks: whole 4-block decode steps and a tail */
        { 8192, { 4, 7, 0 },                { 1, 3, 0 } },
        { 512,  { 16, 0 },                  { 12, 0 } },   /* forward.c's call: ROW_CHUNK rows x a 12-token batch */
        { 2560, { 16, 33, 40, 0 },          { 16, 17, 40, 0 } }, /* packed paths: two K-segments, partial panels and tiles */
        { 256,  { 1030, 0 },                { 1, 0 } },    /* decode tiles spread over more than one GEMV_GROUP */
    };
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int n = shapes[s].n;
        if (n % t->blck) continue;
        const size_t ws = cairn_row_size(type, n) + 48, as = cairn_row_size(t->act_type, n) + 32;
        int max_r = 0;
        const int max_c = 40;
        for (int ri = 0; shapes[s].nr[ri]; ri++) max_r = shapes[s].nr[ri] > max_r ? shapes[s].nr[ri] : max_r;
        uint8_t *w = malloc(ws * max_r), *a = malloc(as * max_c);
        float *x = malloc(n * sizeof(float)), *wf = malloc((size_t)n * max_r * 4), *w0 = malloc((size_t)n * max_r * 4);
        float *af = malloc((size_t)n * max_c * 4);
        uint8_t *zb = malloc(ws);
        for (int r = 0; r < max_r; r++) {
            fill_weights(type, w + r * ws, n);
            t->to_float(w + r * ws, wf + (size_t)r * n, n);
            /* the same row with its quants zeroed: the offset/min part of each element */
            memcpy(zb, w + r * ws, ws);
            for (int64_t b = 0; b < n / t->blck && type != CAIRN_TYPE_F32 && type != CAIRN_TYPE_F16 && type != CAIRN_TYPE_BF16; b++) {
                uint8_t *blk = zb + b * t->type_size;
                switch (type) {
                case CAIRN_TYPE_Q4_0: memset(((block_q4_0 *)blk)->qs, 0, 16); break;
                case CAIRN_TYPE_Q4_1: memset(((block_q4_1 *)blk)->qs, 0, 16); break;
                case CAIRN_TYPE_Q5_0: memset(((block_q5_0 *)blk)->qs, 0, 16); memset(((block_q5_0 *)blk)->qh, 0, 4); break;
                case CAIRN_TYPE_Q5_1: memset(((block_q5_1 *)blk)->qs, 0, 16); memset(((block_q5_1 *)blk)->qh, 0, 4); break;
                case CAIRN_TYPE_Q8_0: memset(((block_q8_0 *)blk)->qs, 0, 32); break;
                case CAIRN_TYPE_Q4_K: memset(((block_q4_K *)blk)->qs, 0, 128); break;
                case CAIRN_TYPE_Q5_K: memset(((block_q5_K *)blk)->qs, 0, 128); memset(((block_q5_K *)blk)->qh, 0, 32); break;
                case CAIRN_TYPE_Q6_K: memset(((block_q6_K *)blk)->ql, 0, 128); memset(((block_q6_K *)blk)->qh, 0, 64); break;
                }
            }
            if (type == CAIRN_TYPE_F32 || type == CAIRN_TYPE_F16 || type == CAIRN_TYPE_BF16) memset(w0 + (size_t)r * n, 0, n * 4);
            else t->to_float(zb, w0 + (size_t)r * n, n);
        }
        for (int c = 0; c < max_c; c++) {
            fill_act(x, n);
            cairn_quantize_act_ref(t->act_type, x, a + c * as, n);
            dequant_act(t->act_type, a + c * as, af + (size_t)c * n, n);
        }
        const double m = (type == CAIRN_TYPE_F32 || type == CAIRN_TYPE_F16 || type == CAIRN_TYPE_BF16) ? n : n / 16;
        const double rel = 2.0 * (m + 8) * ldexp(1.0, -24);
        for (int ri = 0; shapes[s].nr[ri]; ri++)
            for (int ci = 0; shapes[s].nc[ci]; ci++) {
                const int nr = shapes[s].nr[ri], nc = shapes[s].nc[ci];
                const size_t ldo = nr + 3;
                float *ref = malloc(ldo * nc * 4), *got = malloc(ldo * nc * 4);
                cairn_kernels_reference()->gemm[type](n, ref, ldo, w, ws, nr, a, as, nc);
                for (int bi = 0; bi < nbk; bi++) {
                    const cairn_kernels *k = bs[bi].k;
                    const bool packed = bs[bi].packed;
                    if (packed ? !k->gemm_packed[type] : !k->gemm[type]) continue;
                    for (size_t q = 0; q < ldo * nc; q++) got[q] = NAN;
                    if (packed) { /* every nc, not only from pack_min_nc: the kernel must hold for any batch */
                        void *pk = aligned_alloc(64, (k->pack_size(t->act_type, n, nc) + 63) & ~(size_t)63);
                        for (int th = 0; th < 3; th++) k->act_pack(t->act_type, n, a, as, nc, pk, th, 3);
                        k->gemm_packed[type](n, got, ldo, w, ws, nr, pk, 0, nc);
                        free(pk);
                    } else k->gemm[type](n, got, ldo, w, ws, nr, a, as, nc);
                    int bad = 0; double worst = 0;
                    for (int j = 0; j < nc; j++)
                        for (int i = 0; i < nr; i++) {
                            double mag = 0;
                            for (int e = 0; e < n; e++)
                                mag += (fabs(wf[(size_t)i * n + e]) + fabs(w0[(size_t)i * n + e])) * fabs(af[(size_t)j * n + e]);
                            const double tol = rel * mag + 1e-30, err = fabs((double)got[j * ldo + i] - ref[j * ldo + i]);
                            if (!(err <= tol)) bad++;
                            if (err / tol > worst) worst = err / tol;
                        }
                    if (worst > g_worst_ratio[type]) g_worst_ratio[type] = (float)worst;
                    CHECK(bad == 0, "%s gemm %s n=%d nr=%d nc=%d: %d outputs off (worst err/tol %.2f)",
                          bs[bi].name, t->name, n, nr, nc, bad, worst);
                    /* outside the tile: untouched */
                    for (int j = 0; j < nc; j++)
                        for (size_t i = nr; i < ldo; i++) CHECK(isnan(got[j * ldo + i]), "%s gemm %s wrote outside its tile", bs[bi].name, t->name);
                }
                free(ref); free(got);
            }
        free(w); free(a); free(x); free(wf); free(w0); free(af); free(zb);
    }
}

/* Fast quantizers: scales must be identical (same float expression); quants may differ by one
 * step where a backend rounds ties differently (x86 and NEON ones here are meant to be exact,
 * and the test reports how many bytes differed); sums (q8_1 s, q8_K bsums) must match the
 * block's own quants. */
static void test_quantizers(const backend *bk) {
    static const int acts[] = { CAIRN_TYPE_F32, CAIRN_TYPE_F16, CAIRN_TYPE_Q8_0, CAIRN_TYPE_Q8_1, CAIRN_TYPE_Q8_K };
    const int n = 8192;
    float *x = malloc(n * 4);
    uint8_t *ya = malloc(n * 4 + 64), *yb = malloc(n * 4 + 64);
    for (size_t ai = 0; ai < sizeof acts / sizeof acts[0]; ai++) {
        const int at = acts[ai];
        if (!bk->k->quant[at]) continue;
        const cairn_type_traits *t = cairn_type_traits_get(at);
        for (int rep = 0; rep < 3; rep++) {
            fill_act(x, n);
            if (rep == 1) for (int i = 0; i < n; i++) x[i] = (float)((int)(rnd() % 255) - 127) * 0.5f; /* many ties */
            cairn_quantize_act_ref(at, x, ya, n);
            bk->k->quant[at](x, yb, n);
            const size_t sz = cairn_row_size(at, n);
            int off1 = 0, worse = 0, scale_bad = 0, sum_bad = 0;
            if (at == CAIRN_TYPE_F32 || at == CAIRN_TYPE_F16) { worse = memcmp(ya, yb, sz) != 0; }
            else for (int64_t b = 0; b < n / t->blck; b++) {
                const int8_t *qa, *qb; int bl = t->blck;
                if (at == CAIRN_TYPE_Q8_K) {
                    const block_q8_K *A = (const block_q8_K *)ya + b, *B = (const block_q8_K *)yb + b;
                    scale_bad += A->d != B->d; qa = A->qs; qb = B->qs;
                    for (int s = 0; s < 16; s++) { int sum = 0; for (int l = 0; l < 16; l++) sum += B->qs[16 * s + l]; sum_bad += sum != B->bsums[s]; }
                } else if (at == CAIRN_TYPE_Q8_1) {
                    const block_q8_1 *A = (const block_q8_1 *)ya + b, *B = (const block_q8_1 *)yb + b;
                    scale_bad += A->d != B->d; qa = A->qs; qb = B->qs;
                    int sum = 0; for (int l = 0; l < 32; l++) sum += B->qs[l];
                    sum_bad += fabsf(cairn_fp16_to_fp32(B->s) - sum * cairn_fp16_to_fp32(B->d)) > 1e-3f * fabsf(sum * cairn_fp16_to_fp32(B->d)) + 1e-7f;
                } else {
                    const block_q8_0 *A = (const block_q8_0 *)ya + b, *B = (const block_q8_0 *)yb + b;
                    scale_bad += A->d != B->d; qa = A->qs; qb = B->qs;
                }
                for (int l = 0; l < bl; l++) { int d = abs(qa[l] - qb[l]); off1 += d == 1; worse += d > 1; }
            }
            CHECK(worse == 0 && scale_bad == 0 && sum_bad == 0, "%s quant %s: %d quants off by >1, %d scales, %d sums differ",
                  bk->name, t->name, worse, scale_bad, sum_bad);
            if (off1) printf("note: %s quant %s: %d quants differ by one step from the reference\n", bk->name, t->name, off1);
        }
    }
    free(x); free(ya); free(yb);
}

static void test_f16_helpers(const backend *bk) {
    uint16_t h[80]; float b[80], y0[80], y1[80];
    for (int n = 0; n <= 77; n += (n < 20 ? 1 : 19)) {
        double mag = 0;
        for (int i = 0; i < n; i++) { h[i] = cairn_fp32_to_fp16(frand(-2, 2)); b[i] = frand(-1, 1); y0[i] = y1[i] = frand(-1, 1);
                                      mag += fabs(cairn_fp16_to_fp32(h[i]) * b[i]); }
        const float r = cairn_kernels_reference()->dot_f16_f32(h, b, n), f = bk->k->dot_f16_f32(h, b, n);
        CHECK(fabs(r - f) <= 2.0 * (n + 2) * ldexp(1, -24) * mag + 1e-30, "%s dot_f16_f32 n=%d: %g vs %g", bk->name, n, f, r);
        cairn_kernels_reference()->axpy_f16_f32(y0, 0.37f, h, n);
        bk->k->axpy_f16_f32(y1, 0.37f, h, n);
        int bad = 0; /* one multiply-add per element: fused or not differs by at most 1 ulp-ish */
        for (int i = 0; i < n; i++) bad += fabsf(y0[i] - y1[i]) > 4e-7f * (fabsf(y0[i]) + 1.0f);
        CHECK(bad == 0, "%s axpy_f16_f32 n=%d: %d elements off", bk->name, n, bad);
    }
}

/* Outputs of attention that differ from a double-precision softmax over the f16 caches (the KV
 * head at offset 16 of each row); summation order and exp differ, so a small relative bound. */
static int attention_off(int nq, int64_t hd, float (*qbuf)[128], float (*obuf)[128], const int64_t *np,
                         const uint16_t *kc, const uint16_t *vc, int64_t kv_stride, float scale) {
    int bad = 0;
    for (int i = 0; i < nq; i++) {
        double sc[150], mx = -1e300, sum = 0;
        for (int64_t p = 0; p < np[i]; p++) {
            double s = 0;
            for (int64_t d = 0; d < hd; d++) s += (double)qbuf[i][d] * cairn_fp16_to_fp32(kc[p * kv_stride + 16 + d]);
            sc[p] = s * scale; mx = sc[p] > mx ? sc[p] : mx;
        }
        for (int64_t p = 0; p < np[i]; p++) { sc[p] = exp(sc[p] - mx); sum += sc[p]; }
        for (int64_t d = 0; d < hd; d++) {
            double want = 0, mag = 0;
            for (int64_t p = 0; p < np[i]; p++) {
                const double v = cairn_fp16_to_fp32(vc[p * kv_stride + 16 + d]);
                want += sc[p] / sum * v; mag += sc[p] / sum * fabs(v);
            }
            if (!(fabs(obuf[i][d] - want) <= 1e-5 * mag + 1e-30)) bad++;
        }
    }
    return bad;
}

/* Batched attention (attn16: idle lanes, per-lane causal limits that end inside, at and past
 * 16-position blocks) and decode attention (attn_dec: one limit for a group of up to 8 queries,
 * inside and at 8-position blocks, and past 64-position chunks), head sizes 64 and 128 (and 40 for
 * attn_dec: a head that is not a multiple of 16), scores large enough that the running max moves. */
static void test_attention(const backend *bk) {
    if (!bk->k->attn16 && !bk->k->attn_dec) return;
    const int64_t kv_stride = 2 * 128 + 16, max_pos = 150;
    uint16_t *kc = malloc(max_pos * kv_stride * 2), *vc = malloc(max_pos * kv_stride * 2);
    for (int64_t i = 0; i < max_pos * kv_stride; i++) { kc[i] = cairn_fp32_to_fp16(frand(-1, 1)); vc[i] = cairn_fp32_to_fp16(frand(-1, 1)); }
    static const int64_t hds[] = { 64, 128, 40 };
    for (int hi = 0; hi < 3; hi++)
        for (int nq = 1; nq <= 16; nq += 5) {
            const int64_t hd = hds[hi];
            float qbuf[16][128], obuf[16][128];
            const float *q[16]; float *o[16]; int64_t np[16];
            for (int i = 0; i < nq; i++) {
                for (int64_t d = 0; d < hd; d++) qbuf[i][d] = frand(-3, 3) * (i % 3 == 0 ? 4 : 1);
                q[i] = qbuf[i]; o[i] = obuf[i];
                np[i] = i == 0 ? 1 : i == 1 ? 16 : i == 2 ? 17 : 1 + (int64_t)(rnd() % max_pos);
            }
            const float scale = 1.0f / sqrtf((float)hd);
            if (bk->k->attn16 && hd % 16 == 0) {
                bk->k->attn16(nq, hd, q, o, np, kc + 16, vc + 16, (size_t)kv_stride, scale); /* a KV head at offset 16 */
                const int bad = attention_off(nq, hd, qbuf, obuf, np, kc, vc, kv_stride, scale);
                CHECK(bad == 0, "%s attn16 hd=%lld nq=%d: %d outputs off", bk->name, (long long)hd, nq, bad);
            }
            if (bk->k->attn_dec && nq <= CAIRN_ATTN_DEC_MAX_Q) {
                static const int64_t lims[] = { 1, 8, 13, 64, 150 };
                for (int li = 0; li < 5; li++) {
                    for (int i = 0; i < nq; i++) np[i] = lims[li];
                    bk->k->attn_dec(nq, hd, q, o, lims[li], kc + 16, vc + 16, (size_t)kv_stride, scale);
                    const int bad = attention_off(nq, hd, qbuf, obuf, np, kc, vc, kv_stride, scale);
                    CHECK(bad == 0, "%s attn_dec hd=%lld nq=%d n_past=%lld: %d outputs off", bk->name, (long long)hd, nq,
                          (long long)lims[li], bad);
                }
            }
        }
    free(kc); free(vc);
}

/* SwiGLU helper vs the scalar expression, over the range a gate takes (and past exp's limits). */
static void test_silu_mul(const backend *bk) {
    if (!bk->k->silu_mul) return;
    float g[100], u[100], want[100];
    for (int i = 0; i < 100; i++) {
        g[i] = i < 90 ? frand(-20, 20) : (i - 95) * 30.0f; u[i] = frand(-2, 2);
        want[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
    }
    bk->k->silu_mul(g, u, 99); /* a 3-element scalar tail */
    int bad = 0;
    for (int i = 0; i < 99; i++) bad += !(fabsf(g[i] - want[i]) <= 4e-7f * fabsf(want[i]) + 1e-30f);
    CHECK(bad == 0, "%s silu_mul: %d elements off", bk->name, bad);
}

int main(void) {
    test_traits();
    test_hand_values();
    test_decoder_agrees();
    test_quant_ref_values();

    backend bs[4]; int nbk = 0;
    if (cairn_kernels_avx2())   bs[nbk++] = (backend){ "avx2", cairn_kernels_avx2(), false };
    if (cairn_kernels_avx512()) bs[nbk++] = (backend){ "avx512", cairn_kernels_avx512(), false };
    if (cairn_kernels_neon())   bs[nbk++] = (backend){ "neon", cairn_kernels_neon(), false };
    /* the amx table is the avx512 one plus its packed (prefill) path: only that part is new */
    if (cairn_kernels_amx())    bs[nbk++] = (backend){ "amx", cairn_kernels_amx(), true };
#if defined(__x86_64__)
    else printf("amx: skipped (no AMX-INT8 on this CPU, or the OS refused tile state)\n");
#endif
    CHECK(cairn_kernels_select(CAIRN_BACKEND_AMX) == cairn_kernels_amx(), "select amx");
    for (int ti = 0; ti < N_WEIGHT_TYPES; ti++) test_gemm_type(k_weight_types[ti], bs, nbk);
    for (int bi = 0; bi < nbk; bi++) if (!bs[bi].packed) { test_quantizers(&bs[bi]); test_f16_helpers(&bs[bi]); test_attention(&bs[bi]); test_silu_mul(&bs[bi]); }

    printf("worst err/tol per type:");
    for (int ti = 0; ti < N_WEIGHT_TYPES; ti++)
        printf(" %s=%.3f", cairn_type_traits_get(k_weight_types[ti])->name, g_worst_ratio[k_weight_types[ti]]);
    printf("\n");
    printf("test-kernels: %d checks, %d failed; backends tested:", g_checks, g_fail);
    for (int bi = 0; bi < nbk; bi++) printf(" %s", bs[bi].name);
    printf(nbk ? "\n" : " (none besides reference)\n");
    return g_fail ? 1 : 0;
}
