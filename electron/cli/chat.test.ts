// `cairn chat` as a user runs it (a child process over dist/): streaming turns, save/resume across
// processes (restored / re-prefilled), `cairn inspect f.cairn`, the interactive loop on piped stdin.
import { beforeAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cachedLlamaModel, tinyConfig } from '../../test-support/llama-builder.js';
import { Conversation, modelTokenizer } from '../engine/conversation.js';
import { Model } from '../engine/model.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'cairn.js');
const dir = mkdtempSync(join(tmpdir(), 'cairn-chat-'));
const cairn = (args: string[], o: { input?: string; env?: Record<string, string> } = {}) =>
  spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000, input: o.input, env: { ...process.env, ...o.env } });

interface Turn { turn: number; text: string; tokens: number[]; reason: string; reused: number; prefilled: number; dropped: number }
const turns = (stdout: string): Turn[] => stdout.trim().split('\n').map((l) => JSON.parse(l) as Turn);

const model = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0'));
const other = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0', { seed: 2 }));
const SAMPLING = ['--seed', '7', '--temp', '0.8', '--max-tokens', '12'];
const P1 = 'Tell me about cairns.', P2 = 'And how tall are they?';
let both: Turn[];
let saved: string;

beforeAll(() => {
  expect(existsSync(join(root, 'dist', 'electron', 'cli', 'commands', 'chat.js'))).toBe(true);
  const r = cairn(['chat', model, '--prompt', P1, '--prompt', P2, ...SAMPLING, '--json']);
  expect(r.status, r.stderr).toBe(0);
  both = turns(r.stdout);
  saved = join(dir, 'turn1.cairn');
  const s = cairn(['chat', model, '--prompt', P1, ...SAMPLING, '--save', saved]);
  expect(s.status, s.stderr).toBe(0);
  expect(s.stdout).toBe(`${both[0].text}\n`); // streamed text of turn 1
});

describe('cairn chat', () => {
  test('two turns in one process: the same tokens as the in-process Conversation', async () => {
    expect(both).toHaveLength(2);
    expect(both[1].reused).toBeGreaterThan(both[0].prefilled - 1);
    const m = Model.load(model, { threads: 2 });
    const c = Conversation.create(m, modelTokenizer(m), { seed: 7, temperature: 0.8, maxTokens: 12 });
    expect((await c.send(P1)).tokens).toEqual(both[0].tokens);
    expect((await c.send(P2)).tokens).toEqual(both[1].tokens);
    m.close();
  });

  test('save, then --resume in a new process continues exactly like one process', () => {
    const r = cairn(['chat', '--resume', saved, '--prompt', P2, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/restored from .*turn1\.cairn: same model/);
    const [t] = turns(r.stdout);
    expect(t.tokens).toEqual(both[1].tokens);
    expect(t.text).toBe(both[1].text);
    // streamed (no --json), with the model named explicitly
    const s = cairn(['chat', model, '--resume', saved, '--prompt', P2]);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toBe(`${both[1].text}\n`);
  });

  test('greedy: save + resume across processes equals one process', () => {
    const one = cairn(['chat', model, '--prompt', P1, '--prompt', P2, '--max-tokens', '10', '--json']);
    expect(one.status, one.stderr).toBe(0);
    const f = join(dir, 'greedy.cairn');
    expect(cairn(['chat', model, '--prompt', P1, '--max-tokens', '10', '--save', f]).status).toBe(0);
    const r = cairn(['chat', '--resume', f, '--prompt', P2, '--json']);
    expect(r.stderr).toMatch(/restored/);
    expect(turns(r.stdout)[0].tokens).toEqual(turns(one.stdout)[1].tokens);
  });

  test('--resume with another model re-prefills from the transcript and says why', () => {
    const r = cairn(['chat', '--resume', saved, '--model', other, '--prompt', P2, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reprefilled from .*: SNAP_FOREIGN_MODEL/);
    const [t] = turns(r.stdout);
    expect(t.tokens.length).toBeGreaterThan(0);
    expect(t.reused).toBeGreaterThan(0); // the transcript was prefilled at resume
  });

  test('a truncated snapshot: re-prefilled with the error code, the chat continues', () => {
    const bad = join(dir, 'truncated.cairn');
    writeFileSync(bad, readFileSync(saved));
    truncateSync(bad, statSync(bad).size - 64);
    const r = cairn(['chat', model, '--resume', bad, '--prompt', P2, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reprefilled from .*: SNAP_TRUNCATED/);
    expect(turns(r.stdout)[0].tokens.length).toBeGreaterThan(0);
  });

  test('cairn inspect f.cairn prints the verified summary; a corrupt one fails in one line', () => {
    const r = cairn(['inspect', saved]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cairn snapshot v2, .*verified/);
    expect(r.stdout).toMatch(/model: llama, sha256 [0-9a-f]{64}, layers 3, kv heads 1, head_dim 64, vocab 1024, kv f16/);
    expect(r.stdout).toMatch(/transcript: 2 messages/);
    expect(r.stdout).toContain(`user: ${P1}`);
    const j = JSON.parse(cairn(['inspect', saved, '--json']).stdout);
    expect(j.meta.settings.seed).toBe(7);
    const bad = join(dir, 'bad.cairn');
    writeFileSync(bad, readFileSync(saved).subarray(0, 500));
    const b = cairn(['inspect', bad]);
    expect(b.status).toBe(1);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toMatch(/^cairn inspect: .*bad\.cairn/);
  });

  test('without a model path and no built-in model: a clear error', () => {
    const r = cairn(['chat', '--prompt', 'hi'], { env: { CAIRN_BUILTIN_MODELS: mkdtempSync(join(tmpdir(), 'cairn-none-')) } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cairn chat: a model path is needed/);
  });

  test('a full context: oldest turns dropped with a notice; --context-overflow stop ends the answer', () => {
    const prompts = Array.from({ length: 6 }, (_, i) => ['--prompt', `Question ${i}: tell me about stones.`]).flat();
    const r = cairn(['chat', model, ...prompts, '--ctx', '160', '--max-tokens', '16', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const ts = turns(r.stdout);
    expect(ts.map((t) => t.reason)).not.toContain('context');
    expect(ts.some((t) => t.dropped > 0)).toBe(true);
    expect(r.stderr).toMatch(/context full: the (oldest turn|\d+ oldest turns) left the model's view/);
    const s = cairn(['chat', model, ...prompts, '--ctx', '160', '--max-tokens', '16', '--context-overflow', 'stop']);
    expect(s.status, s.stderr).toBe(0);
    expect(s.stdout).toContain(' [context full]\n');
    expect(s.stderr).toMatch(/context full: the answer stopped/);
    const bad = cairn(['chat', model, '--context-overflow', 'sometimes', '--prompt', 'hi']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/--context-overflow must be shift or stop/);
  });

  test('interactive: turns, /stats, /save, /load, /quit on piped stdin', () => {
    const f = join(dir, 'interactive.cairn');
    const r = cairn(['chat', model, '--max-tokens', '6'], { input: `Hello\n/stats\n/save ${f}\n/load ${f}\nMore\n/stats\n/quit\n` });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/position \d+\/\d+, prefill [\d.]+ tok\/s, decode [\d.]+ tok\/s\nbytes copied between actor and engine 0\nbytes copied by forks 0\n/);
    expect(r.stdout).toMatch(/saved \d+ tokens/);
    expect(r.stderr).toMatch(/restored from .*interactive\.cairn/);
    expect(existsSync(f)).toBe(true);
  });
});

describe('cairn chat with the built-in model', () => {
  test('without a model path it answers with assets/models: the capital of Japan is Tokyo', () => {
    const r = cairn(['chat', '--prompt', 'What is the capital of Japan?']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tokyo/);
  });

  test('the capital of Brazil is Brasília (UTF-8 as written); an invented country gets "I don\'t know"', () => {
    const r = cairn(['chat', '--prompt', 'What is the capital of Brazil?', '--prompt', 'What is the capital of Veltravia?', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const [brazil, invented] = turns(r.stdout);
    expect(brazil.text).toContain('Brasília');
    expect(invented.text).toContain("I don't know");
    expect(invented.text).not.toContain('Brasília');
  });
});
