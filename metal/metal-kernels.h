/* metal-kernels.h — every kernel the Metal backend dispatches, as one X-macro list: the host makes a
 * pipeline for each `kernel_<name>` (metal-device.m), the Linux check runs the same list on the shim
 * (tests/shim-device.cpp). Matrix kernels exist per weight type (kernel_<op>_<type>). */
#ifndef CAIRN_METAL_KERNELS_H
#define CAIRN_METAL_KERNELS_H

#define CAIRN_MTL_TYPES(X, op) \
    X(op##_f32) X(op##_f16) X(op##_bf16) X(op##_q4_0) X(op##_q4_1) X(op##_q5_0) X(op##_q5_1) \
    X(op##_q8_0) X(op##_q4_K) X(op##_q5_K) X(op##_q6_K)

#define CAIRN_MTL_KERNELS(X) \
    CAIRN_MTL_TYPES(X, mul_mv) CAIRN_MTL_TYPES(X, mul_mm) \
    X(rmsnorm) X(rope_kv) X(attn) X(attn_reduce) X(swiglu) X(kv_shift)

#define CAIRN_MTL_ENUM(name) CAIRN_MTL_K_##name,
typedef enum { CAIRN_MTL_KERNELS(CAIRN_MTL_ENUM) CAIRN_MTL_K_COUNT } cairn_mtl_kernel;
#undef CAIRN_MTL_ENUM

#endif
