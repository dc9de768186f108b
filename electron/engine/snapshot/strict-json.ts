// A strict JSON parser for snapshot headers. JSON.parse silently keeps the last of duplicate
// keys and rounds integers beyond 2^53 - 1; a header must be unambiguous, so this parser
// rejects both (at any depth), as well as lone surrogates and nesting deeper than `maxDepth`
// (so a hostile 1 MiB header of '[' cannot overflow the stack). Objects are created with a
// null prototype so a "__proto__" key is plain data.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject { [key: string]: JsonValue }

export type StrictJsonFault = 'syntax' | 'dup_key' | 'number';

export class StrictJsonError extends Error {
  override readonly name = 'StrictJsonError';
  constructor(readonly fault: StrictJsonFault, message: string, readonly pos: number) {
    super(message);
  }
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseStrictJson(text: string, maxDepth = 64): JsonValue {
  let i = 0;
  const fail = (fault: StrictJsonFault, what: string, at = i): never => {
    throw new StrictJsonError(fault, `${what} at offset ${at}`, at);
  };
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };
  const hex4 = (): number => {
    const h = text.slice(i, i + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('syntax', 'bad \\u escape');
    i += 4;
    return parseInt(h, 16);
  };
  const str = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    let run = i;
    for (;;) {
      if (i >= text.length) fail('syntax', 'unterminated string', start);
      const c = text.charCodeAt(i);
      if (c === 0x22) { out += text.slice(run, i); i++; return out; }
      if (c < 0x20) fail('syntax', 'control character in string');
      if (c >= 0xd800 && c <= 0xdfff) {
        // the text came from a fatal UTF-8 decoder, so raw surrogates are always paired; check anyway
        const d = text.charCodeAt(i + 1);
        if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) fail('syntax', 'lone surrogate');
        i += 2;
        continue;
      }
      if (c !== 0x5c) { i++; continue; }
      out += text.slice(run, i);
      i++;
      const e = text[i];
      if (e === 'u') {
        i++;
        const at = i - 2;
        const u = hex4();
        if (u >= 0xdc00 && u <= 0xdfff) fail('syntax', 'lone low surrogate escape', at);
        if (u >= 0xd800 && u <= 0xdbff) {
          if (text[i] !== '\\' || text[i + 1] !== 'u') fail('syntax', 'lone high surrogate escape', at);
          i += 2;
          const lo = hex4();
          if (lo < 0xdc00 || lo > 0xdfff) fail('syntax', 'lone high surrogate escape', at);
          out += String.fromCharCode(u, lo);
        } else out += String.fromCharCode(u);
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
        i++;
      } else fail('syntax', 'bad escape');
      run = i;
    }
  };
  const num = (): number => {
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(text);
    if (!m) return fail('syntax', 'bad number');
    const start = i;
    i += m[0].length;
    const v = Number(m[0]);
    if (!Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER) fail('number', `number ${m[0].slice(0, 40)} exceeds 2^53-1`, start);
    return v;
  };
  const lit = (word: string, v: JsonValue): JsonValue => {
    if (text.startsWith(word, i)) { i += word.length; return v; }
    return fail('syntax', 'unexpected character');
  };
  const value = (depth: number): JsonValue => {
    ws();
    const c = text[i];
    if (c === '{') {
      if (depth >= maxDepth) fail('syntax', `nesting deeper than ${maxDepth}`);
      i++;
      const obj = Object.create(null) as JsonObject;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('syntax', 'expected a key');
        const at = i;
        const k = str();
        if (seen.has(k)) fail('dup_key', `duplicate key ${JSON.stringify(k.slice(0, 60))}`, at);
        seen.add(k);
        ws();
        if (text[i] !== ':') fail('syntax', "expected ':'");
        i++;
        obj[k] = value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail('syntax', "expected ',' or '}'");
      }
    }
    if (c === '[') {
      if (depth >= maxDepth) fail('syntax', `nesting deeper than ${maxDepth}`);
      i++;
      const arr: JsonValue[] = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail('syntax', "expected ',' or ']'");
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true', true);
    if (c === 'f') return lit('false', false);
    if (c === 'n') return lit('null', null);
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return num();
    return fail('syntax', c === undefined ? 'unexpected end' : 'unexpected character');
  };
  const v = value(0);
  ws();
  if (i !== text.length) fail('syntax', 'trailing characters');
  return v;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
