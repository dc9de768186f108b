/* kernels-avx512.c — the x86 table for CPUs with AVX-512 (F, BW, VL, DQ) and VNNI.
 * It is the AVX2 template (kernels-avx2.c) with the integer dot products in VNNI form
 * (vpdpbusd / vpdpwssd, EVEX on 256-bit registers, no int16 saturation step) and a wider
 * register tile (4 rows x 4 columns, using the 32 vector registers); q4_0 / q8_0 also get
 * 512-bit two-blocks-per-register tiles, 8-row decode (nc = 1) tiles and packed prefill panels
 * (see the VNNI sections of kernels-avx2.c). Compiled with
 * -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni plus the AVX2 flags.
 */
#define CAIRN_X86_VNNI 1
#include "kernels-avx2.c"
