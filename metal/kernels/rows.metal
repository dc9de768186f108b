// rows.metal — the per-row ops of the llama block: RMSNorm, RoPE + the K/V cache store, SwiGLU, and the
// context shift's re-rotation of cached K rows.

// kernel_rmsnorm: grid (n_rows), 256 threads, 32 bytes of threadgroup memory.
// As forward.c: scale = 1 / sqrt(mean(x^2) + eps), out = x * scale * w (the sum in f32 here).
kernel void kernel_rmsnorm(constant cairn_mtl_args_norm &a [[buffer(0)]], device const float *x [[buffer(1)]],
                           device const float *w [[buffer(2)]], device float *out [[buffer(3)]], CAIRN_TG_PARAMS) {
    threadgroup float *part = (threadgroup float *)shm;
    device const float *xr = x + (ulong)tgpig.x * a.x_stride;
    device float *o = out + (ulong)tgpig.x * a.out_stride;
    float ss = 0.0f;
    for (int i = tiitg; i < a.n; i += 256) ss += xr[i] * xr[i];
    ss = simd_sum(ss);
    if (tiisg == 0) part[sgitg] = ss;
    threadgroup_barrier(mem_flags::mem_threadgroup);
    float total = 0.0f;
    for (int s = 0; s < 8; s++) total += part[s];
    const float scale = 1.0f / precise::sqrt(total / (float)a.n + a.eps);
    for (int i = tiitg; i < a.n; i += 256) o[i] = xr[i] * scale * w[i];
}

// kernel_rope_kv: grid (n_tok, max(n_head, n_head_kv)), 64 threads (one per pair, in turn).
// Head h of token t: q rotated in place (h < n_head); k rotated and written with v into the cache as
// f16, rounded to nearest even (h < n_head_kv). Dimensions past 2 * n_pairs are not rotated.
kernel void kernel_rope_kv(constant cairn_mtl_args_rope &a [[buffer(0)]], device float *q [[buffer(1)]],
                           device const float *k [[buffer(2)]], device const float *v [[buffer(3)]],
                           device half *kc [[buffer(4)]], device half *vc [[buffer(5)]], CAIRN_TG_PARAMS) {
    const int t = (int)tgpig.x, h = (int)tgpig.y, hd = a.head_dim;
    const float pos = (float)(a.pos0 + t);
    device float *qh = q + (ulong)t * a.q_stride + (ulong)h * hd;
    device const float *kh = k + (ulong)t * a.kv_stride + (ulong)h * hd;
    device const float *vh = v + (ulong)t * a.kv_stride + (ulong)h * hd;
    device half *kr = kc + (ulong)t * a.cache_row + (ulong)h * hd;
    device half *vr = vc + (ulong)t * a.cache_row + (ulong)h * hd;
    for (int i = tiitg; i < hd / 2; i += 64) {
        float c = 1.0f, s = 0.0f;
        if (i < a.n_pairs) {
            const float theta = pos * a.theta[i] * a.scale_inv[i];
            c = precise::cos(theta);
            s = precise::sin(theta);
        }
        if (h < a.n_head) {
            const float x0 = qh[2 * i], x1 = qh[2 * i + 1];
            if (i < a.n_pairs) { qh[2 * i] = x0 * c - x1 * s; qh[2 * i + 1] = x0 * s + x1 * c; }
        }
        if (h < a.n_head_kv) {
            const float x0 = kh[2 * i], x1 = kh[2 * i + 1];
            kr[2 * i]     = (half)(i < a.n_pairs ? x0 * c - x1 * s : x0);
            kr[2 * i + 1] = (half)(i < a.n_pairs ? x0 * s + x1 * c : x1);
            vr[2 * i]     = (half)vh[2 * i];
            vr[2 * i + 1] = (half)vh[2 * i + 1];
        }
    }
}

// kernel_swiglu: grid (ceil(n / 256)), 256 threads. As forward.c: g = g / (1 + e^-g) * u.
kernel void kernel_swiglu(constant cairn_mtl_args_swiglu &a [[buffer(0)]], device float *g [[buffer(1)]],
                          device const float *u [[buffer(2)]], CAIRN_TG_PARAMS) {
    const int i = (int)tgpig.x * 256 + tiitg;
    if (i < a.n) g[i] = g[i] / (1.0f + exp(-g[i])) * u[i];
}

// kernel_kv_shift: grid (ceil(kv_dim / 2 / 64), n_layer, 2 (K, V)), 64 threads; see cairn_mtl_args_shift.
kernel void kernel_kv_shift(constant cairn_mtl_args_shift &a [[buffer(0)]], device half *kc [[buffer(1)]],
                            device half *vc [[buffer(2)]], CAIRN_TG_PARAMS) {
    const int pair = (int)tgpig.x * 64 + tiitg;
    if (2 * pair >= a.kv_dim) return;
    const bool is_k = tgpig.z == 0;
    device half *rows = (is_k ? kc : vc) + (ulong)tgpig.y * a.layer_stride;
    const int i = pair % (a.head_dim / 2); // the pair's index inside its head
    const bool rotate = is_k && i < a.n_pairs;
    const float c = rotate ? a.cs[2 * i] : 1.0f, s = rotate ? a.cs[2 * i + 1] : 0.0f;
    for (int p = 0; p < a.n_move; p++) {
        device const half *src = rows + (ulong)(p + a.discard) * a.kv_dim + 2 * pair;
        device half *dst = rows + (ulong)p * a.kv_dim + 2 * pair;
        const half h0 = src[0], h1 = src[1];
        if (rotate) {
            const float x0 = (float)h0, x1 = (float)h1;
            dst[0] = (half)(x0 * c - x1 * s);
            dst[1] = (half)(x0 * s + x1 * c);
        } else {
            dst[0] = h0;
            dst[1] = h1;
        }
    }
}
