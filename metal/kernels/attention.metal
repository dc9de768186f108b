// attention.metal — causal GQA attention over the f16 cache, split across threadgroups along the
// context (flash-decoding): kernel_attn runs one chunk of positions per threadgroup with an online
// softmax, kernel_attn_reduce combines the chunks of each (token, head). See cairn_mtl_args_attn.

// kernel_attn: grid (n_chunks, n_head, n_tok), 32 threads (one simdgroup), (head_dim + 32) * 4 bytes
// of threadgroup memory. Lane j scores position p0 + j of each block of 32; lanes then own the
// output dimensions d = lane + 32 m.
kernel void kernel_attn(constant cairn_mtl_args_attn &a [[buffer(0)]], device const float *q [[buffer(1)]],
                        device const half *kc [[buffer(2)]], device const half *vc [[buffer(3)]],
                        device float *part [[buffer(4)]], CAIRN_TG_PARAMS) {
    const int c = (int)tgpig.x, h = (int)tgpig.y, t = (int)tgpig.z, hd = a.head_dim;
    const int kvh = h / (a.n_head / a.n_head_kv);
    threadgroup float *qs = (threadgroup float *)shm;     // [head_dim]
    threadgroup float *es = qs + hd;                      // [32] weights of the block
    device const float *qh = q + (ulong)t * a.q_stride + (ulong)h * hd;
    for (int d = tiisg; d < hd; d += 32) qs[d] = qh[d];
    simdgroup_barrier(mem_flags::mem_threadgroup);
    const int n_past = a.pos0 + t + 1;
    const int start = c * a.chunk, end = min(start + a.chunk, n_past);
    float m = CAIRN_MTL_NEG, s = 0.0f;
    float acc[CAIRN_MTL_MAX_HD / 32];
    for (int i = 0; i < CAIRN_MTL_MAX_HD / 32; i++) acc[i] = 0.0f;
    for (int p0 = start; p0 < end; p0 += 32) {
        const int p = p0 + tiisg;
        float score = CAIRN_MTL_NEG;
        if (p < end) {
            device const half *kr = kc + (ulong)p * a.cache_row + (ulong)kvh * hd;
            float dot = 0.0f;
            for (int d = 0; d < hd; d++) dot += (float)kr[d] * qs[d];
            score = dot * a.scale;
        }
        const float m_new = max(m, simd_max(score)); // finite: position p0 < end is in the block
        const float alpha = exp(m - m_new);
        const float e = p < end ? exp(score - m_new) : 0.0f;
        s = s * alpha + simd_sum(e);
        es[tiisg] = e;
        simdgroup_barrier(mem_flags::mem_threadgroup);
        const int nb = min(32, end - p0);
        for (int i = 0; i < CAIRN_MTL_MAX_HD / 32; i++) {
            const int d = tiisg + 32 * i;
            if (d >= hd) break;
            float o = acc[i] * alpha;
            device const half *vr = vc + (ulong)p0 * a.cache_row + (ulong)kvh * hd + d;
            for (int j = 0; j < nb; j++) o += es[j] * (float)vr[(ulong)j * a.cache_row];
            acc[i] = o;
        }
        simdgroup_barrier(mem_flags::mem_threadgroup);
        m = m_new;
    }
    device float *pr = part + ((ulong)(t * a.n_head + h) * a.n_chunks + c) * (ulong)(hd + 2);
    if (tiisg == 0) { pr[0] = m; pr[1] = s; }
    for (int i = 0; i < CAIRN_MTL_MAX_HD / 32; i++) {
        const int d = tiisg + 32 * i;
        if (d < hd) pr[2 + d] = acc[i];
    }
}

// kernel_attn_reduce: grid (n_head, n_tok), 32 threads. out = sum_c acc_c e^(m_c - M) / sum_c s_c e^(m_c - M).
kernel void kernel_attn_reduce(constant cairn_mtl_args_attn &a [[buffer(0)]], device const float *part [[buffer(1)]],
                               device float *out [[buffer(2)]], CAIRN_TG_PARAMS) {
    const int h = (int)tgpig.x, t = (int)tgpig.y, hd = a.head_dim;
    device const float *pr = part + (ulong)(t * a.n_head + h) * a.n_chunks * (ulong)(hd + 2);
    float mx = CAIRN_MTL_NEG;
    for (int c = 0; c < a.n_chunks; c++) if (pr[c * (hd + 2) + 1] > 0.0f) mx = max(mx, pr[c * (hd + 2)]);
    float sum = 0.0f;
    for (int c = 0; c < a.n_chunks; c++) {
        device const float *pc = pr + c * (hd + 2);
        if (pc[1] > 0.0f) sum += pc[1] * exp(pc[0] - mx);
    }
    const float inv = 1.0f / sum;
    device float *o = out + (ulong)t * a.out_stride + (ulong)h * hd;
    for (int d = tiisg; d < hd; d += 32) {
        float v = 0.0f;
        for (int c = 0; c < a.n_chunks; c++) {
            device const float *pc = pr + c * (hd + 2);
            if (pc[1] > 0.0f) v += pc[2 + d] * exp(pc[0] - mx);
        }
        o[d] = v * inv;
    }
}
