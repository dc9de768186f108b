/* fileread.c — reads a file's bytes straight into regions of caller memory (a restored
 * conversation's token and K/V rows in actor memory), hashing them on the way, with page faults,
 * the copy and the hash overlapped.
 *
 * This thread copies 128 KiB chunks. Behind it, a hash helper runs XXH64 over each chunk as soon as
 * it has landed (still in cache), so the check costs little more than the read. Fresh actor
 * memory is untouched, so a plain read spends about half its time faulting pages in (allocate +
 * zero); there a fault helper walks the destination ahead of the reader (MADV_POPULATE_WRITE
 * where the kernel has it, else an atomic add of zero per page, which keeps whatever the reader
 * already wrote) and the reader copies only chunks it has finished. */
#include "cairn-impl.h"

#include <errno.h>
#include <string.h>

#if !defined(_WIN32)
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK       ((uint64_t)128 << 10) /* read (and hash) step: the hash helper finds it in cache */
#define FAULT_CHUNK ((uint64_t)1 << 20)   /* prefault step */
#define HELPER_MIN  ((uint64_t)4 << 20)  /* below this, faults are few: no fault helper */
#define HASH_BEHIND ((uint64_t)2 << 20)  /* below this, hash after the read: no hash helper */
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

static void wait_for(const atomic_uint_fast64_t *progress, uint64_t want, const atomic_bool *stop) {
    for (int spins = 0; atomic_load_explicit(progress, memory_order_acquire) < want && !atomic_load(stop); spins++)
        if (spins > 64) sched_yield();
}

/* The hash of the regions in read order, advanced one piece (≤ CHUNK, within one range) at a
 * time by whichever thread gets there: the hash helper right behind the reader, or the reader
 * itself when the helper falls behind (on a busy machine the helper may not get a core), so the
 * hash never trails the read by more than a couple of chunks, which are still in cache. */
typedef struct {
    const uint8_t *base;
    const uint64_t *ranges;
    uint32_t n;
    uint64_t total;
    const atomic_uint_fast64_t *read;   /* bytes the reader has copied, in read order */
    atomic_uint_fast64_t hashed;        /* bytes hashed, in read order */
    atomic_flag busy;                   /* held by the thread advancing the hash */
    atomic_bool stop;                   /* the read ended (or failed): the helper leaves */
    uint32_t ri;                        /* next piece: range index and offset (under busy) */
    uint64_t ro;
    cairn_xxh64 state;
} hash_job;

/* Hashes the next piece if it has been read with at least `backlog` bytes read beyond what is
 * hashed and no other thread is at it; false when it did nothing. */
static bool hash_step(hash_job *j, uint64_t backlog) {
    if (atomic_flag_test_and_set_explicit(&j->busy, memory_order_acquire)) return false;
    while (j->ri < j->n && j->ro == j->ranges[2 * j->ri + 1]) { j->ri++; j->ro = 0; }
    bool did = false;
    if (j->ri < j->n) {
        const uint64_t len = j->ranges[2 * j->ri + 1], l = len - j->ro < CHUNK ? len - j->ro : CHUNK;
        const uint64_t h = atomic_load_explicit(&j->hashed, memory_order_relaxed);
        const uint64_t r = atomic_load_explicit(j->read, memory_order_acquire);
        if (r >= h + (l > backlog ? l : backlog)) {
            cairn_xxh64_update(&j->state, j->base + j->ranges[2 * j->ri] + j->ro, l);
            j->ro += l;
            atomic_store_explicit(&j->hashed, h + l, memory_order_release);
            did = true;
        }
    }
    atomic_flag_clear_explicit(&j->busy, memory_order_release);
    return did;
}

/* Advances the hash until it covers everything (or stop is raised): the helper's whole life, and
 * the reader's last stretch once every chunk is read. */
static void hash_rest(hash_job *j) {
    for (int idle = 0; atomic_load_explicit(&j->hashed, memory_order_acquire) < j->total && !atomic_load(&j->stop);)
        if (hash_step(j, 0)) idle = 0;
        else if (++idle > 64) sched_yield();
}

static void *hash_behind(void *arg) { hash_rest(arg); return NULL; }

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
        for (uint64_t o = 0; o < len && !atomic_load(&j->stop); o += FAULT_CHUNK) {
            const uint64_t l = len - o < FAULT_CHUNK ? len - o : FAULT_CHUNK;
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
        for (uint64_t o = 0; o < ranges[2 * i + 1]; o += FAULT_CHUNK) {
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
                                     const uint64_t *ranges, uint32_t n_ranges, uint8_t *xxh64_out) {
    if (fd < 0 || (n_ranges && !ranges) || (!base && base_size)) return cairn_fail(CAIRN_E_ARG, "read: bad argument");
    uint64_t total = 0;
    cairn_status st = cairn_check_regions("read", base_size, ranges, n_ranges, &total);
    if (st != CAIRN_OK) return st;
    atomic_uint_fast64_t read = 0;       /* bytes copied so far, in read order */
    prefault_job pf = { .base = base, .ranges = ranges, .n = n_ranges };
    hash_job hj = { .base = base, .ranges = ranges, .n = n_ranges, .total = total, .read = &read, .busy = ATOMIC_FLAG_INIT };
    cairn_xxh64_init(&hj.state);
    pthread_t pf_thread, hash_thread;
    const bool faulting = total >= HELPER_MIN && !resident(base, ranges, n_ranges)
                          && pthread_create(&pf_thread, NULL, prefault, &pf) == 0;
    const bool helped = xxh64_out && total >= HASH_BEHIND && pthread_create(&hash_thread, NULL, hash_behind, &hj) == 0;
    /* with a helper, this thread hashes only when two chunks wait; without one, each chunk it reads */
    const uint64_t backlog = helped ? 2 * CHUNK : 0;
    uint64_t at = 0;
    for (uint32_t i = 0; i < n_ranges && st == CAIRN_OK; i++) {
        uint8_t *dst = (uint8_t *)base + ranges[2 * i];
        const uint64_t len = ranges[2 * i + 1];
        for (uint64_t o = 0; o < len && st == CAIRN_OK; o += CHUNK) {
            const uint64_t l = len - o < CHUNK ? len - o : CHUNK;
            if (faulting) wait_for(&pf.done, at + l, &pf.stop); /* the fault helper only moves forward */
            st = read_exact(fd, dst + o, l, file_off + at);
            at += l;
            atomic_store_explicit(&read, at, memory_order_release);
            if (xxh64_out && st == CAIRN_OK) while (hash_step(&hj, backlog) && !helped) {}
        }
    }
    if (faulting) {
        atomic_store(&pf.stop, true);
        pthread_join(pf_thread, NULL);
    }
    /* the rest of the hash: whoever is free (a piece within a range may be short of CHUNK) */
    if (xxh64_out && st == CAIRN_OK) hash_rest(&hj);
    if (helped) {
        atomic_store(&hj.stop, true);
        pthread_join(hash_thread, NULL);
    }
    if (xxh64_out && st == CAIRN_OK) cairn_xxh64_digest(&hj.state, xxh64_out);
    return st;
}
#else
cairn_status cairn_read_file_regions(int32_t fd, uint64_t file_off, void *base, uint64_t base_size,
                                     const uint64_t *ranges, uint32_t n_ranges, uint8_t *xxh64_out) {
    (void)fd; (void)file_off; (void)base; (void)base_size; (void)ranges; (void)n_ranges; (void)xxh64_out;
    return cairn_fail(CAIRN_E_ARG, "read: not available on Windows (the caller reads with the runtime)");
}
#endif
