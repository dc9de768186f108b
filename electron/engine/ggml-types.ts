// ggml-types.ts — the type tables of the GGUF format, once for the TypeScript side: ggml tensor types
// (id as GGUF stores it, ggml's name, elements and bytes per block) and GGUF metadata value types
// (id, name, bytes per element). The GGUF reader (gguf.ts), the writer (gguf-writer.ts) and
// test-support's quantizers use them; ggml-types.test.ts checks the tensor table against the engine's
// own (native/src/quants.c: cairn_type_name, and the reader's tensor sizes).

/** Tensor types the engine implements for weights (numbering = ggml's). */
export const GGML_TYPE = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q4_K: 12, Q5_K: 13, Q6_K: 14, BF16: 30,
} as const;
export type GgmlType = (typeof GGML_TYPE)[keyof typeof GGML_TYPE];

/** ggml's names (as cairn_type_name and llama.cpp spell them). */
export type GgmlTypeName = 'f32' | 'f16' | 'bf16' | 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q8_0' | 'q4_K' | 'q5_K' | 'q6_K';

/** Name, elements per block and bytes per block of each type. */
export const GGML_TYPE_INFO: Readonly<Record<number, { name: GgmlTypeName; blck: number; size: number }>> = {
  [GGML_TYPE.F32]: { name: 'f32', blck: 1, size: 4 },
  [GGML_TYPE.F16]: { name: 'f16', blck: 1, size: 2 },
  [GGML_TYPE.BF16]: { name: 'bf16', blck: 1, size: 2 },
  [GGML_TYPE.Q4_0]: { name: 'q4_0', blck: 32, size: 18 },
  [GGML_TYPE.Q4_1]: { name: 'q4_1', blck: 32, size: 20 },
  [GGML_TYPE.Q5_0]: { name: 'q5_0', blck: 32, size: 22 },
  [GGML_TYPE.Q5_1]: { name: 'q5_1', blck: 32, size: 24 },
  [GGML_TYPE.Q8_0]: { name: 'q8_0', blck: 32, size: 34 },
  [GGML_TYPE.Q4_K]: { name: 'q4_K', blck: 256, size: 144 },
  [GGML_TYPE.Q5_K]: { name: 'q5_K', blck: 256, size: 176 },
  [GGML_TYPE.Q6_K]: { name: 'q6_K', blck: 256, size: 210 },
};

/** Every type, by its ggml name. */
export const GGML_TYPE_BY_NAME = Object.fromEntries(
  Object.entries(GGML_TYPE_INFO).map(([id, t]) => [t.name, Number(id) as GgmlType]),
) as Readonly<Record<GgmlTypeName, GgmlType>>;

/** The type's entry; throws for a type the engine does not implement. */
export function ggmlType(type: number): { name: GgmlTypeName; blck: number; size: number } {
  const t = GGML_TYPE_INFO[type];
  if (!t) throw new Error(`unknown tensor type ${type}`);
  return t;
}

/** ggml's name of a type, or "unknown". */
export const ggmlTypeName = (type: number): string => GGML_TYPE_INFO[type]?.name ?? 'unknown';

/** Bytes of n elements of `type` (n must be a multiple of the block size). */
export function rowBytes(type: number, n: number): number {
  const t = ggmlType(type);
  if (n % t.blck !== 0) throw new Error(`${t.name}: ${n} elements is not a multiple of the block size ${t.blck}`);
  return (n / t.blck) * t.size;
}

/** Bytes of a tensor of type `type` and shape `ne` (ne[0] must be a multiple of the block). */
export function tensorBytes(type: number, ne: readonly number[]): number {
  if (ne.length < 1 || ne.some((d) => !Number.isSafeInteger(d) || d < 1)) throw new Error(`bad shape [${ne.join(', ')}]`);
  const t = ggmlType(type);
  if (ne[0] % t.blck !== 0) throw new Error(`ne[0] = ${ne[0]} is not a multiple of ${t.name}'s block size ${t.blck}`);
  return rowBytes(type, ne[0]) * ne.slice(1).reduce((a, b) => a * b, 1);
}

/** GGUF metadata value types (cairn_gguf_type). */
export const GGUF_VALUE = {
  U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12,
} as const;
export type GgufValueType = (typeof GGUF_VALUE)[keyof typeof GGUF_VALUE];

/** The spec's name of each value type and its bytes per element (0: length-prefixed or nested). */
export const GGUF_VALUE_INFO: Readonly<Record<GgufValueType, { name: string; size: number }>> = {
  [GGUF_VALUE.U8]: { name: 'uint8', size: 1 }, [GGUF_VALUE.I8]: { name: 'int8', size: 1 },
  [GGUF_VALUE.U16]: { name: 'uint16', size: 2 }, [GGUF_VALUE.I16]: { name: 'int16', size: 2 },
  [GGUF_VALUE.U32]: { name: 'uint32', size: 4 }, [GGUF_VALUE.I32]: { name: 'int32', size: 4 },
  [GGUF_VALUE.F32]: { name: 'float32', size: 4 }, [GGUF_VALUE.BOOL]: { name: 'bool', size: 1 },
  [GGUF_VALUE.STRING]: { name: 'string', size: 0 }, [GGUF_VALUE.ARRAY]: { name: 'array', size: 0 },
  [GGUF_VALUE.U64]: { name: 'uint64', size: 8 }, [GGUF_VALUE.I64]: { name: 'int64', size: 8 },
  [GGUF_VALUE.F64]: { name: 'float64', size: 8 },
};
