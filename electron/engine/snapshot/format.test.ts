// Round trip, atomic writes, inspect, the lenient metadata reader, XXH64, an independent Python safetensors reader
// (and numpy) and xxhsum on a written file, and the size overhead for a realistic KV shape.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SnapshotError, inspectSnapshot, openSnapshot, readSnapshot, readSnapshotMeta, writeSnapshot, type SnapshotData, type SnapshotMeta,
} from './format.js';
import { Xxh64, readFileIntoViews, xxh64Views } from '../native.js';
import { closeSync, openSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cairn-snap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MODEL_SHA = 'ab'.repeat(32);
// f16 bit patterns of 1, 2, -0.5, 0.25, 65504, -0
const F16_BITS = [0x3c00, 0x4000, 0xb800, 0x3400, 0x7bff, 0x8000];
const F16_VALUES = [1, 2, -0.5, 0.25, 65504, -0];

function meta(nLayer: number, nKvHeads: number, headDim: number, nVocab = 1000, sha = MODEL_SHA): SnapshotMeta {
  return {
    engineVersion: '0.1.0',
    model: { sha256: sha, arch: 'llama', nLayer, nKvHeads, headDim, nVocab, kvType: 'f16' },
    tokenizerHash: 'cd'.repeat(32),
    sampler: { params: { temperature: 0.7, top_p: 0.9, seed: 42 }, rng: ['0x0123456789abcdef', '0xfedcba9876543210'] },
    transcript: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Ünïcödé 😀 漢字 "quotes" \\ \u2028 \n\t end' },
      { role: 'assistant', content: 'ok', id: 3 },
    ],
    settings: { contextSize: 4096, theme: 'dark' },
    createdAt: '2025-01-02T03:04:05.678Z',
  };
}

/** k/v as views into one shared buffer at odd offsets, so byteOffset handling is exercised. */
function sample(n: number, nLayer: number, nKvHeads: number, headDim: number, sha = MODEL_SHA): SnapshotData {
  const row = n * nKvHeads * headDim * 2;
  const backing = new Uint8Array(2 * nLayer * (row + 2) + 1);
  const k: Uint8Array[] = [];
  const v: Uint8Array[] = [];
  for (let l = 0; l < 2 * nLayer; l++) {
    const view = backing.subarray(1 + l * (row + 2), 1 + l * (row + 2) + row);
    for (let i = 0; i < row / 2; i++) {
      const bits = F16_BITS[(i + l) % F16_BITS.length];
      view[2 * i] = bits & 0xff;
      view[2 * i + 1] = bits >> 8;
    }
    (l % 2 === 0 ? k : v).push(view);
  }
  const tokens = Int32Array.from({ length: n }, (_, i) => (i * 37 + 1) % 1000);
  return { tokens, k, v, nKvHeads, headDim, meta: meta(nLayer, nKvHeads, headDim, 1000, sha) };
}

const expectOf = (s: SnapshotData, maxTokens = 4096) => ({
  nLayer: s.meta.model.nLayer, nKvHeads: s.nKvHeads, headDim: s.headDim, nVocab: s.meta.model.nVocab, maxTokens,
  modelSha256: s.meta.model.sha256,
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    return e.code;
  }
}

describe('writeSnapshot / readSnapshot', () => {
  it('round-trips tokens, K/V bytes and metadata; the data section is 8-byte aligned', async () => {
    const s = sample(5, 3, 2, 8);
    const path = join(dir, 'rt.cairn');
    const { bytes, dataXxh64 } = await writeSnapshot(path, s);
    const buf = readFileSync(path);
    expect(buf.length).toBe(bytes);
    const n = Number(buf.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    expect(xxh64Views([buf.subarray(8 + n)])).toBe(dataXxh64);
    const r = await readSnapshot(path, expectOf(s));
    expect(Array.from(r.tokens)).toEqual(Array.from(s.tokens));
    for (let l = 0; l < 3; l++) {
      expect(Buffer.from(r.k[l]).equals(Buffer.from(s.k[l]))).toBe(true);
      expect(Buffer.from(r.v[l]).equals(Buffer.from(s.v[l]))).toBe(true);
    }
    expect(r.meta).toEqual(s.meta);
    expect(r.dataXxh64).toBe(dataXxh64);
    expect(await readSnapshot(path)).toBeTruthy(); // no target: header/data checks only
  });

  it('readTensors fills one buffer (engine read + hash) and separate buffers (runtime readv) alike, and checks the data hash in both', async () => {
    const s = sample(300, 3, 2, 64); // 300 × 2 × 64 × 2 B = 75 KiB per K/V tensor
    const path = join(dir, 'scatter.cairn');
    await writeSnapshot(path, s);
    const r = openSnapshot(path, expectOf(s));
    try {
      const sizes = r.tensors.map((t) => t.end - t.begin);
      const one = new Uint8Array(sizes.reduce((a, b) => a + b, 0) + 4096);
      let at = 0;
      const inOne = sizes.map((n) => { const v = one.subarray(at + 64, at + 64 + n); at += n + 1; return v; });
      r.readTensors(inOne);
      const separate = sizes.map((n) => new Uint8Array(n));
      r.readTensors(separate);
      separate.forEach((v, i) => expect(Buffer.compare(v, inOne[i])).toBe(0));
      expect(new Int32Array(separate[0].buffer)).toEqual(s.tokens);
      expect(Buffer.compare(separate[1], s.k[0])).toBe(0);
      expect(() => r.readTensors(separate.slice(1))).toThrow(/destination of/);
    } finally {
      r.close();
    }
    const bytes = readFileSync(path);
    bytes[bytes.length - 1000] ^= 0x10; // a K/V bit behind an intact header
    writeFileSync(path, bytes);
    const bad = openSnapshot(path, expectOf(s));
    try {
      const sizes = bad.tensors.map((t) => t.end - t.begin), one = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
      let at = 0;
      expect(() => bad.readTensors(sizes.map((n) => { at += n; return one.subarray(at - n, at); }))).toThrow(/SNAP_HASH|data_xxh64/);
      expect(() => bad.readTensors(sizes.map((n) => new Uint8Array(n)))).toThrow(/data_xxh64/);
    } finally {
      bad.close();
    }
  });

  it('round-trips an empty snapshot (n = 0)', async () => {
    const s = sample(0, 2, 2, 4);
    const path = join(dir, 'empty.cairn');
    await writeSnapshot(path, s);
    const r = await readSnapshot(path, expectOf(s));
    expect(r.tokens.length).toBe(0);
    expect(r.k.map((x) => x.length)).toEqual([0, 0]);
  });

  it('writes atomically: private mode, no temp file left, failed writes leave the old file intact', async () => {
    const sub = mkdtempSync(join(dir, 'atomic-'));
    const path = join(sub, 'a.cairn');
    await writeSnapshot(path, sample(3, 2, 2, 4));
    if (process.platform !== 'win32') expect(statSync(path).mode & 0o777).toBe(0o600);
    const before = readFileSync(path);
    await writeSnapshot(path, sample(4, 2, 2, 4)); // overwrite
    expect(readFileSync(path).equals(before)).toBe(false);
    expect(readdirSync(sub)).toEqual(['a.cairn']);
    const after = readFileSync(path);
    const bad = sample(3, 2, 2, 4);
    bad.tokens[1] = 1000; // >= n_vocab
    expect(await code(writeSnapshot(path, bad))).toBe('SNAP_INPUT');
    const bad2 = sample(3, 2, 2, 4);
    bad2.k.pop();
    expect(await code(writeSnapshot(path, bad2))).toBe('SNAP_INPUT');
    const bad3 = sample(3, 2, 2, 4, 'not-a-hash');
    expect(await code(writeSnapshot(path, bad3))).toBe('SNAP_INPUT');
    const bad4 = sample(3, 2, 2, 4);
    bad4.v[1] = bad4.v[1].subarray(2);
    expect(await code(writeSnapshot(path, bad4))).toBe('SNAP_INPUT');
    expect(readFileSync(path).equals(after)).toBe(true);
    expect(readdirSync(sub)).toEqual(['a.cairn']);
    expect(await code(writeSnapshot(join(sub, 'missing-dir', 'x.cairn'), sample(1, 1, 1, 2)))).toBe('SNAP_IO');
  });

  it('refuses a same-shape snapshot of another model with SNAP_FOREIGN_MODEL', async () => {
    const ours = sample(3, 2, 2, 4);
    const path = join(dir, 'foreign.cairn');
    await writeSnapshot(path, sample(3, 2, 2, 4, 'ef'.repeat(32)));
    expect(await code(readSnapshot(path, expectOf(ours)))).toBe('SNAP_FOREIGN_MODEL');
    expect(await code(readSnapshot(path, { ...expectOf(ours), modelSha256: 'EF'.repeat(32) }))).toBe('OK');
  });
});

describe('inspectSnapshot / readSnapshotMeta', () => {
  it('summarizes a verified snapshot', async () => {
    const s = sample(4, 2, 2, 4);
    const path = join(dir, 'inspect.cairn');
    const { bytes, dataXxh64 } = await writeSnapshot(path, s);
    const sum = await inspectSnapshot(path);
    expect(sum.fileBytes).toBe(bytes);
    expect(sum.nTokens).toBe(4);
    expect(sum.dataXxh64).toBe(dataXxh64);
    expect(sum.headerBytes + sum.dataBytes + 8).toBe(bytes);
    expect(sum.tensors.map((t) => `${t.name}:${t.dtype}:${t.shape.join('x')}`)).toEqual(
      ['tokens:I32:4', 'k.0:F16:4x2x4', 'v.0:F16:4x2x4', 'k.1:F16:4x2x4', 'v.1:F16:4x2x4']);
    expect(sum.meta).toEqual(s.meta);
    expect(sum.formatVersion).toBe('2');
  });

  it('reads the metadata of a file whose data is damaged, never of one whose header is', async () => {
    const s = sample(4, 2, 2, 4);
    const path = join(dir, 'lenient.cairn');
    const { bytes } = await writeSnapshot(path, s);
    const full = readFileSync(path);
    writeFileSync(path, full.subarray(0, bytes - 10)); // data cut short
    expect(() => openSnapshot(path)).toThrow(expect.objectContaining({ code: 'SNAP_TRUNCATED' }));
    expect(readSnapshotMeta(path)).toEqual(s.meta);
    const flipped = Buffer.from(full);
    flipped[40] ^= 1; // inside the header's JSON
    writeFileSync(path, flipped);
    expect(() => readSnapshotMeta(path)).toThrow(SnapshotError);
  });

  it('XXH64 of scattered views (where they lie, and hashed behind a file read) is that of their concatenation', () => {
    const mem = new WebAssembly.Memory({ initial: 64 }); // 4 MiB, like an actor's
    const all = new Uint8Array(mem.buffer);
    for (let i = 0; i < all.length; i++) all[i] = (i * 2654435761) >>> 24;
    // odd sizes and offsets: stripes split across views, an empty view, a view of 1 byte
    const views = [all.subarray(3, 3 + 1000), all.subarray(5000, 5000), all.subarray(7000, 7001), all.subarray(1 << 20, (1 << 20) + 2_500_001)];
    const joined = Buffer.concat(views);
    const want = xxh64Views([joined]);
    expect(want).toMatch(/^[0-9a-f]{16}$/);
    expect(xxh64Views(views)).toBe(want);
    expect(new Xxh64().update(joined.subarray(0, 17)).update(joined.subarray(17)).digest()).toBe(want);
    expect(xxh64Views([new Uint8Array(0)])).toBe('ef46db3751d8e999'); // the spec's empty-input value
    const file = join(dir, 'xxh.bin');
    writeFileSync(file, Buffer.concat([Buffer.alloc(100, 9), joined]));
    const dst = new WebAssembly.Memory({ initial: 64 });
    const into = views.map((v) => new Uint8Array(dst.buffer, v.byteOffset, v.byteLength));
    const fd = openSync(file, 'r');
    try {
      const got = readFileIntoViews(fd, 100, into);
      if (process.platform !== 'win32') expect(got).toBe(want);
    } finally {
      closeSync(fd);
    }
    expect(Buffer.concat(into).equals(joined)).toBe(true);
  });
});

const python = spawnSync('python3', ['-c', 'import sys'], { encoding: 'utf8' });
const hasPython = !python.error && python.status === 0;
const hasXxhsum = !spawnSync('xxhsum', ['--version']).error;
const hasNumpy = hasPython && spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

describe('interoperability', () => {
  it.skipIf(!hasPython)('an independent Python safetensors parser reads the file (skipped only if python3 is absent)', async () => {
    const s = sample(6, 2, 3, 8);
    const path = join(dir, 'py.cairn');
    await writeSnapshot(path, s);
    const out = spawnSync('python3', [join(root, 'test-support', 'safetensors_read.py'), path], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const py = JSON.parse(out.stdout) as {
      data_start: number; tensors: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
      metadata_keys: string[]; metadata: Record<string, string>;
    };
    const sum = await inspectSnapshot(path);
    expect(py.data_start).toBe(8 + sum.headerBytes);
    expect(Object.fromEntries(Object.entries(py.tensors).map(([k, t]) => [k, [t.dtype, t.shape, t.data_offsets]]))).toEqual(
      Object.fromEntries(sum.tensors.map((t) => [t.name, [t.dtype, t.shape, [t.begin, t.end]]])));
    expect(py.metadata_keys).toEqual([
      'arch', 'created_at', 'data_xxh64', 'engine_version', 'format', 'format_version', 'head_dim', 'header_sha256',
      'kv_type', 'model_sha256', 'n_kv_heads', 'n_layer', 'n_vocab', 'sampler', 'settings', 'tokenizer_hash', 'transcript',
    ]);
    expect(py.metadata.format).toBe('cairn-snapshot');
    expect(JSON.parse(py.metadata.transcript)).toEqual(s.meta.transcript);
  });

  it.skipIf(!hasXxhsum)('xxhsum -H1 (the xxHash tool) over the data section gives data_xxh64 (skipped only if xxhsum is absent: apt-get install xxhash)', async () => {
    const s = sample(40, 2, 3, 8);
    const path = join(dir, 'xxhsum.cairn');
    const { dataXxh64 } = await writeSnapshot(path, s);
    const buf = readFileSync(path);
    const data = join(dir, 'xxhsum.data');
    writeFileSync(data, buf.subarray(8 + Number(buf.readBigUInt64LE(0))));
    const out = spawnSync('xxhsum', ['-H1', data], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout.split(/\s+/)[0]).toBe(dataXxh64);
  });

  it.skipIf(!hasNumpy)('numpy views k.0 as float16 [n, n_kv_heads, head_dim] (skipped only if python3/numpy is absent)', async () => {
    const s = sample(6, 2, 3, 8);
    const path = join(dir, 'np.cairn');
    await writeSnapshot(path, s);
    const script = [
      'import json, sys, struct, numpy as np',
      'sys.path.insert(0, sys.argv[2])',
      'import safetensors_read as st',
      'h = st.read(sys.argv[1]); t = h["tensors"]["k.0"]; b, e = t["data_offsets"]',
      'raw = open(sys.argv[1], "rb").read()[h["data_start"] + b:h["data_start"] + e]',
      'a = np.frombuffer(raw, dtype="<f2").reshape(t["shape"])',
      'tok = np.frombuffer(open(sys.argv[1], "rb").read(), dtype="<i4", count=6, offset=h["data_start"])',
      'print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "values": [float(x) for x in a.ravel()], "tokens": tok.tolist()}))',
    ].join('\n');
    const out = spawnSync('python3', ['-c', script, path, join(root, 'test-support')], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const r = JSON.parse(out.stdout) as { shape: number[]; dtype: string; values: number[]; tokens: number[] };
    expect(r.shape).toEqual([6, 3, 8]);
    expect(r.dtype).toBe('float16');
    expect(r.values).toEqual(Array.from({ length: 6 * 3 * 8 }, (_, i) => F16_VALUES[i % F16_VALUES.length]));
    expect(r.tokens).toEqual(Array.from(s.tokens));
  });
});

describe('size', () => {
  it('a realistic snapshot (n=1024, 16 layers, 8 KV heads, head_dim 64) is within 1 % of the raw KV + tokens', async () => {
    const s = sample(1024, 16, 8, 64);
    const path = join(dir, 'big.cairn');
    const { bytes } = await writeSnapshot(path, s);
    const raw = 2 * 16 * 1024 * 8 * 64 * 2 + 1024 * 4;
    const overhead = (bytes - raw) / raw;
    console.log(`snapshot ${bytes} bytes, raw KV + tokens ${raw} bytes, overhead ${bytes - raw} bytes (${(overhead * 100).toFixed(4)} %)`);
    expect(statSync(path).size).toBe(bytes);
    expect(bytes).toBeLessThanOrEqual(raw * 1.01);
    const r = await readSnapshot(path, expectOf(s, 1024));
    expect(r.tokens.length).toBe(1024);
    expect(Buffer.from(r.v[15]).equals(Buffer.from(s.v[15]))).toBe(true);
    expect(await code(readSnapshot(path, expectOf(s, 1023)))).toBe('SNAP_CONTEXT');
  });
});
