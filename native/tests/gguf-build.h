/* gguf-build.h — a byte builder for hand-made GGUF files in the C tests (test-gguf.c, test-kvshift.c). */
#ifndef CAIRN_TEST_GGUF_BUILD_H
#define CAIRN_TEST_GGUF_BUILD_H

#include "../include/cairn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint8_t *b; size_t n, cap; } buf;
static inline void put(buf *x, const void *p, size_t n) {
    if (x->n + n > x->cap) { x->cap = (x->n + n) * 2 + 64; x->b = realloc(x->b, x->cap); }
    if (n) memcpy(x->b + x->n, p, n);
    x->n += n;
}
static inline void u8(buf *x, uint8_t v) { put(x, &v, 1); }
static inline void u32(buf *x, uint32_t v) { uint8_t b[4]; for (int i = 0; i < 4; i++) b[i] = (uint8_t)(v >> (8 * i)); put(x, b, 4); }
static inline void u64(buf *x, uint64_t v) { uint8_t b[8]; for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i)); put(x, b, 8); }
static inline void str(buf *x, const char *s) { u64(x, strlen(s)); put(x, s, strlen(s)); }
static inline void hdr(buf *x, uint32_t version, uint64_t n_t, uint64_t n_kv) { put(x, "GGUF", 4); u32(x, version); u64(x, n_t); u64(x, n_kv); }
static inline void kv_u32(buf *x, const char *k, uint32_t v) { str(x, k); u32(x, CAIRN_GGUF_U32); u32(x, v); }
static inline void kv_str(buf *x, const char *k, const char *v) { str(x, k); u32(x, CAIRN_GGUF_STRING); str(x, v); }
static inline void kv_f32(buf *x, const char *k, float v) { uint32_t b; memcpy(&b, &v, 4); str(x, k); u32(x, CAIRN_GGUF_F32); u32(x, b); }
static inline void tinfo(buf *x, const char *name, uint32_t nd, const uint64_t *ne, uint32_t type, uint64_t off) {
    str(x, name); u32(x, nd); for (uint32_t i = 0; i < nd; i++) u64(x, ne[i]); u32(x, type); u64(x, off);
}
static inline void pad(buf *x, size_t a) { while (x->n % a) u8(x, 0); }
static inline void zeros(buf *x, size_t n) { for (size_t i = 0; i < n; i++) u8(x, 0); }

#endif
