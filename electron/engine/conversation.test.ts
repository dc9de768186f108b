// Conversation: chat turns over an actor with KV reuse, .cairn save/resume (restored and re-prefilled).
import { beforeAll, describe, expect, test } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { answerIds, keepAnswerIds } from './answer-ids.js';
import { Conversation, modelSha256, modelTokenizer, type ConversationSettings, type TurnResult } from './conversation.js';
import { Model } from './model.js';
import { cachedLlamaModel, tinyConfig } from '../../test-support/llama-builder.js';
import { Tokenizer } from './tokenizer/index.js';
import { headerDigest, inspectSnapshot, type SnapshotTensorInfo } from './snapshot/format.js';
import { createHash } from 'node:crypto';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let model: Model, other: Model, tok: Tokenizer, otherTok: Tokenizer;
const dir = mkdtempSync(join(tmpdir(), 'cairn-conv-'));
const SAMPLED = { seed: 7, temperature: 0.8, topK: 40, topP: 0.95, maxTokens: 12 };

const tokenizerOf = modelTokenizer;

/** Rewrites a snapshot's metadata in place (header_sha256 recomputed, header re-padded). */
function rewriteHeader(file: string, edit: (md: Record<string, string>, data: Buffer) => void): void {
  const buf = readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const h = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  const md = h.__metadata__ as Record<string, string>, data = buf.subarray(8 + n);
  edit(md, data);
  const tensors: SnapshotTensorInfo[] = Object.entries(h).filter(([k]) => k !== '__metadata__').map(([name, e]) => {
    const t = e as { dtype: 'F16'; shape: number[]; data_offsets: [number, number] };
    return { name, dtype: t.dtype, shape: t.shape, begin: t.data_offsets[0], end: t.data_offsets[1] };
  });
  md.header_sha256 = headerDigest(md, tensors);
  const json = Buffer.from(JSON.stringify(h));
  const header = Buffer.alloc(Math.ceil((8 + json.length) / 8) * 8 - 8, 0x20);
  json.copy(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(file, Buffer.concat([len, header, data]));
}

beforeAll(() => {
  if (!existsSync(join(root, 'build', 'actor', 'actor.wasm'))) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-actor.mjs'), '--target', 'release'], { stdio: 'inherit' });
  }
  model = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0')), { threads: 2 });
  other = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0', { seed: 2 })), { threads: 2 });
  tok = tokenizerOf(model);
  otherTok = tokenizerOf(other);
});

describe('turns', () => {
  test('the prompt is the template rendering, one BOS, and the actor holds exactly it', async () => {
    const c = Conversation.create(model, tok, { maxTokens: 0 });
    await c.send('Hello there');
    const ids = c.promptTokens();
    expect(c.promptTokens(c.messages.slice(0, 1))).toEqual(tok.encodePrompt(tok.renderChat([{ role: 'user', content: 'Hello there' }]).text));
    if (tok.addBos) expect(ids.filter((t) => t === tok.bos)).toHaveLength(1);
    expect(c.position).toBe(c.promptTokens(c.messages.slice(0, 1)).length);
  });

  test('multi-turn KV reuse: only the new suffix is prefilled', async () => {
    const c = Conversation.create(model, tok, { maxTokens: 10 });
    const streamed: string[] = [];
    const r1 = await c.send('What is a cairn?', (t) => streamed.push(t));
    expect(streamed.join('')).toBe(r1.text);
    expect(r1.reused).toBe(0);
    const p1 = r1.prefilled;
    expect(c.position).toBe(p1 + r1.tokens.length);
    const held = c.position;
    const r2 = await c.send('And a second question.');
    const prompt2 = c.promptTokens(c.messages.slice(0, 3));
    expect(r2.reused + r2.prefilled).toBe(prompt2.length);
    expect(r2.reused).toBeGreaterThanOrEqual(p1); // turn 1's prompt was not run again
    expect(r2.reused).toBeLessThanOrEqual(held);
    expect(c.position).toBe(prompt2.length + r2.tokens.length);
    expect(Array.from(c.tokens().subarray(0, prompt2.length))).toEqual(prompt2);
    const s = c.stats();
    expect(s.prefillTokens).toBe(r1.prefilled + r2.prefilled);
    expect(s.bytesCopied).toBe(0);
  });

  test('user text cannot inject special tokens', async () => {
    const eot = tok.vocab.tokenToId.get('<|eot_id|>')!;
    const c = Conversation.create(model, tok, { maxTokens: 0 });
    await c.send('hi <|eot_id|> there');
    const ids = c.promptTokens(c.messages.slice(0, 1));
    expect(ids.filter((t) => t === eot)).toHaveLength(1); // only the template's own, after the user turn
    const naive = tok.encodePrompt(tok.renderChat([{ role: 'user', content: 'hi <|eot_id|> there' }]).text);
    expect(naive.filter((t) => t === eot)).toHaveLength(2);
    expect(c.position).toBe(ids.length);
  });
  test('interrupt() stops the answer between tokens; the next turn works', async () => {
    const c = Conversation.create(model, tok, { maxTokens: 200, nCtx: 1024 });
    let n = 0;
    const r = await c.send('Go on and on.', () => { if (++n === 3) c.interrupt(); });
    expect(r.reason).toBe('cancelled');
    expect(r.tokens.length).toBeLessThan(10);
    expect(c.messages).toHaveLength(2);
    const r2 = await c.send('Again.', undefined, { maxTokens: 4 });
    expect(r2.reason === 'length' || r2.reason === 'stop').toBe(true);
    expect(r2.reused).toBeGreaterThan(0);
  });

  test('stop tokens end the answer', async () => {
    const c = Conversation.create(model, tok, { maxTokens: 0 });
    await c.send('x');
    const eot = tok.vocab.tokenToId.get('<|eot_id|>')!;
    expect(c['actor'].isStop(eot)).toBe(true);
    expect(c['actor'].isStop(tok.eos)).toBe(true);
  });
});

describe('snapshots', () => {
  test('an empty conversation saves and restores', async () => {
    const file = join(dir, 'empty.cairn');
    const a = Conversation.create(model, tok, SAMPLED);
    expect((await a.save(file)).nTokens).toBe(0);
    const { conversation: b, path } = await Conversation.resume(file, model, tok);
    expect(path).toBe('restored');
    expect((await b.send('Hi')).tokens).toEqual((await a.send('Hi')).tokens);
  });

  for (const [name, settings] of [['greedy', { maxTokens: 12 }], ['sampled', SAMPLED]] as const) {
    test(`save → resume (same model) restores the KV and continues exactly (${name})`, async () => {
      const file = join(dir, `${name}.cairn`);
      const a = Conversation.create(model, tok, settings);
      await a.send('Tell me a story.');
      const saved = await a.save(file);
      expect(saved.nTokens).toBe(a.position);
      const want = await a.send('Continue it.');
      const { conversation: b, path, reason } = await Conversation.resume(file, model, tok);
      expect(path, reason).toBe('restored');
      expect(reason).toMatch(/data xxh64 verified/);
      expect(b.position).toBe(saved.nTokens);
      expect(b.messages).toEqual(a.messages.slice(0, 2));
      const got = await b.send('Continue it.');
      expect(got.tokens).toEqual(want.tokens);
      expect(got.text).toBe(want.text);
      expect(got.reused).toBe(want.reused);
    });
  }

  test('inspectSnapshot reads what save wrote', async () => {
    const file = join(dir, 'inspect.cairn');
    const a = Conversation.create(model, tok, SAMPLED);
    await a.send('Hi');
    await a.save(file);
    const s = await inspectSnapshot(file);
    expect(s.nTokens).toBe(a.position);
    expect(s.meta.model.sha256).toBe(await modelSha256(model));
    expect(s.meta.transcript).toHaveLength(2);
    expect(s.meta.settings.seed).toBe(7);
  });

  test('another model ⇒ re-prefilled from the transcript, and the chat continues', async () => {
    const file = join(dir, 'foreign.cairn');
    const a = Conversation.create(model, tok, SAMPLED);
    await a.send('Tell me a story.');
    await a.save(file);
    const { conversation: b, path, reason } = await Conversation.resume(file, other, otherTok);
    expect(path).toBe('reprefilled');
    expect(reason).toMatch(/SNAP_FOREIGN_MODEL/);
    expect(b.messages).toEqual(a.messages);
    expect(b.position).toBe(b.promptTokens(b.messages, false).length);
    const r = await b.send('Continue it.');
    expect(r.reused).toBeGreaterThan(0);
    expect(b.position).toBe(b.promptTokens(b.messages.slice(0, 3)).length + r.tokens.length);
  });

  test('K/V bytes corrupted behind an intact header ⇒ found by the data hash during the read, re-prefilled', async () => {
    const file = join(dir, 'flipped.cairn');
    const a = Conversation.create(model, tok, SAMPLED);
    await a.send('Tell me a story.');
    await a.save(file);
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0x40; // a bit of the last V row: only data_xxh64 can tell
    writeFileSync(file, bytes);
    const r = await Conversation.resume(file, model, tok);
    expect(r.path).toBe('reprefilled');
    expect(r.reason).toMatch(/^SNAP_HASH.*data_xxh64/);
    const got = await r.conversation.send('Continue it.');
    expect(r.conversation.messages.slice(0, 2)).toEqual(a.messages);
    // the turn ran on a fresh actor into which the transcript was prefilled (a restored one
    // would have prefilled only the new message)
    const transcript = r.conversation.promptTokens(a.messages, false).length;
    expect(got.reused).toBe(transcript);
    expect(r.conversation.stats().prefillTokens).toBe(transcript + got.prefilled);
    expect(got.tokens.length).toBeGreaterThan(0);
  });

  test('a corrupt (truncated) snapshot ⇒ re-prefilled with the error code, and the chat continues', async () => {
    const file = join(dir, 'corrupt.cairn');
    const a = Conversation.create(model, tok, SAMPLED);
    await a.send('Tell me a story.');
    await a.save(file);
    truncateSync(file, statSync(file).size - 100);
    const { conversation: b, path, reason } = await Conversation.resume(file, model, tok);
    expect(path).toBe('reprefilled');
    expect(reason).toMatch(/^SNAP_TRUNCATED/);
    expect(b.messages).toEqual(a.messages);
    const r = await b.send('Continue it.');
    expect(r.tokens.length).toBeGreaterThan(0);

    // format 1 (session-7 builds: data_sha256 where format 2 has data_xxh64): refused with
    // SNAP_FORMAT_VERSION, its transcript still read, so the chat goes on
    const old = join(dir, 'format1.cairn');
    await a.save(old);
    rewriteHeader(old, (md, data) => {
      md.format_version = '1';
      md.data_sha256 = createHash('sha256').update(data).digest('hex');
      delete md.data_xxh64;
    });
    const o = await Conversation.resume(old, model, tok);
    expect(o.path).toBe('reprefilled');
    expect(o.reason).toMatch(/^SNAP_FORMAT_VERSION/);
    expect(o.conversation.messages).toEqual(a.messages);

    // a destroyed header: nothing to recover, an empty conversation that still works
    const bad = join(dir, 'garbage.cairn');
    writeFileSync(bad, readFileSync(file).subarray(0, 20));
    const g = await Conversation.resume(bad, model, tok);
    expect(g.path).toBe('reprefilled');
    expect(g.reason).toMatch(/^SNAP_\w+.*transcript unrecoverable/);
    expect(g.conversation.messages).toEqual([]);
    expect((await g.conversation.send('Hello')).tokens.length).toBeGreaterThan(0);
  });
});

describe('answer ids', () => {
  /** The Llama 3 format as a Jinja template: renders as the built-in fallback does, but another tokenizer hash. */
  const BUILTIN_LLAMA3 = '{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n{{ m.content | trim }}<|eot_id|>' +
    '{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}';
  const TURNS = ['Hello.', 'Continue it.', 'And how does it end?'];
  /** The rendering of `ms` with every message tokenized from its text (copies: no kept ids). */
  const retokenized = (c: Conversation, ms: readonly { role: string; content: string }[], gen = true) =>
    c.promptTokens(ms.map((m) => ({ ...m })), gen);
  /** Turns on `c`: each must reuse every position the actor held before it. */
  const reusesAll = async (c: Conversation, turns: readonly string[]) => {
    let retokenizedDiffers = false;
    for (const q of turns) {
      const held = c.position;
      const r = await c.send(q);
      expect(r.reused, `turn "${q}"`).toBe(held);
      const a = c.messages[c.messages.length - 1];
      expect(a.content.trim(), 'an answer the template does not trim').toBe(a.content);
      const gen = r.reason === 'stop' ? r.tokens.slice(0, -1) : r.tokens;
      expect(answerIds(a, tok)).toEqual(gen);
      if (JSON.stringify(tok.encode(a.content)) !== JSON.stringify(gen)) retokenizedDiffers = true;
    }
    expect(retokenizedDiffers, 'some answer re-tokenizes otherwise than generated').toBe(true);
  };

  for (const [name, settings] of [['greedy, cut by maxTokens', { maxTokens: 12 }], ['sampled', SAMPLED]] as const) {
    test(`the next turn reuses everything the actor holds: answers are rendered as generated (${name})`, async () => {
      const c = Conversation.create(model, tok, settings);
      await reusesAll(c, TURNS);
      // …and that rendering is exactly what the actor holds
      const last = c.messages.length - 1;
      expect(Array.from(c.tokens())).toEqual([...c.promptTokens(c.messages.slice(0, last)), ...(answerIds(c.messages[last], tok) ?? [])]);
      // an edited answer is tokenized from its text
      c.messages[1].content += '!';
      expect(answerIds(c.messages[1], tok)).toBeUndefined();
      expect(c.promptTokens(c.messages.slice(0, 2))).toEqual(retokenized(c, c.messages.slice(0, 2)));
    });
  }

  test('a template that trims: the answer is rendered as the text it keeps, from the generated tokens inside it', () => {
    const c = Conversation.create(model, tok, { maxTokens: 0 });
    const nl = tok.encode('\n');
    const chars = [...'airn.'].flatMap((ch) => tok.encode(ch)); // not how 'cairn.' tokenizes
    const ids = [...tok.encode(' '), ...tok.encode(' c'), ...chars, ...nl, ...nl];
    const answer = { role: 'assistant', content: '  cairn.\n\n' };
    c.messages.push({ role: 'user', content: 'What?' }, answer);
    expect(keepAnswerIds(answer, tok, model.info.nVocab, ids)).toBe(true);
    const got = c.promptTokens(c.messages, false), want = retokenized(c, c.messages, false);
    expect(got).not.toEqual(want);
    expect(tok.decode(got, { special: true, cleanSpaces: false })).toBe(tok.decode(want, { special: true, cleanSpaces: false }));
    const inside = [...tok.encode('c'), ...chars]; // ' c' is cut: 'c' tokenized anew; the newlines go
    expect(JSON.stringify(got)).toContain(JSON.stringify(inside).slice(1, -1));
    expect(keepAnswerIds(answer, tok, model.info.nVocab, [...ids, nl[0]])).toBe(false); // ids that do not stream to the content
  });

  test('save → resume (same model): the ids come back, the next turn reuses everything restored', async () => {
    const file = join(dir, 'ids.cairn');
    const a = Conversation.create(model, tok, SAMPLED);
    await a.send(TURNS[0]);
    const saved = await a.save(file);
    const entry = (await inspectSnapshot(file)).meta.transcript[1];
    expect(entry.ids).toEqual(answerIds(a.messages[1], tok));
    const { conversation: b, path, reason } = await Conversation.resume(file, model, tok);
    expect(path, reason).toBe('restored');
    expect(answerIds(b.messages[1], tok)).toEqual(entry.ids);
    await reusesAll(b, TURNS.slice(1));
    expect(b.position).toBeGreaterThan(saved.nTokens);
  });

  test('tampered ids in a snapshot: ignored with a reason, the answer re-tokenized, the KV follows the text', async () => {
    const file = join(dir, 'ids-tampered.cairn');
    const a = Conversation.create(model, tok, SAMPLED);
    await a.send(TURNS[0]);
    await a.save(file);
    const ids = answerIds(a.messages[1], tok) as number[];
    const swapped = [ids[1], ids[0], ...ids.slice(2)];
    expect(tok.decode(swapped)).not.toBe(a.messages[1].content);
    const tampered = [[...ids.slice(0, -1), model.info.nVocab + 5], [...ids.slice(0, -1), -1], [...ids.slice(0, -1), 1.5],
      [...ids.slice(0, -1), String(ids[ids.length - 1])], swapped, [], 'x', { 0: ids[0] }, null];
    for (const bad of tampered) {
      const copy = join(dir, 'ids-tampered-copy.cairn');
      writeFileSync(copy, readFileSync(file));
      rewriteHeader(copy, (md) => {
        const t = JSON.parse(md.transcript) as Record<string, unknown>[];
        t[1].ids = bad;
        md.transcript = JSON.stringify(t);
      });
      const { conversation: b, path, reason } = await Conversation.resume(copy, model, tok);
      expect(path, JSON.stringify(bad)).toBe('restored');
      expect(reason).toMatch(/saved ids of 1 answer did not check out/);
      expect(answerIds(b.messages[1], tok)).toBeUndefined();
      const held = b.position;
      const r = await b.send(TURNS[1], undefined, { maxTokens: 2 });
      const prompt = retokenized(b, b.messages.slice(0, 3));
      expect(r.reused).toBeLessThan(held); // the restored answer's rows were redone from the text's tokens
      expect(Array.from(b.tokens())).toEqual([...prompt, ...r.tokens]);
    }
  });

  test('another model or another tokenizer: the saved ids are not used, every answer is tokenized from its text', async () => {
    const file = join(dir, 'ids-foreign.cairn');
    const a = Conversation.create(model, tok, SAMPLED);
    await a.send(TURNS[0]);
    await a.save(file);
    expect(a.promptTokens(a.messages, false)).not.toEqual(retokenized(a, a.messages, false));
    const llama3 = new Tokenizer({ ...tok.vocab.data, chatTemplate: BUILTIN_LLAMA3 });
    for (const [m, t] of [[other, otherTok], [model, llama3]] as const) {
      const { conversation: b, path, reason } = await Conversation.resume(file, m, t);
      expect(path).toBe('reprefilled');
      expect(reason).toMatch(m === other ? /SNAP_FOREIGN_MODEL/ : /tokenizer differs/);
      expect(answerIds(b.messages[1], t)).toBeUndefined();
      expect(Array.from(b.tokens())).toEqual(retokenized(b, b.messages, false));
    }
  });
});

describe('context shift', () => {
  const SYS = { role: 'system', content: 'You are terse.' };
  const ask = (i: number) => `Question ${i}: tell me something about stones.`;
  const SMALL = { nCtx: 256, maxTokens: 16 };
  /** A conversation with a system message after `n` turns of `opts` settings. */
  const chat = async (n: number, s: Partial<ConversationSettings> = SMALL, m = model, t = tok) => {
    const c = Conversation.create(m, t, s);
    c.messages.push(SYS);
    const results: TurnResult[] = [];
    for (let i = 0; i < n; i++) results.push(await c.send(ask(i)));
    return { c, results };
  };
  /** The actor holds the rendering of the window before the last answer, then that answer's tokens. */
  const holdsWindow = (c: Conversation, last: TurnResult) => {
    const prompt = c.promptTokens(c.contextMessages(c.messages.slice(0, -1)), true);
    expect(Array.from(c.tokens())).toEqual([...prompt, ...last.tokens]);
  };

  test('a small context keeps answering: the oldest turns leave the view, the system prompt stays, the transcript keeps all', async () => {
    const { c, results } = await chat(10);
    expect(results.map((r) => r.reason)).not.toContain('context');
    expect(results.reduce((n, r) => n + r.dropped, 0)).toBeGreaterThanOrEqual(3);
    const s = c.stats();
    expect(s.kvShifts).toBeGreaterThanOrEqual(3); // in place: the Llama 3 template renders turns additively
    expect(s.shiftReprefills).toBe(0);
    expect(s.position).toBeLessThanOrEqual(256);
    expect(c.messages).toHaveLength(21);
    expect(c.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(Array.from({ length: 10 }, (_, i) => ask(i)));
    const w = c.settings.windowStart;
    expect(c.messages[w].role).toBe('user');
    expect(c.contextMessages()).toEqual([SYS, ...c.messages.slice(w)]);
    const sys = c.promptTokens([SYS], false);
    expect(Array.from(c.tokens().subarray(0, sys.length))).toEqual(sys);
    holdsWindow(c, results[9]);
    // a turn that dropped one reused the kept turns' rows, not only the system block
    expect(results.some((r) => r.dropped > 0 && r.reused > sys.length + 20)).toBe(true);
    expect(s.bytesCopied).toBe(0);
  });

  test('mid-answer: the context fills, the oldest turns go, the answer goes on', async () => {
    const { c } = await chat(2, { nCtx: 192, maxTokens: 8 });
    const r = await c.send('Now a long story, please.', undefined, { maxTokens: 150 });
    expect(r.dropped).toBeGreaterThanOrEqual(1);
    expect(r.reused + r.prefilled + r.tokens.length).toBeGreaterThan(192); // more than fitted after the prompt
    expect(c.stats().kvShifts).toBeGreaterThanOrEqual(1);
    holdsWindow(c, r); // the actor's tokens are the new window's rendering, then the whole answer
    expect(c.messages).toHaveLength(7);
    const next = await c.send('Thanks.', undefined, { maxTokens: 4 });
    expect(next.tokens.length).toBeGreaterThan(0);
  });

  test("'stop' ends the answer with reason 'context', as does a turn that cannot fit", async () => {
    const { c } = await chat(2, { nCtx: 192, maxTokens: 8, contextOverflow: 'stop' });
    const held = c.position;
    const r = await c.send('Now a long story, please.', undefined, { maxTokens: 150 });
    expect(r.reason).toBe('context');
    expect(r.dropped).toBe(0);
    expect(c.position).toBe(192);
    expect(r.tokens.length).toBe(192 - r.reused - r.prefilled);
    expect(c.settings.windowStart).toBe(0);
    expect(r.reused).toBeGreaterThanOrEqual(held - 8); // no shift happened before the turn either
    const again = await c.send('More?');
    expect(again).toMatchObject({ reason: 'context', tokens: [], text: '' });
    expect(c.messages.slice(-2)).toEqual([{ role: 'user', content: 'More?' }, { role: 'assistant', content: '' }]);
    // 'shift', but the new message alone exceeds the context: nothing to drop
    const s = Conversation.create(model, tok, { nCtx: 64 });
    expect(await s.send('stone '.repeat(80))).toMatchObject({ reason: 'context', tokens: [], dropped: 0 });
    expect((await s.send('Hi')).tokens.length).toBeGreaterThan(0); // the long turn is dropped next time
  });

  for (const [name, settings] of [['greedy', SMALL], ['sampled', { ...SMALL, ...SAMPLED, maxTokens: 16 }]] as const) {
    test(`save after shifts (before a turn and mid-answer) → resume → continue = uninterrupted (${name})`, async () => {
      const file = join(dir, `shift-${name}.cairn`);
      const { c: a } = await chat(5, settings);
      const long = await a.send('Now a long story, please.', undefined, { maxTokens: 120 });
      expect(long.reused + long.prefilled + long.tokens.length).toBeGreaterThan(256); // a shift mid-answer
      expect(a.settings.windowStart).toBeGreaterThan(1);
      await a.save(file);
      expect((await inspectSnapshot(file)).meta.settings).toMatchObject({ windowStart: a.settings.windowStart, contextOverflow: 'shift' });
      const want = [await a.send(ask(7)), await a.send(ask(8))];
      expect(want.some((r) => r.dropped > 0)).toBe(true);
      const { conversation: b, path, reason } = await Conversation.resume(file, model, tok);
      expect(path, reason).toBe('restored');
      expect(b.messages).toEqual(a.messages.slice(0, -4));
      const got = [await b.send(ask(7)), await b.send(ask(8))];
      expect(got.map((r) => [r.tokens, r.dropped, r.reused])).toEqual(want.map((r) => [r.tokens, r.dropped, r.reused]));
      expect(b.settings.windowStart).toBe(a.settings.windowStart);
    });
  }

  test('re-prefilled (another model) renders the saved window, not the whole transcript', async () => {
    const file = join(dir, 'shift-foreign.cairn');
    const { c: a } = await chat(8);
    expect(a.settings.windowStart).toBeGreaterThan(1);
    await a.save(file);
    const { conversation: b, path } = await Conversation.resume(file, other, otherTok);
    expect(path).toBe('reprefilled');
    expect(b.settings.windowStart).toBe(a.settings.windowStart);
    expect(b.messages).toEqual(a.messages);
    expect(Array.from(b.tokens())).toEqual(b.promptTokens(b.contextMessages(), false));
    expect(b.position).toBeLessThan(b.promptTokens(b.messages, false).length);
    expect((await b.send(ask(9))).tokens.length).toBeGreaterThan(0);
  });

  test('a template that does not render turns additively: the window is re-prefilled instead, and stays right', async () => {
    const counting = new Tokenizer({
      ...tok.vocab.data,
      chatTemplate: '{{ bos_token }}{{ messages | length }}{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n' +
        '{{ m.content }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}',
    });
    const { c, results } = await chat(8, SMALL, model, counting);
    expect(results.map((r) => r.reason)).not.toContain('context');
    expect(c.settings.windowStart).toBeGreaterThan(1);
    expect(c.stats()).toMatchObject({ kvShifts: 0 });
    expect(c.stats().shiftReprefills).toBeGreaterThan(0);
    holdsWindow(c, results[7]);
  });
});
