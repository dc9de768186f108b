// The conversation store against real files: round trips, recovery on open, quarantine, search,
// settings. Crash-style damage (every truncation prefix, bit flips) is in store.damage.test.ts and
// SIGKILLed writers in store.kill.test.ts.
import { describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, appendFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, StoreError } from './store.js';
import { tempPathFor } from '../../common/temp-file.js';
import { encodeRecord } from './journal.js';
import { newId } from './ids.js';
import { defaultConversationSettings as settings } from './settings.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cairn-store-'));

describe('conversation store', () => {
  test('a conversation round-trips through close and reopen: tree, leaf, edits, settings, title', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const c = await s.create({ title: '  Trip   plans ', settings });
    expect(c.title).toBe('Trip plans');
    const u1 = await s.addMessage(c.id, { parentId: null, role: 'user', content: 'Where to go?', status: 'done' });
    const a1 = await s.addMessage(c.id, { parentId: u1.id, role: 'assistant', content: '', status: 'streaming', model: 'demo' });
    await s.updateMessage(c.id, a1.id, { content: 'Lis' });
    await s.updateMessage(c.id, a1.id, { content: 'Lisbon, ' });
    await s.updateMessage(c.id, a1.id, { content: 'Lisbon, or Porto.', status: 'done', finishReason: 'stop',
      stats: { ttftMs: 5, promptTokens: 10, reusedTokens: 0, prefillTokPerS: 100, decodeTokens: 4, decodeTokPerS: 50, totalMs: 80 } });
    const a2 = await s.addMessage(c.id, { parentId: u1.id, role: 'assistant', content: 'Rome.', status: 'done' }); // regenerate: sibling
    const e1 = await s.updateMessage(c.id, a2.id, { content: 'Rome!' }); // not an extension: written whole
    expect(e1.content).toBe('Rome!');
    await s.setCurrentLeaf(c.id, a1.id);
    await s.rename(c.id, 'Holidays');
    await s.setSettings(c.id, { temperature: 0.2, systemPrompt: 'Be brief.' });
    const before = s.get(c.id);
    expect(before.currentLeafId).toBe(a1.id);
    expect(s.path(c.id).map((m) => m.content)).toEqual(['Where to go?', 'Lisbon, or Porto.']);
    expect(s.path(c.id, a2.id).map((m) => m.content)).toEqual(['Where to go?', 'Rome!']);
    await s.close();

    const r = await openStore(dir);
    expect(r.get(c.id)).toEqual(before);
    expect(r.get(c.id).settings.temperature).toBe(0.2);
    expect(r.get(c.id).messages.map((m) => m.status)).toEqual(['done', 'done', 'done']);
    expect(r.recovery).toEqual({ tornTails: [], interrupted: [], quarantined: [], compacted: [] });
    expect((await r.check()).ok).toBe(true);
    await r.close();
  });

  test('the list is newest first; unknown ids are E_NOT_FOUND; bad input is E_ARGS', async () => {
    const s = await openStore(tmp());
    const a = await s.create({ settings });
    const b = await s.create({ title: 'second', settings });
    await s.addMessage(a.id, { parentId: null, role: 'user', content: 'hi', status: 'done' });
    expect(s.list().map((c) => c.id)).toEqual([a.id, b.id].sort((x, y) => (s.get(y).updatedAt - s.get(x).updatedAt) || (x < y ? 1 : -1)));
    expect(s.list().find((c) => c.id === a.id)?.messageCount).toBe(1);
    expect(() => s.get('nope')).toThrow(StoreError);
    await expect(s.addMessage(a.id, { parentId: 'missing', role: 'user', content: 'x', status: 'done' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
    await expect(s.setSettings(a.id, { temperature: 99 })).rejects.toMatchObject({ code: 'E_ARGS' });
    await expect(s.create({ settings: { ...settings, nCtx: 3 } })).rejects.toMatchObject({ code: 'E_ARGS' });
    s.setBusy(a.id, true);
    expect(s.list().find((c) => c.id === a.id)?.busy).toBe(true);
    await s.close();
  });

  test('ids are time-ordered strings that the Id schema accepts, unique within one millisecond', () => {
    const ids = Array.from({ length: 2000 }, () => newId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(newId(1_700_000_000_001) > ids.at(-1)!).toBe(true);
    for (const id of ids.slice(0, 5)) expect(id).toMatch(/^[a-z0-9]{21}$/);
  });

  test('selecting a message that has replies shows its newest leaf', async () => {
    const s = await openStore(tmp());
    const c = await s.create({ settings });
    const u = await s.addMessage(c.id, { parentId: null, role: 'user', content: 'q', status: 'done' });
    const a = await s.addMessage(c.id, { parentId: u.id, role: 'assistant', content: 'a', status: 'done' });
    const u2 = await s.addMessage(c.id, { parentId: null, role: 'user', content: 'q edited', status: 'done' });
    expect(s.get(c.id).currentLeafId).toBe(u2.id);
    expect((await s.setCurrentLeaf(c.id, u.id)).currentLeafId).toBe(a.id);
    await s.close();
  });

  test('streaming checkpoints append only the new text: the journal grows linearly with the answer', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const c = await s.create({ settings });
    const a = await s.addMessage(c.id, { parentId: null, role: 'assistant', content: '', status: 'streaming' });
    let text = '';
    for (let i = 0; i < 400; i++) { text += `token${i} `; await s.updateMessage(c.id, a.id, { content: text }); }
    const bytes = statSync(join(dir, 'conversations', c.id, 'journal.log')).size;
    // whole-text checkpoints would write ~400 × text/2 bytes; deltas write the text once plus a
    // small header per record
    expect(bytes).toBeLessThan(text.length + 400 * 80 + 500);
    await s.close();
  });

  test('a message left streaming by a crash is interrupted on open, its text kept', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const c = await s.create({ settings });
    const u = await s.addMessage(c.id, { parentId: null, role: 'user', content: 'tell me', status: 'done' });
    const a = await s.addMessage(c.id, { parentId: u.id, role: 'assistant', content: 'Once upon', status: 'streaming' });
    // no close(): the process "dies" here
    const r = await openStore(dir);
    const m = r.get(c.id).messages.find((x) => x.id === a.id)!;
    expect(m).toMatchObject({ status: 'interrupted', finishReason: 'interrupted', content: 'Once upon' });
    expect(r.recovery.interrupted).toEqual([{ conversationId: c.id, messageId: a.id }]);
    await r.close();
    expect((await openStore(dir)).get(c.id).messages[1].status).toBe('interrupted'); // persisted
    await s.close();
  });

  test('a large journal is compacted on open into one record per message, reading back the same', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const c = await s.create({ settings });
    const a = await s.addMessage(c.id, { parentId: null, role: 'assistant', content: '', status: 'streaming' });
    for (let i = 1; i <= 300; i++) await s.updateMessage(c.id, a.id, { content: 'x'.repeat(i * 10) });
    await s.updateMessage(c.id, a.id, { content: 'y'.repeat(3000), status: 'done', finishReason: 'stop' });
    const before = s.get(c.id);
    await s.close();
    const r = await openStore(dir, { compactAboveBytes: 4096 });
    expect(r.recovery.compacted).toHaveLength(1);
    expect(r.recovery.compacted[0].after).toBeLessThan(r.recovery.compacted[0].before);
    expect(r.get(c.id)).toEqual(before);
    await r.updateMessage(c.id, a.id, { content: 'y'.repeat(3000) + ' more' });
    await r.close();
    const again = await openStore(dir);
    expect(again.get(c.id).messages[0].content).toBe('y'.repeat(3000) + ' more');
    expect((await again.check()).ok).toBe(true);
    await again.close();
  });

  test('a bad record in the middle quarantines that conversation only, with its reason, across reopens', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const good = await s.create({ title: 'good', settings });
    const bad = await s.create({ title: 'bad', settings });
    for (const id of [good.id, bad.id]) {
      let parent: string | null = null;
      for (let i = 0; i < 4; i++) parent = (await s.addMessage(id, { parentId: parent, role: 'user', content: `m${i}`, status: 'done' })).id;
    }
    await s.close();
    const journal = join(dir, 'conversations', bad.id, 'journal.log');
    const buf = readFileSync(journal);
    buf[20] ^= 0x04; // inside the first record's payload
    writeFileSync(journal, buf);
    const r = await openStore(dir);
    expect(r.list().map((c) => c.id)).toEqual([good.id]);
    expect(r.quarantined()).toEqual([{ id: bad.id, reason: expect.stringMatching(/journal\.log: bad record at byte 0 \(checksum mismatch\)/) }]);
    expect(existsSync(join(dir, 'quarantine', bad.id, 'journal.log'))).toBe(true);
    expect(existsSync(join(dir, 'conversations', bad.id))).toBe(false);
    expect((await r.check())).toMatchObject({ ok: true, conversations: 1, messages: 4 });
    await r.close();
    const again = await openStore(dir);
    expect(again.quarantined().map((q) => q.id)).toEqual([bad.id]);
    await again.close();
  });

  test('a bad meta.json quarantines the conversation; a settings field it lacks takes its default', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const a = await s.create({ settings });
    const b = await s.create({ settings });
    await s.close();
    writeFileSync(join(dir, 'conversations', a.id, 'meta.json'), '{"v":1,"id":');
    const metaB = join(dir, 'conversations', b.id, 'meta.json');
    const m = JSON.parse(readFileSync(metaB, 'utf8'));
    delete m.settings.minP;
    writeFileSync(metaB, JSON.stringify(m));
    const r = await openStore(dir);
    expect(r.list().map((c) => c.id)).toEqual([b.id]);
    expect(r.get(b.id).settings.minP).toBe(settings.minP);
    expect(r.quarantined()[0]).toMatchObject({ id: a.id, reason: expect.stringMatching(/^meta\.json: /) });
    await r.close();
  });

  test('a record that passes its checksum but not its schema or the tree is corruption too', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const c = await s.create({ settings });
    await s.close();
    appendFileSync(join(dir, 'conversations', c.id, 'journal.log'), encodeRecord({ t: 'add', id: 'ghost', s: 'boo', at: 1 }));
    const r = await openStore(dir);
    expect(r.list()).toEqual([]);
    expect(r.quarantined()[0].reason).toMatch(/record at byte 0: record 'add' names unknown message ghost/);
    await r.close();
  });

  test('leftovers of a crash during create or delete are removed; temp files of the store and the snapshot writer too', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const c = await s.create({ settings });
    await s.close();
    mkdirSync(join(dir, 'conversations', '.new-abc'));
    mkdirSync(join(dir, 'conversations', '.del-def'));
    writeFileSync(join(dir, 'conversations', c.id, '.meta.json.tmp-123-0badc0de'), 'partial');
    // the engine host's snapshot writer names its temp the same way (a kill mid-save leaves one)
    writeFileSync(tempPathFor(join(dir, 'conversations', c.id, 'kv.cairn')), 'partial snapshot');
    const r = await openStore(dir);
    expect(readdirSync(join(dir, 'conversations'))).toEqual([c.id]);
    expect(readdirSync(join(dir, 'conversations', c.id)).sort()).toEqual(['journal.log', 'meta.json']);
    await r.delete(c.id);
    expect(readdirSync(join(dir, 'conversations'))).toEqual([]);
    expect(await r.delete(c.id)).toBe(false);
    await r.close();
  });

  test('check() reports a conversation changed on disk behind the store, and an unreadable one', async () => {
    const dir = tmp();
    const s = await openStore(dir);
    const c = await s.create({ settings });
    const u = await s.addMessage(c.id, { parentId: null, role: 'user', content: 'hello', status: 'done' });
    expect((await s.check()).ok).toBe(true);
    appendFileSync(join(dir, 'conversations', c.id, 'journal.log'), encodeRecord({ t: 'add', id: u.id, s: '!', at: 1 }));
    const r1 = await s.check();
    expect(r1.ok).toBe(false);
    expect(r1.problems).toEqual([`${c.id}: disk and memory differ`]);
    appendFileSync(join(dir, 'conversations', c.id, 'journal.log'), Buffer.from([9, 0, 0]));
    const r2 = await s.check();
    expect(r2.tornTails).toBe(1);
    writeFileSync(join(dir, 'conversations', c.id, 'meta.json'), 'not json');
    expect((await s.check()).problems[0]).toMatch(/meta\.json: /);
    await s.close();
  });

  test('search finds titles and message text case-insensitively, with a snippet around the hit', async () => {
    const s = await openStore(tmp());
    const c = await s.create({ title: 'Cooking Rice', settings });
    const long = 'word '.repeat(40) + 'the Basmati rice needs rinsing' + ' more'.repeat(40);
    const m = await s.addMessage(c.id, { parentId: null, role: 'user', content: long, status: 'done' });
    const hits = s.search('RICE');
    expect(hits[0]).toEqual({ conversationId: c.id, title: 'Cooking Rice', messageId: null, snippet: 'Cooking Rice' });
    expect(hits[1]).toMatchObject({ conversationId: c.id, messageId: m.id });
    expect(hits[1].snippet).toMatch(/^….*the Basmati rice needs rinsing.*…$/);
    expect(hits[1].snippet.length).toBeLessThan(200);
    expect(s.search('basmati (')).toEqual([]); // regex characters are literal
    expect(s.search('rice', 1)).toHaveLength(1);
    await s.close();
  });
});
