// llama-builder.ts — builds `llama`-architecture GGUF files with seeded random weights in real
// shapes, for tests (tiny presets, llama.cpp as the oracle) and benchmarks (the Llama 3.2 1B shape).
//
// Metadata, tensor names and ne order are those of real llama GGUF files (convert_hf_to_gguf.py +
// llama-quantize). Weights are random, so the HF→GGUF Q/K permutation is moot; RoPE is what
// llama.cpp does for GGUF llama (LLAMA_ROPE_TYPE_NORM: adjacent pairs rotate).
// Quantized presets pick per-tensor types as llama-quantize does (llama-quant.cpp: output and tied
// token_embd → Q6_K, Q4_K_M/Q5_K_M bump attn_v/ffn_down with use_more_bits, shape fallbacks).
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GgufWriter } from '../electron/engine/gguf-writer.js';
import { GGML_TYPE, GGML_TYPE_BY_NAME, GGML_TYPE_INFO, GGUF_VALUE, rowBytes, type GgmlTypeName } from '../electron/engine/ggml-types.js';
import { Rng, quantizeF32, randomTensorBytes } from './quantize.js';

/** Bump when the bytes produced for a given config change (invalidates the model cache). */
export const BUILDER_VERSION = 3;

export type LlamaPreset = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q4_k_m' | 'q5_k_m' | 'q6_k';
export const LLAMA_PRESETS: readonly LlamaPreset[] = ['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k_m', 'q5_k_m', 'q6_k'];

/** Tensor classes whose type a config may override. */
export type TensorClass = 'token_embd' | 'output' | 'attn_q' | 'attn_k' | 'attn_v' | 'attn_output' | 'ffn_gate' | 'ffn_up' | 'ffn_down';

export interface LlamaConfig {
  nVocab: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  nFf: number;
  /** Defaults to nEmbd / nHead; otherwise llama.attention.key_length/value_length are written. */
  headDim?: number;
  nCtxTrain?: number;      // default 4096
  ropeBase?: number;       // default 10000
  normEps?: number;        // default 1e-5
  /** Weight-type preset (llama.cpp ftype); default 'f16'. */
  preset?: LlamaPreset;
  /** Per-class type overrides (applied after the preset's rules, before shape fallbacks). */
  types?: Partial<Record<TensorClass, GgmlTypeName>>;
  /** No output.weight: the output projection reuses token_embd (Llama 3.2 1B/3B). Default false. */
  tiedOutput?: boolean;
  /** Writes rope_freqs.weight (F32 [headDim/2]) with Llama 3.x's rope scaling factors. Default false. */
  ropeFreqs?: boolean;
  /** Llama 3.x rope scaling (used when ropeFreqs): defaults factor 32, low 1, high 4, original ctx 8192. */
  ropeScaling?: { factor?: number; lowFreqFactor?: number; highFreqFactor?: number; originalContext?: number };
  /** PRNG seed; default 1. */
  seed?: number;
  /** Multiplies every matrix's element std (default 1: std = 1/sqrt(row length)). */
  weightScale?: number;
  /** general.name; default 'cairn-random-llama'. */
  name?: string;
}

export interface TensorPlan { name: string; type: number; ne: number[]; std: number; mean: number; kind: 'matrix' | 'norm' | 'rope_freqs' }

// llama_ftype numbers (general.file_type)
const FTYPE: Record<LlamaPreset, number> = {
  f32: 0, f16: 1, q4_0: 2, q4_1: 3, q8_0: 7, q5_0: 8, q5_1: 9, q4_k_m: 15, q5_k_m: 17, q6_k: 18, bf16: 32,
};
const PRESET_BASE: Record<LlamaPreset, number> = {
  f32: GGML_TYPE.F32, f16: GGML_TYPE.F16, bf16: GGML_TYPE.BF16, q8_0: GGML_TYPE.Q8_0, q4_0: GGML_TYPE.Q4_0,
  q4_1: GGML_TYPE.Q4_1, q5_0: GGML_TYPE.Q5_0, q5_1: GGML_TYPE.Q5_1, q4_k_m: GGML_TYPE.Q4_K, q5_k_m: GGML_TYPE.Q5_K,
  q6_k: GGML_TYPE.Q6_K,
};
/** Presets produced by llama-quantize (its per-tensor rules apply); the others come from convert_hf_to_gguf. */
const QUANTIZE_PRESETS = new Set<LlamaPreset>(['q4_0', 'q4_1', 'q5_0', 'q5_1', 'q4_k_m', 'q5_k_m', 'q6_k']);

// ---- presets ---------------------------------------------------------------------------------

/** Tiny shapes for tests. K-quant presets need nEmbd and nFf multiples of 256 (else llama.cpp's fallbacks apply). */
export const TINY_SHAPES = {
  /** head_dim 32, MHA */
  'tiny-hd32': { nVocab: 512, nEmbd: 128, nLayer: 2, nHead: 4, nHeadKv: 4, nFf: 256, nCtxTrain: 2048 },
  /** head_dim 64, GQA 2:1 */
  'tiny-hd64-gqa2': { nVocab: 768, nEmbd: 256, nLayer: 2, nHead: 4, nHeadKv: 2, nFf: 512, nCtxTrain: 2048 },
  /** head_dim 64, GQA 4:1 (Llama 3.2 1B's ratio) */
  'tiny-hd64-gqa4': { nVocab: 1024, nEmbd: 256, nLayer: 3, nHead: 4, nHeadKv: 1, nFf: 768, nCtxTrain: 4096, ropeBase: 500000 },
  /** head_dim 128, GQA 2:1 */
  'tiny-hd128': { nVocab: 640, nEmbd: 256, nLayer: 2, nHead: 2, nHeadKv: 1, nFf: 512, nCtxTrain: 2048 },
  /** head_dim 64, MHA, 512 wide */
  'tiny-512': { nVocab: 1024, nEmbd: 512, nLayer: 2, nHead: 8, nHeadKv: 8, nFf: 1024, nCtxTrain: 2048 },
} satisfies Record<string, LlamaConfig>;
export type TinyShape = keyof typeof TINY_SHAPES;

/** Llama 3.2 1B's shape (weights random). */
export const LLAMA_3_2_1B: LlamaConfig = {
  nVocab: 128256, nEmbd: 2048, nLayer: 16, nHead: 32, nHeadKv: 8, nFf: 8192, nCtxTrain: 131072,
  ropeBase: 500000, normEps: 1e-5, tiedOutput: true, ropeFreqs: true, name: 'llama-3.2-1b-random',
};

export function tinyConfig(shape: TinyShape, preset: LlamaPreset, extra: Partial<LlamaConfig> = {}): LlamaConfig {
  return { ...TINY_SHAPES[shape], preset, ...extra };
}

export function llama32_1bConfig(preset: LlamaPreset, extra: Partial<LlamaConfig> = {}): LlamaConfig {
  return { ...LLAMA_3_2_1B, preset, ...extra };
}

// ---- type selection (llama-quant.cpp, simplified to the llama arch without experts) ------------

function useMoreBits(i: number, n: number): boolean {
  return i < Math.floor(n / 8) || i >= Math.floor((7 * n) / 8) || (i - Math.floor(n / 8)) % 3 === 2;
}

/** tensor_type_fallback: a type whose block does not divide the row length is demoted. */
function fallbackType(type: number, ncols: number): number {
  const blck = GGML_TYPE_INFO[type].blck;
  if (ncols % blck === 0) return type;
  let t = type;
  if (type === GGML_TYPE.Q4_K) t = GGML_TYPE.Q5_0;
  else if (type === GGML_TYPE.Q5_K) t = GGML_TYPE.Q5_1;
  else if (type === GGML_TYPE.Q6_K) t = GGML_TYPE.Q8_0;
  if (ncols % GGML_TYPE_INFO[t].blck !== 0) t = GGML_TYPE.F16;
  return t;
}

function chooseType(cfg: Required<Pick<LlamaConfig, 'preset' | 'tiedOutput' | 'nLayer'>> & LlamaConfig,
  cls: TensorClass, layer: number, ncols: number): number {
  const preset = cfg.preset;
  const base = PRESET_BASE[preset];
  let t = base;
  if (QUANTIZE_PRESETS.has(preset)) {
    const isOutput = cls === 'output' || (cls === 'token_embd' && cfg.tiedOutput);
    if (isOutput) {
      t = ncols % GGML_TYPE_INFO[base].blck !== 0 ? GGML_TYPE.Q8_0 : base !== GGML_TYPE.Q8_0 ? GGML_TYPE.Q6_K : base;
    } else if (cls === 'attn_v') {
      if ((preset === 'q4_k_m' || preset === 'q5_k_m') && useMoreBits(layer, cfg.nLayer)) t = GGML_TYPE.Q6_K;
    } else if (cls === 'ffn_down') {
      if ((preset === 'q4_k_m' || preset === 'q5_k_m') && useMoreBits(layer, cfg.nLayer)) t = GGML_TYPE.Q6_K;
    }
  }
  const o = cfg.types?.[cls];
  if (o) t = GGML_TYPE_BY_NAME[o];
  return fallbackType(t, ncols);
}

// ---- rope_freqs (convert_hf_to_gguf.py, LlamaModel.generate_extra_tensors) ----------------------

export function llama3RopeFactors(headDim: number, ropeBase: number, scaling: LlamaConfig['ropeScaling'] = {}): Float32Array {
  const factor = scaling?.factor ?? 32;
  const lowFreqFactor = scaling?.lowFreqFactor ?? 1;
  const highFreqFactor = scaling?.highFreqFactor ?? 4;
  const oldCtx = scaling?.originalContext ?? 8192;
  const lowFreqWavelen = oldCtx / lowFreqFactor;
  const highFreqWavelen = oldCtx / highFreqFactor;
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < headDim / 2; i++) {
    const freq = 1 / Math.fround(ropeBase ** Math.fround((2 * i) / headDim));
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highFreqWavelen) out[i] = 1;
    else if (wavelen > lowFreqWavelen) out[i] = factor;
    else {
      const smooth = (oldCtx / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / factor + smooth);
    }
  }
  return out;
}

// ---- vocabulary ----------------------------------------------------------------------------------

/** GPT-2's byte → unicode map (bytes_to_unicode): printable bytes map to themselves. */
export function gpt2ByteChars(): string[] {
  const bs: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) bs.push(b);
  for (let b = 0xa1; b <= 0xac; b++) bs.push(b);
  for (let b = 0xae; b <= 0xff; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); n++; }
  }
  const out = new Array<string>(256);
  for (let i = 0; i < 256; i++) out[bs[i]] = String.fromCodePoint(cs[i]);
  return out;
}

export const SPECIAL_TOKENS = ['<|begin_of_text|>', '<|end_of_text|>', '<|eot_id|>', '<|start_header_id|>', '<|end_header_id|>'];

export interface Vocab { tokens: string[]; types: number[]; merges: string[]; bos: number; eos: number; eot: number }

/**
 * A byte-level BPE vocabulary of exactly nVocab tokens: the 256 byte tokens (in byte order), then
 * merged tokens (every merge "a b" yields a new token a+b), then the special tokens (CONTROL) last.
 * Merges favour letters and the space marker 'Ġ', so ordinary text tokenizes into multi-byte tokens.
 */
export function buildVocab(nVocab: number): Vocab {
  const nSpecial = SPECIAL_TOKENS.length;
  if (nVocab < 256 + nSpecial) throw new Error(`nVocab must be at least ${256 + nSpecial}`);
  const byteChars = gpt2ByteChars();
  const tokens = byteChars.slice();
  const seen = new Set(tokens);
  const merges: string[] = [];
  const nMerged = nVocab - 256 - nSpecial;
  // Preferred characters first (space marker, lowercase, uppercase, digits), then every byte.
  const pref: string[] = ['Ġ', ...'etaoinshrdlcumwfgypbvkjxqz', ...'ETAOINSHRDLCUMWFGYPBVKJXQZ', ...'0123456789', 'Ċ', ...'.,!?-'];
  const order = [...pref, ...byteChars.filter((c) => !pref.includes(c))];
  // Generations: generation g merges tokens of generation g-1 with single chars of `order`, walking
  // the (left, right) grid by anti-diagonals so that preferred pairs come first.
  let prev: string[] = order.slice();
  while (merges.length < nMerged) {
    const next: string[] = [];
    const maxK = prev.length + order.length - 2;
    for (let k = 0; k <= maxK && merges.length < nMerged; k++) {
      for (let i = Math.max(0, k - order.length + 1); i <= Math.min(k, prev.length - 1) && merges.length < nMerged; i++) {
        const left = prev[i], right = order[k - i];
        const tok = left + right;
        if (seen.has(tok)) continue;
        seen.add(tok);
        tokens.push(tok);
        merges.push(`${left} ${right}`);
        next.push(tok);
      }
    }
    prev = next;
  }
  const types = new Array<number>(tokens.length).fill(1); // LLAMA_TOKEN_TYPE_NORMAL
  const base = tokens.length;
  for (const s of SPECIAL_TOKENS) { tokens.push(s); types.push(3); } // LLAMA_TOKEN_TYPE_CONTROL
  return { tokens, types, merges, bos: base, eos: base + 1, eot: base + 2 };
}

// ---- plan + build ----------------------------------------------------------------------------------

function normalize(cfg: LlamaConfig) {
  const c = {
    nCtxTrain: 4096, ropeBase: 10000, normEps: 1e-5, preset: 'f16' as LlamaPreset, tiedOutput: false, ropeFreqs: false,
    seed: 1, weightScale: 1, name: 'cairn-random-llama', ...cfg,
  };
  const headDim = cfg.headDim ?? c.nEmbd / c.nHead;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw new Error(`head_dim ${headDim} must be an even integer`);
  if (c.nHead % c.nHeadKv !== 0) throw new Error(`n_head ${c.nHead} is not a multiple of n_head_kv ${c.nHeadKv}`);
  if (!LLAMA_PRESETS.includes(c.preset)) throw new Error(`unknown preset ${c.preset}`);
  return { ...c, headDim };
}

/** The tensors (names, types, ne) a config produces, in file order. */
export function planLlamaTensors(config: LlamaConfig): TensorPlan[] {
  const c = normalize(config);
  const { nEmbd, nVocab, nFf, nHead, nHeadKv, headDim } = c;
  const ws = c.weightScale;
  const out: TensorPlan[] = [];
  const mat = (name: string, cls: TensorClass, layer: number, ne0: number, ne1: number) =>
    out.push({ name, type: chooseType(c, cls, layer, ne0), ne: [ne0, ne1], std: ws / Math.sqrt(ne0), mean: 0, kind: 'matrix' });
  const norm = (name: string) => out.push({ name, type: GGML_TYPE.F32, ne: [nEmbd], std: 0.1, mean: 1, kind: 'norm' });
  if (c.ropeFreqs) out.push({ name: 'rope_freqs.weight', type: GGML_TYPE.F32, ne: [headDim / 2], std: 0, mean: 0, kind: 'rope_freqs' });
  // token_embd rows are read one at a time (get_rows), but for tied output it is also the output
  // matrix: std 1/sqrt(n_embd) keeps the logits O(1) either way.
  mat('token_embd.weight', 'token_embd', 0, nEmbd, nVocab);
  for (let i = 0; i < c.nLayer; i++) {
    const p = `blk.${i}.`;
    norm(p + 'attn_norm.weight');
    mat(p + 'attn_q.weight', 'attn_q', i, nEmbd, nHead * headDim);
    mat(p + 'attn_k.weight', 'attn_k', i, nEmbd, nHeadKv * headDim);
    mat(p + 'attn_v.weight', 'attn_v', i, nEmbd, nHeadKv * headDim);
    mat(p + 'attn_output.weight', 'attn_output', i, nHead * headDim, nEmbd);
    norm(p + 'ffn_norm.weight');
    mat(p + 'ffn_gate.weight', 'ffn_gate', i, nEmbd, nFf);
    mat(p + 'ffn_up.weight', 'ffn_up', i, nEmbd, nFf);
    mat(p + 'ffn_down.weight', 'ffn_down', i, nFf, nEmbd);
  }
  norm('output_norm.weight');
  if (!c.tiedOutput) mat('output.weight', 'output', 0, nEmbd, nVocab);
  return out;
}

/** Hyperparameters as a llama GGUF carries them. */
export interface LlamaMetadata {
  name: string; fileType: number; quantized: boolean; nLayer: number; nCtxTrain: number; nEmbd: number; nFf: number;
  nHead: number; nHeadKv: number; headDim: number; ropeBase: number; normEps: number; nVocab: number;
}

/** Writes the `general.*`, `llama.*` and gpt2/llama-bpe `tokenizer.ggml.*` keys of a llama file
 *  (the one place that knows them: the random-weight builder and the built-in model export). */
export function writeLlamaMetadata(w: GgufWriter, m: LlamaMetadata,
  vocab: { tokens: string[]; types: number[]; merges: string[]; bos: number; eos: number }): void {
  w.setString('general.architecture', 'llama');
  w.setString('general.type', 'model');
  w.setString('general.name', m.name);
  w.setU32('general.file_type', m.fileType);
  if (m.quantized) w.setU32('general.quantization_version', 2);
  w.setU32('llama.block_count', m.nLayer);
  w.setU32('llama.context_length', m.nCtxTrain);
  w.setU32('llama.embedding_length', m.nEmbd);
  w.setU32('llama.feed_forward_length', m.nFf);
  w.setU32('llama.attention.head_count', m.nHead);
  w.setU32('llama.attention.head_count_kv', m.nHeadKv);
  w.setF32('llama.rope.freq_base', m.ropeBase);
  w.setF32('llama.attention.layer_norm_rms_epsilon', m.normEps);
  if (m.headDim !== m.nEmbd / m.nHead) {
    w.setU32('llama.attention.key_length', m.headDim);
    w.setU32('llama.attention.value_length', m.headDim);
  }
  w.setU32('llama.rope.dimension_count', m.headDim);
  w.setU32('llama.vocab_size', m.nVocab);
  w.setString('tokenizer.ggml.model', 'gpt2');
  w.setString('tokenizer.ggml.pre', 'llama-bpe');
  w.setArray('tokenizer.ggml.tokens', GGUF_VALUE.STRING, vocab.tokens);
  w.setArray('tokenizer.ggml.token_type', GGUF_VALUE.I32, vocab.types);
  w.setArray('tokenizer.ggml.merges', GGUF_VALUE.STRING, vocab.merges);
  w.setU32('tokenizer.ggml.bos_token_id', vocab.bos);
  w.setU32('tokenizer.ggml.eos_token_id', vocab.eos);
  w.setBool('tokenizer.ggml.add_bos_token', true);
}

export interface BuiltModel { path: string; config: LlamaConfig; tensors: TensorPlan[]; vocab: Vocab; bytes: number }

/** Builds a llama GGUF with random weights at `path` (written to a temp file, then renamed). */
export function buildLlamaModel(path: string, config: LlamaConfig): BuiltModel {
  const c = normalize(config);
  const plan = planLlamaTensors(config);
  const vocab = buildVocab(c.nVocab);
  const w = new GgufWriter();

  writeLlamaMetadata(w, {
    name: c.name, fileType: FTYPE[c.preset], quantized: QUANTIZE_PRESETS.has(c.preset) || c.preset === 'q8_0',
    nLayer: c.nLayer, nCtxTrain: c.nCtxTrain, nEmbd: c.nEmbd, nFf: c.nFf, nHead: c.nHead, nHeadKv: c.nHeadKv,
    headDim: c.headDim, ropeBase: c.ropeBase, normEps: c.normEps, nVocab: c.nVocab,
  }, vocab);

  // The writer lays out the header and tensor infos; tensor data is streamed to the file one
  // tensor at a time (the 1B shape is GBs), with the writer's layout: each tensor at the next
  // `alignment` boundary, zero padding after it. The placeholders are untouched zero pages.
  const sizes = plan.map((t) => rowBytes(t.type, t.ne.reduce((a, b) => a * b, 1)));
  plan.forEach((t, i) => w.addTensor(t.name, t.type, t.ne, new Uint8Array(sizes[i])));
  const header = w.toBuffer({ noData: true });
  const align = w.alignment;
  const zeros = new Uint8Array(align);

  mkdirSync(dirname(resolve(path)), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const rng = new Rng(c.seed);
  let bytes = 0;
  const fd = openSync(tmp, 'w');
  try {
    let pos = writeAll(fd, header);
    pos += writeAll(fd, zeros.subarray(0, (align - (pos % align)) % align));
    plan.forEach((t, i) => {
      const n = t.ne.reduce((a, b) => a * b, 1);
      const data = t.kind === 'rope_freqs'
        ? quantizeF32(llama3RopeFactors(c.headDim, c.ropeBase, c.ropeScaling))
        : randomTensorBytes(t.type, n, rng, { std: t.std, mean: t.mean });
      if (data.length !== sizes[i]) throw new Error(`internal: ${t.name} is ${data.length} bytes, expected ${sizes[i]}`);
      bytes += data.length;
      pos += writeAll(fd, data);
      pos += writeAll(fd, zeros.subarray(0, (align - (pos % align)) % align));
    });
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try { closeSync(fd); } catch { /* closed */ }
    throw e;
  } finally {
    if (existsSync(tmp)) rmSync(tmp, { force: true });
  }
  return { path, config, tensors: plan, vocab, bytes };
}

function writeAll(fd: number, data: Uint8Array): number {
  let off = 0;
  while (off < data.length) off += writeSync(fd, data, off, Math.min(data.length - off, 1 << 30));
  return data.length;
}

// ---- cache -------------------------------------------------------------------------------------------

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'electron'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

/** build/models (or $CAIRN_MODEL_CACHE). */
export function modelCacheDir(): string {
  return process.env.CAIRN_MODEL_CACHE ?? join(repoRoot(), 'build', 'models');
}

export function configHash(config: LlamaConfig): string {
  const c = normalize(config);
  const keys = Object.keys(c).sort() as (keyof typeof c)[];
  const canon = JSON.stringify({ v: BUILDER_VERSION, c: keys.map((k) => [k, c[k]]) });
  return createHash('sha256').update(canon).digest('hex').slice(0, 20);
}

/** Path of the cached model for `config`, building it when absent (build/models/<hash>.gguf). */
export function cachedLlamaModel(config: LlamaConfig, dir = modelCacheDir()): string {
  const name = `${config.name ?? 'llama'}-${config.preset ?? 'f16'}-${configHash(config)}.gguf`.replace(/[^A-Za-z0-9._-]/g, '_');
  const path = join(dir, name);
  if (existsSync(path) && statSync(path).size > 0) return path;
  buildLlamaModel(path, config);
  return path;
}
