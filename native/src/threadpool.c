/* threadpool.c — persistent worker threads with spin-then-sleep waiting. */
#include "threadpool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
#  include <immintrin.h>
#  define CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#  define CPU_RELAX() __asm__ volatile("yield")
#else
#  define CPU_RELAX() ((void)0)
#endif

#define SPIN_ROUNDS 200000  /* ~ a few ms of pause before sleeping */
/* After this many pauses a waiting thread also yields its core on every further round: on a
 * machine shared with other processes, the thread being waited for is often runnable but
 * descheduled, and pure spinning holds the core it needs. With idle cores sched_yield returns
 * at once, so the cost on a quiet machine is a syscall per round after the first few µs. */
#define YIELD_AFTER 2000

struct cairn_pool {
    int              n;
    pthread_t       *threads;
    pthread_mutex_t  mu;
    pthread_cond_t   cv;
    atomic_uint      generation;   /* bumped per job */
    atomic_int       pending;      /* workers still running the current job */
    atomic_int       sleeping;
    atomic_bool      stop;
    cairn_pool_fn    fn;
    void            *ctx;
    cairn_pool      *next;         /* live pools, for stop_all_pools */
};

/* Every live pool, so the library can stop its threads before it is unloaded (koffi unloads it
 * when the process exits: a worker still spinning in unmapped code would crash the exit). */
static pthread_mutex_t g_pools_mu = PTHREAD_MUTEX_INITIALIZER;
static cairn_pool     *g_pools;

typedef struct { cairn_pool *p; int ith; } worker_arg;

static void *worker(void *arg) {
    worker_arg *w = arg;
    cairn_pool *p = w->p;
    const int ith = w->ith;
    free(w);
    unsigned seen = 0; /* generation at creation: a job posted before this thread runs is still seen */
    for (;;) {
        unsigned g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen && !atomic_load(&p->stop)) {
            if (++spins < SPIN_ROUNDS) { if (spins > YIELD_AFTER) sched_yield(); else CPU_RELAX(); continue; }
            pthread_mutex_lock(&p->mu);
            atomic_fetch_add(&p->sleeping, 1);
            while (atomic_load(&p->generation) == seen && !atomic_load(&p->stop)) pthread_cond_wait(&p->cv, &p->mu);
            atomic_fetch_sub(&p->sleeping, 1);
            pthread_mutex_unlock(&p->mu);
            spins = 0;
        }
        if (atomic_load(&p->stop)) return NULL;
        seen = g;
        p->fn(p->ctx, ith, p->n);
        atomic_fetch_sub_explicit(&p->pending, 1, memory_order_release);
    }
}

/* Stops and joins p's workers; p then runs every job on the calling thread. */
static void stop_workers(cairn_pool *p) {
    pthread_mutex_lock(&p->mu);
    atomic_store(&p->stop, true);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n; i++) pthread_join(p->threads[i], NULL);
    p->n = 1;
}

__attribute__((destructor)) static void stop_all_pools(void) {
    pthread_mutex_lock(&g_pools_mu);
    for (cairn_pool *p = g_pools; p; p = p->next) stop_workers(p);
    pthread_mutex_unlock(&g_pools_mu);
}

cairn_pool *cairn_pool_new(int n_threads) {
    if (n_threads < 1) n_threads = 1;
    cairn_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->threads = calloc((size_t)n_threads, sizeof(pthread_t));
    if (!p->threads) { free(p); return NULL; }
    for (int i = 1; i < n_threads; i++) {
        worker_arg *w = malloc(sizeof *w);
        if (!w) { p->n = i; cairn_pool_free(p); return NULL; }
        w->p = p; w->ith = i;
        if (pthread_create(&p->threads[i], NULL, worker, w) != 0) { free(w); p->n = i; cairn_pool_free(p); return NULL; }
    }
    pthread_mutex_lock(&g_pools_mu);
    p->next = g_pools;
    g_pools = p;
    pthread_mutex_unlock(&g_pools_mu);
    return p;
}

void cairn_pool_free(cairn_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&g_pools_mu);
    for (cairn_pool **q = &g_pools; *q; q = &(*q)->next) if (*q == p) { *q = p->next; break; }
    pthread_mutex_unlock(&g_pools_mu);
    stop_workers(p);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p);
}

int cairn_pool_size(const cairn_pool *p) { return p->n; }

void cairn_pool_run(cairn_pool *p, cairn_pool_fn fn, void *ctx) {
    if (p->n == 1) { fn(ctx, 0, 1); return; }
    p->fn = fn;
    p->ctx = ctx;
    atomic_store(&p->pending, p->n - 1);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    if (atomic_load(&p->sleeping) > 0) {
        pthread_mutex_lock(&p->mu);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    fn(ctx, 0, p->n);
    for (int spins = 0; atomic_load_explicit(&p->pending, memory_order_acquire) > 0; spins++) {
        if (spins > YIELD_AFTER) sched_yield();
        else CPU_RELAX();
    }
}
