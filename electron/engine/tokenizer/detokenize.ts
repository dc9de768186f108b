// detokenize.ts — ids back to text, as llama.cpp's token_to_piece / llama_detokenize do, and a
// streaming decoder for the UI that holds back bytes until their UTF-8 character is complete.

import { CHAR_TO_BYTE, utf8Encode } from './unicode.js';
import { ATTR_BYTE, ATTR_CONTROL, ATTR_NORMAL, ATTR_UNKNOWN, ATTR_USER_DEFINED } from './special.js';
import type { Vocab } from './vocab.js';

const EMPTY = new Uint8Array(0);

/** Per-token byte pieces with `special` on and off, computed once per vocabulary. */
export class PieceTable {
  private readonly pieces: Uint8Array[];
  constructor(private readonly vocab: Vocab) {
    this.pieces = vocab.tokens.map((t, id) => piece(vocab, id, t));
  }
  /** The bytes of one token; CONTROL/UNKNOWN tokens are empty unless `special`. */
  get(id: number, special: boolean): Uint8Array {
    if (id < 0 || id >= this.pieces.length) return EMPTY;
    if (!special && this.vocab.attrs[id] & (ATTR_UNKNOWN | ATTR_CONTROL)) return EMPTY;
    return this.pieces[id];
  }
}

function piece(v: Vocab, id: number, text: string): Uint8Array {
  const attr = v.attrs[id];
  if (attr & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) return utf8Encode(text);
  if (attr & ATTR_NORMAL) {
    if (v.type === 'spm') return utf8Encode(text.replace(/\u2581/g, ' '));
    return byteDecode(text);
  }
  if (attr & ATTR_BYTE) return Uint8Array.of(parseInt(text.slice(3, 5), 16) & 0xff);
  return EMPTY; // UNUSED / UNDEFINED: suppressed like llama.cpp
}

/** Byte-level BPE text → bytes (llama.cpp's llama_decode_text, including its odd marker for unmapped chars). */
function byteDecode(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const b = CHAR_TO_BYTE.get(ch.codePointAt(0)!);
    if (b !== undefined) { out.push(b); continue; }
    const hex = [...utf8Encode(ch)].map((x) => x.toString(16).padStart(2, '0')).join('');
    out.push(...utf8Encode(`[UNK_BYTE_0x${hex}${text}]`));
  }
  return Uint8Array.from(out);
}

export interface DetokenizeOptions {
  /** Render CONTROL tokens as their text (llama.cpp's unparse_special). Default false. */
  special?: boolean;
  /** Drop a leading BOS / trailing EOS the tokenizer would have added (remove_special). Default false. */
  removeSpecial?: boolean;
  /** Apply llama.cpp's clean_spaces passes (" ," → ","). Default: what the vocabulary says. */
  cleanSpaces?: boolean;
}

/** llama_detokenize: bytes of the whole sequence (possibly ending mid-character). */
export function detokenizeBytes(v: Vocab, pieces: PieceTable, ids: readonly number[], cleanSpacesDefault: boolean, o: DetokenizeOptions = {}): Uint8Array {
  let start = 0, end = ids.length;
  let removeSpace = v.addSpacePrefix;
  if (o.removeSpecial && v.addBos && end > 0 && ids[0] === v.bos) { removeSpace = false; start++; }
  if (o.removeSpecial && v.addEos && end > start && ids[end - 1] === v.eos) end--;
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (let i = start; i < end; i++) {
    let p = pieces.get(ids[i], o.special ?? false);
    if (removeSpace && p.length && p[0] === 32) p = p.subarray(1);
    removeSpace = false;
    chunks.push(p); total += p.length;
  }
  let buf: Uint8Array = new Uint8Array(total);
  for (let i = 0, at = 0; i < chunks.length; at += chunks[i].length, i++) buf.set(chunks[i], at);
  if (o.cleanSpaces ?? cleanSpacesDefault) buf = cleanSpaces(buf);
  return buf;
}

/** llama.cpp's three clean_spaces passes, byte for byte. */
function cleanSpaces(t: Uint8Array): Uint8Array {
  const text = Uint8Array.from(t);
  const SP = 32, Q = 63, EX = 33, DOT = 46, COMMA = 44, AP = 39;
  // pass 1: " ?", " !", " .", " ," lose the space
  let total1 = text.length, total = total1 ? 1 : 0;
  for (let i = 1; i < total1; i++) {
    const x = text[i];
    if (text[i - 1] === SP && (x === Q || x === EX || x === DOT || x === COMMA)) total--;
    text[total++] = x;
  }
  // pass 2: a lone apostrophe between spaces loses both spaces
  const total2 = total; total = total ? 1 : 0;
  for (let i = 1; i < total2; i++) {
    const x = text[i];
    if (x === AP && i + 1 < total2 && text[i - 1] === SP && text[i + 1] === SP) { total--; text[++i] = 0; }
    text[total++] = x;
  }
  // pass 3: " 's", " 'm", " 're", " 've" lose the space
  const total3 = total; total = total ? 1 : 0;
  for (let i = 1; i < total3; i++) {
    const x = text[i];
    if (text[i - 1] === SP && x === AP && i + 1 < total3) {
      const x1 = text[i + 1];
      if (x1 === 115 || x1 === 109) total--;
      else if (i + 2 < total3) {
        const x2 = text[i + 2];
        if ((x1 === 114 && x2 === 101) || (x1 === 118 && x2 === 101)) total--;
      }
    }
    text[total++] = x;
  }
  total1 = total;
  return text.subarray(0, total1);
}

const decoder = new TextDecoder('utf-8');

/**
 * Streaming detokenizer: push ids as they are sampled, get the text that is complete so far.
 * Bytes of a character split across tokens are held until it completes, so no U+FFFD appears
 * mid-stream. No clean_spaces (that is a whole-text heuristic). `stripLeadingSpace` drops one
 * leading space from the first piece (llama.cpp's detokenizer does that for SPM vocabularies when
 * decoding a whole sequence); off by default, since a reply continues a prompt.
 */
export class StreamDecoder {
  private pending = new Uint8Array(0);
  private first: boolean;
  private readonly cache = new Map<Uint8Array, string>();
  constructor(private readonly pieces: PieceTable, private readonly special = false, stripLeadingSpace = false) {
    this.first = stripLeadingSpace;
  }

  /** Text made complete by this token ('' while a character is still partial). */
  push(id: number): string {
    let p = this.pieces.get(id, this.special);
    if (this.first) {
      if (p.length && p[0] === 32) p = p.subarray(1);
      this.first = false;
    }
    if (!p.length) return '';
    if (this.pending.length === 0 && completePrefix(p) === p.length) {
      // the common case: a whole-character piece; decode once per token id
      let t = this.cache.get(p);
      if (t === undefined) { t = decoder.decode(p); this.cache.set(p, t); }
      return t;
    }
    const buf = new Uint8Array(this.pending.length + p.length);
    buf.set(this.pending); buf.set(p, this.pending.length);
    const cut = completePrefix(buf);
    this.pending = buf.slice(cut);
    return cut ? decoder.decode(buf.subarray(0, cut)) : '';
  }

  /** Whatever is still held (an incomplete character decodes to U+FFFD). */
  flush(): string {
    const s = this.pending.length ? decoder.decode(this.pending) : '';
    this.pending = new Uint8Array(0);
    return s;
  }

  /** Bytes held back waiting for the rest of a character. */
  get pendingBytes(): number { return this.pending.length; }
}

/**
 * Length of the longest prefix that does not end inside an incomplete UTF-8 sequence. Invalid bytes
 * are not held (they could never complete); only a valid lead byte followed by too few continuation
 * bytes at the very end is.
 */
export function completePrefix(b: Uint8Array): number {
  const n = b.length;
  // look back at most 3 bytes for a lead byte
  for (let k = 1; k <= 3 && k <= n; k++) {
    const c = b[n - k];
    if ((c & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 1;
    return need > k ? n - k : n;
  }
  return n;
}
