// pretokenize.ts — split text into words before BPE, per `tokenizer.ggml.pre`, as llama.cpp does.
//
// llama.cpp (src/llama-vocab.cpp, src/unicode.cpp) gives each pre-tokenizer a list of regexes applied
// one after another, each splitting the pieces the previous left. The common ones (GPT-2, Llama 3,
// Qwen2) run as hand-written scanners; the rest run through std::regex on a "collapsed" text where
// every non-ASCII codepoint is replaced by one byte naming its category. Both are reproduced here,
// including their quirks (categories from llama.cpp's tables; \s only for its whitespace set).

import { codepoints, flagsTable, F_LETTER, F_NUMBER, F_WHITESPACE, F_PUNCTUATION, F_ACCENT_MARK, F_SYMBOL } from './unicode.js';

const GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
const LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

export interface PreTokenizer {
  /** llama.cpp's pre-type this name resolves to. */
  type: string;
  regexes: string[];
  /** Whole words found in the vocabulary skip the merges (Llama 3). */
  ignoreMerges: boolean;
  /** llama.cpp's `clean_spaces` for detokenization. */
  cleanSpaces: boolean;
  /** Llama 3 forces add_bos unless the file says otherwise. */
  addBosDefault?: boolean;
}

// name in tokenizer.ggml.pre → [pre-type, regexes, ignore_merges, clean_spaces, add_bos default]
const TYPES: Record<string, Omit<PreTokenizer, 'type'>> = {
  default: { regexes: ['[\\p{P}\\$\\+<=>\\^~\\|]+', GPT2, '\\p{N}+', '[0-9][0-9][0-9]'], ignoreMerges: false, cleanSpaces: true },
  llama3: { regexes: [LLAMA3], ignoreMerges: true, cleanSpaces: true, addBosDefault: true },
  dbrx: { regexes: [LLAMA3], ignoreMerges: false, cleanSpaces: true },
  qwen2: { regexes: [QWEN2], ignoreMerges: false, cleanSpaces: false },
  stablelm2: { regexes: [QWEN2], ignoreMerges: false, cleanSpaces: true },
  gpt2: { regexes: [GPT2], ignoreMerges: false, cleanSpaces: true },
  starcoder: { regexes: ['\\p{N}', GPT2], ignoreMerges: false, cleanSpaces: true },
  starcoder_noclean: { regexes: ['\\p{N}', GPT2], ignoreMerges: false, cleanSpaces: false },
  falcon: { regexes: ['[\\p{P}\\$\\+<=>\\^~\\|`]+', GPT2, '[0-9][0-9][0-9]'], ignoreMerges: false, cleanSpaces: true },
  chatglm4: { regexes: [LLAMA3], ignoreMerges: false, cleanSpaces: true },
};

const NAMES: Record<string, string> = {
  '': 'default', default: 'default',
  llama3: 'llama3', 'llama-v3': 'llama3', 'llama-bpe': 'llama3', falcon3: 'llama3', 'falcon-h1': 'llama3',
  pixtral: 'llama3', 'midm-2.0': 'llama3', lfm2: 'llama3',
  dbrx: 'dbrx', 'smaug-bpe': 'dbrx',
  qwen2: 'qwen2', 'deepseek-r1-qwen': 'qwen2', hunyuan: 'qwen2', megrez: 'qwen2',
  stablelm2: 'stablelm2',
  'gpt-2': 'gpt2', gpt2: 'gpt2', 'phi-2': 'gpt2', mpt: 'gpt2', olmo: 'gpt2', jais: 'gpt2', 'roberta-bpe': 'gpt2',
  starcoder: 'starcoder', smollm: 'starcoder', refact: 'starcoder', codeshell: 'starcoder', exaone: 'starcoder', minerva: 'starcoder',
  'command-r': 'starcoder_noclean',
  falcon: 'falcon',
  'chatglm-bpe': 'chatglm4', glm4: 'chatglm4',
};

/** The pre-tokenizer llama.cpp uses for `tokenizer.ggml.pre`; throws on names it would reject. */
export function preTokenizer(name: string | undefined): PreTokenizer {
  const type = NAMES[name ?? ''];
  if (!type) throw new Error(`unsupported pre-tokenizer '${name}' (tokenizer.ggml.pre)`);
  return { type, ...TYPES[type] };
}

export const SUPPORTED_PRE = Object.keys(NAMES).filter((n) => n);

// ---- the scanners (ports of unicode_regex_split_custom_gpt2 / _llama3 / _qwen2) -------------------

const CR = 13, LF = 10, SP = 32, APOS = 39;
const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);

function splitGpt2(cpts: Uint32Array, offsets: number[]): number[] {
  const T = flagsTable();
  const out: number[] = [];
  let start = 0;
  for (const offset of offsets) {
    const ini = start, end = start + offset;
    start = end;
    const cpt = (p: number) => (p >= ini && p < end ? cpts[p] : -1);
    const fl = (p: number) => (p >= ini && p < end ? T[cpts[p]] ?? 1 : 0);
    let prev = ini;
    const add = (e: number) => { const len = e - prev; if (len > 0) out.push(len); prev = e; return len; };
    for (let pos = ini; pos < end;) {
      const c = cpt(pos);
      const f = fl(pos);
      if (c === APOS && pos + 1 < end) {
        const n = cpt(pos + 1);
        if (n === 115 || n === 116 || n === 109 || n === 100) { pos += add(pos + 2); continue; }
        if (pos + 2 < end) {
          const nn = cpt(pos + 2);
          if ((n === 114 && nn === 101) || (n === 118 && nn === 101) || (n === 108 && nn === 108)) { pos += add(pos + 3); continue; }
        }
      }
      let f2 = c === SP ? fl(pos + 1) : f;
      if (f2 & F_LETTER) {
        if (c === SP) pos++;
        while (f2 & F_LETTER) f2 = fl(++pos);
        add(pos); continue;
      }
      if (f2 & F_NUMBER) {
        if (c === SP) pos++;
        while (f2 & F_NUMBER) f2 = fl(++pos);
        add(pos); continue;
      }
      if (!(f2 & (F_WHITESPACE | F_LETTER | F_NUMBER)) && f2) {
        if (c === SP) pos++;
        while (!(f2 & (F_WHITESPACE | F_LETTER | F_NUMBER)) && f2) f2 = fl(++pos);
        add(pos); continue;
      }
      let nws = 0;
      while (fl(pos + nws) & F_WHITESPACE) nws++;
      if (nws > 1 && cpt(pos + nws) !== -1) { pos += nws - 1; add(pos); continue; }
      if (nws > 0) { pos += nws; add(pos); continue; }
      add(++pos);
    }
  }
  return out;
}

/** Llama 3 (maxDigits 3) and Qwen2 (maxDigits 1): the same scanner but for digit groups. */
function splitLlama3(cpts: Uint32Array, offsets: number[], maxDigits: number): number[] {
  const T = flagsTable();
  const out: number[] = [];
  let start = 0;
  for (const offset of offsets) {
    const ini = start, end = start + offset;
    start = end;
    const cpt = (p: number) => (p >= ini && p < end ? cpts[p] : -1);
    const fl = (p: number) => (p >= ini && p < end ? T[cpts[p]] ?? 1 : 0);
    let prev = ini;
    const add = (e: number) => { const len = e - prev; if (len > 0) out.push(len); prev = e; return len; };
    for (let pos = ini; pos < end;) {
      const c = cpt(pos);
      const f = fl(pos);
      // (?i:'s|'t|'re|'ve|'m|'ll|'d)
      if (c === APOS && pos + 1 < end) {
        const n = lower(cpt(pos + 1));
        if (n === 115 || n === 116 || n === 109 || n === 100) { pos += add(pos + 2); continue; }
        if (pos + 2 < end) {
          const nn = lower(cpt(pos + 2));
          if ((n === 114 && nn === 101) || (n === 118 && nn === 101) || (n === 108 && nn === 108)) { pos += add(pos + 3); continue; }
        }
      }
      // [^\r\n\p{L}\p{N}]?\p{L}+
      if (!(c === CR || c === LF || f & F_NUMBER)) {
        if (f & F_LETTER || fl(pos + 1) & F_LETTER) {
          pos++;
          while (fl(pos) & F_LETTER) pos++;
          add(pos); continue;
        }
      }
      // \p{N}{1,3}  (Qwen2: \p{N})
      if (f & F_NUMBER) {
        if (maxDigits === 1) { add(++pos); continue; }
        let i0 = pos;
        while (fl(pos) & F_NUMBER) {
          if (++pos - i0 >= maxDigits) { add(pos); i0 = pos; }
        }
        add(pos); continue;
      }
      // <space>?[^\s\p{L}\p{N}]+[\r\n]*
      let f2 = c === SP ? fl(pos + 1) : f;
      if (!(f2 & (F_WHITESPACE | F_LETTER | F_NUMBER)) && f) {
        if (c === SP) pos++;
        while (!(f2 & (F_WHITESPACE | F_LETTER | F_NUMBER)) && f2) f2 = fl(++pos);
        let c2 = cpt(pos);
        while (c2 === CR || c2 === LF) c2 = cpt(++pos);
        add(pos); continue;
      }
      let nws = 0, lastRN = 0;
      while (fl(pos + nws) & F_WHITESPACE) {
        const c2 = cpt(pos + nws);
        if (c2 === CR || c2 === LF) lastRN = pos + nws + 1;
        nws++;
      }
      if (lastRN > 0) { pos = lastRN; add(pos); continue; }             // \s*[\r\n]+
      if (nws > 1 && cpt(pos + nws) !== -1) { pos += nws - 1; add(pos); continue; } // \s+(?!\S)
      if (nws > 0) { pos += nws; add(pos); continue; }                   // \s+
      add(++pos);
    }
  }
  return out;
}

// ---- the general path: std::regex over the collapsed text ------------------------------------------

const CAT_CHAR: Array<[number, number, string]> = [
  // flag, collapsed codepoint, the ASCII members the class keeps
  [F_NUMBER, 0xd1, '0-9'],
  [F_LETTER, 0xd2, 'A-Za-z'],
  [F_PUNCTUATION, 0xd3, '!-#%-*,-/:;?@\\[-\\]_{}'],
  [F_ACCENT_MARK, 0xd4, ''],
  [F_SYMBOL, 0xd5, '\\$\\+<->\\^`\\|~'],
];
const CAT_NAMES: Record<string, number> = { N: F_NUMBER, L: F_LETTER, P: F_PUNCTUATION, M: F_ACCENT_MARK, S: F_SYMBOL, Lu: F_LETTER, Ll: F_LETTER, Lt: F_LETTER, Lm: F_LETTER, Lo: F_LETTER };

function collapseRegex(expr: string): string {
  let out = '';
  let inside = false;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (ch === '[' && (i === 0 || expr[i - 1] !== '\\')) { out += '['; inside = true; continue; }
    if (inside && ch === ']' && expr[i - 1] !== '\\') { out += ']'; inside = false; continue; }
    if (ch === '\\' && expr[i + 1] === 'p' && expr[i + 2] === '{') {
      const close = expr.indexOf('}', i + 3);
      const flag = close > 0 ? CAT_NAMES[expr.slice(i + 3, close)] : undefined;
      if (flag !== undefined) {
        const [, code, ascii] = CAT_CHAR.find((c) => c[0] === flag)!;
        const cls = `\\u00${code.toString(16)}${ascii}`;
        out += inside ? cls : `[${cls}]`;
        i = close;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

function collapsedText(cpts: Uint32Array): string {
  const T = flagsTable();
  const codes = new Uint16Array(cpts.length);
  for (let i = 0; i < cpts.length; i++) {
    const c = cpts[i];
    if (c < 128) { codes[i] = c; continue; }
    const f = T[c];
    if (f & F_WHITESPACE) { codes[i] = 0x0b; continue; }
    const cat = f & 0xff;
    const hit = CAT_CHAR.find((x) => x[0] === cat);
    codes[i] = hit ? hit[1] : 0xd0;
  }
  return fromCodes(codes);
}

function wideText(cpts: Uint32Array): string {
  // std::wregex path: non-ASCII whitespace → \v; one UTF-16 unit per codepoint (astral → U+FFFF,
  // which none of the supported ASCII-only patterns can match).
  const T = flagsTable();
  const codes = new Uint16Array(cpts.length);
  for (let i = 0; i < cpts.length; i++) {
    const c = cpts[i];
    codes[i] = c > 0x7f && T[c] & F_WHITESPACE ? 0x0b : c > 0xffff ? 0xffff : c;
  }
  return fromCodes(codes);
}

function fromCodes(codes: Uint16Array): string {
  let s = '';
  for (let i = 0; i < codes.length; i += 8192) s += String.fromCharCode.apply(null, codes.subarray(i, i + 8192) as unknown as number[]);
  return s;
}

function splitRegex(text: string, re: RegExp, offsets: number[]): number[] {
  const out: number[] = [];
  let start = 0;
  for (const offset of offsets) {
    const chunk = text.slice(start, start + offset);
    re.lastIndex = 0;
    let last = 0;
    for (let m = re.exec(chunk); m; m = re.exec(chunk)) {
      if (m[0].length === 0) { re.lastIndex++; continue; }
      if (m.index > last) out.push(m.index - last);
      out.push(m[0].length);
      last = m.index + m[0].length;
    }
    if (last < offset) out.push(offset - last);
    start += offset;
  }
  return out;
}

const regexCache = new Map<string, RegExp>();

/**
 * Split `text` into pre-tokenizer words (plain text, not yet byte-encoded), exactly at llama.cpp's
 * boundaries. Works on codepoints; a lone surrogate counts as U+FFFD.
 */
export function pretokenize(text: string, pre: PreTokenizer): string[] {
  const cpts = codepoints(text);
  let offsets = [cpts.length];
  let collapsed: string | null = null, wide: string | null = null;
  for (const expr of pre.regexes) {
    if (expr === GPT2) { offsets = splitGpt2(cpts, offsets); continue; }
    if (expr === LLAMA3) { offsets = splitLlama3(cpts, offsets, 3); continue; }
    if (expr === QWEN2) { offsets = splitLlama3(cpts, offsets, 1); continue; }
    const usesCats = /\\p\{(N|L|P|M|S|Lu|Ll|Lt|Lm|Lo)\}/.test(expr);
    let re = regexCache.get(expr);
    if (!re) { re = new RegExp(usesCats ? collapseRegex(expr) : expr, 'g'); regexCache.set(expr, re); }
    const subject = usesCats ? (collapsed ??= collapsedText(cpts)) : (wide ??= wideText(cpts));
    offsets = splitRegex(subject, re, offsets);
  }
  // offsets are codepoint counts; map back to string slices
  const words: string[] = new Array(offsets.length);
  let ci = 0, si = 0;
  for (let w = 0; w < offsets.length; w++) {
    const s0 = si;
    for (let k = 0; k < offsets[w]; k++) { si += cpts[ci++] > 0xffff ? 2 : 1; }
    words[w] = text.slice(s0, si);
  }
  return words;
}
