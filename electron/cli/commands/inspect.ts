// cairn inspect <file.gguf> [--json]
// Architecture, dimensions, tensor types, size, chat template — or a one-line error and exit 1.
import { parseArgs, UsageError } from '../args.js';
import { GgufFile } from '../../engine/gguf.js';
import { Model } from '../../engine/model.js';
import { EngineError } from '../../engine/native.js';

export const usage = 'inspect <file.gguf> [--json]';

export interface GgufReport {
  file: string; version: number; fileSize: number; architecture?: string; name?: string;
  metadata: Record<string, string | number | boolean>;
  tensorCount: number; tensorTypes: Record<string, number>; tensorBytes: number;
  chatTemplate?: string;
  model: { loadable: boolean; error?: string; nVocab?: number; nEmbd?: number; nLayer?: number; nHead?: number;
    nHeadKv?: number; headDim?: number; nFf?: number; nCtxTrain?: number; ropeBase?: number; tiedOutput?: boolean;
    hasRopeFreqs?: boolean; mainType?: string };
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
    const str = (k: string) => (g.typeOf(k) === 8 ? g.getString(k) : undefined);
    const report: GgufReport = {
      file: path, version: g.version, fileSize: g.fileSize, architecture: str('general.architecture'), name: str('general.name'),
      metadata: metadataSummary(g), tensorCount: tensors.length, tensorTypes: types,
      tensorBytes: tensors.reduce((s, t) => s + t.size, 0), chatTemplate: str('tokenizer.chat_template'),
      model: { loadable: false },
    };
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

export async function run(argv: string[]): Promise<number> {
  try {
    const { positional, opts } = parseArgs(argv, []);
    if (positional.length !== 1) throw new UsageError(`usage: cairn ${usage}`);
    const r = inspectGguf(positional[0]);
    if (opts.json) { console.log(JSON.stringify(r, null, 2)); return 0; }
    const m = r.model;
    console.log(`${r.file}: GGUF v${r.version}, ${mib(r.fileSize)}, ${r.tensorCount} tensors (${mib(r.tensorBytes)})`);
    console.log(`  architecture: ${r.architecture ?? '(none)'}${r.name ? `  name: ${r.name}` : ''}`);
    console.log(`  tensor types: ${Object.entries(r.tensorTypes).map(([t, n]) => `${t}×${n}`).join(', ') || '-'}`);
    if (m.loadable)
      console.log(`  model: vocab ${m.nVocab}, embd ${m.nEmbd}, layers ${m.nLayer}, heads ${m.nHead}/${m.nHeadKv} kv, head_dim ${m.headDim}, ff ${m.nFf}, ctx ${m.nCtxTrain}, rope_base ${m.ropeBase}${m.hasRopeFreqs ? ' + rope_freqs' : ''}, ${m.tiedOutput ? 'tied' : 'separate'} output, mostly ${m.mainType}`);
    else console.log(`  model: not loadable: ${m.error}`);
    console.log(`  chat template: ${r.chatTemplate ? `${r.chatTemplate.length} chars` : '(none)'}`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof EngineError) { console.error(`cairn inspect: ${e.message}`); return 1; }
    throw e;
  }
}
