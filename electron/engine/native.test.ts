// The binding's tables against the library: status names (cairn.h's CAIRN_STATUS_LIST) and the version.
import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Model } from './model.js';
import { checkStatusNames, engineVersion, EngineError, native, STATUS_NAMES } from './native.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('native binding', () => {
  test('STATUS_NAMES is the library\'s status list, and nothing beyond it', () => {
    const name = (s: number) => native().status_name(s) as string;
    expect(STATUS_NAMES.map((_, s) => name(s))).toEqual([...STATUS_NAMES]);
    expect(name(STATUS_NAMES.length)).toBe('CAIRN_E_UNKNOWN');
    expect(() => checkStatusNames(name, 'libcairn')).not.toThrow();
  });

  test('a library built from another list is refused at load, naming the first difference', () => {
    const shifted = (s: number) => (s === 3 ? 'CAIRN_E_NEW' : s < 3 ? STATUS_NAMES[s] : STATUS_NAMES[s - 1] ?? 'CAIRN_E_UNKNOWN');
    expect(() => checkStatusNames(shifted, 'libcairn.so')).toThrow('libcairn.so: status 3 is CAIRN_E_NEW in the library but CAIRN_E_NOT_FILE in native.ts');
    const longer = (s: number) => STATUS_NAMES[s] ?? (s === STATUS_NAMES.length ? 'CAIRN_E_LATER' : 'CAIRN_E_UNKNOWN');
    expect(() => checkStatusNames(longer, 'lib')).toThrow(/status 28 is CAIRN_E_LATER in the library but CAIRN_E_UNKNOWN/);
  });

  test('an engine error carries the status name and the library\'s value', () => {
    const e = (() => { try { Model.load(join(root, 'no-such-model.gguf')); } catch (x) { return x; } })() as EngineError;
    expect(e).toBeInstanceOf(EngineError);
    expect([e.code, e.status]).toEqual(['CAIRN_E_IO', 2]);
  });

  test('the library\'s version is package.json\'s', () => {
    expect(engineVersion()).toBe(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
  });
});
