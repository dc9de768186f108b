// GgufWriter round trips through the native reader (build the library first: npm run build:native).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufWriter, encU32 } from './gguf-writer.js';
import { GGML_TYPE, GGML_TYPE_INFO, GGUF_VALUE, tensorBytes } from './ggml-types.js';
import { GgufFile } from './gguf.js';
import { EngineError } from './native.js';

const dir = mkdtempSync(join(tmpdir(), 'cairn-gguf-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bytes(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe('GgufWriter', () => {
  it('round-trips every value type and tensors of every weight type through the native reader (ggml-types.ts\'s sizes = the engine\'s)', () => {
    const w = new GgufWriter()
      .setString('general.architecture', 'llama')
      .setU8('t.u8', 250).setI8('t.i8', -100).setU16('t.u16', 65535).setI16('t.i16', -32768)
      .setU32('t.u32', 4294967295).setI32('t.i32', -2147483648).setF32('t.f32', 0.5)
      .setU64('t.u64', 2n ** 64n - 1n).setI64('t.i64', -(2n ** 63n)).setF64('t.f64', Math.PI)
      .setBool('t.true', true).setBool('t.false', false).setString('t.empty', '').setString('t.utf8', 'ünï ✓ 🦙')
      .setArray('t.tokens', GGUF_VALUE.STRING, ['<s>', '', 'héllo', '🦙'])
      .setArray('t.scores', GGUF_VALUE.F32, [0.5, -1, 2.25])
      .setArray('t.types', GGUF_VALUE.I32, [1, -2, 3])
      .setArray('t.u64s', GGUF_VALUE.U64, [1n, 2n ** 63n])
      .setArray('t.bools', GGUF_VALUE.BOOL, [true, false, true])
      .setArray('t.none', GGUF_VALUE.U8, []);
    w.setU32('t.u32', 7); // replaces, does not duplicate
    const types = Object.values(GGML_TYPE);
    for (const [k, type] of types.entries()) {
      const ne = [GGML_TYPE_INFO[type].blck * 2, 3];
      w.addTensor(`blk.${k}.w`, type, ne, bytes(tensorBytes(type, ne), k));
    }
    const path = join(dir, 'all.gguf');
    w.write(path);
    const f = GgufFile.open(path);
    try {
      expect(f.version).toBe(3);
      expect(f.alignment).toBe(32);
      expect(f.dataOffset % 32).toBe(0);
      expect(f.keys()).toContain('t.utf8');
      expect(f.keys().filter((k) => k === 't.u32')).toHaveLength(1);
      expect(f.get('general.architecture')).toBe('llama');
      expect(f.get('t.u8')).toBe(250);
      expect(f.get('t.i8')).toBe(-100);
      expect(f.get('t.u16')).toBe(65535);
      expect(f.get('t.i16')).toBe(-32768);
      expect(f.get('t.u32')).toBe(7);
      expect(f.get('t.i32')).toBe(-2147483648);
      expect(f.get('t.f32')).toBe(0.5);
      expect(f.get('t.u64')).toBe(2n ** 64n - 1n);
      expect(f.get('t.i64')).toBe(-(2n ** 63n));
      expect(f.get('t.f64')).toBe(Math.PI);
      expect(f.get('t.true')).toBe(true);
      expect(f.get('t.false')).toBe(false);
      expect(f.get('t.empty')).toBe('');
      expect(f.getString('t.utf8')).toBe('ünï ✓ 🦙');
      expect(f.get('missing')).toBeUndefined();
      expect(f.getArray('t.tokens')).toEqual(['<s>', '', 'héllo', '🦙']);
      expect(Array.from(f.getArray('t.scores') as Float32Array)).toEqual([0.5, -1, 2.25]);
      expect(f.getArray('t.scores')).toBeInstanceOf(Float32Array);
      expect(Array.from(f.getArray('t.types') as Int32Array)).toEqual([1, -2, 3]);
      expect(Array.from(f.getArray('t.u64s') as BigUint64Array)).toEqual([1n, 2n ** 63n]);
      expect(f.getArray('t.bools')).toEqual([true, false, true]);
      expect((f.getArray('t.none') as Uint8Array).length).toBe(0);
      expect(f.getNumber('t.i32')).toBe(-2147483648);
      expect(() => f.getNumber('t.u64')).toThrow(EngineError);
      expect(() => f.getString('t.u8')).toThrow(/has type uint8, expected a string/);
      expect(() => f.getArray('t.u8')).toThrow(EngineError);
      const ts = f.tensors();
      expect(ts).toHaveLength(types.length);
      let prevEnd = 0;
      for (const [k, type] of types.entries()) {
        const t = ts[k];
        expect(t.name).toBe(`blk.${k}.w`);
        expect(t.type).toBe(type);
        expect(t.typeName).toBe(GGML_TYPE_INFO[type].name);
        expect(t.ne).toEqual([GGML_TYPE_INFO[type].blck * 2, 3]);
        expect(t.size).toBe(tensorBytes(type, t.ne));
        expect(t.offset % 32).toBe(0);
        expect(t.offset).toBeGreaterThanOrEqual(Math.max(prevEnd, f.dataOffset));
        prevEnd = t.offset + t.size;
      }
      expect(prevEnd).toBeLessThanOrEqual(f.fileSize);
    } finally {
      f.close();
      f.close(); // idempotent
    }
    expect(() => f.keys()).toThrow(/closed/);
  });

  it('honours general.alignment and reads the same from memory', () => {
    const w = new GgufWriter().setU32('general.alignment', 256).addTensor('a', GGML_TYPE.F32, [3], bytes(12))
      .addTensor('b', GGML_TYPE.F32, [5], bytes(20, 9));
    const buf = w.toBuffer();
    const f = GgufFile.openMemory(buf);
    try {
      expect(f.alignment).toBe(256);
      expect(f.tensors().map((t) => t.offset - f.dataOffset)).toEqual([0, 256]);
      expect(f.dataOffset % 256).toBe(0);
      const b = f.tensors()[1];
      expect(Array.from(buf.subarray(b.offset, b.offset + 4))).toEqual(Array.from(bytes(20, 9).subarray(0, 4)));
    } finally { f.close(); }
  });

  it('escape hatches produce the malformed files the reader rejects', () => {
    const open = (b: Buffer) => { try { GgufFile.openMemory(b).close(); return 'OK'; } catch (e) { return (e as EngineError).code; } };
    const base = () => new GgufWriter().setU32('x', 1).addTensor('a', GGML_TYPE.F32, [8], bytes(32));
    expect(open(base().toBuffer())).toBe('OK');
    expect(open(base().toBuffer({ version: 1 }))).toBe('CAIRN_E_VERSION');
    expect(open(base().toBuffer({ magic: Buffer.from('GGUX') }))).toBe('CAIRN_E_MAGIC');
    expect(open(base().rawKv('x', GGUF_VALUE.U32, encU32(2)).toBuffer())).toBe('CAIRN_E_DUP_KEY');
    expect(open(base().addTensor('b', GGML_TYPE.F32, [8], bytes(32), { offset: 0 }).toBuffer())).toBe('CAIRN_E_OVERLAP');
    expect(open(base().addTensor('b', GGML_TYPE.F32, [8], bytes(32), { offset: 2 ** 40 }).toBuffer())).toBe('CAIRN_E_BOUNDS');
    expect(open(base().addTensor('b', GGML_TYPE.F32, [8], bytes(32), { rawNe: [8, 0], raw: true }).toBuffer())).toBe('CAIRN_E_TENSOR');
    const w = base();
    const b = w.toBuffer();
    const f = w.fields.find((x) => x.name === 'tensor[0].offset')!;
    b.writeBigUInt64LE(4n, f.offset);
    expect(open(b)).toBe('CAIRN_E_ALIGNMENT');
  });

  it('surfaces a file-level error with code and message', () => {
    try {
      GgufFile.open(join(dir, 'nope.gguf'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).code).toBe('CAIRN_E_IO');
      expect((e as EngineError).message).toContain('nope.gguf');
    }
    expect(() => GgufFile.open(dir)).toThrow(/not a regular file/);
  });
});
