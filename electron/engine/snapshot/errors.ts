// Errors of the .cairn snapshot reader/writer. `code` is stable (tests, logs and the restore
// path switch on it); `message` always names the file and the field at fault.

export const SNAPSHOT_CODES = [
  'SNAP_IO', // the file could not be opened/read/written
  'SNAP_NOT_FILE', // not a regular file (directory, FIFO, device, socket)
  'SNAP_TRUNCATED', // the file ends before the 8-byte length, the header, or the data it declares
  'SNAP_HEADER_SIZE', // header length < 2 or > 1 MiB
  'SNAP_HEADER_JSON', // header is not strict UTF-8 JSON (syntax, BOM, lone surrogate, nesting depth)
  'SNAP_DUP_KEY', // a JSON object in the header has the same key twice (at any depth)
  'SNAP_NUMBER', // a JSON number in the header exceeds 2^53 - 1 in magnitude
  'SNAP_TENSOR_ENTRY', // a tensor entry is not exactly {dtype, shape, data_offsets} of the right JSON types
  'SNAP_DTYPE', // dtype outside the allowlist (I32, F16, U8) or not the one this tensor must have
  'SNAP_SHAPE', // rank > 4, bad dimension, byte size != product(shape) * dtype size, or dims disagree
  'SNAP_OFFSETS', // data_offsets not contiguous from 0 (hole, overlap, begin > end)
  'SNAP_DATA_LENGTH', // data section longer than the last tensor end (trailing bytes)
  'SNAP_METADATA', // __metadata__ missing, not string -> string, or a field missing/malformed/unknown
  'SNAP_FORMAT_VERSION', // format_version this reader does not understand
  'SNAP_TENSOR_SET', // tensor names differ from {tokens, k.0..k.L-1, v.0..v.L-1}
  'SNAP_TOKEN', // a token id outside [0, n_vocab)
  'SNAP_CONTEXT', // more tokens than the target context holds
  'SNAP_HASH', // data_xxh64 or header_sha256 does not match the content
  'SNAP_FOREIGN_MODEL', // intact snapshot of a different model (by GGUF sha256)
  'SNAP_INPUT', // writeSnapshot was given inconsistent data
] as const;

export type SnapshotErrorCode = (typeof SNAPSHOT_CODES)[number];

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
  constructor(
    readonly code: SnapshotErrorCode,
    message: string,
    readonly path?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Builds a SnapshotError whose message is "<file>: <field>: <what>". */
export function snapErr(code: SnapshotErrorCode, path: string, field: string, what: string): SnapshotError {
  return new SnapshotError(code, `${path}: ${field}: ${what}`, path, field);
}

/** SNAP_IO for a failed file operation, with the system's code and message. */
export function ioErr(path: string, what: string, e: unknown): SnapshotError {
  const err = e as NodeJS.ErrnoException;
  return snapErr('SNAP_IO', path, 'file', `${what}: ${err?.code ?? ''} ${err?.message ?? String(e)}`.trim());
}
