// render-bench.ts — the renderer's cost while an answer streams into a long conversation, in
// Chromium (playwright-core, Debian's /usr/bin/chromium): the built renderer (renderer/dist) served
// locally, with the SYNTHETIC in-page back end of render-synthetic-api.ts streaming at 300 and
// 1,000 tokens/s (the engine cannot stream that fast; this isolates the renderer), and at 0 (typing
// only: the baseline the machine gives). While it streams,
// keys are typed into the message input. Reported per rate: the longest main-thread task
// (PerformanceObserver 'longtask', which reports tasks over 50 ms; 0 = none), long animation frames,
// dropped frames (rAF intervals over 1.5 frames), and input latency (keystroke's event time → the
// frame after it was handled, p50/p99/max). Targets: no task over 50 ms, input p99 < 50 ms.
// `node dist/bench/render-bench.js [--messages N] [--seconds S]`; also the last section of `npm run bench`.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../e2e/support/chromium.js';
import { installSyntheticCairn, type SyntheticOptions } from './render-synthetic-api.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dist = process.env.CAIRN_RENDERER_DIST ?? join(root, 'renderer', 'dist');
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

/** Messages in the long conversation the answer streams into. */
export const renderBenchMessages = 2000;

export interface RenderRun {
  rate: number; tokens: number; seconds: number;
  longestTaskMs: number; longTasks: number; longFrames: number; longestFrameMs: number;
  frames: number; droppedFrames: number; inputs: number; inputP50Ms: number; inputP99Ms: number; inputMaxMs: number;
}

function serveDist(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const rel = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^([/\\])+/, '') || 'index.html';
    const file = join(dist, rel);
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}/` });
  }));
}

/** Installed in the page before the app: collects long tasks, long frames, frame times and input latency. */
function installProbes(): void {
  const p = { longTasks: [] as number[], longFrames: [] as number[], frames: [] as number[], inputs: [] as number[], on: false };
  (window as unknown as { __probe: typeof p }).__probe = p;
  new PerformanceObserver((l) => { if (p.on) for (const e of l.getEntries()) p.longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: false });
  try {
    new PerformanceObserver((l) => { if (p.on) for (const e of l.getEntries()) p.longFrames.push(e.duration); }).observe({ type: 'long-animation-frame', buffered: false });
  } catch { /* not supported */ }
  let last = 0;
  const frame = (t: number) => { if (p.on && last) p.frames.push(t - last); last = t; requestAnimationFrame(frame); };
  requestAnimationFrame(frame);
  const ch = new MessageChannel();
  let pending: number[] = [];
  ch.port1.onmessage = () => { const now = performance.now(); for (const t of pending) p.inputs.push(now - t); pending = []; };
  window.addEventListener('input', (e) => {
    if (!p.on) return;
    pending.push(e.timeStamp);
    // after the frame that shows the keystroke: rAF, then a task after it
    requestAnimationFrame(() => ch.port2.postMessage(0));
  }, true);
}

const pct = (s: number[], q: number) => (s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0);

async function run(page: Page, url: string, o: SyntheticOptions): Promise<RenderRun> {
  await page.addInitScript(installSyntheticCairn, o);
  await page.addInitScript(installProbes);
  await page.goto(url);
  await page.getByTestId('conversation-open').first().click();
  await page.getByTestId('message-assistant').first().waitFor();
  const input = page.getByTestId('composer-input');
  await input.fill('Go on.');
  await input.press('Enter');
  await page.waitForFunction(() => (window as unknown as { __bench: { streaming: boolean } }).__bench.streaming);
  await page.evaluate(() => { (window as unknown as { __probe: { on: boolean } }).__probe.on = true; });
  const t0 = Date.now();
  // type while it streams: a keystroke every ~60 ms, as a fast typist
  while (await page.evaluate(() => (window as unknown as { __bench: { streaming: boolean } }).__bench.streaming)) {
    await input.pressSequentially('the quick brown fox ', { delay: 60 });
    await input.fill('');
  }
  const seconds = (Date.now() - t0) / 1000;
  const r = await page.evaluate(() => {
    const w = window as unknown as { __probe: { on: boolean; longTasks: number[]; longFrames: number[]; frames: number[]; inputs: number[] }; __bench: { tokens: number } };
    w.__probe.on = false;
    return { ...w.__probe, tokens: w.__bench.tokens };
  });
  const inputs = [...r.inputs].sort((a, b) => a - b);
  const frameMs = 1000 / 60;
  return {
    rate: o.rate, tokens: r.tokens, seconds,
    longestTaskMs: Math.max(0, ...r.longTasks), longTasks: r.longTasks.length,
    longFrames: r.longFrames.length, longestFrameMs: Math.max(0, ...r.longFrames),
    frames: r.frames.length, droppedFrames: r.frames.reduce((n, d) => n + (d > 1.5 * frameMs ? Math.round(d / frameMs) - 1 : 0), 0),
    inputs: inputs.length, inputP50Ms: pct(inputs, 0.5), inputP99Ms: pct(inputs, 0.99), inputMaxMs: inputs.at(-1) ?? 0,
  };
}

export async function benchRender(opts: { messages?: number; seconds?: number; rates?: number[] } = {}): Promise<RenderRun[]> {
  if (!existsSync(join(dist, 'index.html'))) throw new Error('renderer/dist is missing: run npm run build:renderer');
  const { server, url } = await serveDist();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  try {
    const out: RenderRun[] = [];
    for (const rate of opts.rates ?? [0, 300, 1000]) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      out.push(await run(page, url, { messages: opts.messages ?? renderBenchMessages, tokensPerMessage: 50, rate, streamMs: (opts.seconds ?? 8) * 1000 }));
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
    server.close();
  }
}

export function formatRenderBench(runs: RenderRun[], messages: number): string {
  const f = (n: number) => n.toFixed(1);
  const rows = runs.map((r) => `| ${r.rate} | ${r.tokens} in ${f(r.seconds)} s | ${r.longTasks ? f(r.longestTaskMs) : 'none'} | ${r.longFrames} (max ${f(r.longestFrameMs)}) | ${r.droppedFrames} of ${r.frames} | ${r.inputs} | ${f(r.inputP50Ms)} / ${f(r.inputP99Ms)} / ${f(r.inputMaxMs)} |`);
  return [
    `Renderer in Chromium while streaming (SYNTHETIC in-page event source) into a ${messages}-message conversation; targets: no task > 50 ms, input p99 < 50 ms`,
    '| tokens/s | streamed | longest task > 50 ms (ms) | long animation frames | dropped frames | keystrokes | input latency p50 / p99 / max (ms) |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const arg = (name: string, d: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : d; };
  const messages = arg('messages', renderBenchMessages);
  benchRender({ messages, seconds: arg('seconds', 8) })
    .then((runs) => console.log(formatRenderBench(runs, messages)))
    .catch((e) => { console.error(e); process.exitCode = 1; });
}
