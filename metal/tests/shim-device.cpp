// shim-device.cpp — the device layer (metal-impl.h) on the kernel shim: the kernels of
// metal/kernels/*.metal compiled as C++ and run on the CPU, each threadgroup's threads as cooperative
// fibers that switch at every barrier and SIMD-group reduction. Used only by the Linux check
// (scripts/metal-test.mjs): everything above the device layer (metal-forward.c, the engine) runs as
// it would on a Mac. Buffers are the memory itself; a dispatch runs at once, in order.
#include <metal_stdlib>
#include "../kernels/quants.metal"
#include "../kernels/matmul.metal"
#include "../kernels/rows.metal"
#include "../kernels/attention.metal"
#undef double

#include "../metal-impl.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <ucontext.h>
#include <type_traits>
#include <utility>
#include <vector>

// ---- the fiber scheduler ----

namespace {
enum State { RUN, DONE, WAIT_TG, WAIT_SG, WAIT_RED };
constexpr int MAX_THREADS = 1024;
constexpr size_t STACK = 256 << 10;

struct Fiber { jmp_buf ctx; ucontext_t uc; char *stack; State state; float val; int op; };

Fiber g_f[MAX_THREADS];
int g_started = 0;      // fibers created so far (they are kept for later dispatches)
int g_cur = -1;
jmp_buf g_sched;
ucontext_t g_creator;
void (*g_body)(int tid) = nullptr;
int g_reverse = 0;      // run order between synchronization points (set by the tests)
const char *g_error = nullptr;

void yield_to_scheduler() { if (!_setjmp(g_f[g_cur].ctx)) _longjmp(g_sched, 1); }

void fiber_start() {
    const int me = g_cur;
    if (!_setjmp(g_f[me].ctx)) swapcontext(&g_f[me].uc, &g_creator); // parked until first resumed
    for (;;) {
        g_body(g_cur);
        g_f[g_cur].state = DONE;
        yield_to_scheduler();
    }
}

void ensure_fibers(int n) {
    for (; g_started < n; g_started++) {
        Fiber &f = g_f[g_started];
        f.stack = static_cast<char *>(std::malloc(STACK));
        getcontext(&f.uc);
        f.uc.uc_stack.ss_sp = f.stack;
        f.uc.uc_stack.ss_size = STACK;
        f.uc.uc_link = nullptr;
        makecontext(&f.uc, fiber_start, 0);
        g_cur = g_started;
        swapcontext(&g_creator, &f.uc);
    }
}

void resume(int i) {
    g_cur = i;
    if (!_setjmp(g_sched)) _longjmp(g_f[i].ctx, 1);
}

void wait_on(State s, float v, int op) {
    g_f[g_cur].state = s;
    g_f[g_cur].val = v;
    g_f[g_cur].op = op;
    yield_to_scheduler();
}

// Runs threads [0, n) of one threadgroup to completion; false (g_error set) on divergence or deadlock.
bool run_group(int n) {
    for (int i = 0; i < n; i++) g_f[i].state = RUN;
    for (;;) {
        for (int k = 0; k < n; k++) {
            const int i = g_reverse ? n - 1 - k : k;
            if (g_f[i].state == RUN) resume(i);
        }
        int done = 0, tg = 0;
        for (int i = 0; i < n; i++) { done += g_f[i].state == DONE; tg += g_f[i].state == WAIT_TG; }
        if (done == n) return true;
        bool progress = false;
        if (tg == n) { for (int i = 0; i < n; i++) g_f[i].state = RUN; progress = true; }
        else if (tg && tg + done == n) { g_error = "a threadgroup barrier that not every thread reached"; return false; }
        for (int s0 = 0; s0 < n; s0 += 32) { // simdgroups: every lane must take part
            const int s1 = std::min(n, s0 + 32);
            int red = 0, bar = 0;
            for (int i = s0; i < s1; i++) { red += g_f[i].state == WAIT_RED; bar += g_f[i].state == WAIT_SG; }
            if (red == s1 - s0) {
                float r = g_f[s0].val;
                for (int i = s0 + 1; i < s1; i++) r = g_f[s0].op == 0 ? r + g_f[i].val : std::max(r, g_f[i].val);
                for (int i = s0; i < s1; i++) { g_f[i].val = r; g_f[i].state = RUN; }
                progress = true;
            } else if (bar == s1 - s0) {
                for (int i = s0; i < s1; i++) g_f[i].state = RUN;
                progress = true;
            } else if (red || bar) {
                bool waiting_elsewhere = false;
                for (int i = s0; i < s1; i++) waiting_elsewhere |= g_f[i].state == WAIT_TG || g_f[i].state == DONE;
                if (waiting_elsewhere) { g_error = "a SIMD-group operation that not every lane reached"; return false; }
            }
        }
        if (!progress) { g_error = "deadlock"; return false; }
    }
}
} // namespace

namespace metal {
void shim_threadgroup_barrier() { wait_on(WAIT_TG, 0, 0); }
void shim_simdgroup_barrier() { wait_on(WAIT_SG, 0, 0); }
float shim_simd_reduce(float v, int op) { wait_on(WAIT_RED, v, op); return g_f[g_cur].val; }
}

// ---- kernels by id: a runner unpacks (args, buffers) into each kernel's own parameters ----

namespace {
struct Call { const void *args; void *const *bufs; char *shm; uint3 tg; };
Call g_call;

// Parameter I of N: 0 the argument struct, then the buffers, then the five of CAIRN_TG_PARAMS.
template <class P, size_t I, size_t N> P arg(int tid) {
    if constexpr (I == 0) return *static_cast<std::remove_reference_t<P> *>(const_cast<void *>(g_call.args));
    else if constexpr (I + 5 < N) return (P)g_call.bufs[I - 1];
    else if constexpr (I + 5 == N) return (P)g_call.shm;
    else if constexpr (I + 4 == N) return g_call.tg;
    else if constexpr (I + 3 == N) return (P)tid;
    else if constexpr (I + 2 == N) return (P)(tid % 32);
    else return (P)(tid / 32);
}
template <class F> struct Params;
template <class... P> struct Params<void (*)(P...)> {
    template <auto Fn, size_t... I> static void call(int tid, std::index_sequence<I...>) { Fn(arg<P, I, sizeof...(P)>(tid)...); }
    template <auto Fn> static void run(int tid) { call<Fn>(tid, std::index_sequence_for<P...>{}); }
};
// The runner of one kernel (a function of its own per kernel: many kernels share a signature).
template <auto Fn> void run_kernel(int tid) { Params<decltype(Fn)>::template run<Fn>(tid); }

struct Table {
    void (*run[CAIRN_MTL_K_COUNT])(int);
    Table() {
        int i = 0;
#define CAIRN_SHIM_ENTRY(name) run[i++] = &run_kernel<&kernel_##name>;
        CAIRN_MTL_KERNELS(CAIRN_SHIM_ENTRY)
#undef CAIRN_SHIM_ENTRY
    }
};
} // namespace

// ---- the device layer ----

struct cairn_mtl { std::vector<char> shm; bool open_buffer; const char *error; };
struct cairn_mtl_buf { void *ptr; bool owned; };

extern "C" {
// The tests' control over the scheduler: the run order between synchronization points.
void cairn_shim_set_reverse(int reverse) { g_reverse = reverse; }

cairn_status cairn_mtl_open(cairn_mtl **out) {
    *out = new cairn_mtl{std::vector<char>(64 << 10), false, nullptr};
    return CAIRN_OK;
}
void cairn_mtl_close(cairn_mtl *d) { delete d; }
const char *cairn_mtl_name(const cairn_mtl *) { return "kernel shim (CPU)"; }
uint64_t cairn_mtl_page_size(void) { return 16384; }
uint64_t cairn_mtl_max_buffer(const cairn_mtl *) { return UINT64_MAX; }
uint64_t cairn_mtl_mapping_id(const void *) { return 0; }

cairn_status cairn_mtl_wrap(cairn_mtl *, void *ptr, uint64_t len, cairn_mtl_buf **out) {
    if ((uintptr_t)ptr % 16384 || len % 16384 || !len)
        return cairn_fail(CAIRN_E_ARG, "metal: wrap of %p, %llu bytes: not whole 16 KiB pages", ptr, (unsigned long long)len);
    *out = new cairn_mtl_buf{ptr, false};
    return CAIRN_OK;
}
cairn_status cairn_mtl_alloc(cairn_mtl *, uint64_t len, cairn_mtl_buf **out, void **contents) {
    void *p = std::aligned_alloc(16384, (len + 16383) / 16384 * 16384);
    if (!p) return cairn_fail(CAIRN_E_NOMEM, "metal: no memory for %llu bytes of scratch", (unsigned long long)len);
    // poison: a kernel that reads scratch before anything wrote it gives NaNs
    for (uint64_t i = 0; i < len / 4; i++) static_cast<uint32_t *>(p)[i] = 0x7fc00000u;
    *out = new cairn_mtl_buf{p, true};
    *contents = p;
    return CAIRN_OK;
}
void cairn_mtl_buf_free(cairn_mtl_buf *b) { if (b && b->owned) std::free(b->ptr); delete b; }

cairn_status cairn_mtl_begin(cairn_mtl *d) {
    if (d->open_buffer) return cairn_fail(CAIRN_E_ARG, "metal: a command buffer is already open");
    d->open_buffer = true;
    d->error = nullptr;
    return CAIRN_OK;
}

void cairn_mtl_dispatch(cairn_mtl *d, cairn_mtl_kernel k, const void *args, size_t args_len, const cairn_mtl_ref *bufs,
                        int n_bufs, const uint32_t grid[3], uint32_t threads, uint32_t tg_mem) {
    static const Table table;
    if (d->error) return;
    if (!d->open_buffer) { d->error = "dispatch outside a command buffer"; return; }
    if (args_len > 4096 || threads == 0 || threads > MAX_THREADS || threads % 32 || tg_mem > 32768 || n_bufs > 8) {
        d->error = "dispatch outside Metal's limits (4 KiB of arguments, 1024 threads, 32 KiB threadgroup memory)";
        return;
    }
    void *ptrs[8];
    for (int i = 0; i < n_bufs; i++) ptrs[i] = static_cast<char *>(bufs[i].buf->ptr) + bufs[i].off;
    ensure_fibers((int)threads);
    g_body = table.run[k];
    for (uint32_t z = 0; z < grid[2]; z++)
        for (uint32_t y = 0; y < grid[1]; y++)
            for (uint32_t x = 0; x < grid[0]; x++) {
                std::fill(d->shm.begin(), d->shm.begin() + tg_mem, (char)0x7f); // garbage, as on a GPU
                g_call = Call{args, ptrs, d->shm.data(), uint3{x, y, z}};
                if (!run_group((int)threads)) { d->error = g_error; return; }
            }
}

cairn_status cairn_mtl_commit_wait(cairn_mtl *d) {
    d->open_buffer = false;
    if (d->error) return cairn_fail(CAIRN_E_ARG, "metal: the command buffer failed: %s", d->error);
    return CAIRN_OK;
}
}
