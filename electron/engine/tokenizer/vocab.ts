// vocab.ts — the vocabulary as llama.cpp loads it (llama_vocab::impl::load): tokens, scores, types →
// attributes, merges, special ids, add_bos/add_eos, end-of-generation ids, special-token cache.
// Read from GGUF metadata through the engine's one GGUF reader (gguf.ts), or built in memory.

import {
  ATTR_BYTE, ATTR_CONTROL, ATTR_NORMAL, ATTR_RSTRIP, ATTR_UNDEFINED, ATTR_UNKNOWN, ATTR_UNUSED, ATTR_USER_DEFINED,
} from './special.js';

/** GGUF token types (tokenizer.ggml.token_type). */
export const TOKEN_TYPE = { UNDEFINED: 0, NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

/** What a GGUF file says about its tokenizer (the `tokenizer.*` keys and general.name). */
export interface VocabData {
  model: string;                      // tokenizer.ggml.model: 'gpt2' | 'llama'
  pre?: string;                       // tokenizer.ggml.pre
  tokens: readonly string[];
  scores?: ArrayLike<number>;
  types?: ArrayLike<number>;
  merges?: readonly string[];
  bos?: number; eos?: number; eot?: number; eom?: number; unk?: number; sep?: number; pad?: number;
  addBos?: boolean; addEos?: boolean; addSpacePrefix?: boolean;
  chatTemplate?: string;
  name?: string;                      // general.name (llama.cpp keys a few attributes on it)
}

/** The subset of the engine's GgufFile (../gguf.ts) the loader needs: one reader, one set of rules. */
export interface GgufMetadata {
  /** A key's value (strings, numbers, bigints, booleans, arrays), or undefined when absent. */
  get(key: string): unknown;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' ? v : undefined;
}

/** Read the tokenizer keys of a GGUF file. Throws on a file without a vocabulary. */
export function vocabDataFromGguf(f: GgufMetadata): VocabData {
  const str = (k: string) => { const v = f.get(k); return typeof v === 'string' ? v : undefined; };
  const arr = <T>(k: string) => { const v = f.get(k); return v !== undefined && typeof v === 'object' && 'length' in (v as object) ? (v as ArrayLike<T>) : undefined; };
  const bool = (k: string) => { const v = f.get(k); return v === undefined ? undefined : Boolean(num(v)); };
  const id = (k: string) => num(f.get(k));
  const model = str('tokenizer.ggml.model');
  if (!model) throw new Error('GGUF file has no tokenizer (tokenizer.ggml.model missing)');
  const tokens = arr<string>('tokenizer.ggml.tokens');
  if (!tokens) throw new Error('GGUF file has no tokenizer.ggml.tokens');
  const merges = arr<string>('tokenizer.ggml.merges');
  return {
    model,
    pre: str('tokenizer.ggml.pre'),
    tokens: Array.from(tokens),
    scores: arr<number>('tokenizer.ggml.scores'),
    types: arr<number>('tokenizer.ggml.token_type'),
    merges: merges ? Array.from(merges) : undefined,
    bos: id('tokenizer.ggml.bos_token_id'), eos: id('tokenizer.ggml.eos_token_id'),
    eot: id('tokenizer.ggml.eot_token_id'), eom: id('tokenizer.ggml.eom_token_id'),
    unk: id('tokenizer.ggml.unknown_token_id'), sep: id('tokenizer.ggml.seperator_token_id'),
    pad: id('tokenizer.ggml.padding_token_id'),
    addBos: bool('tokenizer.ggml.add_bos_token'), addEos: bool('tokenizer.ggml.add_eos_token'),
    addSpacePrefix: bool('tokenizer.ggml.add_space_prefix'),
    chatTemplate: str('tokenizer.chat_template'),
    name: str('general.name'),
  };
}

const EOT_NAMES = ['<|eot_id|>', '<|im_end|>', '<|end|>', '<end_of_turn>', '<|endoftext|>', '<|end_of_text|>', '<EOT>', '_<EOT>', '[EOT]', '<｜end▁of▁sentence｜>', '<end_of_utterance>'];
const EOG_NAMES = new Set(['<|eot_id|>', '<|im_end|>', '<|end|>', '<|return|>', '<|call|>', '<|flush|>', '<|calls|>', '<end_of_turn>', '<|endoftext|>', '</s>', '<|eom_id|>', '<EOT>', '_<EOT>', '[EOT]', '[EOS]', '<|end_of_text|>', '<end_of_utterance>', '<eos>', '<turn|>', '<|tool_response>', '<｜end▁of▁sentence｜>', '[e~[']);
const FIM_PAD = ['<|fim_pad|>', '<fim-pad>', '<fim_pad>', '<PAD>', '[PAD]'];
const FIM_REP = ['<|fim_repo|>', '<|repo_name|>', '<fim-repo>', '<REPO>', '<reponame>'];
const FIM_SEP = ['<|file_sep|>'];

/** The vocabulary with llama.cpp's derived state. */
export class Vocab {
  readonly type: 'bpe' | 'spm';
  readonly tokens: readonly string[];
  readonly scores: Float32Array;
  readonly attrs: Uint16Array;
  /** text → id; a duplicated text maps to its last id, as in llama.cpp. */
  readonly tokenToId = new Map<string, number>();
  readonly merges: readonly string[];
  readonly pre: string | undefined;
  readonly bos: number; readonly eos: number; readonly eot: number; readonly eom: number; readonly unk: number;
  addBos: boolean; addEos: boolean; addSpacePrefix: boolean;
  /** Every end-of-generation id (eos, eot, eom and the names llama.cpp recognises). */
  readonly eog = new Set<number>();
  /** CONTROL | USER_DEFINED | UNKNOWN ids, longest text (in UTF-8 bytes) first. */
  readonly specialTokens: number[];
  readonly chatTemplate: string | undefined;
  readonly data: VocabData;

  constructor(d: VocabData) {
    this.data = d;
    const n = d.tokens.length;
    if (d.model === 'gpt2') this.type = 'bpe';
    else if (d.model === 'llama') this.type = 'spm';
    else throw new Error(`unsupported tokenizer model '${d.model}' (supported: gpt2, llama)`);
    if (this.type === 'bpe' && !d.merges) throw new Error('gpt2 tokenizer needs tokenizer.ggml.merges');
    this.tokens = d.tokens.map((t, i) => (t === '' ? `[EMPTY_${i}]` : t));
    this.scores = new Float32Array(n);
    this.attrs = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      this.tokenToId.set(this.tokens[i], i);
      if (d.scores) this.scores[i] = Number(d.scores[i]);
      this.attrs[i] = d.types ? typeToAttr(Number(d.types[i])) : ATTR_NORMAL;
    }
    this.merges = d.merges ?? [];
    this.pre = d.pre;
    this.chatTemplate = d.chatTemplate;

    // defaults per model type (llama_vocab::impl::load), then the file's keys
    let bos = -1, eos = -1, unk = -1, eot = -1, eom = -1;
    let addBos: boolean, addEos = false, addSpacePrefix: boolean;
    if (this.type === 'spm') { bos = 1; eos = 2; unk = 0; addBos = true; addSpacePrefix = true; }
    else {
      bos = 11; eos = 11; addSpacePrefix = false;
      const llama3 = ['llama3', 'llama-v3', 'llama-bpe', 'falcon3', 'falcon-h1', 'pixtral', 'midm-2.0', 'lfm2'].includes(d.pre ?? '');
      addBos = llama3;
    }
    const valid = (v: number | undefined, dflt: number) => (v !== undefined && v >= 0 && v < n ? v : dflt >= 0 && dflt < n ? dflt : -1);
    bos = valid(d.bos, bos); eos = valid(d.eos, eos); unk = valid(d.unk, unk);
    eot = valid(d.eot, -1); eom = valid(d.eom, -1);
    if (d.addSpacePrefix !== undefined) addSpacePrefix = d.addSpacePrefix;
    if (d.addBos !== undefined) addBos = d.addBos;
    if (d.addEos !== undefined) addEos = d.addEos;

    // tokens that look like end-of-turn markers: found by name, forced CONTROL (as llama.cpp does)
    const forceControl = (i: number) => { if (i >= 0 && !(this.attrs[i] & ATTR_CONTROL)) this.attrs[i] |= ATTR_CONTROL; };
    if (eot < 0) { eot = this.findByName(EOT_NAMES); forceControl(eot); }
    if (eom < 0) { eom = this.findByName(['<|eom_id|>']); forceControl(eom); }
    for (const ids of [FIM_PAD, FIM_REP, FIM_SEP]) forceControl(this.findByName(ids));
    for (let i = 0; i < n; i++) {
      if (this.attrs[i] & ATTR_CONTROL && !(this.attrs[i] & ATTR_UNUSED) && this.tokens[i].includes('unused')) this.attrs[i] |= ATTR_UNUSED;
    }
    for (const ids of [FIM_PAD, FIM_REP, FIM_SEP]) { const i = this.findByName(ids); if (i >= 0) this.eog.add(i); }
    for (const [text, i] of this.tokenToId) {
      if (EOG_NAMES.has(text)) { this.eog.add(i); forceControl(i); }
      if (text === '<|channel|>' || text === '<|message|>' || text === '<|start|>' || text === '<|constrain|>') this.attrs[i] = ATTR_USER_DEFINED;
    }
    for (const i of [eos, eot, eom]) if (i >= 0) this.eog.add(i);
    const txt = (i: number) => this.tokens[i];
    const eogTexts = [...this.eog].map(txt);
    if ((eogTexts.includes('<|return|>') && eogTexts.includes('<|call|>') && eogTexts.includes('<|end|>')) ||
        ((eogTexts.includes('<|call|>') || eogTexts.includes('<|calls|>')) && eogTexts.includes('<|flush|>') && eogTexts.includes('<|end|>'))) {
      const e = [...this.eog].find((i) => txt(i) === '<|end|>')!;
      this.eog.delete(e); this.attrs[e] = ATTR_USER_DEFINED;
    }
    if (eogTexts.includes('<|tool_response>') && eogTexts.includes('</s>')) {
      const s = [...this.eog].find((i) => txt(i) === '</s>')!;
      this.eog.delete(s); this.attrs[s] = ATTR_NORMAL;
    }

    this.bos = bos; this.eos = eos; this.unk = unk; this.eot = eot; this.eom = eom;
    this.addBos = addBos && bos >= 0; this.addEos = addEos && eos >= 0; this.addSpacePrefix = addSpacePrefix;

    const byteLen = (s: string) => Buffer.byteLength(s, 'utf8');
    this.specialTokens = [];
    for (let i = 0; i < n; i++) if (this.attrs[i] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) this.specialTokens.push(i);
    const lens = new Map(this.specialTokens.map((i) => [i, byteLen(this.tokens[i])]));
    this.specialTokens.sort((a, b) => lens.get(b)! - lens.get(a)! || a - b);

    // attributes keyed on the model name (after the piece cache in llama.cpp: they only strip spaces)
    const name = (d.name ?? '').toLowerCase();
    if (name.includes('phi-3') || name.includes('phi3')) {
      for (const i of this.specialTokens) this.attrs[i] |= ATTR_RSTRIP;
      const set = (t: string, on: boolean) => { const i = this.tokenToId.get(t); if (i !== undefined) this.attrs[i] = on ? this.attrs[i] | ATTR_RSTRIP : this.attrs[i] & ~ATTR_RSTRIP; };
      set('</s>', true);
      for (const t of ['<unk>', '<s>', '<|endoftext|>']) set(t, false);
    }
  }

  get size(): number { return this.tokens.length; }

  /** The first token whose text is one of `names`, in the order llama.cpp's map iterates (by text). */
  private findByName(names: readonly string[]): number {
    // llama.cpp walks token_to_id (a std::unordered_map); files carry at most one of these names in
    // practice, so the lowest id wins here.
    let best = -1;
    for (const s of names) { const i = this.tokenToId.get(s); if (i !== undefined && (best < 0 || i < best)) best = i; }
    return best;
  }
}

function typeToAttr(t: number): number {
  switch (t) {
    case TOKEN_TYPE.UNKNOWN: return ATTR_UNKNOWN;
    case TOKEN_TYPE.UNUSED: return ATTR_UNUSED;
    case TOKEN_TYPE.NORMAL: return ATTR_NORMAL;
    case TOKEN_TYPE.CONTROL: return ATTR_CONTROL;
    case TOKEN_TYPE.USER_DEFINED: return ATTR_USER_DEFINED;
    case TOKEN_TYPE.BYTE: return ATTR_BYTE;
    default: return ATTR_UNDEFINED;
  }
}
