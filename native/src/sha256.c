/* sha256.c — SHA-256 (FIPS 180-4) over regions of caller memory, for verifying snapshot data
 * where it already lies (the actor's memory): no copy, and no JS on the path.
 *
 * Two compressors behind one driver: a portable one, and x86 SHA extensions (SHA-NI, chosen at
 * run time by CPUID). ARM64 uses the portable one (its SHA2 instructions are not used yet).
 * test-sha256.c checks both against FIPS vectors and each other. */
#include "cairn-impl.h"

#include <string.h>

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

typedef void (*compress_fn)(uint32_t h[8], const uint8_t *p, size_t nblocks);

static inline uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }
static inline uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void compress_portable(uint32_t h[8], const uint8_t *p, size_t nblocks) {
    for (; nblocks--; p += 64) {
        uint32_t w[64];
        for (int t = 0; t < 16; t++) w[t] = be32(p + 4 * t);
        for (int t = 16; t < 64; t++) {
            const uint32_t s0 = ror(w[t - 15], 7) ^ ror(w[t - 15], 18) ^ (w[t - 15] >> 3);
            const uint32_t s1 = ror(w[t - 2], 17) ^ ror(w[t - 2], 19) ^ (w[t - 2] >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
        uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
        for (int t = 0; t < 64; t++) {
            const uint32_t t1 = hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K256[t] + w[t];
            const uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
            hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

/* The state lives in two registers as the instructions want it: ABEF and CDGH (lane 3 first).
 * Each group of four rounds adds K to four schedule words and runs two SHA256RNDS2; words 16..63
 * come from SHA256MSG1 (w[t-16] + s0(w[t-15])), the w[t-7] term, and SHA256MSG2 (+ s1(w[t-2])). */
__attribute__((target("sha,sse4.1,ssse3")))
static void compress_shani(uint32_t h[8], const uint8_t *p, size_t nblocks) {
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
    __m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)h), 0xB1);       /* b a d c */
    __m128i cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(h + 4)), 0x1B); /* h g f e */
    __m128i abef = _mm_alignr_epi8(t, cdgh, 8);                                      /* f e b a */
    cdgh = _mm_blend_epi16(cdgh, t, 0xF0);                                           /* h g d c */
    for (; nblocks--; p += 64) {
        const __m128i abef0 = abef, cdgh0 = cdgh;
        __m128i m[4];
        for (int i = 0; i < 4; i++) m[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
        /* m[j % 4] holds w[4j..4j+3]. Word group j >= 4 is msg2(msg1(group j-4, group j-3) + the w[t-7]
         * words, group j-1): msg1 runs three groups ahead and msg2 one ahead, between the round pairs,
         * so the schedule stays off the rounds' critical path. */
#pragma GCC unroll 16
        for (int g = 0; g < 16; g++) {
            const __m128i wk = _mm_add_epi32(m[g & 3], _mm_loadu_si128((const __m128i *)(K256 + 4 * g)));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            if (g >= 3 && g <= 14) {
                const __m128i x = _mm_add_epi32(m[(g + 1) & 3], _mm_alignr_epi8(m[g & 3], m[(g + 3) & 3], 4));
                m[(g + 1) & 3] = _mm_sha256msg2_epu32(x, m[g & 3]);
            }
            /* the first pair of rounds wrote ABEF into cdgh; two rounds later that is CDGH */
            abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
            if (g >= 1 && g <= 12) m[(g - 1) & 3] = _mm_sha256msg1_epu32(m[(g - 1) & 3], m[g & 3]);
        }
        abef = _mm_add_epi32(abef, abef0);
        cdgh = _mm_add_epi32(cdgh, cdgh0);
    }
    t = _mm_shuffle_epi32(abef, 0x1B);    /* a b e f (lane 0 first) */
    cdgh = _mm_shuffle_epi32(cdgh, 0xB1); /* g h c d */
    _mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, cdgh, 0xF0));         /* a b c d */
    _mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));      /* e f g h */
}

static bool have_shani(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
    const bool sha = b & (1u << 29);
    if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
    return sha && (c & bit_SSE4_1) && (c & bit_SSSE3);
}
#else
static bool have_shani(void) { return false; }
static void compress_shani(uint32_t h[8], const uint8_t *p, size_t nblocks) { compress_portable(h, p, nblocks); }
#endif

static compress_fn pick(int impl) {
    static int cached = -1; /* CPUID once (it traps to the hypervisor in a VM) */
    int shani = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (shani < 0) __atomic_store_n(&cached, shani = have_shani(), __ATOMIC_RELAXED);
    if (impl == CAIRN_SHA256_PORTABLE) return compress_portable;
    if (impl == CAIRN_SHA256_SHANI) return shani ? compress_shani : NULL;
    return shani ? compress_shani : compress_portable;
}

cairn_status cairn_sha256_regions(const void *base, uint64_t base_size, const uint64_t *ranges, uint32_t n_ranges,
                                  int32_t impl, uint8_t out[32]) {
    if (!out || (n_ranges && !ranges) || (!base && base_size)) return cairn_fail(CAIRN_E_ARG, "sha256: null argument");
    const compress_fn compress = pick(impl);
    if (!compress) return cairn_fail(CAIRN_E_ARG, "sha256: implementation %d not available on this CPU", impl);
    for (uint32_t i = 0; i < n_ranges; i++) {
        const uint64_t off = ranges[2 * i], len = ranges[2 * i + 1];
        if (off > base_size || len > base_size - off)
            return cairn_fail(CAIRN_E_ARG, "sha256: range %u [%llu, +%llu) outside the %llu-byte buffer", i,
                              (unsigned long long)off, (unsigned long long)len, (unsigned long long)base_size);
    }
    uint32_t h[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    uint8_t buf[64];
    size_t fill = 0;
    uint64_t total = 0;
    for (uint32_t i = 0; i < n_ranges; i++) {
        uint64_t len = ranges[2 * i + 1];
        if (len == 0) continue; /* (an empty buffer may come as NULL) */
        const uint8_t *p = (const uint8_t *)base + ranges[2 * i];
        total += len;
        if (fill) { /* finish the block a previous range left partial */
            const size_t take = len < 64 - fill ? (size_t)len : 64 - fill;
            memcpy(buf + fill, p, take);
            fill += take; p += take; len -= take;
            if (fill < 64) continue;
            compress(h, buf, 1);
            fill = 0;
        }
        compress(h, p, (size_t)(len / 64));
        p += len & ~(uint64_t)63;
        fill = (size_t)(len & 63);
        memcpy(buf, p, fill);
    }
    buf[fill++] = 0x80;
    if (fill > 56) { memset(buf + fill, 0, 64 - fill); compress(h, buf, 1); fill = 0; }
    memset(buf + fill, 0, 56 - fill);
    const uint64_t bits = total * 8;
    for (int i = 0; i < 8; i++) buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    compress(h, buf, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24); out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8); out[4 * i + 3] = (uint8_t)h[i];
    }
    return CAIRN_OK;
}
