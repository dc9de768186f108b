// matmul.metal — out[t][r] (+)= W[r] . x[t] for every weight type, on the weights where they lie.
// mul_mv (decode, few tokens): each simdgroup takes CAIRN_MTL_MV_NR rows; its 32 lanes take the row's
// 8-element groups in turn (adjacent lanes read adjacent bytes) and simd_sum the partial dots.
// mul_mm (prefill): a 32-row x 32-token tile per threadgroup of 4 simdgroups; each step dequantizes a
// 32 x 32 slice of W (one 8-group per thread) and of x into threadgroup memory, and every simdgroup
// multiplies its 16 x 16 quarter with 8 x 8 simdgroup matrices (f32 throughout).
// Activations stay f32 (no int8 re-quantization as on the CPU): the dot is the dequantized row's.

template <typename T>
static void mul_mv_impl(constant cairn_mtl_args_mul &a, device const char *w, device const float *x,
                        device float *out, uint3 tgpig, ushort tiisg, ushort sgitg) {
    const int r0 = ((int)tgpig.x * CAIRN_MTL_MV_SG + (int)sgitg) * CAIRN_MTL_MV_NR;
    const int t = (int)tgpig.y;
    const int ng = a.ne0 / 8;
    device const float *xt = x + (ulong)t * a.x_stride;
    for (int k = 0; k < CAIRN_MTL_MV_NR; k++) {
        const int r = r0 + k;
        if (r >= a.rows) break; // the same r for every lane of the simdgroup
        device const char *wr = w + (ulong)r * a.w_row_bytes;
        float s = 0.0f;
        float v[8];
        for (int g = tiisg; g < ng; g += 32) {
            T::deq8(wr, g, v);
            for (int i = 0; i < 8; i++) s += v[i] * xt[8 * g + i];
        }
        for (int i = 8 * ng + tiisg; i < a.ne0; i += 32) s += T::get1(wr, i) * xt[i]; // float types only
        s = simd_sum(s);
        if (tiisg == 0) {
            device float *o = out + (ulong)t * a.out_stride + r;
            *o = a.accumulate ? *o + s : s;
        }
    }
}

#define TILE CAIRN_MTL_MM_TILE
template <typename T>
static void mul_mm_impl(constant cairn_mtl_args_mul &a, device const char *w, device const float *x,
                        device float *out, threadgroup char *shm, uint3 tgpig, ushort tiitg, ushort sgitg) {
    threadgroup float *wt = (threadgroup float *)shm;   // [k][row]: W^T slice
    threadgroup float *xt = wt + TILE * TILE;           // [token][k]
    const int r0 = (int)tgpig.x * TILE, t0 = (int)tgpig.y * TILE;
    const int lr = tiitg / 4, lg = tiitg % 4;          // this thread loads row/token lr, group lg
    const int sr = (sgitg % 2) * 16, st = (sgitg / 2) * 16; // this simdgroup's quarter (rows, tokens)
    simdgroup_float8x8 acc[4];
    for (int i = 0; i < 4; i++) acc[i] = make_filled_simdgroup_matrix<float, 8>(0.0f);
    for (int k0 = 0; k0 < a.ne0; k0 += TILE) {
        float v[8];
        const int r = r0 + lr, kg = k0 + 8 * lg;
        device const char *wr = w + (ulong)r * a.w_row_bytes;
        if (r < a.rows && kg + 8 <= a.ne0) T::deq8(wr, kg / 8, v);
        else for (int i = 0; i < 8; i++) v[i] = r < a.rows && kg + i < a.ne0 ? T::get1(wr, kg + i) : 0.0f;
        for (int i = 0; i < 8; i++) wt[(8 * lg + i) * TILE + lr] = v[i];
        const int t = t0 + lr;
        device const float *xr = x + (ulong)t * a.x_stride;
        for (int i = 0; i < 8; i++) xt[lr * TILE + 8 * lg + i] = t < a.n_tok && kg + i < a.ne0 ? xr[kg + i] : 0.0f;
        threadgroup_barrier(mem_flags::mem_threadgroup);
        for (int kk = 0; kk < TILE; kk += 8) {
            simdgroup_float8x8 mx[2], mw[2];
            for (int i = 0; i < 2; i++) {
                simdgroup_load(mx[i], xt + (st + 8 * i) * TILE + kk, TILE);
                simdgroup_load(mw[i], wt + kk * TILE + sr + 8 * i, TILE);
            }
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) simdgroup_multiply_accumulate(acc[2 * i + j], mx[i], mw[j], acc[2 * i + j]);
        }
        threadgroup_barrier(mem_flags::mem_threadgroup);
    }
    // through threadgroup memory to the valid part of the tile: [token][row]
    threadgroup float *ct = (threadgroup float *)shm;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) simdgroup_store(acc[2 * i + j], ct + (st + 8 * i) * TILE + sr + 8 * j, TILE);
    threadgroup_barrier(mem_flags::mem_threadgroup);
    for (int e = tiitg; e < TILE * TILE; e += 4 * 32) {
        const int t = t0 + e / TILE, r = r0 + e % TILE;
        if (t < a.n_tok && r < a.rows) {
            device float *o = out + (ulong)t * a.out_stride + r;
            *o = a.accumulate ? *o + ct[e] : ct[e];
        }
    }
}
#undef TILE

// kernel_mul_mv_<type>: grid (ceil(rows / (MV_SG * MV_NR)), n_tok), MV_SG * 32 threads.
// kernel_mul_mm_<type>: grid (ceil(rows / 32), ceil(n_tok / 32)), 128 threads, 8 KiB threadgroup memory.
#define CAIRN_MATMUL(name)                                                                                    \
    kernel void kernel_mul_mv_##name(constant cairn_mtl_args_mul &a [[buffer(0)]],                             \
                                     device const char *w [[buffer(1)]], device const float *x [[buffer(2)]], \
                                     device float *out [[buffer(3)]], CAIRN_TG_PARAMS) {                       \
        mul_mv_impl<type_##name>(a, w, x, out, tgpig, tiisg, sgitg);                                          \
    }                                                                                                         \
    kernel void kernel_mul_mm_##name(constant cairn_mtl_args_mul &a [[buffer(0)]],                             \
                                     device const char *w [[buffer(1)]], device const float *x [[buffer(2)]], \
                                     device float *out [[buffer(3)]], CAIRN_TG_PARAMS) {                       \
        mul_mm_impl<type_##name>(a, w, x, out, shm, tgpig, tiitg, sgitg);                                     \
    }
CAIRN_MATMUL(f32) CAIRN_MATMUL(f16) CAIRN_MATMUL(bf16)
CAIRN_MATMUL(q4_0) CAIRN_MATMUL(q4_1) CAIRN_MATMUL(q5_0) CAIRN_MATMUL(q5_1) CAIRN_MATMUL(q8_0)
CAIRN_MATMUL(q4_K) CAIRN_MATMUL(q5_K) CAIRN_MATMUL(q6_K)
