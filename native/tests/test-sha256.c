/* test-sha256.c — cairn_sha256_regions: FIPS 180-4 vectors with every compressor this CPU has,
 * then random data split into random ranges (every block-boundary case) hashed by the portable
 * compressor and SHA-NI, against one contiguous hash; range checks. */
#include "cairn.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int g_fail = 0, g_checks = 0;
#define CHECK(c) do { g_checks++; if (!(c)) { g_fail++; fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)

static void hex(const uint8_t d[32], char out[65]) {
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static int hash_hex(const void *p, uint64_t n, int impl, char out[65]) {
    const uint64_t r[2] = { 0, n };
    uint8_t d[32];
    const cairn_status s = cairn_sha256_regions(p, n, r, 1, impl, d);
    if (s == CAIRN_OK) hex(d, out);
    return (int)s;
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

int main(void) {
    const uint8_t probe = 0;
    const uint64_t r0[2] = { 0, 0 };
    uint8_t d[32];
    const bool shani = cairn_sha256_regions(&probe, 1, r0, 1, CAIRN_SHA256_SHANI, d) == CAIRN_OK;
    const int impls[] = { CAIRN_SHA256_AUTO, CAIRN_SHA256_PORTABLE, CAIRN_SHA256_SHANI };
    printf("sha256: SHA-NI %s\n", shani ? "present (tested)" : "absent (portable compressor only)");

    char *million = malloc(1000000);
    memset(million, 'a', 1000000);
    const struct { const char *msg; uint64_t len; const char *want; } v[] = {
        { "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
        { "abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
        { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
        { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
          "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
        { million, 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        for (int k = 0; k < 3; k++) {
            if (impls[k] == CAIRN_SHA256_SHANI && !shani) continue;
            char got[65];
            CHECK(hash_hex(v[i].msg, v[i].len, impls[k], got) == CAIRN_OK);
            if (strcmp(got, v[i].want) != 0) fprintf(stderr, "vector %zu impl %d: %s\n", i, impls[k], got);
            CHECK(strcmp(got, v[i].want) == 0);
        }
    }
    free(million);

    /* random data, random split into ranges taken from scattered places of a bigger buffer */
    enum { N = 1 << 16 };
    uint8_t *src = malloc(N), *big = malloc(3 * N);
    for (int i = 0; i < N; i++) src[i] = (uint8_t)next();
    for (int trial = 0; trial < 300; trial++) {
        const uint64_t len = next() % N;
        uint64_t ranges[64];
        uint32_t nr = 0;
        uint64_t at = 0, place = 7;
        while (at < len && nr < 31) {
            uint64_t piece = 1 + next() % (trial % 3 == 0 ? 70 : 5000);
            if (piece > len - at) piece = len - at;
            memcpy(big + place, src + at, piece);
            ranges[2 * nr] = place; ranges[2 * nr + 1] = piece; nr++;
            at += piece; place += piece + next() % 100;
        }
        if (at < len) { memcpy(big + place, src + at, len - at); ranges[2 * nr] = place; ranges[2 * nr + 1] = len - at; nr++; }
        char want[65];
        CHECK(hash_hex(src, len, CAIRN_SHA256_PORTABLE, want) == CAIRN_OK);
        for (int k = 1; k < 3; k++) {
            if (impls[k] == CAIRN_SHA256_SHANI && !shani) continue;
            char got[65];
            CHECK(cairn_sha256_regions(big, 3 * N, ranges, nr, impls[k], d) == CAIRN_OK);
            hex(d, got);
            CHECK(strcmp(got, want) == 0);
        }
        if (shani) { char got[65]; CHECK(hash_hex(src, len, CAIRN_SHA256_SHANI, got) == CAIRN_OK); CHECK(strcmp(got, want) == 0); }
    }

    /* ranges are checked before anything is read */
    const uint64_t past[2] = { 10, 3 * N };
    CHECK(cairn_sha256_regions(big, 3 * N, past, 1, CAIRN_SHA256_AUTO, d) == CAIRN_E_ARG);
    const uint64_t wrap[2] = { UINT64_MAX, 2 };
    CHECK(cairn_sha256_regions(big, 3 * N, wrap, 1, CAIRN_SHA256_AUTO, d) == CAIRN_E_ARG);
    CHECK(cairn_sha256_regions(big, 3 * N, NULL, 1, CAIRN_SHA256_AUTO, d) == CAIRN_E_ARG);
    CHECK(cairn_sha256_regions(NULL, 0, NULL, 0, CAIRN_SHA256_AUTO, d) == CAIRN_OK); /* empty message */
    CHECK(cairn_sha256_regions(NULL, 0, r0, 1, CAIRN_SHA256_AUTO, d) == CAIRN_OK);    /* an empty view (NULL base) */
    CHECK(cairn_sha256_regions(NULL, 5, r0, 1, CAIRN_SHA256_AUTO, d) == CAIRN_E_ARG);
    free(src); free(big);

    printf("test-sha256: %d checks, %d failed\n", g_checks, g_fail);
    return g_fail ? 1 : 0;
}
