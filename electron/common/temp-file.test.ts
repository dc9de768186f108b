import { describe, expect, test } from 'vitest';
import { isTempName, tempPathFor } from './temp-file.js';

describe('temp files', () => {
  test('a temp path lies beside its target, hidden, with a name isTempName recognises', () => {
    for (const [target, dir, base] of [['/data/c/kv.cairn', '/data/c/', 'kv.cairn'], ['C:\\Users\\a\\meta.json', 'C:\\Users\\a\\', 'meta.json'], ['x.json', '', 'x.json']]) {
      const t = tempPathFor(target);
      expect(t.startsWith(`${dir}.${base}.tmp-${process.pid}-`)).toBe(true);
      expect(isTempName(t.slice(dir.length))).toBe(true);
    }
    expect(tempPathFor('/a/b')).not.toBe(tempPathFor('/a/b'));
  });

  test('isTempName refuses the files that live beside temps', () => {
    for (const name of ['kv.cairn', 'meta.json', 'journal.log', '.new-abc', '.kv.cairn.tmp-12-xyz', 'kv.cairn.tmp-1-0123abcd'])
      expect(isTempName(name)).toBe(false);
  });
});
