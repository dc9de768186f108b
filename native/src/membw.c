/* membw.c — read-bandwidth probe for the benchmark (bytes/s of this machine's memory). */
#include "cairn-impl.h"
#include "threadpool.h"

#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <time.h>

typedef struct { const uint64_t *buf; uint64_t n; int streams; uint64_t sums[256]; } bw_job;

/* A thread's share is read as `streams` equal segments advanced together, 256 bytes of each in
 * turn: one stream is a plain linear read; several keep more hardware-prefetch streams busy, as a
 * decode tile reading 4 rows at once does. Where one pattern reaches more than another depends on
 * the CPU (on the AMD EPYC dev machine 4 streams read 77 GB/s with 2 threads against 63 for one;
 * on an Intel Xeon with AMX, 29 against 25), so the probe reports the best of several. */
#if defined(__x86_64__)
#include <immintrin.h>
__attribute__((target("avx2")))
static uint64_t sum_range(const uint64_t *p, uint64_t n, int streams) {
    __m256i a = _mm256_setzero_si256(), b = a, c = a, d = a;
    const uint64_t seg = n / (uint64_t)streams / 32 * 32;
    for (uint64_t i = 0; i < seg; i += 32)
        for (int s = 0; s < streams; s++) {
            const uint64_t *q = p + (uint64_t)s * seg + i;
            a = _mm256_add_epi64(a, _mm256_add_epi64(_mm256_loadu_si256((const __m256i *)q), _mm256_loadu_si256((const __m256i *)(q + 4))));
            b = _mm256_add_epi64(b, _mm256_add_epi64(_mm256_loadu_si256((const __m256i *)(q + 8)), _mm256_loadu_si256((const __m256i *)(q + 12))));
            c = _mm256_add_epi64(c, _mm256_add_epi64(_mm256_loadu_si256((const __m256i *)(q + 16)), _mm256_loadu_si256((const __m256i *)(q + 20))));
            d = _mm256_add_epi64(d, _mm256_add_epi64(_mm256_loadu_si256((const __m256i *)(q + 24)), _mm256_loadu_si256((const __m256i *)(q + 28))));
        }
    uint64_t t[4];
    _mm256_storeu_si256((__m256i *)t, _mm256_add_epi64(_mm256_add_epi64(a, b), _mm256_add_epi64(c, d)));
    uint64_t s = t[0] + t[1] + t[2] + t[3];
    for (uint64_t i = seg * (uint64_t)streams; i < n; i++) s += p[i];
    return s;
}
/* The widest loads the CPU has: 512-bit where AVX-512 runs (what the decode kernels use there). */
__attribute__((target("avx512f")))
static uint64_t sum_range512(const uint64_t *p, uint64_t n, int streams) {
    __m512i a = _mm512_setzero_si512(), b = a, c = a, d = a;
    const uint64_t seg = n / (uint64_t)streams / 32 * 32;
    for (uint64_t i = 0; i < seg; i += 32)
        for (int s = 0; s < streams; s++) {
            const uint64_t *q = p + (uint64_t)s * seg + i;
            a = _mm512_add_epi64(a, _mm512_loadu_si512(q));
            b = _mm512_add_epi64(b, _mm512_loadu_si512(q + 8));
            c = _mm512_add_epi64(c, _mm512_loadu_si512(q + 16));
            d = _mm512_add_epi64(d, _mm512_loadu_si512(q + 24));
        }
    uint64_t s = (uint64_t)_mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a, b), _mm512_add_epi64(c, d)));
    for (uint64_t i = seg * (uint64_t)streams; i < n; i++) s += p[i];
    return s;
}
static bool have_avx2(void) { return __builtin_cpu_supports("avx2"); }
static bool have_avx512(void) { return __builtin_cpu_supports("avx512f"); }
#else
static bool have_avx512(void) { return false; }
static uint64_t sum_range512(const uint64_t *p, uint64_t n, int streams) { (void)p; (void)n; (void)streams; return 0; }
static bool have_avx2(void) { return false; }
static uint64_t sum_range(const uint64_t *p, uint64_t n, int streams) { (void)p; (void)n; (void)streams; return 0; }
#endif

static uint64_t sum_range_scalar(const uint64_t *p, uint64_t n, int streams) {
    uint64_t a = 0, b = 0, c = 0, d = 0;
    const uint64_t seg = n / (uint64_t)streams / 4 * 4;
    for (uint64_t i = 0; i < seg; i += 4)
        for (int s = 0; s < streams; s++) {
            const uint64_t *q = p + (uint64_t)s * seg + i;
            a += q[0]; b += q[1]; c += q[2]; d += q[3];
        }
    for (uint64_t i = seg * (uint64_t)streams; i < n; i++) a += p[i];
    return a + b + c + d;
}

static void bw_worker(void *ctx, int ith, int nth) {
    bw_job *j = ctx;
    const uint64_t per = j->n / (uint64_t)nth, lo = per * (uint64_t)ith, hi = ith == nth - 1 ? j->n : lo + per;
    const uint64_t *p = j->buf + lo, n = hi - lo;
    j->sums[ith & 255] = have_avx512() ? sum_range512(p, n, j->streams)
                       : have_avx2() ? sum_range(p, n, j->streams) : sum_range_scalar(p, n, j->streams);
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
    const uint64_t n = bytes / 8, align = 2u << 20, size = (n * 8 + align - 1) / align * align;
    /* aligned as a mapped model's weights are (malloc's 16-byte offset would split every 64-byte
     * load across two cache lines), on huge pages where the kernel gives them */
    uint64_t *buf = size ? aligned_alloc(align, size) : NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (buf) madvise(buf, size, MADV_HUGEPAGE);
#endif
    cairn_pool *pool = cairn_pool_new(n_threads);
    if (!buf || !pool || n == 0) { free(buf); if (pool) cairn_pool_free(pool); return 0; }
    for (uint64_t i = 0; i < n; i++) buf[i] = i;
    static const int patterns[] = {1, 4, 8};
    double t[3 * 64];
    int nt = 0;
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        bw_job j = {buf, n, patterns[k], {0}};
        cairn_pool_run(pool, bw_worker, &j); /* warm-up */
        for (int r = 0; r < reps; r++) {
            const double t0 = now_s();
            cairn_pool_run(pool, bw_worker, &j);
            t[nt++] = now_s() - t0;
        }
    }
    qsort(t, (size_t)nt, sizeof *t, cmp_double);
    cairn_pool_free(pool);
    free(buf);
    /* the fastest rep of any pattern: the limit is what the machine reaches at its best */
    return t[0] > 0 ? (double)(n * 8) / t[0] : 0;
}
