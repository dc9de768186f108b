/* membw.c — read-bandwidth probe for the benchmark (bytes/s of this machine's memory). */
#include "cairn-impl.h"
#include "threadpool.h"

#include <stdlib.h>
#include <time.h>

typedef struct { const uint64_t *buf; uint64_t n; uint64_t sums[256]; } bw_job;

static void bw_worker(void *ctx, int ith, int nth) {
    bw_job *j = ctx;
    const uint64_t per = j->n / (uint64_t)nth, lo = per * (uint64_t)ith, hi = ith == nth - 1 ? j->n : lo + per;
    uint64_t a = 0, b = 0, c = 0, d = 0;
    uint64_t i = lo;
    for (; i + 4 <= hi; i += 4) { a += j->buf[i]; b += j->buf[i + 1]; c += j->buf[i + 2]; d += j->buf[i + 3]; }
    for (; i < hi; i++) a += j->buf[i];
    j->sums[ith & 255] = a + b + c + d;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *x, const void *y) {
    const double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

double cairn_measure_read_bandwidth(uint64_t bytes, int32_t n_threads, int32_t reps) {
    if (n_threads < 1) n_threads = 1;
    if (n_threads > 256) n_threads = 256;
    if (reps < 1) reps = 1;
    if (reps > 64) reps = 64;
    const uint64_t n = bytes / 8;
    uint64_t *buf = malloc(n * 8);
    cairn_pool *pool = cairn_pool_new(n_threads);
    if (!buf || !pool || n == 0) { free(buf); if (pool) cairn_pool_free(pool); return 0; }
    for (uint64_t i = 0; i < n; i++) buf[i] = i;
    bw_job j = {buf, n, {0}};
    double t[64];
    cairn_pool_run(pool, bw_worker, &j); /* warm-up */
    for (int r = 0; r < reps; r++) {
        const double t0 = now_s();
        cairn_pool_run(pool, bw_worker, &j);
        t[r] = now_s() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    cairn_pool_free(pool);
    free(buf);
    return t[reps / 2] > 0 ? (double)(n * 8) / t[reps / 2] : 0;
}
