// app-bench.ts — the app's main side under load (part of `npm run bench`; alone: `node dist/bench/app-bench.js`):
//  1. main-process event-loop lag (p50 / p99) while answers stream (service + cairn serve in this
//     process, a WebSocket client receiving every event) — target p99 < 20 ms;
//  2. the latency the host → main → client path adds to each token: from the host sending a batch
//     (timestamped with its clock) to main having handled it, to the WebSocket client having it —
//     target < 1 ms per token;
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

interface P { p50: number; p99: number }

export interface AppBench {
  streams: number; tokens: number;
  lagMs: { p50: number; p99: number; max: number };
  path: {
    batches: number; tokensPerBatch: number; hostToMainMs: P; mainToClientMs: P;
    /** Host sent a batch → the WebSocket client has it: what the path adds to each token of it. */
    totalMs: P; mainCpuPerTokenMs: number;
  };
  serve: { clients: number; requests: number; seconds: number; requestsPerS: number; ttftMs: { p50: number; p99: number }; completionTokPerS: number };
}

const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN; };
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function benchPath(streams: number, tokens: number): Promise<Pick<AppBench, 'lagMs' | 'path'>> {
  const app = await openTestApp(builtinModel());
  const server = await startServer({ service: app.service, dataDir: app.dataDir, port: 0, rendererDir: null });
  const log = new EventLog(app.service);
  try {
    // each batch: when the host sent it (its own clock: timeOrigin + now, comparable across processes),
    // when main had handled it (this listener runs after the service's), when the client had it
    const now = () => performance.timeOrigin + performance.now();
    const sentAt: number[] = [], handledAt: number[] = [];
    let batchTokens = 0;
    const offHost = app.engine.subscribe((e) => {
      if (e.type !== 'tokens' || e.sentAt === undefined) return;
      sentAt.push(e.sentAt); handledAt.push(now()); batchTokens += e.count;
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events`, [`cairn.token.${server.token}`]);
    await new Promise((r) => ws.once('open', r));
    const hostToMain: number[] = [], mainToClient: number[] = [], total: number[] = [];
    let seen = 0;
    ws.on('message', (d) => {
      const e = JSON.parse(String(d)) as AppEvent;
      if (e.name !== 'message.delta' || seen >= sentAt.length) return;
      const t = now(), i = seen++;
      hostToMain.push(handledAt[i] - sentAt[i]); mainToClient.push(t - handledAt[i]); total.push(t - sentAt[i]);
    });
    const convs = [];
    for (let i = 0; i < streams; i++) convs.push(unwrap(await app.service.call('conversations.create', { settings: { maxTokens: tokens, temperature: 1, seed: i + 1 } })).id);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const cpu0 = process.cpuUsage();
    const ids = await Promise.all(convs.map(async (id) => unwrap(await app.service.call('chat.send', { conversationId: id, text: 'Tell me a long story about a lighthouse.' })).assistantMessage.id));
    await Promise.all(ids.map((id) => log.done(id, 600_000)));
    h.disable();
    const cpu = process.cpuUsage(cpu0);
    offHost(); ws.close();
    const batches = sentAt.length;
    return {
      lagMs: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 },
      path: {
        batches, tokensPerBatch: batches ? batchTokens / batches : 0,
        hostToMainMs: { p50: q(hostToMain, 0.5), p99: q(hostToMain, 0.99) },
        mainToClientMs: { p50: q(mainToClient, 0.5), p99: q(mainToClient, 0.99) },
        totalMs: { p50: q(total, 0.5), p99: q(total, 0.99) },
        // all CPU time this process spent while streaming (IPC, checkpoints, events, WebSocket server,
        // this bench's client) per token: an upper bound of main's own cost
        mainCpuPerTokenMs: batchTokens ? (cpu.user + cpu.system) / 1000 / batchTokens : 0,
      },
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
    `| host → main, per batch (p50 / p99) | ${f(b.path.hostToMainMs.p50, 3)} / ${f(b.path.hostToMainMs.p99, 3)} ms | |`,
    `| main → WebSocket client, per batch (p50 / p99) | ${f(b.path.mainToClientMs.p50, 3)} / ${f(b.path.mainToClientMs.p99, 3)} ms | |`,
    `| host → main → client: added to each token (p50 / p99; ${b.path.batches} batches of ${f(b.path.tokensPerBatch, 1)} tokens) | ${f(b.path.totalMs.p50, 3)} / ${f(b.path.totalMs.p99, 3)} ms | < 1 ms per token |`,
    `| main's CPU time per token (upper bound) | ${f(b.path.mainCpuPerTokenMs, 3)} ms | |`,
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
