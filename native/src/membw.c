/* membw.c — read-bandwidth probe for the benchmark (bytes/s of this machine's memory). */
#include "cairn-impl.h"
#include "threadpool.h"

#include <stdlib.h>
#include <time.h>

typedef struct { const uint64_t *buf; uint64_t n; uint64_t sums[256]; } bw_job;

/* Sums a thread's share with 512-bit loads where AVX-512 runs, else 256-bit loads on x86 (4
 * independent accumulators keep several cache lines in flight); scalar 64-bit loads elsewhere. */
#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx2")))
static uint64_t sum_range(const uint64_t *p, uint64_t n) {
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    uint64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a = _mm256_add_epi64(a, _mm256_loadu_si256((const __m256i *)(p + i)));
        b = _mm256_add_epi64(b, _mm256_loadu_si256((const __m256i *)(p + i + 4)));
        c = _mm256_add_epi64(c, _mm256_loadu_si256((const __m256i *)(p + i + 8)));
        d = _mm256_add_epi64(d, _mm256_loadu_si256((const __m256i *)(p + i + 12)));
    }
    uint64_t t[4];
    _mm256_storeu_si256((__m256i *)t, _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d)));
    uint64_t s = t[0] + t[1] + t[2] + t[3];
    for (; i < n; i++) s += p[i];
    return s;
}
/* The widest loads the CPU has: 512-bit where AVX-512 runs (what the decode kernels use there). */
__attribute__((target("avx512f")))
static uint64_t sum_range512(const uint64_t *p, uint64_t n) {
    __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
    uint64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        a = _mm512_add_epi64(a, _mm512_loadu_si512(p + i));
        b = _mm512_add_epi64(b, _mm512_loadu_si512(p + i + 8));
        c = _mm512_add_epi64(c, _mm512_loadu_si512(p + i + 16));
        d = _mm512_add_epi64(d, _mm512_loadu_si512(p + i + 24));
    }
    uint64_t s = (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d)));
    for (; i < n; i++) s += p[i];
    return s;
}
static bool have_avx2(void) { return __builtin_cpu_supports("avx2"); }
static bool have_avx512(void) { return __builtin_cpu_supports("avx512f"); }
#else
static bool have_avx512(void) { return false; }
static uint64_t sum_range512(const uint64_t *p, uint64_t n) { (void)p; (void)n; return 0; }
static bool have_avx2(void) { return false; }
static uint64_t sum_range(const uint64_t *p, uint64_t n) { (void)p; (void)n; return 0; }
#endif

static uint64_t sum_range_scalar(const uint64_t *p, uint64_t n) {
    uint64_t a = 0, b = 0, c = 0, d = 0, i = 0;
    for (; i + 4 <= n; i += 4) { a += p[i]; b += p[i + 1]; c += p[i + 2]; d += p[i + 3]; }
    for (; i < n; i++) a += p[i];
    return a + b + c + d;
}

static void bw_worker(void *ctx, int ith, int nth) {
    bw_job *j = ctx;
    const uint64_t per = j->n / (uint64_t)nth, lo = per * (uint64_t)ith, hi = ith == nth - 1 ? j->n : lo + per;
    j->sums[ith & 255] = have_avx512() ? sum_range512(j->buf + lo, hi - lo)
                       : have_avx2() ? sum_range(j->buf + lo, hi - lo) : sum_range_scalar(j->buf + lo, hi - lo);
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
    /* the fastest rep: the limit is what the machine reaches at its best, not a typical rep */
    return t[0] > 0 ? (double)(n * 8) / t[0] : 0;
}
