// ggml-types.ts against the engine's own table (native/src/quants.c). The sizes are checked by
// gguf-writer.test.ts, which writes a tensor of every type and reads it back through the native reader.
import { describe, expect, it } from 'vitest';
import { GGML_TYPE, GGML_TYPE_BY_NAME, GGML_TYPE_INFO, ggmlTypeName, rowBytes, tensorBytes } from './ggml-types.js';
import { native } from './native.js';

describe('ggml types', () => {
  it('are the types the engine implements for weights, under the engine\'s names', () => {
    const engine: Record<number, string> = {};
    for (let id = 0; id < 64; id++) {
      const name = native().type_name(id) as string | null;
      if (name) engine[id] = name;
    }
    expect(Object.fromEntries(Object.entries(GGML_TYPE_INFO).map(([id, t]) => [id, t.name]))).toEqual(engine);
    expect(GGML_TYPE_BY_NAME.q4_K).toBe(GGML_TYPE.Q4_K);
    expect(ggmlTypeName(9)).toBe('unknown'); // q8_1: activations only
  });

  it('have ggml\'s block sizes', () => {
    expect(GGML_TYPE_INFO[GGML_TYPE.Q4_K]).toEqual({ name: 'q4_K', blck: 256, size: 144 });
    expect(rowBytes(GGML_TYPE.Q6_K, 512)).toBe(2 * 210);
    expect(tensorBytes(GGML_TYPE.Q8_0, [64, 3])).toBe(2 * 34 * 3);
    expect(tensorBytes(GGML_TYPE.F16, [5])).toBe(10);
    expect(() => tensorBytes(GGML_TYPE.Q4_0, [16])).toThrow(/multiple/);
    expect(() => rowBytes(9, 32)).toThrow(/unknown tensor type 9/);
  });
});
