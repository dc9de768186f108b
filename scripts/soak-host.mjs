#!/usr/bin/env node
// Soak test of the engine host's supervision: SIGKILL the real host at random points while answers
// stream, hundreds of times; each kill must fail the answer in flight with E_ENGINE, the host must
// come back with the model reloaded, and the next answer must work.
//   node scripts/soak-host.mjs [--kills N] [--model file.gguf]     (after `npm run build`)
//     --kills N   kills to make (default 300)
//     --model     a model that talks until stopped (default: the tiny random-weight test model built
//                 by test-support/llama-builder.ts)
// Prints one line per 25 kills and a summary; exit 1 on the first failure.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const kills = Number(opt('--kills', '300'));
const dist = (p) => import(pathToFileURL(join(root, 'dist', p)).href);
const { EngineClient } = await dist('electron/main/engine/engine-client.js');
let model = opt('--model', undefined);
if (!model) {
  const { cachedLlamaModel, tinyConfig } = await dist('test-support/llama-builder.js');
  model = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0'));
}

const settings = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0, repeatPenalty: 1, seed: 1, maxTokens: 3000, systemPrompt: '', contextOverflow: 'shift', nCtx: 4096 };
const dir = mkdtempSync(join(tmpdir(), 'cairn-soak-'));
const client = new EngineClient({ dataDir: dir, restartMinMs: 20 });
const fail = async (msg) => { console.error(`soak-host: FAIL: ${msg}`); await client.stop(); process.exit(1); };
const reasons = new Map(); // why the host restarted (a kill of ours, or the supervisor's own finding)
client.subscribe((e) => {
  if (e.kind === 'engine' && e.type === 'state' && e.reason) {
    const why = e.reason.replace(/\d+/g, 'N');
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
});
await client.start();
const loaded = await client.request('model.load', { path: model, builtin: false, threads: 1 });
if (!loaded.ok) await fail(`load: ${loaded.error.message}`);

const t0 = Date.now();
let tokensBeforeKill = 0, missed = 0;
for (let i = 0, hit = 0; hit < kills; i++) {
  const pid = client.status().pid;
  // a random point: after 1–4 token batches, or 0–150 ms after the request (maybe mid-prefill or before it is read)
  const byBatches = Math.random() < 0.5, after = 1 + Math.floor(Math.random() * 4), ms = Math.random() * 150;
  let batches = 0, killed = false;
  const kill = () => { killed = true; process.kill(pid, 'SIGKILL'); };
  const off = client.subscribe((e) => {
    if (e.type !== 'tokens' || e.requestId !== `k${i}`) return;
    tokensBeforeKill += e.count;
    if (byBatches && ++batches === after) kill();
  });
  const answer = client.request('generate', { requestId: `k${i}`, conversationId: `c${i % 7}`, settings: { ...settings, seed: i },
    messages: [{ role: 'user', content: `Story number ${i}` }] });
  const timer = byBatches ? undefined : setTimeout(kill, ms);
  const r = await answer;
  clearTimeout(timer);
  off();
  // A sampled stop token can end the answer before the kill point (nothing killed), or just before
  // the kill lands (the answer was on its way): a miss, not a failure; the restart is waited for.
  if (r.ok) {
    missed++;
    while (killed && (client.status().pid === pid || client.status().state !== 'ready')) await new Promise((res) => setTimeout(res, 20));
    continue;
  }
  if (r.error.code !== 'E_ENGINE') await fail(`kill ${i}: the answer in flight gave ${r.error.code}: ${r.error.message}`);
  hit++;
  const next = await client.request('generate', { requestId: `n${i}`, conversationId: `c${i % 7}`, settings: { ...settings, maxTokens: 8 },
    messages: [{ role: 'user', content: 'And then?' }] });
  if (!next.ok) await fail(`kill ${i}: the next answer failed: ${next.error.code}: ${next.error.message}`);
  if (client.status().pid === pid) await fail(`kill ${i}: the same host answered after its kill`);
  if (hit % 25 === 0) console.log(`soak-host: ${hit}/${kills} kills, ${((Date.now() - t0) / hit).toFixed(0)} ms per kill and recovery`);
}
const restarts = client.status().restarts;
await client.stop();
rmSync(dir, { recursive: true, force: true });
console.log(`soak-host: ${kills} kills (${missed} answers ended before their kill point), ${restarts} restarts, every answer in flight failed with E_ENGINE and the next one worked` +
  ` (${tokensBeforeKill} tokens streamed before kills, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
for (const [why, n] of reasons) console.log(`soak-host:   ${n}× ${why}`);
