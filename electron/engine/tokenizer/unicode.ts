// unicode.ts — codepoint classes, UTF-8 and the GPT-2 byte map, as llama.cpp's unicode.cpp defines them.
// Categories come from llama.cpp's own tables (unicode-data.ts), not from the JS engine's Unicode
// version, so `\p{L}`/`\p{N}` decisions match llama.cpp even where Unicode versions differ.

import { RANGES, WHITESPACE } from './unicode-data.js';

export const F_UNDEFINED = 0x0001;
export const F_NUMBER = 0x0002;
export const F_LETTER = 0x0004;
export const F_SEPARATOR = 0x0008;
export const F_ACCENT_MARK = 0x0010;
export const F_PUNCTUATION = 0x0020;
export const F_SYMBOL = 0x0040;
export const F_CONTROL = 0x0080;
export const F_WHITESPACE = 0x0100;

const MAX_CODEPOINTS = 0x110000;
let flagTable: Uint16Array | null = null;

function buildFlags(): Uint16Array {
  const t = new Uint16Array(MAX_CODEPOINTS).fill(F_UNDEFINED);
  const pairs = RANGES.split(',').map((p) => p.split(':').map((x) => parseInt(x, 36)));
  let start = 0;
  for (let i = 0; i < pairs.length; i++) {
    start += pairs[i][0];
    const end = i + 1 < pairs.length ? start + pairs[i + 1][0] : MAX_CODEPOINTS;
    t.fill(pairs[i][1], start, Math.min(end, MAX_CODEPOINTS));
  }
  for (const c of WHITESPACE) t[c] |= F_WHITESPACE;
  return t;
}

/** llama.cpp's `unicode_cpt_flags_from_cpt`: category bits | whitespace bit; UNDEFINED past the table. */
export function cptFlags(cpt: number): number {
  const t = flagTable ?? (flagTable = buildFlags());
  return cpt < MAX_CODEPOINTS ? t[cpt] : F_UNDEFINED;
}

/** The whole table (built once); hot loops index it directly. */
export function flagsTable(): Uint16Array {
  return flagTable ?? (flagTable = buildFlags());
}

/** Codepoints of a JS string; a lone surrogate becomes U+FFFD (what its UTF-8 encoding decodes to). */
export function codepoints(s: string): Uint32Array {
  const out = new Uint32Array(s.length);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    out[n++] = c;
  }
  return out.subarray(0, n);
}

export function utf8Len(cpt: number): number {
  return cpt < 0x80 ? 1 : cpt < 0x800 ? 2 : cpt < 0x10000 ? 3 : 4;
}

const encoder = new TextEncoder();
export function utf8Encode(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Length of a UTF-8 sequence from its lead byte (llama.cpp's `unicode_len_utf8`). */
export function utf8SeqLen(lead: number): number {
  const lookup = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4];
  return lookup[(lead & 0xff) >> 4];
}

// GPT-2 byte ↔ unicode map (`bytes_to_unicode`): printable bytes map to themselves, the rest to U+0100+.
export const BYTE_TO_CHAR: string[] = [];
export const CHAR_TO_BYTE = new Map<number, number>();
{
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const cpt = printable ? b : 256 + n++;
    BYTE_TO_CHAR[b] = String.fromCodePoint(cpt);
    CHAR_TO_BYTE.set(cpt, b);
  }
}

/** The GPT-2 byte-level form of a string: each UTF-8 byte as its mapped character. */
export function byteEncode(s: string): string {
  const bytes = utf8Encode(s);
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_TO_CHAR[bytes[i]];
  return out;
}
