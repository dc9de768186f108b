// Damage as a crash or a bad disk leaves it: every truncation prefix of a journal (torn tails
// recovered to exactly the records that fit), one flipped bit at every byte of a journal and of a
// meta.json (recovered or quarantined with a reason; never a throw; the other conversation always
// visible and intact).
import { beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConversationDetail } from '../../common/schemas.js';
import { openStore } from './store.js';
import { scanJournal } from './journal.js';
import { defaultConversationSettings as settings } from './settings.js';

let base: string;
let victim: string;
let bystander: ConversationDetail;
let journal: Buffer;
let meta: Buffer;
let bystanderFiles: { meta: Buffer; journal: Buffer };
// Thousands of opens: on a RAM-backed folder where the machine has one (the recovery logic is what
// is tested here; durability across a real kill is store.kill.test.ts's, on the ordinary disk).
const scratch = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
/** The victim's state after each journal record (index k: after k records). */
const states: ConversationDetail[] = [];

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'cairn-damage-'));
  const s = await openStore(base);
  const other = await s.create({ title: 'bystander', settings });
  await s.addMessage(other.id, { parentId: null, role: 'user', content: 'still here', status: 'done' });
  const c = await s.create({ title: 'victim', settings });
  victim = c.id;
  states.push(s.get(victim));
  const u = await s.addMessage(victim, { parentId: null, role: 'user', content: 'Hi there ✓', status: 'done' });
  states.push(s.get(victim));
  const a = await s.addMessage(victim, { parentId: u.id, role: 'assistant', content: '', status: 'streaming' });
  states.push(s.get(victim));
  for (const t of ['Hel', 'Hello', 'Hello wörld']) { await s.updateMessage(victim, a.id, { content: t }); states.push(s.get(victim)); }
  await s.updateMessage(victim, a.id, { status: 'done', finishReason: 'stop' });
  states.push(s.get(victim));
  await s.addMessage(victim, { parentId: u.id, role: 'assistant', content: 'Hey', status: 'done' });
  states.push(s.get(victim));
  await s.setCurrentLeaf(victim, a.id);
  states.push(s.get(victim));
  bystander = s.get(other.id);
  await s.close();
  bystanderFiles = {
    meta: readFileSync(join(base, 'conversations', other.id, 'meta.json')),
    journal: readFileSync(join(base, 'conversations', other.id, 'journal.log')),
  };
  journal = readFileSync(join(base, 'conversations', victim, 'journal.log'));
  meta = readFileSync(join(base, 'conversations', victim, 'meta.json'));
  expect(scanJournal(journal).records).toHaveLength(states.length - 1);
});

/** A copy of the data folder with the victim's file replaced by `bytes`. */
function damaged(file: 'journal.log' | 'meta.json', bytes: Buffer): string {
  const dir = mkdtempSync(join(scratch, 'cairn-damaged-'));
  const put = (id: string, files: { meta: Buffer; journal: Buffer }) => {
    mkdirSync(join(dir, 'conversations', id), { recursive: true });
    writeFileSync(join(dir, 'conversations', id, 'meta.json'), files.meta);
    writeFileSync(join(dir, 'conversations', id, 'journal.log'), files.journal);
  };
  put(bystander.id, bystanderFiles);
  put(victim, { meta, journal, [file === 'meta.json' ? 'meta' : 'journal']: bytes });
  return dir;
}

/** What the victim must read as after a crash: streaming answers interrupted, updatedAt aside. */
const settled = (d: ConversationDetail) => ({
  ...d, updatedAt: 0,
  messages: d.messages.map((m) => (m.status === 'streaming' ? { ...m, status: 'interrupted', finishReason: 'interrupted' } : m)),
});

describe('store damage', () => {
  test('every truncation prefix of a journal opens as exactly the records that fit, the tail cut away', async () => {
    const ends = [0, ...scanJournal(journal).records.map((r) => r.offset + 8 + r.payload.length)];
    for (let len = 0; len <= journal.length; len++) {
      const dir = damaged('journal.log', journal.subarray(0, len));
      const s = await openStore(dir);
      const k = ends.filter((e) => e <= len).length - 1; // whole records kept
      expect(s.quarantined()).toEqual([]);
      expect(settled(s.get(victim))).toEqual(settled(states[k]));
      expect(s.get(bystander.id)).toEqual(bystander);
      expect(statSync(join(dir, 'conversations', victim, 'journal.log')).size).toBeGreaterThanOrEqual(ends[k]);
      expect(s.recovery.tornTails).toEqual(len === ends[k] ? [] : [{ id: victim, at: ends[k], bytes: len - ends[k] }]);
      const report = await s.check();
      expect(report.problems).toEqual([]);
      await s.close();
      rmSync(dir, { recursive: true });
    }
  });

  test('a flipped bit anywhere in a journal is recovered (last record lost at most) or quarantined, never hiding the other conversation', async () => {
    const ends = scanJournal(journal).records.map((r) => r.offset + 8 + r.payload.length);
    const lastStart = ends.at(-2)!;
    let quarantined = 0, recovered = 0;
    for (let i = 0; i < journal.length; i++) {
      const buf = Buffer.from(journal);
      buf[i] ^= 1 << (i % 8);
      const dir = damaged('journal.log', buf);
      const s = await openStore(dir);
      expect(s.get(bystander.id)).toEqual(bystander);
      if (s.quarantined().length > 0) {
        quarantined++;
        expect(i).toBeLessThan(lastStart); // only a damaged record with good ones after it
        expect(s.quarantined()[0]).toMatchObject({ id: victim, reason: expect.stringMatching(/^journal\.log: /) });
        expect(s.list().map((c) => c.id)).toEqual([bystander.id]);
      } else {
        recovered++;
        expect(i).toBeGreaterThanOrEqual(lastStart); // the last record reads as a torn tail
        expect(settled(s.get(victim))).toEqual(settled(states.at(-2)!));
      }
      expect((await s.check()).ok).toBe(true);
      await s.close();
      rmSync(dir, { recursive: true });
    }
    expect(quarantined).toBeGreaterThan(0);
    expect(recovered).toBeGreaterThan(0);
  });

  test('a flipped bit anywhere in meta.json is read (a changed title) or quarantined, never a throw', async () => {
    let quarantined = 0;
    for (let i = 0; i < meta.length; i++) {
      const buf = Buffer.from(meta);
      buf[i] ^= 1 << (i % 8);
      const dir = damaged('meta.json', buf);
      const s = await openStore(dir);
      expect(s.get(bystander.id)).toEqual(bystander);
      if (s.quarantined().length > 0) {
        quarantined++;
        expect(s.quarantined()[0]).toMatchObject({ id: victim, reason: expect.stringMatching(/^meta\.json: /) });
      } else {
        expect(s.get(victim).messages).toEqual(states.at(-1)!.messages);
      }
      await s.close();
      rmSync(dir, { recursive: true });
    }
    expect(quarantined).toBeGreaterThan(meta.length / 2);
  });
});
