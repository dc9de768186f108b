import { describe, expect, it } from 'vitest';
import { StrictJsonError, parseStrictJson } from './strict-json.js';

const fault = (text: string): string => {
  try {
    parseStrictJson(text);
    return 'OK';
  } catch (e) {
    if (!(e instanceof StrictJsonError)) throw e;
    return e.fault;
  }
};

describe('parseStrictJson', () => {
  it('agrees with JSON.parse on valid input', () => {
    for (const t of ['{}', '[]', '0', '-0', '1.5e3', '"a\\u00e9\\n\\"\\/"', ' {"a":[1,{"b":null}],"c":true,"d":false} ',
      '"\\ud83d\\ude00"', '"😀 ü"', '9007199254740991', '-9007199254740991']) {
      expect(parseStrictJson(t)).toEqual(JSON.parse(t));
    }
  });
  it('rejects duplicate keys at any depth, including escaped spellings', () => {
    expect(fault('{"a":1,"a":2}')).toBe('dup_key');
    expect(fault('{"x":{"y":[{"a":1,"b":2,"a":3}]}}')).toBe('dup_key');
    expect(fault('{"a":1,"\\u0061":2}')).toBe('dup_key');
    expect(fault('{"a":{"a":1}}')).toBe('OK');
  });
  it('rejects numbers beyond 2^53 - 1', () => {
    for (const t of ['9007199254740992', '-9007199254740992', '18446744073709551615', '1e16', '1e400', '[0,{"x":99999999999999999999}]']) {
      expect(fault(t)).toBe('number');
    }
  });
  it('rejects syntax errors, lone surrogates and deep nesting', () => {
    for (const t of ['', '{', '{"a":1,}', '[1,]', '01', '+1', '1.', '.5', 'NaN', '"\\x"', '"\t"', '{"a" 1}', '{} x', '\ufeff{}',
      '"\\ud800"', '"\\udc00"', '"\\ud800\\u0041"', 'tru', "{'a':1}", '"unterminated']) {
      expect(fault(t), t).toBe('syntax');
    }
    expect(fault('['.repeat(100_000))).toBe('syntax');
    expect(fault('['.repeat(64) + ']'.repeat(64))).toBe('OK');
    expect(fault('['.repeat(65) + ']'.repeat(65))).toBe('syntax');
  });
  it('keeps "__proto__" as plain data', () => {
    const v = parseStrictJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
