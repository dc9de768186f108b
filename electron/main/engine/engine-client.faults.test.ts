// EngineClient supervision against the real engine host process: SIGKILL at random points while
// answers stream (every request in flight fails with E_ENGINE, the host restarts with the model
// reloaded, the next answer works), a frozen host (SIGSTOP) found by the heartbeat, a host that
// answers pings but produces no token found by the per-token deadline, and quarantine of a model
// during whose load the host died twice (the host's test hooks make both deterministic).
// The soak variant with hundreds of kills: scripts/soak-host.mjs.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { HostMessage } from '../../common/host-protocol.js';
import type { ConversationSettings } from '../../common/schemas.js';
 
import { cachedLlamaModel, tinyConfig } from '../../../test-support/llama-builder.js';
import { EngineClient, type EngineEvent } from './engine-client.js';

const root = join(import.meta.dirname, '..', '..', '..');
const BUILTIN = join(root, 'assets', 'models', 'cairn-demo-28m-q8_0.gguf');
/** Kills while answers stream in this suite (the soak script runs hundreds). */
const KILLS = 30;
const S: ConversationSettings = {
  temperature: 0, topK: 0, topP: 1, minP: 0, repeatPenalty: 1, seed: 1, maxTokens: 3000, systemPrompt: '', contextOverflow: 'shift', nCtx: 4096,
};
const dir = mkdtempSync(join(tmpdir(), 'cairn-engine-faults-'));
let client: EngineClient, tiny: string;
const events: EngineEvent[] = [];

const user = (content: string): HostMessage[] => [{ role: 'user', content }];
const generate = (requestId: string, conversationId: string, content: string, settings: Partial<ConversationSettings> = {}) =>
  client.request('generate', { requestId, conversationId, messages: user(content), settings: { ...S, ...settings } });
/** Resolves at the first event (from now on) that `pred` accepts. */
const next = (pred: (e: EngineEvent) => boolean) => new Promise<EngineEvent>((res) => {
  const off = client.subscribe((e) => { if (pred(e)) { off(); res(e); } });
});
const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const errorCode = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);

beforeAll(async () => {
  tiny = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0'));
  client = new EngineClient({
    dataDir: dir, heartbeatMs: 100, deadMs: 1500, tokenDeadlineMs: 2000, restartMinMs: 50,
    env: { CAIRN_HOST_TEST_CRASH_ON_LOAD: 'crash-on-load', CAIRN_HOST_TEST_STALL_ON_PROMPT: '[stall]' },
  });
  client.subscribe((e) => events.push(e));
  await client.start();
  const r = await client.request('model.load', { path: tiny, builtin: false, threads: 1 });
  expect(r.ok).toBe(true);
});
afterAll(() => client.stop());

describe('SIGKILL while an answer streams', () => {
  test(`${KILLS} kills at random points: E_ENGINE for the answer in flight, a restart, the model reloaded, the next answer works`, async () => {
    const restarts0 = client.status().restarts;
    for (let i = 0; i < KILLS; i++) {
      const pid = client.status().pid as number, modelId = client.currentModel()?.id;
      // kill after 0 (at once, maybe before the host reads the request) to 3 token batches
      const after = Math.floor(Math.random() * 4);
      let batches = 0;
      const off = client.subscribe((e) => { if (e.type === 'tokens' && e.requestId === `k${i}` && ++batches === after) process.kill(pid, 'SIGKILL'); });
      const answer = generate(`k${i}`, `kill${i}`, 'Tell me a long story');
      if (after === 0) process.kill(pid, 'SIGKILL');
      const r = await answer;
      off();
      expect(errorCode(r)).toBe('E_ENGINE');
      const after1 = await generate(`n${i}`, `kill${i}`, 'Once more', { maxTokens: 8 });
      expect(errorCode(after1)).toBe('ok');
      expect(client.status().pid).not.toBe(pid);
      expect(client.currentModel()?.path).toBe(tiny);
      expect(client.currentModel()?.id).not.toBe(modelId); // loaded again in the new host
    }
    expect(client.status().restarts - restarts0).toBe(KILLS);
  }, 900_000); // (each kill costs a host start: seconds on a loaded machine)

  test('every request in flight fails at once; requests made while it restarts wait for it', async () => {
    const pid = client.status().pid as number;
    const a = generate('a', 'ca', 'First story'), b = generate('b', 'cb', 'Second story');
    await next((e) => e.type === 'tokens');
    process.kill(pid, 'SIGKILL');
    const restarting = await next((e) => e.kind === 'engine' && e.type === 'state' && e.status.state === 'restarting');
    expect(restarting).toMatchObject({ reason: expect.stringMatching(/SIGKILL/) });
    const c = generate('c', 'cc', 'Made while restarting', { maxTokens: 8 });
    expect([errorCode(await a), errorCode(await b)]).toEqual(['E_ENGINE', 'E_ENGINE']);
    expect(errorCode(await c)).toBe('ok');
  });
});

describe('hung hosts', () => {
  test('a frozen host (SIGSTOP) misses its heartbeat: killed and replaced; the answer in flight fails with E_ENGINE', async () => {
    const pid = client.status().pid as number;
    const answer = generate('h1', 'hung', 'Tell me a long story');
    await next((e) => e.type === 'tokens' && e.requestId === 'h1');
    process.kill(pid, 'SIGSTOP');
    const r = await answer;
    expect(errorCode(r)).toBe('E_ENGINE');
    if (!r.ok) expect(r.error.message).toMatch(/did not answer .* killed as hung/);
    expect(errorCode(await generate('h2', 'hung', 'Again', { maxTokens: 8 }))).toBe('ok');
    expect(client.status().pid).not.toBe(pid);
  });

  test('a host that answers pings but produces no token is killed at the per-token deadline', async () => {
    const pid = client.status().pid as number;
    const r = await generate('t1', 'stall', 'please [stall] here');
    expect(errorCode(r)).toBe('E_ENGINE');
    if (!r.ok) expect(r.error.message).toMatch(/produced no token .* killed as hung/);
    expect(client.status().pid).not.toBe(pid);
    expect(errorCode(await generate('t2', 'stall', 'Fine now', { maxTokens: 8 }))).toBe('ok');
  });
});

describe('stop', () => {
  test('stop while the host starts: start() resolves, requests fail with E_ENGINE, the host is gone', async () => {
    const c = new EngineClient({ dataDir: mkdtempSync(join(tmpdir(), 'cairn-engine-stop-')) });
    const started = c.start();
    const pid = c.status().pid as number;
    const r = c.request('ping', {});
    await c.stop();
    await started;
    expect(errorCode(await r)).toBe('E_ENGINE');
    expect(errorCode(await c.request('ping', {}))).toBe('E_ENGINE');
    expect(c.status()).toEqual({ state: 'stopped', restarts: 0, pid: null });
    expect(alive(pid)).toBe(false);
  });
});

describe('orphans', () => {
  test('a host whose supervisor dies (SIGKILL) ends itself', async () => {
    const entry = join(root, 'dist', 'electron', 'main', 'engine', 'engine-client.js');
    const script = `const { EngineClient } = await import(${JSON.stringify(pathToFileURL(entry).href)});
      const c = new EngineClient({ dataDir: ${JSON.stringify(dir)} }); await c.start(); console.log(c.status().pid);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const hostPid = Number(await new Promise<string>((res) => parent.stdout.once('data', (d: Buffer) => res(d.toString()))));
    expect(alive(hostPid)).toBe(true);
    parent.kill('SIGKILL');
    while (alive(hostPid)) await new Promise((r) => setTimeout(r, 50)); // (the test's timeout is the failure)
    expect(alive(hostPid)).toBe(false);
  });
});

describe('quarantine', () => {
  test('a model during whose load (or inspection) the host died twice is quarantined: persisted, announced, refused without a try', async () => {
    const bad = join(dir, 'crash-on-load.gguf');
    copyFileSync(BUILTIN, bad);
    const restarts0 = client.status().restarts;
    // (inspect maps and validates the model as load does: a death during either counts)
    const first = await client.request('model.inspect', { path: bad, nCtx: 512 });
    expect(errorCode(first)).toBe('E_ENGINE');
    const announced = next((e) => e.kind === 'engine' && e.type === 'quarantined');
    const second = await client.request('model.load', { path: bad, builtin: false, threads: 1 });
    expect(errorCode(second)).toBe('E_QUARANTINED');
    expect(await announced).toMatchObject({ quarantine: { id: bad } });
    expect(client.status().restarts - restarts0).toBe(2);
    // the model that was current before is loaded again in the new host
    expect(errorCode(await generate('q1', 'q', 'Still here?', { maxTokens: 8 }))).toBe('ok');
    expect(client.currentModel()?.path).toBe(tiny);
    // refused at once from now on, also by a new client over the same data folder (the app's next start)
    const third = await client.request('model.load', { path: bad, builtin: false, threads: 1 });
    expect(errorCode(third)).toBe('E_QUARANTINED');
    expect(errorCode(await client.request('model.inspect', { path: bad, nCtx: 512 }))).toBe('E_QUARANTINED');
    expect(client.status().restarts - restarts0).toBe(2);
    const saved = JSON.parse(readFileSync(join(dir, 'quarantine.json'), 'utf8'));
    expect(saved.models.map((m: { id: string }) => m.id)).toEqual([bad]);
    const later = new EngineClient({ dataDir: dir });
    expect(later.quarantined()).toEqual([{ id: bad, reason: expect.stringMatching(/died twice while loading/) }]);
    await later.start();
    try {
      expect(errorCode(await later.request('model.load', { path: bad, builtin: false, threads: 1 }))).toBe('E_QUARANTINED');
    } finally { await later.stop(); }
    expect(client.quarantineOf(bad)?.id).toBe(bad);
    expect(client.unquarantine(bad)).toBe(true);
    expect(client.quarantined()).toEqual([]);
  });
});
