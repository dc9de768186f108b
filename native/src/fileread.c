/* fileread.c — reads a file's bytes straight into regions of caller memory (a restored
 * conversation's token and K/V rows in actor memory), with page faults and the copy overlapped.
 *
 * Fresh actor memory is untouched, so a plain read spends about half its time faulting pages in
 * (allocate + zero) and half copying. Here a helper thread walks the destination ahead of the
 * reader, faulting pages in (MADV_POPULATE_WRITE where the kernel has it, else an atomic add of
 * zero per page, which keeps whatever the reader already wrote), while this thread copies
 * chunks the helper has finished. */
#include "cairn-impl.h"

#include <errno.h>
#include <string.h>

#if !defined(_WIN32)
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK       ((uint64_t)1 << 20)
#define HELPER_MIN  ((uint64_t)4 << 20)  /* below this, faults are few: no helper thread */
#if defined(__linux__) && !defined(MADV_POPULATE_WRITE)
#define MADV_POPULATE_WRITE 23           /* Linux 5.14; older kernels answer EINVAL */
#endif

typedef struct {
    uint8_t        *base;
    const uint64_t *ranges;
    uint32_t        n;
    atomic_uint_fast64_t done;   /* destination bytes (in read order) whose pages are in */
    atomic_bool     stop;
} prefault_job;

static void touch_pages(uint8_t *p, uint64_t len) {
    const long page = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
    for (uint64_t o = 0; o < len; o += (uint64_t)page) __atomic_fetch_add(p + o, 0, __ATOMIC_RELAXED);
    if (len) __atomic_fetch_add(p + len - 1, 0, __ATOMIC_RELAXED);
}

static void *prefault(void *arg) {
    prefault_job *j = arg;
#if defined(__linux__)
    bool madv = true;
#else
    const bool madv = false;             /* no populate advice: touch the pages */
#endif
    uint64_t done = 0;
    for (uint32_t i = 0; i < j->n && !atomic_load(&j->stop); i++) {
        uint8_t *dst = j->base + j->ranges[2 * i];
        const uint64_t len = j->ranges[2 * i + 1];
        for (uint64_t o = 0; o < len && !atomic_load(&j->stop); o += CHUNK) {
            const uint64_t l = len - o < CHUNK ? len - o : CHUNK;
#if defined(__linux__)
            /* madvise wants a page-aligned start: round down (populating a neighbour's page only
             * faults it in, its bytes do not change) */
            const uintptr_t a = (uintptr_t)(dst + o), pa = a & ~(uintptr_t)4095;
            if (madv && madvise((void *)pa, l + (a - pa), MADV_POPULATE_WRITE) != 0) madv = false;
#endif
            if (!madv) touch_pages(dst + o, l);
            done += l;
            atomic_store_explicit(&j->done, done, memory_order_release);
        }
    }
    return NULL;
}

/* True when the destination's pages are (sampled: one per MiB) already resident, e.g. a reused
 * actor's zeroed rows: then there is nothing to fault in and no helper to start. */
static bool resident(uint8_t *base, const uint64_t *ranges, uint32_t n) {
    const long ps = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
    for (uint32_t i = 0; i < n; i++) {
        for (uint64_t o = 0; o < ranges[2 * i + 1]; o += CHUNK) {
            const uintptr_t a = (uintptr_t)(base + ranges[2 * i] + o) & ~(uintptr_t)(ps - 1);
            unsigned char v = 0;
            if (mincore((void *)a, (size_t)ps, (void *)&v) != 0 || !(v & 1)) return false;
        }
    }
    return true;
}

static cairn_status read_exact(int fd, uint8_t *dst, uint64_t len, uint64_t off) {
    while (len) {
        const size_t want = len > ((uint64_t)1 << 30) ? (size_t)1 << 30 : (size_t)len;
        const ssize_t r = pread(fd, dst, want, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return cairn_fail(CAIRN_E_IO, "read at %llu: %s", (unsigned long long)off, strerror(errno));
        if (r == 0) return cairn_fail(CAIRN_E_TRUNCATED, "file ended at %llu", (unsigned long long)off);
        dst += r; len -= (uint64_t)r; off += (uint64_t)r;
    }
    return CAIRN_OK;
}

cairn_status cairn_read_file_regions(int32_t fd, uint64_t file_off, void *base, uint64_t base_size,
                                     const uint64_t *ranges, uint32_t n_ranges) {
    if (fd < 0 || (n_ranges && !ranges) || (!base && base_size)) return cairn_fail(CAIRN_E_ARG, "read: bad argument");
    uint64_t total = 0;
    for (uint32_t i = 0; i < n_ranges; i++) {
        const uint64_t off = ranges[2 * i], len = ranges[2 * i + 1];
        if (off > base_size || len > base_size - off || total + len < total)
            return cairn_fail(CAIRN_E_ARG, "read: range %u [%llu, +%llu) outside the %llu-byte buffer", i,
                              (unsigned long long)off, (unsigned long long)len, (unsigned long long)base_size);
        total += len;
    }
    prefault_job job = { .base = base, .ranges = ranges, .n = n_ranges };
    pthread_t helper;
    const bool helped = total >= HELPER_MIN && !resident(base, ranges, n_ranges)
                        && pthread_create(&helper, NULL, prefault, &job) == 0;
    cairn_status st = CAIRN_OK;
    uint64_t at = 0; /* bytes read so far, in read order */
    for (uint32_t i = 0; i < n_ranges && st == CAIRN_OK; i++) {
        uint8_t *dst = (uint8_t *)base + ranges[2 * i];
        const uint64_t len = ranges[2 * i + 1];
        for (uint64_t o = 0; o < len && st == CAIRN_OK; o += CHUNK) {
            const uint64_t l = len - o < CHUNK ? len - o : CHUNK;
            /* wait for the helper to have faulted this chunk in (it only ever moves forward) */
            for (int spins = 0; helped && atomic_load_explicit(&job.done, memory_order_acquire) < at + l; spins++)
                if (spins > 64) sched_yield();
            st = read_exact(fd, dst + o, l, file_off + at);
            at += l;
        }
    }
    if (helped) {
        atomic_store(&job.stop, true);
        pthread_join(helper, NULL);
    }
    return st;
}
#else
cairn_status cairn_read_file_regions(int32_t fd, uint64_t file_off, void *base, uint64_t base_size,
                                     const uint64_t *ranges, uint32_t n_ranges) {
    (void)fd; (void)file_off; (void)base; (void)base_size; (void)ranges; (void)n_ranges;
    return cairn_fail(CAIRN_E_ARG, "read: not available on Windows (the caller reads with the runtime)");
}
#endif
