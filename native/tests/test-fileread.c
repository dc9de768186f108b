/* test-fileread.c — cairn_read_file_regions: scattered regions filled from a file (small reads
 * without the prefault helper, large ones with it), bytes around the regions untouched, short
 * files, bad ranges, a bad descriptor. */
#include "cairn.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int g_fail = 0, g_checks = 0;
#define CHECK(c) do { g_checks++; if (!(c)) { g_fail++; fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c); } } while (0)

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

int main(void) {
    enum { FILE_BYTES = 12 << 20, HEAD = 1000 };
    char path[] = "/tmp/cairn-fileread-XXXXXX";
    const int wfd = mkstemp(path);
    CHECK(wfd >= 0);
    uint8_t *src = malloc(FILE_BYTES);
    for (size_t i = 0; i < FILE_BYTES; i++) src[i] = (uint8_t)next();
    CHECK(write(wfd, src, FILE_BYTES) == FILE_BYTES);
    close(wfd);
    const int fd = open(path, O_RDONLY);
    CHECK(fd >= 0);

    const uint64_t cap = 40ull << 20;
    uint8_t *base = malloc(cap);
    for (int trial = 0; trial < 12; trial++) {
        /* total: a few KiB (no helper) up to 10 MiB (helper); regions with gaps between them */
        const uint64_t total = trial < 4 ? 1 + next() % 8192 : (1 + next() % 10) << 20;
        uint64_t ranges[2 * 40];
        uint32_t n = 0;
        uint64_t got = 0, place = next() % 5000;
        while (got < total && n < 39) {
            uint64_t len = 1 + next() % (total / 8 + 1);
            if (len > total - got) len = total - got;
            ranges[2 * n] = place; ranges[2 * n + 1] = len; n++;
            got += len; place += len + next() % 70000;
        }
        if (got < total) { ranges[2 * n] = place; ranges[2 * n + 1] = total - got; n++; }
        memset(base, 0xA5, cap);
        CHECK(cairn_read_file_regions(fd, HEAD, base, cap, ranges, n, NULL) == CAIRN_OK);
        uint64_t at = HEAD;
        int bad = 0;
        for (uint32_t i = 0; i < n; i++) {
            bad |= memcmp(base + ranges[2 * i], src + at, ranges[2 * i + 1]) != 0;
            at += ranges[2 * i + 1];
            /* the bytes between regions are the caller's: untouched */
            const uint64_t gap0 = ranges[2 * i] + ranges[2 * i + 1], gap1 = i + 1 < n ? ranges[2 * i + 2] : gap0 + 100;
            for (uint64_t g = gap0; g < gap1 && g < cap; g++) bad |= base[g] != 0xA5;
        }
        CHECK(!bad);
    }

    /* fresh, never-touched memory (the case the prefault helper is for): 10 MiB in 3 regions */
    {
        const uint64_t fcap = 16ull << 20;
        uint8_t *fresh = mmap(NULL, fcap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        CHECK(fresh != MAP_FAILED);
        const uint64_t r3[6] = { 100, 3 << 20, (4 << 20) + 5, 5 << 20, (10 << 20), (2 << 20) + 77 };
        CHECK(cairn_read_file_regions(fd, 7, fresh, fcap, r3, 3, NULL) == CAIRN_OK);
        uint64_t at = 7;
        int bad = 0;
        for (int i = 0; i < 3; i++) { bad |= memcmp(fresh + r3[2 * i], src + at, r3[2 * i + 1]) != 0; at += r3[2 * i + 1]; }
        for (uint64_t g = 0; g < 100; g++) bad |= fresh[g] != 0;               /* the caller's bytes stay */
        for (uint64_t g = 100 + (3 << 20); g < (4 << 20) + 5; g++) bad |= fresh[g] != 0;
        CHECK(!bad);
        munmap(fresh, fcap);
    }

    /* past the end of the file: CAIRN_E_TRUNCATED (with and without the helper) */
    const uint64_t over_small[2] = { 0, 4096 }, over_big[2] = { 0, 8 << 20 };
    CHECK(cairn_read_file_regions(fd, FILE_BYTES - 10, base, cap, over_small, 1, NULL) == CAIRN_E_TRUNCATED);
    CHECK(cairn_read_file_regions(fd, FILE_BYTES - (4 << 20), base, cap, over_big, 1, NULL) == CAIRN_E_TRUNCATED);
    /* ranges are checked before anything is read */
    const uint64_t outside[2] = { cap - 10, 11 }, wrap[4] = { 0, UINT64_MAX, 0, 2 };
    memset(base, 0xA5, 64);
    CHECK(cairn_read_file_regions(fd, 0, base, cap, outside, 1, NULL) == CAIRN_E_ARG);
    CHECK(cairn_read_file_regions(fd, 0, base, cap, wrap, 2, NULL) == CAIRN_E_ARG);
    CHECK(base[0] == 0xA5);
    CHECK(cairn_read_file_regions(-1, 0, base, cap, over_small, 1, NULL) == CAIRN_E_ARG);
    const int closed = dup(fd);
    close(closed);
    CHECK(cairn_read_file_regions(closed, 0, base, cap, over_small, 1, NULL) == CAIRN_E_IO);
    CHECK(cairn_read_file_regions(fd, 0, NULL, 0, NULL, 0, NULL) == CAIRN_OK);

    close(fd);
    unlink(path);
    free(src); free(base);
    printf("test-fileread: %d checks, %d failed\n", g_checks, g_fail);
    return g_fail ? 1 : 0;
}
