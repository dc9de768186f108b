// QuarantineList: the models refused after crashing the engine host, kept in <data>/quarantine.json.
import { expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuarantineList } from './quarantine.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'cairn-quarantine-'));

test('entries are kept by real path (a link to a quarantined model is refused too) and survive a reload', () => {
  const dir = fresh(), model = join(dir, 'm.gguf'), link = join(dir, 'link.gguf'), file = join(dir, 'quarantine.json');
  writeFileSync(model, 'GGUF');
  symlinkSync(model, link);
  const q = new QuarantineList(file);
  expect(q.list()).toEqual([]);
  expect(q.add(link, 'crashed twice')).toEqual({ id: model, reason: 'crashed twice' });
  expect(q.find(model)).toEqual({ id: model, reason: 'crashed twice' });
  expect(new QuarantineList(file).find(link)?.reason).toBe('crashed twice');
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]); // the temp file was renamed over
  expect(q.remove(model)).toBe(true);
  expect(q.remove(model)).toBe(false);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ version: 1, models: [] });
});

test('an unreadable file is an empty list, rewritten whole by the next entry', () => {
  const dir = fresh(), file = join(dir, 'quarantine.json');
  for (const junk of ['{"version":1,"models":[{"id":', '[]', '{"version":2,"models":[]}']) {
    writeFileSync(file, junk);
    expect(new QuarantineList(file).list()).toEqual([]);
  }
  new QuarantineList(file).add(join(dir, 'missing.gguf'), 'r');
  expect(JSON.parse(readFileSync(file, 'utf8')).models).toMatchObject([{ id: join(dir, 'missing.gguf'), reason: 'r' }]);
});
