/* cairn-impl.h — internal helpers shared by every engine source file. */
#ifndef CAIRN_IMPL_H
#define CAIRN_IMPL_H

#include "../include/cairn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Sets the calling thread's error text and returns s. */
cairn_status cairn_fail(cairn_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void         cairn_clear_error(void);

/* ---- half precision ---- */
static inline float cairn_fp16_to_fp32(uint16_t h) {
    const uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal */
            exp = 127 - 15 + 1;
            while (!(man & 0x400)) { man <<= 1; exp--; }
            man &= 0x3ff;
            bits = sign | (exp << 23) | (man << 13);
        }
    } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    float f; memcpy(&f, &bits, 4); return f;
}

static inline uint16_t cairn_fp32_to_fp16(float f) {
    /* round to nearest even, as F16C's _cvtss_sh(x, 0) */
    uint32_t x; memcpy(&x, &f, 4);
    const uint32_t sign = (x >> 16) & 0x8000;
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 : 0));
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00); /* overflow -> inf */
    if (ax < 0x38800000u) { /* subnormal or zero */
        if (ax < 0x33000000u) return (uint16_t)sign;
        const uint32_t e = ax >> 23, m = (ax & 0x7fffff) | 0x800000;
        const uint32_t shift = 126 - e; /* 14 + (113 - e) */
        uint32_t r = m >> shift;
        const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (r & 1))) r++;
        return (uint16_t)(sign | r);
    }
    uint32_t r = ((ax - 0x38000000u) >> 13);
    const uint32_t rem = ax & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (r & 1))) r++;
    return (uint16_t)(sign | r);
}

static inline float cairn_bf16_to_fp32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16; float f; memcpy(&f, &bits, 4); return f;
}

static inline uint16_t cairn_fp32_to_bf16(float f) {
    uint32_t x; memcpy(&x, &f, 4);
    if ((x & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((x >> 16) | 64); /* quiet NaN */
    return (uint16_t)((x + (0x7fff + ((x >> 16) & 1))) >> 16);
}

/* ---- caller memory regions: (offset, length) pairs over base[0..base_size) ---- */
/* CAIRN_E_ARG naming `what` unless every range lies inside the buffer; *total (if given) = Σ lengths. */
static inline cairn_status cairn_check_regions(const char *what, uint64_t base_size, const uint64_t *ranges,
                                               uint32_t n_ranges, uint64_t *total) {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n_ranges; i++) {
        const uint64_t off = ranges[2 * i], len = ranges[2 * i + 1];
        if (off > base_size || len > base_size - off)
            return cairn_fail(CAIRN_E_ARG, "%s: range %u [%llu, +%llu) outside the %llu-byte buffer", what, i,
                              (unsigned long long)off, (unsigned long long)len, (unsigned long long)base_size);
        sum += len;
    }
    if (total) *total = sum;
    return CAIRN_OK;
}

#define CAIRN_MIN(a, b) ((a) < (b) ? (a) : (b))
#define CAIRN_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
