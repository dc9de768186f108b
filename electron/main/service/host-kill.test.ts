// Fault injection: the engine host SIGKILLed at random points while answers stream, many times.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinModel } from '../../cli/commands/chat.js';
import { killWhileStreaming } from './kill-chaos.js';
import { openTestApp, type TestApp } from './testing.js';

let app: TestApp;
beforeAll(async () => { app = await openTestApp(builtinModel(), { engine: { restartMinMs: 20, restartMaxMs: 200 } }); });
afterAll(async () => { await app?.dispose(); });

describe('engine host killed mid-answer', () => {
  // each kill costs a host restart and a model reload (~1–3 s here): 40 in the suite, hundreds in
  // scripts/soak-app.mjs; CAIRN_TEST_KILLS=N for more
  const kills = Number(process.env.CAIRN_TEST_KILLS ?? 40);
  it(`loses no acknowledged message, keeps the store sound, and answers again (${kills} kills)`, async () => {
    const r = await killWhileStreaming(app, { kills, conversations: 3, maxDelayMs: 300, seed: 12345 });
    expect(r.problems).toEqual([]);
    expect(r.kills).toBe(kills);
    expect(r.interrupted).toBeGreaterThan(0);
  }, 900_000);
});
