/* kernels.c — picks a kernel table for the running CPU.
 * The ISA files are compiled only for their architecture (scripts/build-native.mjs), so they
 * are referenced only under the matching #if. Each ISA file checks the CPU itself.
 */
#include "quants-impl.h"

#if !defined(__x86_64__)
const cairn_kernels *cairn_kernels_avx2(void)   { return NULL; }
const cairn_kernels *cairn_kernels_avx512(void) { return NULL; }
const cairn_kernels *cairn_kernels_amx(void)    { return NULL; }
#endif
#if !defined(__aarch64__)
const cairn_kernels *cairn_kernels_neon(void)   { return NULL; }
#endif

const cairn_kernels *cairn_kernels_select(int32_t backend) {
    switch (backend) {
    case CAIRN_BACKEND_REFERENCE: return cairn_kernels_reference();
    case CAIRN_BACKEND_AVX2:      return cairn_kernels_avx2();
    case CAIRN_BACKEND_AVX512:    return cairn_kernels_avx512();
    case CAIRN_BACKEND_NEON:      return cairn_kernels_neon();
    case CAIRN_BACKEND_AMX:       return cairn_kernels_amx();
    case CAIRN_BACKEND_AUTO: {
        const cairn_kernels *k;
        if ((k = cairn_kernels_neon()))   return k;
        if ((k = cairn_kernels_amx()))    return k;
        if ((k = cairn_kernels_avx512())) return k;
        if ((k = cairn_kernels_avx2()))   return k;
        return cairn_kernels_reference();
    }
    default: return NULL;
    }
}
