// The .cairn snapshot file: a valid safetensors file.
//
//   [u64 LE: N] [N bytes: UTF-8 JSON header, space-padded so the data starts 8-byte aligned] [data]
//
// Tensors (data order): tokens I32 [n]; then k.<l>, v.<l> F16 [n, n_kv_heads, head_dim] for each
// layer l, holding only the n used positions. __metadata__ (string -> string): see header.ts
// (META_KEYS); data_xxh64 (XXH64, canonical hex as `xxhsum -H1` prints it) covers the data section,
// header_sha256 the rest of the header.
//
// The module's entry: the writer (write.ts), the strict reader and the lenient one (read.ts), the
// header's parsing and checks (header.ts), SnapshotError codes (errors.ts), types (types.ts).
export * from './types.js';
export { SnapshotError, SNAPSHOT_CODES, type SnapshotErrorCode } from './errors.js';
export { headerDigest } from './header.js';
export { decodeTokens, inspectSnapshot, openSnapshot, readSnapshot, readSnapshotMeta, type SnapshotReader } from './read.js';
export { writeSnapshot } from './write.js';
