/* kernels-avx512.c — the x86 table for CPUs with AVX-512 (F, BW, VL, DQ) and VNNI.
 * It is the AVX2 template (kernels-avx2.c) with the integer dot products in VNNI form
 * (vpdpbusd / vpdpwssd, EVEX on 256-bit registers, no int16 saturation step) and a wider
 * register tile (4 rows x 4 columns, using the 32 vector registers). Compiled with
 * -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vnni plus the AVX2 flags.
 */
#define CAIRN_X86_VNNI 1
#include "kernels-avx2.c"
