// A generated corrupt-file corpus for the native GGUF reader: every truncation prefix of a
// small valid file, every header field set to boundary values, seeded random bit flips, and
// hand-made structural faults. Every file must be accepted or rejected with a specific
// status code, never crash. A sample is replayed in a child process (so a crash there
// cannot take the test runner down) and must give the same answers.
// Needs build/native/libcairn.so (npm run build:native).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufWriter, encArray, encU32, encU64, encU8 } from './gguf-writer.js';
import { GGML_TYPE, GGUF_VALUE, tensorBytes } from './ggml-types.js';
import { GgufFile } from './gguf.js';
import { EngineError } from './native.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'cairn-gguf-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CODES = new Set([
  'CAIRN_E_TRUNCATED', 'CAIRN_E_MAGIC', 'CAIRN_E_ENDIAN', 'CAIRN_E_VERSION', 'CAIRN_E_LIMIT', 'CAIRN_E_KEY',
  'CAIRN_E_DUP_KEY', 'CAIRN_E_VALUE_TYPE', 'CAIRN_E_ALIGNMENT', 'CAIRN_E_TENSOR', 'CAIRN_E_TENSOR_TYPE',
  'CAIRN_E_OVERFLOW', 'CAIRN_E_BOUNDS', 'CAIRN_E_OVERLAP',
]);

const fill = (n: number, s: number) => Uint8Array.from({ length: n }, (_, i) => (i * 13 + s) & 0xff);

function baseWriter(): GgufWriter {
  return new GgufWriter()
    .setString('general.architecture', 'llama')
    .setU32('general.alignment', 32)
    .setU32('llama.block_count', 1)
    .setF32('llama.rope.freq_base', 10000)
    .setBool('t.flag', true)
    .setI64('t.i64', -5n)
    .setArray('tokenizer.ggml.tokens', GGUF_VALUE.STRING, ['<s>', '</s>', 'ab'])
    .setArray('tokenizer.ggml.scores', GGUF_VALUE.F32, [0, -1, -2])
    .addTensor('token_embd.weight', GGML_TYPE.F32, [4, 3], fill(48, 1))
    .addTensor('blk.0.attn_k.weight', GGML_TYPE.Q8_0, [32, 2], fill(tensorBytes(GGML_TYPE.Q8_0, [32, 2]), 2))
    .addTensor('output.weight', GGML_TYPE.Q4_K, [256], fill(144, 3));
}

/** Opens a file in-process; returns 'OK' or the status name, and walks every accessor when accepted. */
function judge(path: string): string {
  let f: GgufFile;
  try {
    f = GgufFile.open(path);
  } catch (e) {
    if (!(e instanceof EngineError)) throw e;
    if (!e.message.includes(path)) throw new Error(`message does not name the file: ${e.message}`);
    return e.code;
  }
  try {
    for (const k of f.keys()) f.get(k);
    for (const t of f.tensors()) if (t.offset + t.size > f.fileSize) throw new Error(`tensor ${t.name} outside the file`);
  } finally { f.close(); }
  return 'OK';
}

interface Case { name: string; buf: Buffer; expect?: string | 'REJECT' }

function corpus(): { cases: Case[]; base: Buffer } {
  const w = baseWriter();
  const base = w.toBuffer();
  const fields = w.fields.filter((f) => f.size === 4 || f.size === 8);
  const cases: Case[] = [{ name: 'valid', buf: base, expect: 'OK' }];

  // 1. every strict prefix: rejected while it cuts into the header or any tensor's data;
  //    a cut inside the padding after the last tensor leaves a valid file.
  const dataEnd = Math.max(...w.fields.filter((f) => f.name.endsWith('.data')).map((f) => f.offset + f.size));
  for (let n = 0; n < base.length; n++) cases.push({ name: `prefix ${n}`, buf: base.subarray(0, n), expect: n < dataEnd ? 'REJECT' : 'OK' });

  // 2. boundary values in every header field
  const vals: bigint[] = [0n, 1n, 2n, 3n, 4n, 5n, 31n, 32n, 63n, 64n, 65n, 255n, 256n, 2n ** 16n, 2n ** 16n + 1n, 2n ** 28n, 2n ** 28n + 1n,
    2n ** 31n - 1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n - 1n, 2n ** 63n, 2n ** 64n - 2n, 2n ** 64n - 1n];
  for (const f of fields) {
    const max = f.size === 4 ? 2n ** 32n : 2n ** 64n;
    const orig = f.size === 4 ? BigInt(base.readUInt32LE(f.offset)) : base.readBigUInt64LE(f.offset);
    const set = new Set<bigint>([...vals, orig + 1n, orig - 1n, orig * 2n].map((v) => ((v % max) + max) % max));
    for (const v of set) {
      if (v === orig) continue;
      const b = Buffer.from(base);
      if (f.size === 4) b.writeUInt32LE(Number(v), f.offset); else b.writeBigUInt64LE(v, f.offset);
      cases.push({ name: `${f.name} = ${v}`, buf: b });
    }
  }

  // 3. seeded random bit flips (1-4 bits each)
  let seed = 0x1234567;
  const rnd = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
  for (let i = 0; i < 400; i++) {
    const b = Buffer.from(base);
    const k = 1 + Math.floor(rnd() * 4);
    for (let j = 0; j < k; j++) { const bit = Math.floor(rnd() * b.length * 8); b[bit >> 3] ^= 1 << (bit & 7); }
    cases.push({ name: `bitflip ${i}`, buf: b });
  }

  // 4. structural faults with the exact code they must produce
  const s = (name: string, expect: string, make: (w: GgufWriter) => Buffer | void) => {
    const wr = baseWriter();
    const r = make(wr);
    cases.push({ name, buf: r ?? wr.toBuffer(), expect });
  };
  s('dup key', 'CAIRN_E_DUP_KEY', (x) => { x.rawKv('llama.block_count', GGUF_VALUE.U32, encU32(2)); });
  s('dup tensor name', 'CAIRN_E_TENSOR', (x) => { x.addTensor('output.weight', GGML_TYPE.F32, [8], fill(32, 4)); });
  for (const a of [0, 3, 48, 65537, 131072, 2 ** 31])
    s(`alignment ${a}`, 'CAIRN_E_ALIGNMENT', (x) => { x.setU32('general.alignment', a); });
  s('alignment as u64', 'CAIRN_E_ALIGNMENT', () => new GgufWriter().rawKv('general.alignment', GGUF_VALUE.U64, encU64(32)).toBuffer());
  s('alignment as string', 'CAIRN_E_ALIGNMENT', () => new GgufWriter().setString('general.alignment', '32').toBuffer());
  s('overlap', 'CAIRN_E_OVERLAP', (x) => { x.addTensor('extra', GGML_TYPE.F32, [8], fill(32, 5), { offset: 32 }); });
  s('overlap same start', 'CAIRN_E_OVERLAP', (x) => { x.addTensor('extra', GGML_TYPE.F32, [4], fill(16, 5), { offset: 0 }); });
  s('out of file', 'CAIRN_E_BOUNDS', (x) => { x.addTensor('extra', GGML_TYPE.F32, [8], fill(32, 5), { offset: 2 ** 40 }); });
  s('offset overflow', 'CAIRN_E_OVERFLOW', (x) => { x.addTensor('extra', GGML_TYPE.F32, [8], fill(32, 5), { offset: 2n ** 64n - 32n }); });
  s('misaligned', 'CAIRN_E_ALIGNMENT', (x) => { x.addTensor('extra', GGML_TYPE.F32, [8], fill(32, 5), { offset: 1000 + 4 }); });
  s('5 dims', 'CAIRN_E_TENSOR', (x) => { x.addTensor('extra', GGML_TYPE.F32, [1, 1, 1, 1, 1], fill(4, 5), { raw: true }); });
  s('zero dim', 'CAIRN_E_TENSOR', (x) => { x.addTensor('extra', GGML_TYPE.F32, [8], fill(32, 5), { rawNe: [8, 0], raw: true }); });
  s('ne overflow', 'CAIRN_E_OVERFLOW', (x) => { x.addTensor('extra', GGML_TYPE.F32, [8], fill(32, 5), { rawNe: [2n ** 32n, 2n ** 32n], raw: true }); });
  s('name 64 bytes', 'CAIRN_E_TENSOR', (x) => { x.addTensor('n'.repeat(64), GGML_TYPE.F32, [8], fill(32, 5)); });
  s('empty name', 'CAIRN_E_TENSOR', (x) => { x.addTensor('', GGML_TYPE.F32, [8], fill(32, 5)); });
  s('ne0 % block', 'CAIRN_E_TENSOR', (x) => { x.addTensor('extra', GGML_TYPE.Q4_0, [16], fill(9, 5), { raw: true }); });
  s('q8_1 weight', 'CAIRN_E_TENSOR_TYPE', (x) => { x.addTensor('extra', 9, [32], fill(36, 5), { raw: true }); });
  s('type 99', 'CAIRN_E_TENSOR_TYPE', (x) => { x.addTensor('extra', 99, [32], fill(32, 5), { raw: true }); });
  s('nested array', 'CAIRN_E_VALUE_TYPE', (x) => { x.rawKv('nest', GGUF_VALUE.ARRAY, Buffer.concat([encU32(GGUF_VALUE.ARRAY), encU64(1), encArray(GGUF_VALUE.U8, [1])])); });
  s('bool 2', 'CAIRN_E_VALUE_TYPE', (x) => { x.rawKv('b2', GGUF_VALUE.BOOL, encU8(2)); });
  s('bool array 2', 'CAIRN_E_VALUE_TYPE', (x) => { x.rawKv('b2', GGUF_VALUE.ARRAY, Buffer.concat([encU32(GGUF_VALUE.BOOL), encU64(2), encU8(1), encU8(2)])); });
  s('value type 13', 'CAIRN_E_VALUE_TYPE', (x) => { x.rawKv('v13', 13, encU32(0)); });
  s('empty key', 'CAIRN_E_KEY', (x) => { x.rawKv('', GGUF_VALUE.U32, encU32(0)); });
  s('bad utf-8 key', 'CAIRN_E_KEY', (x) => { x.rawKv(Buffer.from([0x61, 0xc3, 0x28]), GGUF_VALUE.U32, encU32(0)); });
  s('key 257 bytes', 'CAIRN_E_KEY', (x) => { x.rawKv('k'.repeat(257), GGUF_VALUE.U32, encU32(0)); });
  s('string 1 MiB + 1', 'CAIRN_E_LIMIT', (x) => { x.rawKv('s', GGUF_VALUE.STRING, encU64(2 ** 20 + 1)); });
  s('array 2^28 + 1', 'CAIRN_E_LIMIT', (x) => { x.rawKv('a', GGUF_VALUE.ARRAY, Buffer.concat([encU32(GGUF_VALUE.U8), encU64(2 ** 28 + 1)])); });
  s('array 2^28 past end', 'CAIRN_E_TRUNCATED', (x) => { x.rawKv('a', GGUF_VALUE.ARRAY, Buffer.concat([encU32(GGUF_VALUE.U64), encU64(2 ** 28)])); });
  s('n_kv 2^64-1', 'CAIRN_E_LIMIT', (x) => x.toBuffer({ nKv: 2n ** 64n - 1n }));
  s('n_tensors 65537', 'CAIRN_E_LIMIT', (x) => x.toBuffer({ nTensors: 65537 }));
  s('version 1', 'CAIRN_E_VERSION', (x) => x.toBuffer({ version: 1 }));
  s('version 4', 'CAIRN_E_VERSION', (x) => x.toBuffer({ version: 4 }));
  s('byte-swapped', 'CAIRN_E_ENDIAN', (x) => x.toBuffer({ version: 0x03000000 }));
  s('magic', 'CAIRN_E_MAGIC', (x) => x.toBuffer({ magic: Buffer.from('GGML') }));
  s('no data', 'REJECT', (x) => x.toBuffer({ noData: true }));
  return { cases, base };
}

describe('GGUF corrupt-file corpus', () => {
  it('accepts or rejects every file with a specific code, in-process and in a child process', () => {
    const t0 = Date.now();
    const { cases } = corpus();
    const cdir = join(dir, 'c');
    mkdirSync(cdir);
    const results: string[] = [];
    const counts: Record<string, number> = {};
    const failures: string[] = [];
    cases.forEach((c, i) => {
      const p = join(cdir, `${i}.gguf`);
      writeFileSync(p, c.buf);
      const r = judge(p);
      results.push(r);
      counts[r] = (counts[r] ?? 0) + 1;
      if (r !== 'OK' && !CODES.has(r)) failures.push(`${c.name}: unexpected code ${r}`);
      if (c.expect === 'REJECT' && r === 'OK') failures.push(`${c.name}: accepted`);
      if (c.expect && c.expect !== 'REJECT' && r !== c.expect) failures.push(`${c.name}: ${r}, expected ${c.expect}`);
    });
    const rejected = results.filter((r) => r !== 'OK').length;
    const byKind: Record<string, { files: number; rejected: number }> = {};
    cases.forEach((c, i) => {
      const kind = c.name.startsWith('prefix') ? 'truncations' : c.name.startsWith('bitflip') ? 'bit flips'
        : c.expect === undefined ? 'field mutations' : 'structural';
      byKind[kind] ??= { files: 0, rejected: 0 };
      byKind[kind].files++;
      if (results[i] !== 'OK') byKind[kind].rejected++;
    });
    console.log(`gguf corrupt corpus: ${cases.length} files, ${rejected} rejected, ${cases.length - rejected} accepted ` +
      `(${Date.now() - t0} ms)\n  by kind: ${JSON.stringify(byKind)}\n  by code: ${JSON.stringify(counts)}`);
    expect(failures).toEqual([]);

    // The same answers from a child process over a sample (every 7th file plus all structural ones).
    const sample = cases.map((c, i) => i).filter((i) => i % 7 === 0 || cases[i].expect !== undefined && !cases[i].name.startsWith('prefix'));
    const childDir = join(root, 'build', 'gguf-corrupt-child');
    mkdirSync(childDir, { recursive: true });
    for (const f of ['native', 'ggml-types', 'gguf']) {
      const src = readFileSync(join(root, 'electron', 'engine', `${f}.ts`), 'utf8');
      const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      writeFileSync(join(childDir, `${f}.js`), js);
    }
    writeFileSync(join(childDir, 'judge.mjs'), `
      import { GgufFile } from './gguf.js';
      import { readFileSync } from 'node:fs';
      const paths = JSON.parse(readFileSync(process.argv[2], 'utf8'));
      const out = paths.map((p) => {
        try { const f = GgufFile.open(p); for (const k of f.keys()) f.get(k); f.tensors(); f.close(); return 'OK'; }
        catch (e) { return e.code ?? String(e); }
      });
      process.stdout.write(JSON.stringify(out));
    `);
    const list = join(dir, 'sample.json');
    writeFileSync(list, JSON.stringify(sample.map((i) => join(cdir, `${i}.gguf`))));
    const child = spawnSync(process.execPath, [join(childDir, 'judge.mjs'), list], {
      encoding: 'utf8', timeout: 20_000, env: { ...process.env, CAIRN_NATIVE_LIB: join(root, 'build', 'native', 'libcairn.so') },
    });
    expect(child.signal, child.stderr).toBeNull();
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual(sample.map((i) => results[i]));
    console.log(`gguf corrupt corpus: child process replayed ${sample.length} files, same answers`);
  });

  const clang = spawnSync('sh', ['-c', 'command -v clang || command -v clang-14']).status === 0;
  it.skipIf(!clang)(clang ? 'libFuzzer harness runs 10 s without a crash' : 'libFuzzer harness (skipped: clang with libFuzzer not installed)', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'fuzz.mjs'), '--seconds', '10'], { encoding: 'utf8', timeout: 110_000 });
    const line = (r.stdout + r.stderr).split('\n').find((l) => l.startsWith('fuzz-gguf:')) ?? '';
    console.log(line);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(line).toMatch(/crashes 0/);
  }, 120_000);
});
