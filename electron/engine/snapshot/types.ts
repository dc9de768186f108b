// Public types of the .cairn snapshot format (see format.ts for the file layout).
import type { JsonObject, JsonValue } from './strict-json.js';

export type { JsonObject, JsonValue };

export const SNAPSHOT_FORMAT = 'cairn-snapshot';
export const SNAPSHOT_FORMAT_VERSION = '2';
/** Largest header (JSON) the reader accepts. */
export const MAX_HEADER_BYTES = 1 << 20;
/** Bytes per read or write call when streaming a file. */
export const IO_CHUNK = 1 << 24;

/** Identity of the model whose KV cache a snapshot holds. Identity is `sha256`; the rest is for checks and display. */
export interface SnapshotModel {
  /** sha256 (lowercase hex) of the GGUF file: see sha256File. */
  sha256: string;
  arch: string;
  nLayer: number;
  nKvHeads: number;
  headDim: number;
  nVocab: number;
  /** Format version 1 stores F16 K/V only. */
  kvType: 'f16';
}

/** Sampler parameters and RNG state. Integers above 2^53 - 1 (e.g. a u64 RNG state) must be strings. */
export interface SamplerState {
  params: JsonObject;
  rng: JsonValue;
}

export interface TranscriptMessage {
  role: string;
  content: string;
  /** Other fields, passed on as read. Conversation.save writes `ids` on assistant entries: the token
   *  ids the answer was generated as (no stop token); Conversation.resume uses them only for the same
   *  model and tokenizer and only after checking them (ids of the vocabulary that decode to `content`). */
  [extra: string]: JsonValue;
}

export interface SnapshotMeta {
  engineVersion: string;
  model: SnapshotModel;
  tokenizerHash: string;
  sampler: SamplerState;
  transcript: TranscriptMessage[];
  settings: JsonObject;
  /** ISO 8601 UTC, e.g. new Date().toISOString(). */
  createdAt: string;
}

/** What writeSnapshot stores. k[l] / v[l]: n × nKvHeads × headDim F16 values (little-endian bytes), one view per layer. */
export interface SnapshotData {
  tokens: Int32Array;
  k: Uint8Array[];
  v: Uint8Array[];
  nKvHeads: number;
  headDim: number;
  meta: SnapshotMeta;
}

/** What the restoring engine can accept; readSnapshot refuses anything else. */
export interface SnapshotExpect {
  nLayer: number;
  nKvHeads: number;
  headDim: number;
  nVocab: number;
  /** Target context size: n_tokens must not exceed it. */
  maxTokens: number;
  /** sha256 of the target GGUF; when given, a snapshot of any other model is refused with SNAP_FOREIGN_MODEL. */
  modelSha256?: string;
}

export interface Snapshot {
  tokens: Int32Array;
  /** Views into one buffer holding the data section. */
  k: Uint8Array[];
  v: Uint8Array[];
  meta: SnapshotMeta;
  dataXxh64: string;
}

export type Dtype = 'I32' | 'F16' | 'U8';

export interface SnapshotTensorInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
  /** Byte offsets within the data section. */
  begin: number;
  end: number;
}

/** Result of inspectSnapshot (for `cairn inspect f.cairn`): the file is fully verified, its data streamed, not loaded. */
export interface SnapshotSummary {
  path: string;
  fileBytes: number;
  headerBytes: number;
  dataBytes: number;
  formatVersion: string;
  nTokens: number;
  tensors: SnapshotTensorInfo[];
  meta: SnapshotMeta;
  dataXxh64: string;
  headerSha256: string;
}
