// A generated corrupt-file corpus for the .cairn reader: every truncation prefix of a small valid
// snapshot, header-length boundary values, seeded bit flips, and hand-made structural and semantic
// faults. Every file must be rejected with its specific SnapshotError code (never another exception);
// bit flips must never pass and never be mistaken for a foreign model.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SNAPSHOT_CODES, SnapshotError, headerDigest, inspectSnapshot, readSnapshot, writeSnapshot,
  type SnapshotExpect, type SnapshotTensorInfo,
} from './format.js';
import { xxh64Views } from '../native.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-snap-corrupt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const CODES = new Set<string>(SNAPSHOT_CODES);

const N_LAYER = 2, N_KV = 2, HEAD_DIM = 4, N = 3, N_VOCAB = 100;
const MODEL_SHA = '12'.repeat(32);
const EXPECT: SnapshotExpect = { nLayer: N_LAYER, nKvHeads: N_KV, headDim: HEAD_DIM, nVocab: N_VOCAB, maxTokens: 64, modelSha256: MODEL_SHA };

let base: Buffer;
let headerLen: number;
type Header = Record<string, unknown> & { __metadata__: Record<string, unknown> };
let baseHeader: () => Header;
let baseData: () => Buffer;

beforeAll(async () => {
  const row = N * N_KV * HEAD_DIM * 2;
  const layer = (s: number) => Uint8Array.from({ length: row }, (_, i) => (i * 7 + s) & 0xff);
  await writeSnapshot(join(dir, 'base.cairn'), {
    tokens: Int32Array.from([1, 42, 99]), // tokens[0] = 1: its first byte 0x01 is never valid JSON
    k: [layer(1), layer(2)], v: [layer(3), layer(4)], nKvHeads: N_KV, headDim: HEAD_DIM,
    meta: {
      engineVersion: '0.1.0',
      model: { sha256: MODEL_SHA, arch: 'llama', nLayer: N_LAYER, nKvHeads: N_KV, headDim: HEAD_DIM, nVocab: N_VOCAB, kvType: 'f16' },
      tokenizerHash: 'tok-1', sampler: { params: { temperature: 0.8 }, rng: '0x9e3779b97f4a7c15' },
      transcript: [{ role: 'user', content: 'hi ü' }, { role: 'assistant', content: 'hello' }],
      settings: { contextSize: 64 }, createdAt: '2025-01-01T00:00:00.000Z',
    },
  });
  base = readFileSync(join(dir, 'base.cairn'));
  headerLen = Number(base.readBigUInt64LE(0));
  const text = base.subarray(8, 8 + headerLen).toString('utf8');
  baseHeader = () => JSON.parse(text) as Header;
  baseData = () => Buffer.from(base.subarray(8 + headerLen));
});

let fileNo = 0;
/** Writes bytes to a fresh file and returns 'OK' or the SnapshotError code; inspect must agree when no target is given. */
async function judge(bytes: Uint8Array, expect_: SnapshotExpect | undefined = EXPECT): Promise<string> {
  const path = join(dir, `c${fileNo++}.cairn`);
  writeFileSync(path, bytes);
  const run = async (f: () => Promise<unknown>) => {
    try {
      await f();
      return 'OK';
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      if (!CODES.has(e.code)) throw new Error(`unknown code ${e.code}`);
      if (!e.message.includes(path)) throw new Error(`message does not name the file: ${e.message}`);
      return e.code;
    }
  };
  const got = await run(() => readSnapshot(path, expect_));
  if (expect_ === undefined) expect(await run(() => inspectSnapshot(path)), 'inspect agrees').toBe(got);
  rmSync(path);
  return got;
}

function withLength(bytes: Uint8Array, n: bigint): Buffer {
  const b = Buffer.from(bytes);
  b.writeBigUInt64LE(n, 0);
  return b;
}

/** Assembles a file from header JSON text (space-padded to 8-byte data alignment unless `pad` is false). */
function assemble(text: string, data: Uint8Array, pad = true): Buffer {
  let json = Buffer.from(text, 'utf8');
  if (pad) json = Buffer.concat([json, Buffer.alloc((8 - ((8 + json.length) % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, data]);
}

/** Tensor table for headerDigest (malformed entries are skipped: the reader rejects those before it checks the hash). */
const tensorsOf = (h: Header): SnapshotTensorInfo[] => Object.entries(h).flatMap(([name, t]) => {
  const e = t as { dtype: 'F16'; shape: number[]; data_offsets: [number, number] } | null;
  if (name === '__metadata__' || !e || !Array.isArray(e.data_offsets)) return [];
  return [{ name, dtype: e.dtype, shape: e.shape, begin: e.data_offsets[0], end: e.data_offsets[1] }];
});

/** Mutates a copy of the base header (and data), then recomputes data_xxh64 and header_sha256 so only the intended fault remains. */
function variant(mutate: (h: Header, data: Buffer) => Buffer | void, opts: { rehash?: boolean } = {}): Buffer {
  const h = baseHeader();
  let data = baseData();
  data = mutate(h, data) ?? data;
  if (opts.rehash !== false) {
    h.__metadata__.data_xxh64 = xxh64Views([data]);
    h.__metadata__.header_sha256 = headerDigest(h.__metadata__ as Record<string, string>, tensorsOf(h));
  }
  return assemble(JSON.stringify(h), data);
}

/** Edits the base header's JSON text directly (for faults JSON.stringify cannot express). */
function textVariant(edit: (text: string) => string): Buffer {
  const text = base.subarray(8, 8 + headerLen).toString('utf8').trimEnd();
  const out = edit(text);
  if (out === text) throw new Error('edit did not apply');
  return assemble(out, baseData());
}

const entry = (h: Header, name: string) => h[name] as { dtype: unknown; shape: unknown; data_offsets: [number, number] } & Record<string, unknown>;

describe('snapshot reader corpus', () => {
  it('accepts the base file and rejects every truncation prefix with SNAP_TRUNCATED', async () => {
    expect(await judge(base)).toBe('OK');
    expect(await judge(base, undefined)).toBe('OK');
    const seen = new Map<string, number>();
    for (let len = 0; len < base.length; len++) {
      const c = await judge(base.subarray(0, len), undefined);
      seen.set(c, (seen.get(c) ?? 0) + 1);
      if (c !== 'SNAP_TRUNCATED') throw new Error(`prefix ${len}: ${c}`);
    }
    expect(seen.get('SNAP_TRUNCATED')).toBe(base.length);
    console.log(`truncation prefixes: ${base.length} (file ${base.length} bytes, header ${headerLen})`);
  });

  it('rejects header-length boundary values', async () => {
    const lastIsPad = base[8 + headerLen - 1] === 0x20;
    const cases: [bigint, string][] = [
      [0n, 'SNAP_HEADER_SIZE'], [1n, 'SNAP_HEADER_SIZE'], [2n, 'SNAP_HEADER_JSON'],
      [BigInt(headerLen - 1), lastIsPad ? 'SNAP_DATA_LENGTH' : 'SNAP_HEADER_JSON'], [BigInt(headerLen + 1), 'SNAP_HEADER_JSON'],
      [BigInt(base.length - 8), 'SNAP_HEADER_JSON'], [BigInt(base.length - 7), 'SNAP_TRUNCATED'],
      [1n << 20n, 'SNAP_TRUNCATED'], [(1n << 20n) + 1n, 'SNAP_HEADER_SIZE'], [1n << 32n, 'SNAP_HEADER_SIZE'],
      [(1n << 53n) + 1n, 'SNAP_HEADER_SIZE'], [1n << 63n, 'SNAP_HEADER_SIZE'], [(1n << 64n) - 1n, 'SNAP_HEADER_SIZE'],
    ];
    for (const [n, want] of cases) expect(await judge(withLength(base, n)), `N = ${n}`).toBe(want);
    // a header of exactly 1 MiB is accepted; one 8 bytes longer is not
    const text = base.subarray(8, 8 + headerLen).toString('utf8').trimEnd();
    const at = (size: number) => assemble(text + ' '.repeat(size - Buffer.byteLength(text)), baseData(), false);
    expect(await judge(at(1 << 20))).toBe('OK');
    expect(await judge(at((1 << 20) + 8))).toBe('SNAP_HEADER_SIZE');
    console.log(`header-length boundary cases: ${cases.length + 2}`);
  });

  it('rejects every seeded bit flip, never as a foreign model', async () => {
    let seed = 0x5eed;
    const rand = () => { // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const counts = new Map<string, number>();
    const FLIPS = 600;
    for (let i = 0; i < FLIPS; i++) {
      // half the flips land in the first 8 + header bytes, where the interesting parsing is
      const pos = i % 2 === 0 ? Math.floor(rand() * (8 + headerLen)) : Math.floor(rand() * base.length);
      const bit = Math.floor(rand() * 8);
      const b = Buffer.from(base);
      b[pos] ^= 1 << bit;
      const c = await judge(b, i % 3 === 0 ? undefined : EXPECT);
      if (c === 'OK' || c === 'SNAP_FOREIGN_MODEL') throw new Error(`flip of bit ${bit} at byte ${pos}: ${c}`);
      counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    console.log(`bit flips: ${FLIPS}`, Object.fromEntries([...counts].sort()));
    expect([...counts.values()].reduce((a, b) => a + b)).toBe(FLIPS);
  });

  it('rejects structural faults with their specific codes', async () => {
    const cases: [string, () => Buffer, string][] = [
      // JSON and UTF-8
      ['invalid UTF-8 in the header', () => { const b = Buffer.from(base); b[base.indexOf('hello')] = 0xff; return b; }, 'SNAP_HEADER_JSON'],
      ['overlong UTF-8 in the header', () => { const b = Buffer.from(base); b.set([0xc1, 0xa8], base.indexOf('hello')); return b; }, 'SNAP_HEADER_JSON'],
      ['BOM before the header', () => textVariant((t) => '\ufeff' + t), 'SNAP_HEADER_JSON'],
      ['leading space', () => textVariant((t) => ' ' + t), 'SNAP_HEADER_JSON'],
      ['top-level array', () => textVariant((t) => `[${t}]`), 'SNAP_HEADER_JSON'],
      ['trailing comma', () => textVariant((t) => t.replace(/}$/, ',}')), 'SNAP_HEADER_JSON'],
      ['trailing garbage', () => textVariant((t) => t + 'x'), 'SNAP_HEADER_JSON'],
      ['lone surrogate escape', () => textVariant((t) => t.replace('"llama"', '"\\ud800"')), 'SNAP_HEADER_JSON'],
      ['deep nesting', () => textVariant((t) => t.replace('{"__metadata__"', `{"z":${'['.repeat(5000)}${']'.repeat(5000)},"__metadata__"`)), 'SNAP_HEADER_JSON'],
      ['NUL padding', () => { const b = Buffer.from(base); b[8 + headerLen - 1] = 0; return b; }, base[8 + headerLen - 1] === 0x20 ? 'SNAP_HEADER_JSON' : 'SKIP'],
      // duplicate keys
      ['duplicate tensor', () => textVariant((t) => t.replace(/}$/, `,"tokens":${JSON.stringify(entry(baseHeader(), 'tokens'))}}`)), 'SNAP_DUP_KEY'],
      ['duplicate metadata key', () => textVariant((t) => t.replace('"format":"cairn-snapshot"', '"format":"cairn-snapshot","format":"cairn-snapshot"')), 'SNAP_DUP_KEY'],
      ['duplicate via escape', () => textVariant((t) => t.replace('"arch":"llama"', '"arch":"llama","\\u0061rch":"llama"')), 'SNAP_DUP_KEY'],
      ['duplicate entry field', () => textVariant((t) => t.replace('"tokens":{"dtype":"I32"', '"tokens":{"dtype":"I32","dtype":"I32"')), 'SNAP_DUP_KEY'],
      ['duplicate __metadata__', () => textVariant((t) => t.replace(/}$/, ',"__metadata__":{}}')), 'SNAP_DUP_KEY'],
      // big numbers
      ['shape 2^53', () => textVariant((t) => t.replace('"shape":[3]', '"shape":[9007199254740992]')), 'SNAP_NUMBER'],
      ['offset 2^64-1', () => textVariant((t) => t.replace('"data_offsets":[0,', '"data_offsets":[18446744073709551615,')), 'SNAP_NUMBER'],
      ['offset 1e400', () => textVariant((t) => t.replace('"data_offsets":[0,', '"data_offsets":[1e400,')), 'SNAP_NUMBER'],
      ['negative 2^53', () => textVariant((t) => t.replace('"shape":[3]', '"shape":[-9007199254740992]')), 'SNAP_NUMBER'],
      ['big number in an extra field', () => textVariant((t) => t.replace(/}$/, ',"x":{"y":12345678901234567890}}')), 'SNAP_NUMBER'],
      // tensor entries
      ['extra entry field', () => variant((h) => { entry(h, 'k.0').extra = 1; }), 'SNAP_TENSOR_ENTRY'],
      ['missing dtype', () => variant((h) => { delete entry(h, 'k.0').dtype; }), 'SNAP_TENSOR_ENTRY'],
      ['entry is an array', () => variant((h) => { h['k.0'] = [1, 2]; }), 'SNAP_TENSOR_ENTRY'],
      ['dtype not a string', () => variant((h) => { entry(h, 'k.0').dtype = 2; }), 'SNAP_TENSOR_ENTRY'],
      ['shape not an array', () => variant((h) => { entry(h, 'k.0').shape = '3,2,4'; }), 'SNAP_TENSOR_ENTRY'],
      ['offsets not an array', () => variant((h) => { entry(h, 'k.0').data_offsets = { 0: 12 } as unknown as [number, number]; }), 'SNAP_TENSOR_ENTRY'],
      // dtypes
      ['dtype F32', () => variant((h) => { entry(h, 'k.0').dtype = 'F32'; }), 'SNAP_DTYPE'],
      ['dtype f16 (lowercase)', () => variant((h) => { entry(h, 'k.0').dtype = 'f16'; }), 'SNAP_DTYPE'],
      ['dtype BF16', () => variant((h) => { entry(h, 'v.1').dtype = 'BF16'; }), 'SNAP_DTYPE'],
      ['k as U8 (same bytes)', () => variant((h) => { Object.assign(entry(h, 'k.0'), { dtype: 'U8', shape: [N, N_KV, HEAD_DIM * 2] }); }), 'SNAP_DTYPE'],
      ['tokens as F16 (same bytes)', () => variant((h) => { Object.assign(entry(h, 'tokens'), { dtype: 'F16', shape: [2 * N] }); }), 'SNAP_DTYPE'],
      // shapes
      ['rank 5', () => variant((h) => { entry(h, 'k.0').shape = [N, N_KV, HEAD_DIM, 1, 1]; }), 'SNAP_SHAPE'],
      ['shape/bytes mismatch', () => variant((h) => { entry(h, 'k.0').shape = [N, N_KV, HEAD_DIM + 1]; }), 'SNAP_SHAPE'],
      ['fractional dim', () => variant((h) => { entry(h, 'tokens').shape = [2.5]; }), 'SNAP_SHAPE'],
      ['negative dim', () => variant((h) => { entry(h, 'tokens').shape = [-3]; }), 'SNAP_SHAPE'],
      ['overflowing product', () => variant((h) => { entry(h, 'k.0').shape = [2 ** 40, 2 ** 40, 2 ** 40]; }), 'SNAP_SHAPE'],
      ['k permuted (same bytes)', () => variant((h) => { entry(h, 'k.1').shape = [N_KV, N, HEAD_DIM]; }), 'SNAP_SHAPE'],
      ['tokens rank 2 (same bytes)', () => variant((h) => { entry(h, 'tokens').shape = [N, 1]; }), 'SNAP_SHAPE'],
      ['k with fewer rows than tokens', () => variant((h, d) => {
        const cut = N_KV * HEAD_DIM * 2;
        for (const [name, t] of Object.entries(h)) {
          if (name === '__metadata__') continue;
          const e = t as { shape: number[]; data_offsets: [number, number] };
          if (name === 'v.1') { e.shape = [N - 1, N_KV, HEAD_DIM]; e.data_offsets[1] -= cut; }
        }
        return d.subarray(0, d.length - cut);
      }), 'SNAP_SHAPE'],
      // offsets
      ['hole at the start', () => variant((h) => { entry(h, 'tokens').data_offsets = [4, 4 + 4 * N]; }), 'SNAP_OFFSETS'],
      ['overlap', () => variant((h) => { const o = entry(h, 'k.0').data_offsets; entry(h, 'k.0').data_offsets = [o[0] - 4, o[1] - 4]; }), 'SNAP_OFFSETS'],
      ['hole in the middle', () => variant((h, d) => {
        const o = entry(h, 'v.1').data_offsets;
        entry(h, 'v.1').data_offsets = [o[0] + 2, o[1] + 2];
        return Buffer.concat([d, Buffer.alloc(2)]);
      }), 'SNAP_OFFSETS'],
      ['begin > end', () => variant((h) => { const o = entry(h, 'tokens').data_offsets; entry(h, 'tokens').data_offsets = [o[1], o[0]]; }), 'SNAP_OFFSETS'],
      ['three offsets', () => variant((h) => { entry(h, 'tokens').data_offsets.push(0); }), 'SNAP_OFFSETS'],
      ['string offsets', () => variant((h) => { (entry(h, 'tokens').data_offsets as unknown[])[0] = '0'; }), 'SNAP_OFFSETS'],
      // data length
      ['trailing data', () => Buffer.concat([base, Buffer.alloc(8)]), 'SNAP_DATA_LENGTH'],
      ['one trailing byte', () => Buffer.concat([base, Buffer.alloc(1)]), 'SNAP_DATA_LENGTH'],
    ];
    let n = 0;
    for (const [name, make, want] of cases) {
      if (want === 'SKIP') continue;
      expect(await judge(make()), name).toBe(want);
      n++;
    }
    console.log(`structural cases: ${n}`);
  });

  it('rejects metadata, tensor-set, token, hash, context and model faults with their specific codes', async () => {
    const md = (f: (m: Record<string, unknown>) => void, rehash = true) => variant((h) => f(h.__metadata__), { rehash });
    const cases: [string, () => Buffer, string, SnapshotExpect?][] = [
      // metadata
      ['no __metadata__', () => variant((h) => { delete (h as Partial<Header>).__metadata__; }, { rehash: false }), 'SNAP_METADATA'],
      ['__metadata__ is an array', () => variant((h) => { (h as Record<string, unknown>).__metadata__ = ['a']; }, { rehash: false }), 'SNAP_METADATA'],
      ['numeric metadata value', () => md((m) => { m.n_layer = 2; }), 'SNAP_METADATA'],
      ['object metadata value', () => md((m) => { m.settings = { contextSize: 64 }; }), 'SNAP_METADATA'],
      ['null metadata value', () => md((m) => { m.arch = null; }), 'SNAP_METADATA'],
      ['wrong format name', () => md((m) => { m.format = 'safetensors'; }), 'SNAP_METADATA'],
      ['future format_version', () => md((m) => { m.format_version = '3'; }), 'SNAP_FORMAT_VERSION'],
      ['missing format_version', () => md((m) => { delete m.format_version; }), 'SNAP_FORMAT_VERSION'],
      ['missing key', () => md((m) => { delete m.tokenizer_hash; }), 'SNAP_METADATA'],
      ['unknown key', () => md((m) => { m.extra = 'x'; }), 'SNAP_METADATA'],
      ['n_layer "02"', () => md((m) => { m.n_layer = '02'; }), 'SNAP_METADATA'],
      ['n_layer "0"', () => md((m) => { m.n_layer = '0'; }), 'SNAP_METADATA'],
      ['n_vocab "1e3"', () => md((m) => { m.n_vocab = '1e3'; }), 'SNAP_METADATA'],
      ['kv_type q8_0', () => md((m) => { m.kv_type = 'q8_0'; }), 'SNAP_METADATA'],
      ['uppercase model hash', () => md((m) => { m.model_sha256 = MODEL_SHA.toUpperCase().replace(/2/g, 'A'); }), 'SNAP_METADATA'],
      ['transcript not JSON', () => md((m) => { m.transcript = '[{"role":"user",'; }), 'SNAP_METADATA'],
      ['transcript with a duplicate key', () => md((m) => { m.transcript = '[{"role":"user","content":"a","content":"b"}]'; }), 'SNAP_METADATA'],
      ['transcript message without content', () => md((m) => { m.transcript = '[{"role":"user"}]'; }), 'SNAP_METADATA'],
      ['sampler big number', () => md((m) => { m.sampler = '{"params":{},"rng":18446744073709551615}'; }), 'SNAP_METADATA'],
      ['sampler without rng', () => md((m) => { m.sampler = '{"params":{}}'; }), 'SNAP_METADATA'],
      ['settings not an object', () => md((m) => { m.settings = '[]'; }), 'SNAP_METADATA'],
      ['bad created_at', () => md((m) => { m.created_at = 'yesterday'; }), 'SNAP_METADATA'],
      ['impossible created_at', () => md((m) => { m.created_at = '2025-13-45T99:00:00Z'; }), 'SNAP_METADATA'],
      // tensor set
      ['extra tensor', () => variant((h) => { h.extra = { dtype: 'U8', shape: [0], data_offsets: [0, 0] }; }), 'SNAP_TENSOR_SET'],
      ['extra layer', () => variant((h) => { h['k.2'] = { dtype: 'F16', shape: [0, N_KV, HEAD_DIM], data_offsets: [0, 0] }; }), 'SNAP_TENSOR_SET'],
      ['missing tensor', () => variant((h, d) => {
        const o = entry(h, 'v.1').data_offsets;
        delete h['v.1'];
        return d.subarray(0, o[0]);
      }), 'SNAP_TENSOR_SET'],
      ['renamed k.1 -> k.01', () => variant((h) => { h['k.01'] = h['k.1']; delete h['k.1']; }), 'SNAP_TENSOR_SET'],
      ['n_layer says 3', () => md((m) => { m.n_layer = '3'; }), 'SNAP_TENSOR_SET'],
      ['no tensors at all', () => variant((h, d) => {
        for (const k of Object.keys(h)) if (k !== '__metadata__') delete h[k];
        return d.subarray(0, 0);
      }), 'SNAP_TENSOR_SET'],
      // tokens
      ['token >= n_vocab', () => variant((_h, d) => { d.writeInt32LE(N_VOCAB, 4); }), 'SNAP_TOKEN'],
      ['negative token', () => variant((_h, d) => { d.writeInt32LE(-1, 8); }), 'SNAP_TOKEN'],
      // hashes
      ['wrong data hash', () => variant((_h, d) => { d[d.length - 1] ^= 1; }, { rehash: false }), 'SNAP_HASH'],
      ['data hash of other data', () => md((m) => { m.data_xxh64 = '0'.repeat(16); }, false), 'SNAP_HASH'],
      ['transcript edited, header hash stale', () => md((m) => { m.transcript = '[{"role":"user","content":"hi!"}]'; }, false), 'SNAP_HASH'],
      ['model hash edited, header hash stale', () => md((m) => { m.model_sha256 = '34'.repeat(32); }, false), 'SNAP_HASH'],
      ['tensor table edited, header hash stale', () => variant((h) => {
        const [a, b] = [entry(h, 'k.0').data_offsets, entry(h, 'v.0').data_offsets];
        entry(h, 'k.0').data_offsets = b;
        entry(h, 'v.0').data_offsets = a;
      }, { rehash: false }), 'SNAP_HASH'],
      // target model
      ['foreign model, same shape', () => md((m) => { m.model_sha256 = '34'.repeat(32); }), 'SNAP_FOREIGN_MODEL'],
      ['foreign model, other shape', () => md((m) => { m.model_sha256 = '34'.repeat(32); m.n_vocab = '5000'; }), 'SNAP_FOREIGN_MODEL'],
      ['other n_layer than the target', () => base, 'SNAP_SHAPE', { ...EXPECT, modelSha256: undefined, nLayer: 3 }],
      ['other head_dim than the target', () => base, 'SNAP_SHAPE', { ...EXPECT, modelSha256: undefined, headDim: 8 }],
      ['other n_vocab than the target', () => base, 'SNAP_SHAPE', { ...EXPECT, nVocab: 99 }],
      ['more tokens than the context', () => base, 'SNAP_CONTEXT', { ...EXPECT, maxTokens: N - 1 }],
    ];
    for (const [name, make, want, exp] of cases) expect(await judge(make(), exp ?? EXPECT), name).toBe(want);
    expect(await judge(base, { ...EXPECT, maxTokens: N })).toBe('OK');
    console.log(`semantic cases: ${cases.length}`);
  });

  it('refuses anything but a regular file, and reports missing files as SNAP_IO', async () => {
    const codeOf = async (p: string) => readSnapshot(p).then(() => 'OK', (e: unknown) => {
      if (!(e instanceof SnapshotError)) throw e;
      return e.code;
    });
    const sub = join(dir, 'a-directory.cairn');
    mkdirSync(sub);
    expect(await codeOf(sub)).toBe('SNAP_NOT_FILE');
    expect(await codeOf(join(dir, 'does-not-exist.cairn'))).toBe('SNAP_IO');
    if (process.platform !== 'win32') {
      expect(await codeOf('/dev/null')).toBe('SNAP_NOT_FILE');
      const fifo = join(dir, 'fifo.cairn');
      if (spawnSync('mkfifo', [fifo]).status === 0) expect(await codeOf(fifo)).toBe('SNAP_NOT_FILE');
      // a symlink to a valid snapshot is followed; a dangling one is an I/O error
      writeFileSync(join(dir, 'target.cairn'), base);
      symlinkSync(join(dir, 'target.cairn'), join(dir, 'link.cairn'));
      expect(await codeOf(join(dir, 'link.cairn'))).toBe('OK');
      symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.cairn'));
      expect(await codeOf(join(dir, 'dangling.cairn'))).toBe('SNAP_IO');
      symlinkSync(sub, join(dir, 'dirlink.cairn'));
      expect(await codeOf(join(dir, 'dirlink.cairn'))).toBe('SNAP_NOT_FILE');
    }
  });
});
