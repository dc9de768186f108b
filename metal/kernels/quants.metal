// quants.metal — ggml's block layouts and, per weight type, deq8: the 8 values of group g
// (elements 8g .. 8g+7) of a row, as the engine's reference dequantization (quants.c) computes them.
// Float types can have rows of any length: get1 reads one element (the tail of a row that is not a
// multiple of 8). Every kernel file starts from here (the embedded source is these files in order).
#include <metal_stdlib>
#include "cairn-metal-args.h"
using namespace metal;

// The parameters every kernel ends with: threadgroup memory and the thread's place (the shim
// defines its own: its address spaces are empty macros, which would empty [[threadgroup(0)]]).
#ifndef CAIRN_TG_PARAMS
#define CAIRN_TG_PARAMS threadgroup char *shm [[threadgroup(0)]], uint3 tgpig [[threadgroup_position_in_grid]], \
    ushort tiitg [[thread_index_in_threadgroup]], ushort tiisg [[thread_index_in_simdgroup]],                  \
    ushort sgitg [[simdgroup_index_in_threadgroup]]
#endif

struct block_q4_0 { half d; uchar qs[16]; };
struct block_q4_1 { half d, m; uchar qs[16]; };
struct block_q5_0 { half d; uchar qh[4]; uchar qs[16]; };
struct block_q5_1 { half d, m; uchar qh[4]; uchar qs[16]; };
struct block_q8_0 { half d; char qs[32]; };
struct block_q4_K { half d, dmin; uchar scales[12]; uchar qs[128]; };
struct block_q5_K { half d, dmin; uchar scales[12]; uchar qh[32]; uchar qs[128]; };
struct block_q6_K { uchar ql[128]; uchar qh[64]; char scales[16]; half d; };
static_assert(sizeof(block_q4_0) == 18 && sizeof(block_q4_1) == 20 && sizeof(block_q5_0) == 22, "block size");
static_assert(sizeof(block_q5_1) == 24 && sizeof(block_q8_0) == 34 && sizeof(block_q4_K) == 144, "block size");
static_assert(sizeof(block_q5_K) == 176 && sizeof(block_q6_K) == 210, "block size");

// A finite "minus infinity": fast math may assume there are no infinities.
#define CAIRN_MTL_NEG (-1.0e30f)

static inline float bf16_to_f32(ushort h) { return as_type<float>((uint)h << 16); }

struct type_f32 {
    static void deq8(device const char *row, int g, thread float *o) {
        device const float *x = (device const float *)row + 8 * g;
        for (int i = 0; i < 8; i++) o[i] = x[i];
    }
    static float get1(device const char *row, int i) { return ((device const float *)row)[i]; }
};
struct type_f16 {
    static void deq8(device const char *row, int g, thread float *o) {
        device const half *x = (device const half *)row + 8 * g;
        for (int i = 0; i < 8; i++) o[i] = (float)x[i];
    }
    static float get1(device const char *row, int i) { return (float)((device const half *)row)[i]; }
};
struct type_bf16 {
    static void deq8(device const char *row, int g, thread float *o) {
        device const ushort *x = (device const ushort *)row + 8 * g;
        for (int i = 0; i < 8; i++) o[i] = bf16_to_f32(x[i]);
    }
    static float get1(device const char *row, int i) { return bf16_to_f32(((device const ushort *)row)[i]); }
};

// 32-element blocks: group p = g % 4 of block g / 4; elements 0..15 are low nibbles, 16..31 high.
struct type_q4_0 {
    static void deq8(device const char *row, int g, thread float *o) {
        device const block_q4_0 *b = (device const block_q4_0 *)row + g / 4;
        const int p = g % 4;
        const float d = (float)b->d;
        for (int i = 0; i < 8; i++) {
            const int j = (p % 2) * 8 + i;
            const int q = p < 2 ? (b->qs[j] & 15) : (b->qs[j] >> 4);
            o[i] = (float)(q - 8) * d;
        }
    }
    static float get1(device const char *, int) { return 0.0f; }
};
struct type_q4_1 {
    static void deq8(device const char *row, int g, thread float *o) {
        device const block_q4_1 *b = (device const block_q4_1 *)row + g / 4;
        const int p = g % 4;
        const float d = (float)b->d, m = (float)b->m;
        for (int i = 0; i < 8; i++) {
            const int j = (p % 2) * 8 + i;
            const int q = p < 2 ? (b->qs[j] & 15) : (b->qs[j] >> 4);
            o[i] = (float)q * d + m;
        }
    }
    static float get1(device const char *, int) { return 0.0f; }
};
static inline uint qh32(device const uchar *qh) { return (uint)qh[0] | ((uint)qh[1] << 8) | ((uint)qh[2] << 16) | ((uint)qh[3] << 24); }
struct type_q5_0 {
    static void deq8(device const char *row, int g, thread float *o) {
        device const block_q5_0 *b = (device const block_q5_0 *)row + g / 4;
        const int p = g % 4;
        const float d = (float)b->d;
        const uint qh = qh32(b->qh);
        for (int i = 0; i < 8; i++) {
            const int e = p * 8 + i, j = e % 16;
            const int q = (e < 16 ? (b->qs[j] & 15) : (b->qs[j] >> 4)) | (int)(((qh >> e) & 1) << 4);
            o[i] = (float)(q - 16) * d;
        }
    }
    static float get1(device const char *, int) { return 0.0f; }
};
struct type_q5_1 {
    static void deq8(device const char *row, int g, thread float *o) {
        device const block_q5_1 *b = (device const block_q5_1 *)row + g / 4;
        const int p = g % 4;
        const float d = (float)b->d, m = (float)b->m;
        const uint qh = qh32(b->qh);
        for (int i = 0; i < 8; i++) {
            const int e = p * 8 + i, j = e % 16;
            const int q = (e < 16 ? (b->qs[j] & 15) : (b->qs[j] >> 4)) | (int)(((qh >> e) & 1) << 4);
            o[i] = (float)q * d + m;
        }
    }
    static float get1(device const char *, int) { return 0.0f; }
};
struct type_q8_0 {
    static void deq8(device const char *row, int g, thread float *o) {
        device const block_q8_0 *b = (device const block_q8_0 *)row + g / 4;
        const float d = (float)b->d;
        for (int i = 0; i < 8; i++) o[i] = (float)b->qs[(g % 4) * 8 + i] * d;
    }
    static float get1(device const char *, int) { return 0.0f; }
};

// K-quants: 256-element super-blocks, 32 groups of 8 each.
static inline void scale_min_k4(int j, device const uchar *q, thread int &d, thread int &m) {
    if (j < 4) { d = q[j] & 63; m = q[j + 4] & 63; }
    else { d = (q[j + 4] & 15) | ((q[j - 4] >> 6) << 4); m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4); }
}
struct type_q4_K {
    static void deq8(device const char *row, int g, thread float *o) {
        device const block_q4_K *b = (device const block_q4_K *)row + g / 32;
        const int e = 8 * (g % 32), j = e / 64, hi = (e % 64) / 32, l = e % 32;
        int sc, m;
        scale_min_k4(2 * j + hi, b->scales, sc, m);
        const float d1 = (float)b->d * (float)sc, m1 = (float)b->dmin * (float)m;
        for (int i = 0; i < 8; i++) {
            const uchar q = b->qs[32 * j + l + i];
            o[i] = d1 * (float)(hi ? q >> 4 : q & 15) - m1;
        }
    }
    static float get1(device const char *, int) { return 0.0f; }
};
struct type_q5_K {
    static void deq8(device const char *row, int g, thread float *o) {
        device const block_q5_K *b = (device const block_q5_K *)row + g / 32;
        const int e = 8 * (g % 32), j = e / 64, hi = (e % 64) / 32, l = e % 32;
        int sc, m;
        scale_min_k4(2 * j + hi, b->scales, sc, m);
        const float d1 = (float)b->d * (float)sc, m1 = (float)b->dmin * (float)m;
        for (int i = 0; i < 8; i++) {
            const uchar q = b->qs[32 * j + l + i];
            const int h = (b->qh[l + i] >> (2 * j + hi)) & 1;
            o[i] = d1 * (float)((hi ? q >> 4 : q & 15) + 16 * h) - m1;
        }
    }
    static float get1(device const char *, int) { return 0.0f; }
};
struct type_q6_K {
    static void deq8(device const char *row, int g, thread float *o) {
        device const block_q6_K *b = (device const block_q6_K *)row + g / 32;
        const int e = 8 * (g % 32), k = e / 128, quarter = (e % 128) / 32, l = e % 32;
        const float d = (float)b->d * (float)b->scales[8 * k + l / 16 + 2 * quarter];
        for (int i = 0; i < 8; i++) {
            const uchar ql = b->ql[64 * k + l + i + (quarter % 2) * 32];
            const int lo = quarter < 2 ? (ql & 15) : (ql >> 4);
            const int q = (lo | (((b->qh[32 * k + l + i] >> (2 * quarter)) & 3) << 4)) - 32;
            o[i] = d * (float)q;
        }
    }
    static float get1(device const char *, int) { return 0.0f; }
};
