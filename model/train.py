#!/usr/bin/env python3
"""train.py — trains Cairn's built-in demo model (a tiny `llama`-architecture chat model).

    python3 model/train.py --data build/data --out build/train [--time-budget 450] [--steps N] [--init DIR] [--compile]

Architecture (llama.cpp's `llama`): RMSNorm (eps 1e-5), RoPE (base 10000, llama.cpp NORM mode:
ADJACENT pairs (x[2i], x[2i+1]) rotate, so Q/K rows export to GGUF as they are), GQA, SwiGLU
FFN, tied input/output embeddings, no biases. Loss only on assistant tokens (mask.npy).

Reproducible: fixed seeds; with --steps the schedule is fixed. Without --steps the step count is
calibrated once (after 30 steps) to fit --time-budget seconds and written to the log, so a rerun
with --steps <that> repeats the same schedule. A hard time stop guards the budget either way.
Writes <out>/model-0000N-of-0000M.safetensors (float16 shards, GGUF tensor names), config.json, train_log.jsonl.
--init DIR continues from such shards (a second run within the device's 10-minute limit per command).
The output projection runs only on the target positions (the loss needs no other logits).
"""
import argparse, json, math, os, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIG = dict(n_vocab=8192, n_embd=512, n_layer=8, n_head=8, n_head_kv=2, n_ff=1536, ctx=512, rope_base=10000.0, norm_eps=1e-5)


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        xf = x.float()
        return (xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)).type_as(x) * self.weight


def rope_tables(head_dim, ctx, base, device):
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32, device=device) / head_dim))
    ang = torch.outer(torch.arange(ctx, dtype=torch.float32, device=device), inv)  # [T, hd/2]
    return ang.cos(), ang.sin()


def apply_rope(x, cos, sin):
    # x [B, H, T, hd]; adjacent pairs (x[2i], x[2i+1]) rotate by angle pos * base^(-2i/hd)
    xf = x.float()
    x0, x1 = xf[..., 0::2], xf[..., 1::2]
    c, s = cos[: x.shape[2]], sin[: x.shape[2]]
    y = torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).flatten(-2)
    return y.type_as(x)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, hd = c['n_embd'], c['n_embd'] // c['n_head']
        self.nh, self.nkv, self.hd = c['n_head'], c['n_head_kv'], hd
        self.attn_norm = RMSNorm(d, c['norm_eps'])
        self.wq = nn.Linear(d, self.nh * hd, bias=False)
        self.wk = nn.Linear(d, self.nkv * hd, bias=False)
        self.wv = nn.Linear(d, self.nkv * hd, bias=False)
        self.wo = nn.Linear(self.nh * hd, d, bias=False)
        self.ffn_norm = RMSNorm(d, c['norm_eps'])
        self.w_gate = nn.Linear(d, c['n_ff'], bias=False)
        self.w_up = nn.Linear(d, c['n_ff'], bias=False)
        self.w_down = nn.Linear(c['n_ff'], d, bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        h = self.attn_norm(x)
        q = self.wq(h).view(B, T, self.nh, self.hd).transpose(1, 2)
        k = self.wk(h).view(B, T, self.nkv, self.hd).transpose(1, 2)
        v = self.wv(h).view(B, T, self.nkv, self.hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        rep = self.nh // self.nkv  # query head j uses kv head j // rep (llama.cpp's GQA mapping)
        k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        if hasattr(F, 'scaled_dot_product_attention'):
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # torch < 2.0 (CPU smoke tests)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)
            att = att.masked_fill(torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1), float('-inf'))
            a = att.softmax(-1) @ v
        x = x + self.wo(a.transpose(1, 2).reshape(B, T, -1))
        h = self.ffn_norm(x)
        return x + self.w_down(F.silu(self.w_gate(h)) * self.w_up(h))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.tok_embd = nn.Embedding(c['n_vocab'], c['n_embd'])
        self.blocks = nn.ModuleList([Block(c) for _ in range(c['n_layer'])])
        self.norm = RMSNorm(c['n_embd'], c['norm_eps'])
        for n, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * c['n_layer']) if n.endswith(('wo.weight', 'w_down.weight')) else 0.02
                nn.init.normal_(p, 0.0, std)
        self.rope = None

    def hidden(self, idx):
        if self.rope is None or self.rope[0].device != idx.device:
            self.rope = rope_tables(self.c['n_embd'] // self.c['n_head'], self.c['ctx'], self.c['rope_base'], idx.device)
        x = self.tok_embd(idx)
        for b in self.blocks:
            x = b(x, *self.rope)
        return self.norm(x)

    def forward(self, idx):
        return self.hidden(idx) @ self.tok_embd.weight.t()  # tied output

    def load_gguf_tensors(self, tensors):
        own = {k: v for k, v in self.gguf_params().items()}
        if set(own) != set(tensors):
            raise SystemExit(f'--init: tensor names differ: {sorted(set(own) ^ set(tensors))[:5]}')
        with torch.no_grad():
            for k, p in own.items():
                if tuple(p.shape) != tuple(tensors[k].shape):
                    raise SystemExit(f'--init: {k} has shape {tuple(tensors[k].shape)}, the model {tuple(p.shape)}')
                p.copy_(tensors[k].to(p.dtype))

    def gguf_params(self):
        """the parameters under GGUF names (torch [out, in] = ggml ne [in, out], same bytes)."""
        t = {'token_embd.weight': self.tok_embd.weight, 'output_norm.weight': self.norm.weight}
        for i, b in enumerate(self.blocks):
            p = f'blk.{i}.'
            t.update({p + 'attn_norm.weight': b.attn_norm.weight, p + 'attn_q.weight': b.wq.weight, p + 'attn_k.weight': b.wk.weight,
                      p + 'attn_v.weight': b.wv.weight, p + 'attn_output.weight': b.wo.weight, p + 'ffn_norm.weight': b.ffn_norm.weight,
                      p + 'ffn_gate.weight': b.w_gate.weight, p + 'ffn_up.weight': b.w_up.weight, p + 'ffn_down.weight': b.w_down.weight})
        return t

    def gguf_tensors(self):
        """float32 CPU tensors under GGUF names."""
        return {k: v.detach().float().cpu().contiguous() for k, v in self.gguf_params().items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', default='build/data')
    ap.add_argument('--out', default='build/train')
    ap.add_argument('--time-budget', type=float, default=450.0, help='seconds of training (hard stop)')
    ap.add_argument('--steps', type=int, default=0, help='fixed step count (0: calibrate to the time budget)')
    ap.add_argument('--batch', type=int, default=128)
    ap.add_argument('--lr', type=float, default=2e-3)
    ap.add_argument('--min-lr', type=float, default=1e-4)
    ap.add_argument('--warmup', type=int, default=200)
    ap.add_argument('--wd', type=float, default=0.1)
    ap.add_argument('--seed', type=int, default=1234)
    ap.add_argument('--eval-rows', type=int, default=0, help='rows for the final full-pass loss (0: all)')
    ap.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    ap.add_argument('--init', default='', help='directory of float16 shards to continue from')
    ap.add_argument('--compile', action='store_true', help='torch.compile the model (falls back to eager if it fails)')
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    dev = torch.device(args.device)
    tokens = torch.from_numpy(np.load(os.path.join(args.data, 'tokens.npy')).astype(np.int64)).to(dev)
    mask = torch.from_numpy(np.load(os.path.join(args.data, 'mask.npy')).astype(np.bool_)).to(dev)
    meta = json.load(open(os.path.join(args.data, 'meta.json')))
    c = dict(CONFIG, n_vocab=meta['vocab'], ctx=meta['ctx'])
    model = Llama(c).to(dev)
    if args.init:
        from safetensors.torch import load_file
        init = {}
        for f in sorted(os.listdir(args.init)):
            if f.endswith('.safetensors'):
                init.update(load_file(os.path.join(args.init, f)))
        model.load_gguf_tensors(init)
        print(f'initialised from {args.init} ({len(init)} tensors)', flush=True)
    hidden = model.hidden
    if args.compile:
        try:
            hidden = torch.compile(model.hidden)
        except Exception as e:  # noqa: BLE001
            print(f'torch.compile unavailable ({e}); eager', flush=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f'params {n_params:,}  rows {tokens.shape[0]}  device {dev}', flush=True)

    decay = [p for p in model.parameters() if p.dim() == 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt_kw = dict(lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    if dev.type == 'cuda':
        opt_kw['fused'] = True
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': args.wd}, {'params': no_decay, 'weight_decay': 0.0}], **opt_kw)
    gen = torch.Generator(device='cpu').manual_seed(args.seed)
    use_bf16 = dev.type == 'cuda'

    total = args.steps or 10**9
    log = open(os.path.join(args.out, 'train_log.jsonl'), 'w')
    t0 = time.time()
    step, ema, t_cal = 0, None, None
    while step < total:
        if time.time() - t0 > args.time_budget:
            print(f'time budget reached at step {step}', flush=True)
            break
        if step < args.warmup:
            lr = args.lr * (step + 1) / args.warmup
        else:
            prog = min(1.0, (step - args.warmup) / max(1, total - args.warmup))
            lr = args.min_lr + 0.5 * (args.lr - args.min_lr) * (1 + math.cos(math.pi * prog))
        for g in opt.param_groups:
            g['lr'] = lr
        idx = torch.randint(0, tokens.shape[0], (args.batch,), generator=gen).to(dev)
        x, y, m = tokens[idx, :-1], tokens[idx, 1:], mask[idx, 1:]
        with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=use_bf16):
            try:
                h = hidden(x)
            except Exception as e:  # noqa: BLE001  (a compile failure shows at the first call)
                if hidden is model.hidden:
                    raise
                print(f'torch.compile failed ({type(e).__name__}: {str(e)[:200]}); eager', flush=True)
                hidden = model.hidden
                h = hidden(x)
            logits = h[m] @ model.tok_embd.weight.t()  # only the target positions
        loss = F.cross_entropy(logits.float(), y[m])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step == 10:
            if dev.type == 'cuda':
                torch.cuda.synchronize()
            t_cal = time.time()
        if step == 40 and not args.steps:
            if dev.type == 'cuda':
                torch.cuda.synchronize()
            per = (time.time() - t_cal) / 30
            total = max(args.warmup + 100, int((args.time_budget - (time.time() - t0)) / per * 0.97) + step)
            print(f'calibrated: {per * 1000:.1f} ms/step → {total} steps', flush=True)
            log.write(json.dumps({'calibrated_steps': total, 'ms_per_step': per * 1000}) + '\n')
        if step % 50 == 0 or step == total:
            lv = loss.item()
            ema = lv if ema is None else 0.9 * ema + 0.1 * lv
            rec = {'step': step, 'loss': round(lv, 5), 'loss_ema': round(ema, 5), 'lr': lr, 't': round(time.time() - t0, 1)}
            log.write(json.dumps(rec) + '\n')
            if step % 500 == 0 or step == total:
                print(rec, flush=True)
    # final loss over the whole training set (masked), and token accuracy
    model.eval()
    tl, tn, tc = 0.0, 0, 0
    with torch.no_grad():
        n_eval = args.eval_rows or tokens.shape[0]
        for i in range(0, n_eval, 256):
            j = min(i + 256, n_eval)
            x, y, m = tokens[i:j, :-1], tokens[i:j, 1:], mask[i:j, 1:]
            with torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=use_bf16):
                lg = model.hidden(x)[m] @ model.tok_embd.weight.t()
            lg, yy = lg.float(), y[m]
            tl += F.cross_entropy(lg, yy, reduction='sum').item()
            tn += yy.numel()
            tc += (lg.argmax(-1) == yy).sum().item()
    summary = {'params': n_params, 'steps': step, 'train_seconds': round(time.time() - t0, 1), 'final_loss_full_pass': tl / tn,
               'target_token_accuracy': tc / tn, 'batch': args.batch, 'ctx': c['ctx'], 'lr': args.lr, 'seed': args.seed,
               'device': torch.cuda.get_device_name() if dev.type == 'cuda' else 'cpu', 'torch': torch.__version__, 'init': args.init or None}
    print(summary, flush=True)
    log.write(json.dumps({'summary': summary}) + '\n')
    log.close()
    # float16 shards of at most 14 MiB (the device returns files of at most 16 MiB)
    tensors = {k: v.half() for k, v in model.gguf_tensors().items()}
    shards, cur, size = [], {}, 0
    for k, v in tensors.items():
        nb = v.numel() * 2
        if cur and size + nb > 14 * 2**20:
            shards.append(cur)
            cur, size = {}, 0
        cur[k] = v
        size += nb
    shards.append(cur)
    from safetensors.torch import save_file
    for i, sh in enumerate(shards):
        save_file(sh, os.path.join(args.out, f'model-{i + 1:05d}-of-{len(shards):05d}.safetensors'))
    json.dump(dict(c, params=n_params), open(os.path.join(args.out, 'config.json'), 'w'), indent=2)
    json.dump(summary, open(os.path.join(args.out, 'summary.json'), 'w'), indent=2)


if __name__ == '__main__':
    main()
