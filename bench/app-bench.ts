// app-bench.ts — the app's main side under load (part of `npm run bench`; alone: `node dist/bench/app-bench.js`):
//  1. main-process event-loop lag (p50 / p99) while answers stream (service + cairn serve in this
//     process, a WebSocket client receiving every event) — target p99 < 20 ms;
//  2. the latency the host → main → client path adds to a token batch: host → main one way (half the
//     'ping' round trip measured while streaming), main's handling of a batch (checkpoint scheduling,
//     events), main → WebSocket client delivery — target < 1 ms per token;
//  3. `cairn serve` (its own process) under 8 concurrent OpenAI streaming clients: requests/s and time
//     to first token (p50 / p99) on the built-in model.
// Options: --streams N (3 concurrent answers for 1–2), --tokens N (256 per answer), --clients N (8),
// --requests N (per client, 6), --max-tokens N (32 per request).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { intOpt, parseArgs } from '../electron/cli/args.js';
import { builtinModel } from '../electron/cli/commands/chat.js';
import type { AppEvent } from '../electron/common/contract.js';
import { EventLog, openTestApp, unwrap } from '../electron/main/service/testing.js';
import { startServer } from '../electron/server/server.js';
import { spread } from './stats.js';

export interface AppBench {
  streams: number; tokens: number;
  lagMs: { p50: number; p99: number; max: number };
  path: { hostToMainMs: number; mainHandlingMs: number; mainToClientMs: number; perBatchMs: number; tokensPerBatch: number; perTokenMs: number };
  serve: { clients: number; requests: number; seconds: number; requestsPerS: number; ttftMs: { p50: number; p99: number }; completionTokPerS: number };
}

const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function benchPath(streams: number, tokens: number): Promise<Pick<AppBench, 'lagMs' | 'path'>> {
  const app = await openTestApp(builtinModel());
  const server = await startServer({ service: app.service, dataDir: app.dataDir, port: 0, rendererDir: null });
  const log = new EventLog(app.service);
  try {
    // when each delta left the hub (the WebSocket receives them in the same order)
    const emitTimes: number[] = [];
    let batches = 0, batchTokens = 0;
    const off = app.service.subscribe((e) => { if (e.name === 'message.delta') { emitTimes.push(performance.now()); batches++; batchTokens += e.payload.tokens; } });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, [`cairn.token.${server.token}`]);
    await new Promise((r) => ws.once('open', r));
    const delivery: number[] = [];
    let seen = 0;
    ws.on('message', (d) => {
      const e = JSON.parse(String(d)) as AppEvent;
      if (e.name === 'message.delta' && seen < emitTimes.length) delivery.push(performance.now() - emitTimes[seen++]);
    });
    const convs = [];
    for (let i = 0; i < streams; i++) convs.push(unwrap(await app.service.call('conversations.create', { settings: { maxTokens: tokens, temperature: 1, seed: i + 1 } })).id);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const cpu0 = process.cpuUsage();
    const pings: number[] = [];
    let streaming = true;
    const pinger = (async () => {
      while (streaming) {
        const t = performance.now();
        await app.engine.request('ping', {});
        pings.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const ids = await Promise.all(convs.map(async (id) => unwrap(await app.service.call('chat.send', { conversationId: id, text: 'Tell me a long story about a lighthouse.' })).assistantMessage.id));
    await Promise.all(ids.map((id) => log.done(id, 600_000)));
    streaming = false;
    await pinger;
    h.disable();
    const cpu = process.cpuUsage(cpu0);
    off(); ws.close();
    // main's handling of a batch, bounded above by all CPU time this process spent while streaming
    // (IPC decoding, checkpoints, events, the WebSocket server, and this bench's own client) per batch
    const hostToMainMs = spread(pings).median / 2, mainHandlingMs = batches ? (cpu.user + cpu.system) / 1000 / batches : 0, mainToClientMs = spread(delivery).median;
    const perBatchMs = hostToMainMs + mainHandlingMs + mainToClientMs;
    const tokensPerBatch = batches ? batchTokens / batches : 1;
    return {
      lagMs: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 },
      path: { hostToMainMs, mainHandlingMs, mainToClientMs, perBatchMs, tokensPerBatch, perTokenMs: perBatchMs / Math.max(1, tokensPerBatch) },
    };
  } finally {
    log.close();
    await server.close();
    await app.dispose();
  }
}

async function benchServe(clients: number, requests: number, maxTokens: number): Promise<AppBench['serve']> {
  const data = mkdtempSync(join(tmpdir(), 'cairn-serve-bench-'));
  const child = spawn(process.execPath, [join(root, 'bin', 'cairn.js'), 'serve', '--port', '0', '--data', data], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (d) => { out += d; const m = /open (http:\/\/[^/\s]+)\//.exec(out); if (m) resolve(m[1]); });
      child.once('exit', (c) => reject(new Error(`cairn serve exited (${c}): ${out}`)));
    });
    const model = ((await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] }).data[0].id;
    const ttft: number[] = [];
    let completionTokens = 0;
    const one = async (i: number) => {
      const t0 = performance.now();
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream: true, stream_options: { include_usage: true }, max_tokens: maxTokens, seed: i, messages: [{ role: 'user', content: `Question number ${i}: what is a lighthouse?` }] }),
      });
      let first = true, buf = '';
      const dec = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true });
        if (first && /"content":"[^"]/.test(buf)) { first = false; ttft.push(performance.now() - t0); }
      }
      const usage = /"completion_tokens":(\d+)/.exec(buf);
      completionTokens += usage ? Number(usage[1]) : 0;
    };
    await one(-1); // warm
    ttft.length = 0; completionTokens = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: clients }, async (_, c) => { for (let r = 0; r < requests; r++) await one(c * 1000 + r); }));
    const seconds = (performance.now() - t0) / 1000;
    return {
      clients, requests: clients * requests, seconds, requestsPerS: (clients * requests) / seconds,
      ttftMs: { p50: q(ttft, 0.5), p99: q(ttft, 0.99) }, completionTokPerS: completionTokens / seconds,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(data, { recursive: true, force: true });
  }
}

export async function benchApp(o: { streams?: number; tokens?: number; clients?: number; requests?: number; maxTokens?: number } = {}): Promise<AppBench> {
  const streams = o.streams ?? 3, tokens = o.tokens ?? 256;
  const p = await benchPath(streams, tokens);
  const serve = await benchServe(o.clients ?? 8, o.requests ?? 6, o.maxTokens ?? 32);
  return { streams, tokens, ...p, serve };
}

export function formatAppBench(b: AppBench): string {
  const f = (n: number, d = 2) => n.toFixed(d);
  return [
    `App main side (built-in model; ${b.streams} answers of ${b.tokens} tokens streaming at once; noisy shared machine):`,
    `| figure | value | target |`, `|---|---|---|`,
    `| main event-loop lag p50 / p99 / max | ${f(b.lagMs.p50)} / ${f(b.lagMs.p99)} / ${f(b.lagMs.max)} ms | p99 < 20 ms |`,
    `| host → main (½ ping round trip) | ${f(b.path.hostToMainMs, 3)} ms | |`,
    `| main's CPU time per batch (upper bound of its handling) | ${f(b.path.mainHandlingMs, 3)} ms | |`,
    `| main → WebSocket client | ${f(b.path.mainToClientMs, 3)} ms | |`,
    `| added per batch (${f(b.path.tokensPerBatch, 1)} tokens) / per token | ${f(b.path.perBatchMs, 3)} / ${f(b.path.perTokenMs, 3)} ms | < 1 ms per token |`,
    `| cairn serve, ${b.serve.clients} concurrent streaming clients | ${f(b.serve.requestsPerS)} req/s, ${f(b.serve.completionTokPerS, 0)} completion tok/s (${b.serve.requests} requests in ${f(b.serve.seconds, 1)} s) | |`,
    `| cairn serve time to first token p50 / p99 | ${f(b.serve.ttftMs.p50, 1)} / ${f(b.serve.ttftMs.p99, 1)} ms | |`,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { opts } = parseArgs(process.argv.slice(2), ['streams', 'tokens', 'clients', 'requests', 'max-tokens']);
  benchApp({
    streams: intOpt(opts, 'streams', 3, 1, 64), tokens: intOpt(opts, 'tokens', 256, 1, 8192), clients: intOpt(opts, 'clients', 8, 1, 256),
    requests: intOpt(opts, 'requests', 6, 1, 1000), maxTokens: intOpt(opts, 'max-tokens', 32, 1, 4096),
  }).then((b) => { console.log(formatAppBench(b)); console.log(JSON.stringify(b)); }, (e) => { console.error(e); process.exitCode = 1; });
}
