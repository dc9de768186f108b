// index.ts — the tokenizer a model uses, read entirely from its GGUF metadata.
//
//   const tok = Tokenizer.fromGguf(await GgufFile.open(path));
//   tok.encode('Hello world')                          → [9906, 1917]   (user text: specials inert)
//   tok.encode(prompt, { parseSpecial: true, addSpecial: true })   a rendered template
//   tok.encodePrompt(prompt)                           the same, never with a doubled BOS
//   tok.decode(ids), tok.streamDecoder()               text, whole or streamed
//   tok.renderChat(messages, { addGenerationPrompt: true })  → the prompt string

import { BpeTokenizer } from './bpe.js';
import { SpmTokenizer } from './spm.js';
import { partitionSpecial } from './special.js';
import { Vocab, vocabDataFromGguf, type GgufMetadata, type VocabData } from './vocab.js';
import { PieceTable, StreamDecoder, detokenizeBytes, type DetokenizeOptions } from './detokenize.js';
import { renderChat, type ChatMessage, type RenderOptions, type RenderResult } from './chat-template.js';

export interface EncodeOptions {
  /** Add BOS/EOS as the vocabulary asks (tokenizer.ggml.add_bos_token / add_eos_token). Default false. */
  addSpecial?: boolean;
  /** Recognise CONTROL tokens (e.g. `<|eot_id|>`) written in the text. Default false: never for user text. */
  parseSpecial?: boolean;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const decoder = new TextDecoder('utf-8');

export class Tokenizer {
  readonly vocab: Vocab;
  private readonly bpe: BpeTokenizer | null;
  private readonly spm: SpmTokenizer | null;
  private readonly pieces: PieceTable;
  private readonly cleanSpaces: boolean;

  constructor(data: VocabData) {
    this.vocab = new Vocab(data);
    const v = this.vocab;
    if (v.type === 'bpe') {
      this.bpe = new BpeTokenizer(v.tokenToId, v.merges, v.pre);
      this.spm = null;
      this.cleanSpaces = this.bpe.pre.cleanSpaces;
    } else {
      this.bpe = null;
      this.spm = new SpmTokenizer(v.tokenToId, v.scores, v.unk);
      this.cleanSpaces = false;
    }
    this.pieces = new PieceTable(v);
  }

  /** From an open GGUF file (the engine's reader: GgufFile from ../gguf.js). */
  static fromGguf(file: GgufMetadata): Tokenizer {
    return new Tokenizer(vocabDataFromGguf(file));
  }

  get size(): number { return this.vocab.size; }
  get bos(): number { return this.vocab.bos; }
  get eos(): number { return this.vocab.eos; }
  get eot(): number { return this.vocab.eot; }
  get addBos(): boolean { return this.vocab.addBos; }
  get chatTemplate(): string | undefined { return this.vocab.chatTemplate; }
  /** Every id that ends generation. */
  get stopTokens(): number[] { return [...this.vocab.eog].sort((a, b) => a - b); }
  isEog(id: number): boolean { return this.vocab.eog.has(id); }
  tokenText(id: number): string { return this.vocab.tokens[id] ?? ''; }

  /** Text → ids, exactly as llama.cpp's llama_tokenize(text, add_special, parse_special). */
  encode(text: string, o: EncodeOptions = {}): number[] {
    const v = this.vocab;
    text = text.replace(LONE_SURROGATE, '\ufffd');
    const out: number[] = [];
    const frags = partitionSpecial(text, v.specialTokens, v.tokens, v.attrs, o.parseSpecial ?? false);
    if (o.addSpecial && v.addBos) out.push(v.bos);
    if (this.bpe) {
      for (const f of frags) {
        if (typeof f === 'number') out.push(f);
        else this.bpe.encode(f, out);
      }
    } else {
      let prevSpecial = true; // the first fragment, and any right after a special token, get the prefix space
      for (const f of frags) {
        if (typeof f === 'number') { out.push(f); prevSpecial = true; continue; }
        this.spm!.encode(v.addSpacePrefix && prevSpecial ? ' ' + f : f, out);
        prevSpecial = false;
      }
    }
    if (o.addSpecial && v.addEos) out.push(v.eos);
    return out;
  }

  /**
   * A rendered chat prompt → ids: special tokens parsed, BOS added when the vocabulary wants one
   * and the text does not already start with it (never a doubled BOS), no EOS.
   */
  encodePrompt(prompt: string): number[] {
    const ids = this.encode(prompt, { parseSpecial: true });
    if (this.vocab.addBos && this.vocab.bos >= 0 && ids[0] !== this.vocab.bos) ids.unshift(this.vocab.bos);
    return ids;
  }

  /** ids → text as llama_detokenize gives it (clean_spaces per the vocabulary unless overridden). */
  decode(ids: readonly number[], o: DetokenizeOptions = {}): string {
    return decoder.decode(this.decodeBytes(ids, o));
  }

  decodeBytes(ids: readonly number[], o: DetokenizeOptions = {}): Uint8Array {
    return detokenizeBytes(this.vocab, this.pieces, ids, this.cleanSpaces, o);
  }

  /** One token's bytes (llama_token_to_piece); may be part of a UTF-8 character. */
  piece(id: number, special = false): Uint8Array {
    return this.pieces.get(id, special);
  }

  /** A decoder for a stream of sampled ids (holds partial UTF-8 characters back). */
  streamDecoder(o: { special?: boolean; stripLeadingSpace?: boolean } = {}): StreamDecoder {
    return new StreamDecoder(this.pieces, o.special ?? false, o.stripLeadingSpace ?? false);
  }

  /** Render a conversation with the file's template (or the built-in fallback for its family). */
  renderChat(messages: readonly ChatMessage[], o: RenderOptions = {}): RenderResult {
    const v = this.vocab;
    return renderChat(messages, {
      template: v.chatTemplate,
      bosToken: v.bos >= 0 ? v.tokens[v.bos] : '',
      eosToken: v.eos >= 0 ? v.tokens[v.eos] : '',
      hasToken: (t) => v.tokenToId.has(t),
      vocabType: v.type,
      modelName: v.data.name,
    }, o);
  }

  /** Render and tokenize in one step: the ids to prefill. */
  chatPrompt(messages: readonly ChatMessage[], o: RenderOptions = {}): { text: string; ids: number[]; template: RenderResult['template'] } {
    const r = this.renderChat(messages, { addGenerationPrompt: true, ...o });
    return { text: r.text, ids: this.encodePrompt(r.text), template: r.template };
  }
}

export { Vocab, vocabDataFromGguf, StreamDecoder };
export type { VocabData, GgufMetadata, ChatMessage, RenderOptions, RenderResult, DetokenizeOptions };
export { renderChat } from './chat-template.js';
export { BUILTIN_TEMPLATES, type BuiltinTemplateName } from './templates-builtin.js';
export { SUPPORTED_PRE } from './pretokenize.js';
