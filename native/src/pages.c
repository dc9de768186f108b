/* pages.c — hands the physical pages behind a range of caller memory back to the OS: a released
 * actor's memory (the JS runtime frees a WebAssembly.Memory only when it collects it, and then
 * only as a whole) stops counting in the process's resident memory at once and can be reused. */
#include "cairn-impl.h"

#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

cairn_status cairn_discard_pages(void *base, uint64_t base_size, uint64_t off, uint64_t len) {
    if ((!base && base_size) || off > base_size || len > base_size - off)
        return cairn_fail(CAIRN_E_ARG, "discard: [%llu, +%llu) outside the %llu-byte buffer",
                          (unsigned long long)off, (unsigned long long)len, (unsigned long long)base_size);
    if (!len) return CAIRN_OK;
    uint8_t *p = (uint8_t *)base + off, *end = p + len;
#if defined(__linux__)
    /* whole pages inside the range are dropped (a private anonymous mapping reads them back as
     * zeros); the partial pages at its ends are zeroed in place */
    const long ps = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
    uint8_t *a = (uint8_t *)(((uintptr_t)p + (uintptr_t)ps - 1) & ~(uintptr_t)(ps - 1));
    uint8_t *b = (uint8_t *)((uintptr_t)end & ~(uintptr_t)(ps - 1));
    if (a < b && madvise(a, (size_t)(b - a), MADV_DONTNEED) == 0) {
        memset(p, 0, (size_t)(a - p));
        memset(b, 0, (size_t)(end - b));
        return CAIRN_OK;
    }
#endif
    memset(p, 0, (size_t)len); /* elsewhere (or if the advice failed): zeros, pages kept */
    return CAIRN_OK;
}
