/* test-xxh64.c — streaming XXH64 against values from independent implementations (python3-xxhash,
 * `xxhsum -H1`) at every length class (< 4, < 8, < 32, stripes + tail); the same bytes fed in
 * random pieces (every partial-stripe case) against one update; and cairn_read_file_regions' hash
 * (behind the read, and inline for small reads) against it. */
#include "cairn.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int g_fail = 0, g_checks = 0;
#define CHECK(c) do { g_checks++; if (!(c)) { g_fail++; fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)

static void hex(const uint8_t d[8], char out[17]) { for (int i = 0; i < 8; i++) sprintf(out + 2 * i, "%02x", d[i]); }

/* XXH64 of the (offset, length) regions of base, in order */
static void hash_regions(const uint8_t *base, const uint64_t *ranges, uint32_t n, uint8_t out[8]) {
    cairn_xxh64 s;
    cairn_xxh64_init(&s);
    for (uint32_t i = 0; i < n; i++) cairn_xxh64_update(&s, base + ranges[2 * i], ranges[2 * i + 1]);
    cairn_xxh64_digest(&s, out);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

int main(void) {
    static const struct { uint32_t n; const char *want; } vec[] = {
        { 0, "ef46db3751d8e999" }, { 1, "ad10cd9780ac4ff7" }, { 3, "40626d96276e4594" }, { 4, "882207c122c76e23" },
        { 5, "a3da885eec618bb4" }, { 7, "cfc90033aa9dac4f" }, { 8, "90fda2f089fa86de" }, { 9, "a80deb192b8c5215" },
        { 15, "59f95bad12d14c9d" }, { 16, "3a5b1165d151aa50" }, { 31, "44cc9efe5d2d0233" }, { 32, "0e1aab1d173cf196" },
        { 33, "5c820b4b4fe28fdc" }, { 63, "1153d36cade87066" }, { 64, "d4c20ef54cbc9f67" }, { 65, "ac086c9b87baea67" },
        { 100, "7f8375f3e09d8123" }, { 255, "fc0c21a234c0a092" }, { 1000, "1c0effbf9aa81ceb" },
        { 4096, "41cf69b5bbbed2e2" }, { 1048583, "e4de6d6993526723" },
    };
    enum { MAX = 1048583 };
    uint8_t *data = malloc(MAX);
    for (uint32_t i = 0; i < MAX; i++) data[i] = (uint8_t)(i * 131 + (i >> 8) * 7 + 17);
    uint8_t d[8];
    char got[17];
    for (size_t v = 0; v < sizeof vec / sizeof vec[0]; v++) {
        const uint64_t r[2] = { 0, vec[v].n };
        hash_regions(data, r, 1, d);
        hex(d, got);
        if (strcmp(got, vec[v].want) != 0) fprintf(stderr, "xxh64 of %u bytes: %s, want %s\n", vec[v].n, got, vec[v].want);
        CHECK(strcmp(got, vec[v].want) == 0);
    }
    const uint8_t abc[3] = { 'a', 'b', 'c' };
    const uint64_t r3[2] = { 0, 3 };
    hash_regions(abc, r3, 1, d);
    hex(d, got);
    CHECK(strcmp(got, "44bc2cf5ad770999") == 0);

    /* the same bytes in random pieces laid out apart in another buffer: one hash */
    uint8_t *spread = malloc(2 * MAX);
    for (int trial = 0; trial < 200; trial++) {
        const uint64_t total = trial < 150 ? next() % 300 : next() % MAX;
        uint64_t ranges[2 * 64];
        uint32_t n = 0;
        uint64_t at = 0, place = next() % 100;
        while (at < total && n < 63) {
            uint64_t len = next() % (trial < 150 ? 40 : total / 8 + 1);
            if (len > total - at) len = total - at;
            memcpy(spread + place, data + at, len);
            ranges[2 * n] = place; ranges[2 * n + 1] = len; n++;
            at += len; place += len + next() % 50;
            if (place + (total - at) > 2 * MAX) break;
        }
        if (at < total) { memcpy(spread + place, data + at, total - at); ranges[2 * n] = place; ranges[2 * n + 1] = total - at; n++; }
        uint8_t a[8], b[8];
        const uint64_t one[2] = { 0, total };
        hash_regions(spread, ranges, n, a);
        hash_regions(data, one, 1, b);
        CHECK(memcmp(a, b, 8) == 0);
    }
    /* an empty update (NULL allowed) changes nothing; digest can be taken twice */
    {
        cairn_xxh64 st;
        cairn_xxh64_init(&st);
        cairn_xxh64_update(&st, NULL, 0);
        cairn_xxh64_update(&st, abc, 3);
        uint8_t e[8];
        cairn_xxh64_digest(&st, d);
        cairn_xxh64_digest(&st, e);
        hex(d, got);
        CHECK(strcmp(got, "44bc2cf5ad770999") == 0 && memcmp(d, e, 8) == 0);
    }

    /* read + hash: hashed behind the read (≥ 2 MiB) and after it (small), = the regions' hash */
    char path[] = "/tmp/cairn-xxh64-XXXXXX";
    const int wfd = mkstemp(path);
    CHECK(wfd >= 0 && write(wfd, data, MAX) == MAX);
    close(wfd);
    const int fd = open(path, O_RDONLY);
    for (int big = 0; big < 2; big++) {
        const uint64_t len = big ? MAX - 500 : 70000, gaps[6] = { 3, len / 3, len / 3 + 4096, len / 2, len / 3 + len / 2 + 9000, len - len / 3 - len / 2 };
        uint8_t *dst = calloc(1, 3 * MAX);
        uint8_t a[8], b[8];
        CHECK(cairn_read_file_regions(fd, 100, dst, 3 * MAX, gaps, 3, a) == CAIRN_OK);
        hash_regions(dst, gaps, 3, b);
        CHECK(memcmp(a, b, 8) == 0);
        const uint64_t whole[2] = { 100, len };
        hash_regions(data, whole, 1, b);
        CHECK(memcmp(a, b, 8) == 0);
        free(dst);
    }
    close(fd);
    unlink(path);
    free(data); free(spread);
    printf("test-xxh64: %d checks, %d failed\n", g_checks, g_fail);
    return g_fail ? 1 : 0;
}
