/* threadpool.h — a persistent pool of worker threads (internal).
 * cairn_pool_run(p, fn, ctx) calls fn(ctx, ith, nth) on every thread (the caller is thread 0)
 * and returns when all have finished. Workers spin briefly between jobs (a decode step
 * dispatches ~100 jobs), then sleep on a condition variable. */
#ifndef CAIRN_THREADPOOL_H
#define CAIRN_THREADPOOL_H

typedef struct cairn_pool cairn_pool;
typedef void (*cairn_pool_fn)(void *ctx, int ith, int nth);

cairn_pool *cairn_pool_new (int n_threads);   /* NULL on failure */
void        cairn_pool_free(cairn_pool *p);
int         cairn_pool_size(const cairn_pool *p);
void        cairn_pool_run (cairn_pool *p, cairn_pool_fn fn, void *ctx);

#endif
