// export.ts — trained weights (safetensors, float32, GGUF tensor names) → GGUF (F16 and Q8_0) with the
// project's GGUF writer: llama architecture metadata, the trained byte-level BPE vocabulary (gpt2 /
// llama-bpe, Llama 3 special tokens) and the Llama 3 chat template.
//
//   node dist/model/export.js --weights build/train --config build/train/config.json \
//     --tokenizer build/tokenizer/tokenizer.json --out-f16 build/models/cairn-demo-28m-f16.gguf \
//     --out-q8 assets/models/cairn-demo-28m-q8_0.gguf
import { mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { GgufWriter } from '../electron/engine/gguf-writer.js';
import { GGML_TYPE } from '../electron/engine/ggml-types.js';
import { f16ToF32, quantizeF16, quantizeF32, quantizeQ8_0 } from '../test-support/quantize.js';
import { writeLlamaMetadata } from '../test-support/llama-builder.js';
import { CHAT_TEMPLATE } from './template.js';
import type { TrainedTokenizer } from './tokenizer-train.js';

export interface ModelConfig { n_vocab: number; n_embd: number; n_layer: number; n_head: number; n_head_kv: number; n_ff: number; ctx: number; rope_base: number; norm_eps: number; params?: number }

/** Reads F32/F16 tensors (as float32) from a .safetensors file, or every shard in a directory. */
export function readSafetensors(path: string, out = new Map<string, { shape: number[]; data: Float32Array }>()): Map<string, { shape: number[]; data: Float32Array }> {
  if (statSync(path).isDirectory()) {
    for (const f of readdirSync(path).filter((n) => n.endsWith('.safetensors')).sort()) readSafetensors(join(path, f), out);
    return out;
  }
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bytes = buf.subarray(base + t.data_offsets[0], base + t.data_offsets[1]);
    let data: Float32Array;
    if (t.dtype === 'F32') { data = new Float32Array(bytes.length / 4); new Uint8Array(data.buffer).set(bytes); }
    else if (t.dtype === 'F16') { data = new Float32Array(bytes.length / 2); for (let i = 0; i < data.length; i++) data[i] = f16ToF32(bytes.readUInt16LE(2 * i)); }
    else throw new Error(`${name}: dtype ${t.dtype}, expected F32 or F16`);
    out.set(name, { shape: t.shape, data });
  }
  return out;
}

export function writeGguf(path: string, kind: 'f16' | 'q8_0', cfg: ModelConfig, tok: TrainedTokenizer,
  weights: Map<string, { shape: number[]; data: Float32Array }>, name: string): void {
  const w = new GgufWriter();
  writeLlamaMetadata(w, {
    name, fileType: kind === 'f16' ? 1 : 7, quantized: kind === 'q8_0', nLayer: cfg.n_layer, nCtxTrain: cfg.ctx,
    nEmbd: cfg.n_embd, nFf: cfg.n_ff, nHead: cfg.n_head, nHeadKv: cfg.n_head_kv, headDim: cfg.n_embd / cfg.n_head,
    ropeBase: cfg.rope_base, normEps: cfg.norm_eps, nVocab: cfg.n_vocab,
  }, tok);
  w.setString('general.description', "Cairn's built-in demo chat model (countries, chemical elements, English words). See assets/models/MODEL_CARD.md.");
  w.setU32('tokenizer.ggml.padding_token_id', tok.tokens.indexOf('<|end_of_text|>'));
  w.setBool('tokenizer.ggml.add_eos_token', false);
  w.setString('tokenizer.chat_template', CHAT_TEMPLATE);

  const order = ['token_embd.weight'];
  for (let i = 0; i < cfg.n_layer; i++) {
    for (const t of ['attn_norm', 'attn_q', 'attn_k', 'attn_v', 'attn_output', 'ffn_norm', 'ffn_gate', 'ffn_up', 'ffn_down']) order.push(`blk.${i}.${t}.weight`);
  }
  order.push('output_norm.weight');
  for (const n of order) {
    const t = weights.get(n);
    if (!t) throw new Error(`missing tensor ${n}`);
    const ne = [...t.shape].reverse(); // torch [out, in] → ggml ne [in, out]
    if (ne.length === 1) { w.addTensor(n, GGML_TYPE.F32, ne, quantizeF32(t.data)); continue; }
    if (kind === 'f16') w.addTensor(n, GGML_TYPE.F16, ne, quantizeF16(t.data));
    else w.addTensor(n, GGML_TYPE.Q8_0, ne, quantizeQ8_0(t.data));
  }
  if (weights.size !== order.length) throw new Error(`unexpected tensors: ${[...weights.keys()].filter((k) => !order.includes(k)).join(', ')}`);
  mkdirSync(dirname(resolve(path)), { recursive: true });
  w.write(path);
}

function arg(name: string, def: string): string { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; }

function main() {
  const cfg = JSON.parse(readFileSync(resolve(arg('--config', 'build/train/config.json')), 'utf8')) as ModelConfig;
  const tok = JSON.parse(readFileSync(resolve(arg('--tokenizer', 'build/tokenizer/tokenizer.json')), 'utf8')) as TrainedTokenizer;
  const weights = readSafetensors(resolve(arg('--weights', 'build/train')));
  if (tok.tokens.length !== cfg.n_vocab) throw new Error(`tokenizer has ${tok.tokens.length} tokens, model ${cfg.n_vocab}`);
  const name = arg('--name', 'Cairn Demo 28M');
  const f16 = resolve(arg('--out-f16', 'build/models/cairn-demo-28m-f16.gguf'));
  const q8 = resolve(arg('--out-q8', 'assets/models/cairn-demo-28m-q8_0.gguf'));
  writeGguf(f16, 'f16', cfg, tok, weights, name);
  writeGguf(q8, 'q8_0', cfg, tok, weights, name);
  console.log(`wrote ${f16}\nwrote ${q8}`);
}

if (process.argv[1]?.endsWith('export.js')) main();
