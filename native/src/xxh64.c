/* xxh64.c — XXH64 (the xxHash spec's 64-bit variant, seed 0) over regions of caller memory: the
 * integrity check of a .cairn snapshot's data section.
 *
 * Why not SHA-256 for the data: the hash only has to catch accidental damage (a torn copy, a bad
 * sector, an edited file); it is stored in the same file, so whoever can forge the data can write
 * its hash too, and no hash buys authenticity there. XXH64 runs at ~10 GB/s per core in portable
 * C, so a restore can hash behind its read instead of taking several times the read's time
 * (SHA-256: ~1.6 GB/s with SHA-NI, one core). Output is the canonical form (big-endian bytes,
 * what `xxhsum -H1` prints). test-xxh64.c checks it against that tool's values. */
#include "cairn-impl.h"

#include <string.h>

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull
#define P4 0x85EBCA77C2B2AE63ull
#define P5 0x27D4EB2F165667C5ull

static inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
static inline uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; } /* little-endian hosts only */
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t round64(uint64_t acc, uint64_t lane) { return rotl(acc + lane * P2, 31) * P1; }
static inline uint64_t merge64(uint64_t h, uint64_t v) { return (h ^ round64(0, v)) * P1 + P4; }

void cairn_xxh64_init(cairn_xxh64 *s) {
    memset(s, 0, sizeof *s);
    s->v[0] = P1 + P2; s->v[1] = P2; s->v[2] = 0; s->v[3] = (uint64_t)0 - P1;
}

/* 32-byte stripes; returns the bytes consumed (a multiple of 32). */
static size_t stripes(uint64_t v[4], const uint8_t *p, size_t len) {
    uint64_t a = v[0], b = v[1], c = v[2], d = v[3];
    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        a = round64(a, rd64(p + i)); b = round64(b, rd64(p + i + 8));
        c = round64(c, rd64(p + i + 16)); d = round64(d, rd64(p + i + 24));
    }
    v[0] = a; v[1] = b; v[2] = c; v[3] = d;
    return i;
}

void cairn_xxh64_update(cairn_xxh64 *s, const void *data, uint64_t len) {
    if (!len) return;                    /* (an empty buffer may come as NULL) */
    const uint8_t *p = data;
    s->total += len;
    if (s->nbuf) {                       /* top up a partial stripe first */
        const size_t take = len < 32 - s->nbuf ? (size_t)len : 32 - s->nbuf;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += (uint32_t)take; p += take; len -= take;
        if (s->nbuf < 32) return;
        stripes(s->v, s->buf, 32);
        s->nbuf = 0;
    }
    const size_t done = stripes(s->v, p, (size_t)len);
    memcpy(s->buf, p + done, (size_t)len - done);
    s->nbuf = (uint32_t)(len - done);
}

void cairn_xxh64_digest(const cairn_xxh64 *s, uint8_t out[8]) {
    uint64_t h;
    if (s->total >= 32) {
        h = rotl(s->v[0], 1) + rotl(s->v[1], 7) + rotl(s->v[2], 12) + rotl(s->v[3], 18);
        for (int i = 0; i < 4; i++) h = merge64(h, s->v[i]);
    } else {
        h = P5;                          /* seed + P5 */
    }
    h += s->total;
    const uint8_t *p = s->buf;
    size_t n = s->nbuf;
    for (; n >= 8; p += 8, n -= 8) h = rotl(h ^ round64(0, rd64(p)), 27) * P1 + P4;
    if (n >= 4) { h = rotl(h ^ (uint64_t)rd32(p) * P1, 23) * P2 + P3; p += 4; n -= 4; }
    for (; n; p++, n--) h = rotl(h ^ (uint64_t)*p * P5, 11) * P1;
    h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32;
    for (int i = 0; i < 8; i++) out[i] = (uint8_t)(h >> (56 - 8 * i));
}
_Static_assert(sizeof(cairn_xxh64) == 80, "native.ts allocates 80 bytes of state");
