// Integration tests of the native engine through its koffi binding, on generated llama GGUF files.
import { describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { koffiAddress } from './native.js';
import { copyBaselineBytes, Model, type BackendName, type WeightsMode } from './model.js';
import { EngineError } from './native.js';
import { buildLlamaModel, cachedLlamaModel, tinyConfig, LLAMA_PRESETS, type LlamaPreset } from '../../test-support/llama-builder.js';
import { GgufWriter } from './gguf-writer.js';
import { GGML_TYPE } from './ggml-types.js';

const TOKENS = [1, 17, 42, 300, 5, 99, 250, 7, 64, 128, 3, 511];
// 40 tokens: two full AMX token tiles and a partial one (the batched paths start at 8 columns)
const BATCH = Array.from({ length: 40 }, (_, i) => TOKENS[i % TOKENS.length] + 2 * i);

/** Error of row a against row b relative to b's spread (std): the largest and the RMS difference. */
function rowErr(a: Float32Array, b: Float32Array): { max: number; rms: number } {
  let mean = 0;
  for (const v of b) mean += v;
  mean /= b.length;
  let varb = 0, worst = 0, sq = 0;
  for (let i = 0; i < b.length; i++) {
    varb += (b[i] - mean) ** 2;
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    sq += (a[i] - b[i]) ** 2;
  }
  const std = Math.sqrt(varb / b.length);
  return { max: worst / std, rms: Math.sqrt(sq / b.length) / std };
}
const relErr = (a: Float32Array, b: Float32Array) => rowErr(a, b).max;

/** The fast backends this CPU and build have: a backend the engine refuses as unavailable is
 *  skipped; any other load failure (a broken backend or model) fails the tests. */
function fastBackends(): BackendName[] {
  const out: BackendName[] = [];
  for (const b of ['avx2', 'avx512', 'amx', 'neon'] as const) {
    try { Model.load(cachedLlamaModel(tinyConfig('tiny-hd32', 'f32')), { backend: b, threads: 1 }).close(); out.push(b); } catch (e) {
      if (!(e instanceof EngineError && e.code === 'CAIRN_E_ARG' && /is not available on this CPU or build/.test(e.message))) throw e;
    }
  }
  return out;
}

describe('fast kernels agree with the reference forward pass', () => {
  const backends = fastBackends();
  test('this CPU has at least one fast backend', () => {
    expect(backends.length).toBeGreaterThan(0);
  });
  // Float presets: only summation order differs between backends, so every logit agrees to 1e-3 of
  // the row's spread (~100x the observed error; a wrong tile index or block decode gives O(1)).
  // Quantized presets: the same per-gemm agreement (test-kernels.c checks it tightly), but a 1-ulp
  // difference can flip one int8 step when the next layer's input is re-quantized (or an f16 KV
  // rounding), and that legitimately moves logits by up to ~0.2 std at a few positions. So there the
  // bound is on the RMS difference (observed with flips: <= 0.03; a wrong block decode: ~1).
  test.each(LLAMA_PRESETS.map((p) => [p]))('%s', (preset: LlamaPreset) => {
    const shape = preset.includes('_k') ? 'tiny-hd64-gqa4' : 'tiny-hd64-gqa2';
    const path = cachedLlamaModel(tinyConfig(shape, preset, { ropeFreqs: preset === 'q4_k_m', tiedOutput: preset === 'q8_0' }));
    const ref = Model.load(path, { backend: 'reference', threads: 2 });
    const want = ref.evalTokens(BATCH, { all: true });
    ref.close();
    const float = ['f32', 'f16', 'bf16'].includes(preset);
    for (const backend of backends) {
      const m = Model.load(path, { backend, threads: 2 });
      const got = m.evalTokens(BATCH, { all: true });
      const V = m.info.nVocab;
      for (let r = 0; r < BATCH.length; r++) {
        const a = got.subarray(r * V, (r + 1) * V), b = want.subarray(r * V, (r + 1) * V);
        const e = rowErr(a, b);
        if (float) expect(e.max, `${backend} row ${r}`).toBeLessThan(1e-3);
        else expect(e.rms, `${backend} row ${r}`).toBeLessThan(0.1);
      }
      m.close();
    }
  });
});

describe('forward pass over caller memory', () => {
  const path = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0'));

  // f32 weights: activations are not re-quantized, so batched and token-by-token runs differ only
  // by summation order (~1e-6) and a wrong position, mask or chunk offset shows as O(1).
  test('token-by-token decode equals one batched prefill, across the 256-token chunk boundary', () => {
    const m = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'f32')), { threads: 2 });
    const toks = Array.from({ length: 300 }, (_, i) => (i * 37 + 11) % m.info.nVocab);
    const batch = m.evalTokens(toks);
    const st = m.createState(300, 1);
    for (let i = 0; i < toks.length; i++) m.forward(st, [toks[i]], i);
    expect(relErr(m.logits(st), batch)).toBeLessThan(1e-3);
    m.close();
  });

  test('K/V rows and logits are written at base + offset, nothing is copied', () => {
    const m = Model.load(path, { threads: 2 });
    const st = m.createState(16, 1);
    const bytes = new Uint8Array(st.memory.buffer);
    const base = koffiAddress(bytes);
    m.forward(st, TOKENS.slice(0, 5), 0);
    const kvRow = m.info.nHeadKv * m.info.headDim * 2;
    const k = Number(st.layout.k_off);
    const nonZero = (off: number, len: number) => bytes.subarray(off, off + len).some((b) => b !== 0);
    expect(nonZero(k, 5 * kvRow)).toBe(true);         // positions 0..4 of layer 0
    expect(nonZero(k + 5 * kvRow, 11 * kvRow)).toBe(false); // positions 5..15 untouched
    const logits = m.logits(st);
    expect(logits.some((v) => v !== 0)).toBe(true);
    // the logits view is the engine's output location: base + logits_off
    expect(koffiAddress(logits)).toBe(base + BigInt(st.layout.logits_off));
    expect(m.bytesCopied).toBe(0);
    m.close();
  });

  // The copy baseline (FORWARD_COPY_STATE) runs the same forward in an engine-owned buffer and
  // copies the state in and out: the same bits land in caller memory, and the counter adds exactly
  // cairn.h's formula per call (so the counter can count, and the in-place path's 0 means something).
  test('the copy baseline writes the same bytes and counts exactly what it copies', () => {
    const m = Model.load(path, { threads: 2 });
    const inPlace = m.createState(32, 12), copied = m.createState(32, 12), other = m.createState(32, 12);
    const calls: [number[], number, boolean][] = [[TOKENS.slice(0, 7), 0, false], [[9], 7, false], [TOKENS.slice(0, 5), 8, true], [[4], 13, false]];
    let want = 0;
    for (const [toks, pos, all] of calls) {
      m.forward(inPlace, toks, pos, { all });
      expect(m.bytesCopied).toBe(want);
      m.forward(copied, toks, pos, { all, copyState: true });
      want += copyBaselineBytes(m.info, pos, toks.length, all ? toks.length : 1);
      expect(m.bytesCopied).toBe(want);
      expect(new Uint8Array(copied.memory.buffer)).toEqual(new Uint8Array(inPlace.memory.buffer));
      // another conversation through the same engine buffer in between: the next call must copy its rows in
      m.forward(other, toks.map((t) => t + 1), pos, { copyState: true });
      want += copyBaselineBytes(m.info, pos, toks.length);
    }
    // by hand for the last call: 3 layers × K and V × (2·13 + 1) rows × 64 B per row + 1024 logits × 4 B
    expect(copyBaselineBytes(m.info, 13, 1)).toBe(3 * 2 * 27 * m.info.nHeadKv * m.info.headDim * 2 + 1024 * 4);
    expect(m.bytesCopied).toBeGreaterThan(0);
    // a failed call copies nothing back
    const before = m.bytesCopied;
    expect(() => m.forward(copied, [m.info.nVocab], 14, { copyState: true })).toThrow(/outside the vocabulary/);
    expect(m.bytesCopied).toBe(before);
    m.close();
  });

  test('bad calls are refused with a specific code and leave the state usable', () => {
    const m = Model.load(path, { threads: 1 });
    const st = m.createState(8, 1);
    const code = (f: () => void) => { try { f(); return 'ok'; } catch (e) { return (e as EngineError).code; } };
    expect(code(() => m.forward(st, [m.info.nVocab], 0))).toBe('CAIRN_E_TOKEN');
    expect(code(() => m.forward(st, [-1], 0))).toBe('CAIRN_E_TOKEN');
    expect(code(() => m.forward(st, [1, 2, 3], 6))).toBe('CAIRN_E_CONTEXT');
    expect(code(() => m.forward(st, [1, 2], 0, { all: true }))).toBe('CAIRN_E_LAYOUT');
    const small = { ...st, layout: { ...st.layout, k_off: BigInt(st.memory.buffer.byteLength) } };
    expect(code(() => m.forward(small, [1], 0))).toBe('CAIRN_E_LAYOUT');
    const overlap = { ...st, layout: { ...st.layout, v_off: st.layout.k_off } };
    expect(code(() => m.forward(overlap, [1], 0))).toBe('CAIRN_E_LAYOUT');
    const cancel = new Int32Array([1]);
    expect(code(() => m.forward(st, [1, 2], 0, { cancel }))).toBe('CAIRN_E_CANCELLED');
    expect(code(() => m.forward(st, [1, 2], 0))).toBe('ok');
    m.close();
  });
});

/** Resident bytes of this process's mappings of `file` (Linux /proc/self/smaps). */
function fileRss(file: string): number {
  let inFile = false, kb = 0;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inFile = line.endsWith(` ${file}`);
    else if (inFile && line.startsWith('Rss:')) kb += Number(line.split(/\s+/)[1]);
  }
  return kb * 1024;
}

describe('weights copied into anonymous memory', () => {
  const linux = existsSync('/proc/self/smaps');
  const thp = existsSync('/sys/kernel/mm/transparent_hugepage/enabled') &&
    /\[(always|madvise)\]/.test(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'));

  // Same kernels, same split into row chunks: the copy must give exactly the mapped result.
  test.each([['q8_0'], ['q4_k_m'], ['f16']] as const)('%s: logits are bit-identical to the file mapping', (preset) => {
    const path = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', preset, { tiedOutput: preset === 'q8_0' }));
    const run = (weights: WeightsMode) => {
      const m = Model.load(path, { threads: 2, weights });
      const mode = m.info.weights;
      const batch = m.evalTokens(TOKENS, { all: true });
      const st = m.createState(8, 1);
      for (let i = 0; i < 4; i++) m.forward(st, [TOKENS[i]], i);
      const decode = m.logits(st).slice();
      m.close();
      return { mode, batch, decode };
    };
    const mapped = run('map'), copied = run('copy');
    expect(mapped.mode).toBe('map');
    expect(copied.mode).toBe(linux ? (thp ? 'huge' : 'copy') : 'map');
    expect(Buffer.from(copied.batch.buffer).equals(Buffer.from(mapped.batch.buffer))).toBe(true);
    expect(Buffer.from(copied.decode.buffer).equals(Buffer.from(mapped.decode.buffer))).toBe(true);
  });

  test('auto copies where transparent huge pages are on, and maps otherwise', () => {
    const m = Model.load(cachedLlamaModel(tinyConfig('tiny-hd32', 'q8_0')), { threads: 1 });
    expect(m.info.weights).toBe(linux && thp ? 'huge' : 'map');
    m.close();
    expect(() => Model.load(cachedLlamaModel(tinyConfig('tiny-hd32', 'q8_0')), { weights: 'swap' as WeightsMode })).toThrow(/weights mode/);
  });

  // The rule: resident memory after load <= file + KV + 64 MiB, never two copies. A 50 MB model,
  // so that a second copy (or the file's pages left mapped) would show well above the noise.
  test.skipIf(!linux)('after load and decode, one copy of the weights is resident', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cairn-rss-')), 'mid.gguf');
    buildLlamaModel(path, { nVocab: 4096, nEmbd: 1024, nLayer: 4, nHead: 16, nHeadKv: 4, nFf: 2816, preset: 'q8_0', tiedOutput: true });
    const size = statSync(path).size;
    const rss0 = process.memoryUsage().rss;
    const m = Model.load(path, { threads: 2, weights: 'copy' });
    const st = m.createState(64, 1);
    m.forward(st, TOKENS, 0);
    for (let i = 0; i < 4; i++) m.forward(st, [TOKENS[i]], TOKENS.length + i);
    const kv = 2 * m.info.nLayer * 64 * m.info.nHeadKv * m.info.headDim * 2;
    // the file's pages are dropped from the mapping as they are copied: only the metadata remains
    expect(fileRss(path)).toBeLessThan(4 * 2 ** 20);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(size + kv + 64 * 2 ** 20);
    m.close();
    // the same measurement sees the weights when they are used in place
    const mapped = Model.load(path, { threads: 2, weights: 'map' });
    mapped.evalTokens(TOKENS.slice(0, 2));
    expect(fileRss(path)).toBeGreaterThan(0.9 * mapped.info.weightsBytes);
    mapped.close();
  });
});

describe('model loading refuses bad files with a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-model-'));
  const load = (buf: Uint8Array) => {
    const p = join(dir, `m${Math.random().toString(36).slice(2)}.gguf`);
    writeFileSync(p, buf);
    try { Model.load(p).close(); return 'ok'; } catch (e) { return `${(e as EngineError).code}: ${(e as Error).message}`; }
  };
  const base = (arch = 'llama') => {
    const w = new GgufWriter();
    w.setString('general.architecture', arch);
    w.setU32('llama.block_count', 1);
    w.setU32('llama.embedding_length', 64);
    w.setU32('llama.feed_forward_length', 128);
    w.setU32('llama.attention.head_count', 2);
    return w;
  };
  const f32 = (n: number) => new Uint8Array(n * 4);

  test('unknown architecture', () => {
    expect(load(base('mamba').toBuffer())).toMatch(/^CAIRN_E_ARCH: .*'mamba' is not supported/);
  });
  test('missing tensor names the tensor', () => {
    const w = base();
    w.addTensor('token_embd.weight', GGML_TYPE.F32, [64, 10], f32(640));
    expect(load(w.toBuffer())).toMatch(/^CAIRN_E_MISSING_TENSOR: .*'output_norm.weight'/);
  });
  test('wrong shape names the tensor and both shapes', () => {
    const w = base();
    w.addTensor('token_embd.weight', GGML_TYPE.F32, [64, 10], f32(640));
    w.addTensor('output_norm.weight', GGML_TYPE.F32, [32], f32(32));
    expect(load(w.toBuffer())).toMatch(/^CAIRN_E_SHAPE: .*'output_norm.weight' has shape \[32, 1, 1, 1\], expected \[64, 1\]/);
  });
  test('inconsistent heads', () => {
    const w = base();
    w.setU32('llama.attention.head_count_kv', 3);
    w.addTensor('token_embd.weight', GGML_TYPE.F32, [64, 10], f32(640));
    expect(load(w.toBuffer())).toMatch(/^CAIRN_E_HPARAMS: .*head_count_kv/);
  });
  test('mistyped hyperparameter', () => {
    const w = base();
    w.setString('llama.context_length', '4096');
    w.addTensor('token_embd.weight', GGML_TYPE.F32, [64, 10], f32(640));
    expect(load(w.toBuffer())).toMatch(/^CAIRN_E_HPARAMS: .*'llama.context_length'.*expected an integer/);
  });
  test('special-token id outside the vocabulary', () => {
    const w = base();
    w.setU32('tokenizer.ggml.bos_token_id', 10);
    w.addTensor('token_embd.weight', GGML_TYPE.F32, [64, 10], f32(640));
    expect(load(w.toBuffer())).toMatch(/^CAIRN_E_VOCAB: .*bos_token_id = 10/);
  });
  test('a model larger than the memory available is refused before loading', () => {
    const p = cachedLlamaModel(tinyConfig('tiny-hd32', 'f32'));
    let msg = '';
    try { Model.load(p, { memAvailable: 1000 }); } catch (e) { msg = `${(e as EngineError).code}: ${(e as Error).message}`; }
    expect(msg).toMatch(/^CAIRN_E_NOMEM: .*needs [\d.]+ GB, 0.00 GB available/);
  });
});

describe('process lifetime', () => {
  // The engine's worker threads must be stopped before the library goes away at exit (koffi
  // unloads it): a process that never closes its model once crashed with SIGSEGV on exit.
  test('a process that exits with a model still open exits cleanly', () => {
    const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'electron', 'engine', 'model.js');
    const script = `import { Model } from ${JSON.stringify(pathToFileURL(dist).href)};
      const m = Model.load(${JSON.stringify(cachedLlamaModel(tinyConfig('tiny-hd32', 'f16')))}, { threads: 2 });
      m.evalTokens([1, 2, 3]);
      console.log('ran');`;
    for (let i = 0; i < 3; i++) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
      expect({ status: r.status, signal: r.signal, out: r.stdout.trim() }, r.stderr).toEqual({ status: 0, signal: null, out: 'ran' });
    }
  });
});
