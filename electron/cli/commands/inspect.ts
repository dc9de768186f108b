// cairn inspect <file.gguf | file.cairn> [--json]
// Architecture, dimensions, tensor types, size, chat template — or a one-line error and exit 1.
// Exit codes: 0 a usable model (the engine loads it and its tokenizer reads); 1 not a readable file
// (corrupt, truncated, missing); 2 a valid GGUF that is not a usable model (missing or misshapen
// tensors, impossible heads, no tensors, no or unsupported tokenizer): the report, and why on stderr.
// A .cairn snapshot: fully verified (inspectSnapshot), then its model, tokens, transcript and sizes.
import { parseArgs, UsageError } from '../args.js';
import { GGUF_VALUE } from '../../engine/ggml-types.js';
import { GgufFile } from '../../engine/gguf.js';
import { Model } from '../../engine/model.js';
import { EngineError } from '../../engine/native.js';
import { inspectSnapshot, SnapshotError, type SnapshotSummary } from '../../engine/snapshot/format.js';
import { Tokenizer } from '../../engine/tokenizer/index.js';

export const usage = 'inspect <file.gguf | file.cairn> [--json]';

export interface GgufReport {
  file: string; version: number; fileSize: number; architecture?: string; name?: string;
  metadata: Record<string, string | number | boolean>;
  tensorCount: number; tensorTypes: Record<string, number>; tensorBytes: number;
  chatTemplate?: string;
  model: { loadable: boolean; error?: string; nVocab?: number; nEmbd?: number; nLayer?: number; nHead?: number;
    nHeadKv?: number; headDim?: number; nFf?: number; nCtxTrain?: number; ropeBase?: number; tiedOutput?: boolean;
    hasRopeFreqs?: boolean; mainType?: string };
  /** Whether Cairn's tokenizer reads the file's vocabulary (chat needs it). */
  tokenizer: { ok: boolean; error?: string; nTokens?: number };
}

/** Why a report is not a usable model, or undefined when it is one. */
export function unusableReason(r: GgufReport): string | undefined {
  if (!r.model.loadable) return `not loadable: ${r.model.error}`;
  if (!r.tokenizer.ok) return `no usable tokenizer: ${r.tokenizer.error}`;
  return undefined;
}

/** Scalars and short strings of the metadata; arrays shown by length. */
function metadataSummary(g: GgufFile): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const k of g.keys()) {
    if (k === 'tokenizer.chat_template') continue;
    const v = g.get(k);
    if (v === undefined) continue;
    if (typeof v === 'bigint') out[k] = Number(v);
    else if (typeof v === 'object') out[k] = `[${(v as ArrayLike<unknown>).length} items]`;
    else out[k] = v;
  }
  return out;
}

export function inspectGguf(path: string): GgufReport {
  const g = GgufFile.open(path);
  try {
    const tensors = g.tensors();
    const types: Record<string, number> = {};
    for (const t of tensors) types[t.typeName] = (types[t.typeName] ?? 0) + 1;
    const str = (k: string) => (g.typeOf(k) === GGUF_VALUE.STRING ? g.getString(k) : undefined);
    const report: GgufReport = {
      file: path, version: g.version, fileSize: g.fileSize, architecture: str('general.architecture'), name: str('general.name'),
      metadata: metadataSummary(g), tensorCount: tensors.length, tensorTypes: types,
      tensorBytes: tensors.reduce((s, t) => s + t.size, 0), chatTemplate: str('tokenizer.chat_template'),
      model: { loadable: false }, tokenizer: { ok: false },
    };
    try {
      report.tokenizer = { ok: true, nTokens: Tokenizer.fromGguf(g).size };
    } catch (e) {
      report.tokenizer = { ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    if (tensors.length > 0) {
      try {
        const m = Model.load(path, { threads: 1 });
        const i = m.info;
        report.model = { loadable: true, nVocab: i.nVocab, nEmbd: i.nEmbd, nLayer: i.nLayer, nHead: i.nHead, nHeadKv: i.nHeadKv,
          headDim: i.headDim, nFf: i.nFf, nCtxTrain: i.nCtxTrain, ropeBase: i.ropeBase, tiedOutput: i.tiedOutput,
          hasRopeFreqs: i.hasRopeFreqs, mainType: i.mainType };
        m.close();
      } catch (e) {
        report.model = { loadable: false, error: e instanceof EngineError ? `${e.code}: ${e.message}` : String(e) };
      }
    } else report.model = { loadable: false, error: 'no tensors (vocabulary-only file)' };
    return report;
  } finally {
    g.close();
  }
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

function printSnapshot(r: SnapshotSummary): void {
  const m = r.meta.model;
  console.log(`${r.path}: cairn snapshot v${r.formatVersion}, ${mib(r.fileBytes)} (header ${r.headerBytes} B, data ${r.dataBytes} B), verified`);
  console.log(`  model: ${m.arch}, sha256 ${m.sha256}, layers ${m.nLayer}, kv heads ${m.nKvHeads}, head_dim ${m.headDim}, vocab ${m.nVocab}, kv ${m.kvType}`);
  console.log(`  tokens: ${r.nTokens}  tensors: ${r.tensors.length}  engine ${r.meta.engineVersion}  created ${r.meta.createdAt}`);
  console.log(`  tokenizer: ${r.meta.tokenizerHash}`);
  console.log(`  sampler: ${JSON.stringify(Object.fromEntries(Object.entries(r.meta.sampler.params).filter(([k]) => k !== 'bytes')))}`);
  console.log(`  transcript: ${r.meta.transcript.length} messages`);
  for (const msg of r.meta.transcript) {
    const c = msg.content.replace(/\s+/g, ' ');
    console.log(`    ${msg.role}: ${c.length > 70 ? `${c.slice(0, 70)}…` : c}`);
  }
  console.log(`  data xxh64: ${r.dataXxh64}`);
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { positional, opts } = parseArgs(argv, []);
    if (positional.length !== 1) throw new UsageError(`usage: cairn ${usage}`);
    if (positional[0].endsWith('.cairn')) {
      const snap = await inspectSnapshot(positional[0]);
      if (opts.json) console.log(JSON.stringify(snap, null, 2));
      else printSnapshot(snap);
      return 0;
    }
    const r = inspectGguf(positional[0]);
    const unusable = unusableReason(r);
    const verdict = () => {
      if (unusable) console.error(`cairn inspect: ${r.file}: valid GGUF, but not a usable model: ${unusable}`);
      return unusable ? 2 : 0;
    };
    if (opts.json) { console.log(JSON.stringify(r, null, 2)); return verdict(); }
    const m = r.model;
    console.log(`${r.file}: GGUF v${r.version}, ${mib(r.fileSize)}, ${r.tensorCount} tensors (${mib(r.tensorBytes)})`);
    console.log(`  architecture: ${r.architecture ?? '(none)'}${r.name ? `  name: ${r.name}` : ''}`);
    console.log(`  tensor types: ${Object.entries(r.tensorTypes).map(([t, n]) => `${t}×${n}`).join(', ') || '-'}`);
    if (m.loadable)
      console.log(`  model: vocab ${m.nVocab}, embd ${m.nEmbd}, layers ${m.nLayer}, heads ${m.nHead}/${m.nHeadKv} kv, head_dim ${m.headDim}, ff ${m.nFf}, ctx ${m.nCtxTrain}, rope_base ${m.ropeBase}${m.hasRopeFreqs ? ' + rope_freqs' : ''}, ${m.tiedOutput ? 'tied' : 'separate'} output, mostly ${m.mainType}`);
    else console.log(`  model: not loadable: ${m.error}`);
    console.log(`  tokenizer: ${r.tokenizer.ok ? `${r.tokenizer.nTokens} tokens` : `not usable: ${r.tokenizer.error}`}`);
    console.log(`  chat template: ${r.chatTemplate ? `${r.chatTemplate.length} chars` : '(none)'}`);
    return verdict();
  } catch (e) {
    if (e instanceof UsageError || e instanceof EngineError || e instanceof SnapshotError) { console.error(`cairn inspect: ${e.message}`); return 1; }
    throw e;
  }
}
