/* metal-impl.h — the Metal backend's two seams (internal).
 *
 * 1. The device layer: the only functions that touch Apple's APIs (metal-device.m, Objective-C).
 *    Opaque handles; buffers are either wrapped caller memory (no copy) or engine scratch. The
 *    Linux check implements the same functions on the kernel shim (tests/shim-device.cpp), so
 *    everything above this layer runs, unchanged, against the CPU reference there.
 * 2. The engine hooks (metal-forward.c, plain C): model.c, forward.c and kvshift.c call these
 *    when the model's backend is Metal (built with -DCAIRN_METAL only).
 */
#ifndef CAIRN_METAL_IMPL_H
#define CAIRN_METAL_IMPL_H

#include "../native/include/cairn.h"
#include "metal-kernels.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- device layer ---- */

typedef struct cairn_mtl     cairn_mtl;      /* device, queue, pipelines, the command buffer in flight */
typedef struct cairn_mtl_buf cairn_mtl_buf;  /* a buffer the kernels can read and write             */

typedef struct { cairn_mtl_buf *buf; uint64_t off; } cairn_mtl_ref;   /* a buffer and a byte offset */

/* Opens the system's default device, compiles the embedded kernel source (once per process: the
 * library is kept for later loads) and makes a pipeline per kernel. CAIRN_E_ARG (with the reason)
 * where there is no Metal device or the source does not compile. */
cairn_status cairn_mtl_open(cairn_mtl **out);
void         cairn_mtl_close(cairn_mtl *d);
/* The device's name, for logs ("Apple M1"); never NULL. */
const char  *cairn_mtl_name(const cairn_mtl *d);
/* The VM page size buffers are wrapped in (16 KiB on Apple Silicon). */
uint64_t     cairn_mtl_page_size(void);
/* The largest buffer the device takes. */
uint64_t     cairn_mtl_max_buffer(const cairn_mtl *d);
/* An identity of the memory mapping that holds ptr (0 if unknown): a wrapping made for one mapping is
 * not reused for another that later lands at the same address. */
uint64_t     cairn_mtl_mapping_id(const void *ptr);

/* Wraps [ptr, ptr + len) without copying (newBufferWithBytesNoCopy): ptr page-aligned, len a multiple
 * of the page size. The memory must outlive the buffer. */
cairn_status cairn_mtl_wrap(cairn_mtl *d, void *ptr, uint64_t len, cairn_mtl_buf **out);
/* Engine scratch of len bytes (shared storage: *contents is its CPU address). */
cairn_status cairn_mtl_alloc(cairn_mtl *d, uint64_t len, cairn_mtl_buf **out, void **contents);
void         cairn_mtl_buf_free(cairn_mtl_buf *b);

/* A command buffer with one compute encoder whose dispatches run in order (each sees the writes of
 * the ones before). */
cairn_status cairn_mtl_begin(cairn_mtl *d);
/* Encodes kernel k: args (args_len <= 4 KiB, at buffer index 0), bufs at indices 1..n_bufs,
 * grid[0..2] threadgroups of `threads` threads, tg_mem bytes of threadgroup memory (index 0). */
void         cairn_mtl_dispatch(cairn_mtl *d, cairn_mtl_kernel k, const void *args, size_t args_len,
                                const cairn_mtl_ref *bufs, int n_bufs, const uint32_t grid[3],
                                uint32_t threads, uint32_t tg_mem);
/* Ends encoding, commits and waits. CAIRN_E_ARG naming the GPU's error if the buffer failed. */
cairn_status cairn_mtl_commit_wait(cairn_mtl *d);

/* ---- engine hooks (metal-forward.c) ---- */

struct cairn_model;
typedef struct cairn_metal cairn_metal;   /* the model's Metal state: device, weight buffer, scratch */

/* Opens the device, checks the model fits the kernels (head_dim <= 256, even) and wraps the weights.
 * CAIRN_E_ARG with the reason if the model cannot run on Metal here. */
cairn_status cairn_metal_init(struct cairn_model *m, cairn_metal **out);
void         cairn_metal_free(cairn_metal *mt);
/* cairn_forward and cairn_kv_shift on the GPU, after the engine checked the arguments and layout. */
cairn_status cairn_metal_forward(struct cairn_model *m, uint8_t *base, const cairn_state_layout *L,
                                 const int32_t *tokens, uint32_t n, uint32_t pos, bool all_logits,
                                 const volatile int32_t *cancel);
cairn_status cairn_metal_kv_shift(struct cairn_model *m, uint8_t *base, const cairn_state_layout *L,
                                  uint32_t n_past, uint32_t keep, uint32_t discard, const float *cs);

#ifdef __cplusplus
}
#endif
#endif
