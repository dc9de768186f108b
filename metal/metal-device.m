// metal-device.m — the only file that touches Apple's APIs: the device layer of metal-impl.h.
// Device, library, pipelines, buffers and command buffers behind C functions and opaque handles;
// manual reference counting (no ARC), every entry point in its own autorelease pool (the engine's
// callers are Node threads without one). The kernels are compiled at run time from the source the
// build embeds (build/native/metal-source.c, from metal/kernels by scripts/metal-embed.mjs), once per
// process: the library is kept for every later model load.
#import <Foundation/Foundation.h>
#import <Metal/Metal.h>

#include <mach/mach.h>
#include <mach/mach_vm.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../native/src/cairn-impl.h"
#include "metal-impl.h"

extern const char cairn_metal_source[];

struct cairn_mtl {
    id<MTLDevice>                device;
    id<MTLCommandQueue>          queue;
    id<MTLComputePipelineState>  pipes[CAIRN_MTL_K_COUNT];
    id<MTLCommandBuffer>         cmd;     // the command buffer being encoded (NULL between passes)
    id<MTLComputeCommandEncoder> enc;
    char                         error[256]; // the first encoding error of this command buffer
    char                         name[128];
};

struct cairn_mtl_buf { id<MTLBuffer> buf; };

#define CAIRN_MTL_NAME(n) "kernel_" #n,
static const char *const k_names[CAIRN_MTL_K_COUNT] = {CAIRN_MTL_KERNELS(CAIRN_MTL_NAME)};
#undef CAIRN_MTL_NAME

// ---- the compiled library, once per process ----

static pthread_mutex_t g_lib_lock = PTHREAD_MUTEX_INITIALIZER;
static id<MTLLibrary>  g_lib;
static id<MTLDevice>   g_lib_device;

static const char *ns_text(NSError *e) { return e ? [[e localizedDescription] UTF8String] : "no reason given"; }

// The library for dev (retained by the cache; the caller does not release it).
static cairn_status library_get(id<MTLDevice> dev, id<MTLLibrary> *out) {
    cairn_status s = CAIRN_OK;
    pthread_mutex_lock(&g_lib_lock);
    if (!g_lib || g_lib_device != dev) {
        MTLCompileOptions *opt = [[MTLCompileOptions alloc] init];
        NSError *err = nil;
        id<MTLLibrary> lib = [dev newLibraryWithSource:[NSString stringWithUTF8String:cairn_metal_source] options:opt error:&err];
        [opt release];
        if (!lib) s = cairn_fail(CAIRN_E_ARG, "metal: the kernels do not compile: %s", ns_text(err));
        else {
            [g_lib release];
            [g_lib_device release];
            g_lib = lib;
            g_lib_device = [dev retain];
        }
    }
    *out = g_lib;
    pthread_mutex_unlock(&g_lib_lock);
    return s;
}

// ---- device ----

cairn_status cairn_mtl_open(cairn_mtl **out) {
    *out = NULL;
    @autoreleasepool {
        id<MTLDevice> dev = MTLCreateSystemDefaultDevice();
        if (!dev) return cairn_fail(CAIRN_E_ARG, "metal: no Metal device");
        if (![dev hasUnifiedMemory]) {
            [dev release];
            return cairn_fail(CAIRN_E_ARG, "metal: the GPU does not share memory with the CPU (zero copy needs unified memory)");
        }
        cairn_mtl *d = calloc(1, sizeof *d);
        if (!d) { [dev release]; return cairn_fail(CAIRN_E_NOMEM, "metal: out of memory"); }
        d->device = dev;
        snprintf(d->name, sizeof d->name, "%s", [[dev name] UTF8String]);
        id<MTLLibrary> lib = nil;
        cairn_status s = library_get(dev, &lib);
        for (int k = 0; !s && k < CAIRN_MTL_K_COUNT; k++) {
            id<MTLFunction> fn = [lib newFunctionWithName:[NSString stringWithUTF8String:k_names[k]]];
            if (!fn) { s = cairn_fail(CAIRN_E_ARG, "metal: the library has no %s", k_names[k]); break; }
            NSError *err = nil;
            d->pipes[k] = [dev newComputePipelineStateWithFunction:fn error:&err];
            [fn release];
            if (!d->pipes[k]) s = cairn_fail(CAIRN_E_ARG, "metal: no pipeline for %s: %s", k_names[k], ns_text(err));
        }
        if (!s) {
            d->queue = [dev newCommandQueue];
            if (!d->queue) s = cairn_fail(CAIRN_E_ARG, "metal: no command queue");
        }
        if (s) { cairn_mtl_close(d); return s; }
        *out = d;
    }
    return CAIRN_OK;
}

void cairn_mtl_close(cairn_mtl *d) {
    if (!d) return;
    @autoreleasepool {
        [d->enc release];
        [d->cmd release];
        for (int k = 0; k < CAIRN_MTL_K_COUNT; k++) [d->pipes[k] release];
        [d->queue release];
        [d->device release];
    }
    free(d);
}

const char *cairn_mtl_name(const cairn_mtl *d) { return d ? d->name : ""; }

uint64_t cairn_mtl_page_size(void) { return (uint64_t)sysconf(_SC_PAGESIZE); }

uint64_t cairn_mtl_max_buffer(const cairn_mtl *d) { return (uint64_t)[d->device maxBufferLength]; }

uint64_t cairn_mtl_mapping_id(const void *ptr) {
    mach_vm_address_t addr = (mach_vm_address_t)(uintptr_t)ptr;
    mach_vm_size_t size = 0;
    vm_region_top_info_data_t info;
    mach_msg_type_number_t count = VM_REGION_TOP_INFO_COUNT;
    mach_port_t object = MACH_PORT_NULL;
    const kern_return_t kr = mach_vm_region(mach_task_self(), &addr, &size, VM_REGION_TOP_INFO, (vm_region_info_t)&info,
                                            &count, &object);
    if (kr != KERN_SUCCESS || addr > (mach_vm_address_t)(uintptr_t)ptr) return 0;
    return ((uint64_t)info.obj_id << 32) ^ (uint64_t)addr;
}

// ---- buffers ----

cairn_status cairn_mtl_wrap(cairn_mtl *d, void *ptr, uint64_t len, cairn_mtl_buf **out) {
    *out = NULL;
    const uint64_t page = cairn_mtl_page_size();
    if ((uintptr_t)ptr % page || len % page || len == 0)
        return cairn_fail(CAIRN_E_ARG, "metal: %p + %llu bytes is not whole pages", ptr, (unsigned long long)len);
    @autoreleasepool {
        id<MTLBuffer> b = [d->device newBufferWithBytesNoCopy:ptr length:(NSUInteger)len
                                                      options:MTLResourceStorageModeShared deallocator:nil];
        if (!b) return cairn_fail(CAIRN_E_ARG, "metal: cannot wrap %llu bytes at %p", (unsigned long long)len, ptr);
        cairn_mtl_buf *w = malloc(sizeof *w);
        if (!w) { [b release]; return cairn_fail(CAIRN_E_NOMEM, "metal: out of memory"); }
        w->buf = b;
        *out = w;
    }
    return CAIRN_OK;
}

cairn_status cairn_mtl_alloc(cairn_mtl *d, uint64_t len, cairn_mtl_buf **out, void **contents) {
    *out = NULL;
    @autoreleasepool {
        id<MTLBuffer> b = [d->device newBufferWithLength:(NSUInteger)len options:MTLResourceStorageModeShared];
        if (!b) return cairn_fail(CAIRN_E_NOMEM, "metal: no %llu-byte buffer for activations", (unsigned long long)len);
        cairn_mtl_buf *w = malloc(sizeof *w);
        if (!w) { [b release]; return cairn_fail(CAIRN_E_NOMEM, "metal: out of memory"); }
        w->buf = b;
        *contents = [b contents];
        *out = w;
    }
    return CAIRN_OK;
}

void cairn_mtl_buf_free(cairn_mtl_buf *b) {
    if (!b) return;
    @autoreleasepool { [b->buf release]; }
    free(b);
}

// ---- command buffers ----

cairn_status cairn_mtl_begin(cairn_mtl *d) {
    if (d->cmd) return cairn_fail(CAIRN_E_ARG, "metal: a command buffer is already open");
    @autoreleasepool {
        // unretained references: the engine keeps every buffer alive until the pass completes
        d->cmd = [[d->queue commandBufferWithUnretainedReferences] retain];
        d->enc = [[d->cmd computeCommandEncoder] retain];
    }
    d->error[0] = 0;
    if (!d->cmd || !d->enc) {
        [d->enc release];
        [d->cmd release];
        d->enc = nil;
        d->cmd = nil;
        return cairn_fail(CAIRN_E_ARG, "metal: no command buffer");
    }
    return CAIRN_OK;
}

void cairn_mtl_dispatch(cairn_mtl *d, cairn_mtl_kernel k, const void *args, size_t args_len, const cairn_mtl_ref *bufs,
                        int n_bufs, const uint32_t grid[3], uint32_t threads, uint32_t tg_mem) {
    if (!d->enc || d->error[0]) return;
    id<MTLComputePipelineState> p = d->pipes[k];
    if (threads > [p maxTotalThreadsPerThreadgroup]) {
        snprintf(d->error, sizeof d->error, "%s takes at most %lu threads per threadgroup, not %u", k_names[k],
                 (unsigned long)[p maxTotalThreadsPerThreadgroup], threads);
        return;
    }
    [d->enc setComputePipelineState:p];
    [d->enc setBytes:args length:args_len atIndex:0];
    for (int i = 0; i < n_bufs; i++) [d->enc setBuffer:bufs[i].buf->buf offset:(NSUInteger)bufs[i].off atIndex:(NSUInteger)(i + 1)];
    [d->enc setThreadgroupMemoryLength:(NSUInteger)((tg_mem + 15) & ~15u) atIndex:0];
    [d->enc dispatchThreadgroups:MTLSizeMake(grid[0], grid[1], grid[2]) threadsPerThreadgroup:MTLSizeMake(threads, 1, 1)];
}

cairn_status cairn_mtl_commit_wait(cairn_mtl *d) {
    if (!d->cmd) return cairn_fail(CAIRN_E_ARG, "metal: no command buffer to commit");
    cairn_status s = CAIRN_OK;
    @autoreleasepool {
        [d->enc endEncoding];
        if (d->error[0]) s = cairn_fail(CAIRN_E_ARG, "metal: %s", d->error);
        else {
            [d->cmd commit];
            [d->cmd waitUntilCompleted];
            if ([d->cmd status] != MTLCommandBufferStatusCompleted)
                s = cairn_fail(CAIRN_E_ARG, "metal: the command buffer failed: %s", ns_text([d->cmd error]));
        }
        [d->enc release];
        [d->cmd release];
        d->enc = nil;
        d->cmd = nil;
    }
    return s;
}
