// api-routes.ts — the typed API of `cairn serve` for the browser renderer (the same CairnApi the
// Electron preload exposes): POST /api/call/:op ({args} → Result), the event stream over a WebSocket
// (/api/events), and POST /api/upload (a dropped file's bytes, since a browser has no path).
// Every route needs the per-launch token: `Authorization: Bearer` for fetch; for the socket, a
// `cairn.token.<token>` subprotocol or a first message {"token": "…"}.
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { UpgradeWebSocket } from 'hono/ws';
import { fail, isOpName, ok } from '../common/contract.js';
import type { CairnService } from '../main/service/service.js';
import type { Guard } from './guard.js';

export const API_BODY_LIMIT = 8 * 1024 * 1024;
const AUTH_WAIT_MS = 10_000;

export interface ApiOptions {
  service: CairnService;
  guard: Guard;
  dataDir: string;
  uploadLimit: number;
  upgradeWebSocket: UpgradeWebSocket;
}

export function apiRoutes(app: Hono, o: ApiOptions): void {
  const { service, guard } = o;
  app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/events') return next(); // the socket authenticates itself (browsers cannot set headers on it)
    if (!guard.bearerOk(c.req.header('authorization'))) return c.json(fail('E_FORBIDDEN', 'missing or wrong token (it is in the URL cairn serve printed)'), 401);
    return next();
  });

  app.post('/api/call/:op', bodyLimit({ maxSize: API_BODY_LIMIT, onError: (c) => c.json(fail('E_ARGS', `request body over ${API_BODY_LIMIT} bytes`), 413) }), async (c) => {
    const name = c.req.param('op');
    if (!isOpName(name)) return c.json(fail('E_NOT_FOUND', `no operation '${name}'`), 404);
    let body: unknown;
    try { body = await c.req.json(); } catch { return c.json(fail('E_ARGS', 'the body is not JSON'), 400); }
    const args = body && typeof body === 'object' ? (body as { args?: unknown }).args : undefined;
    return c.json(await service.call(name, args ?? {}));
  });

  app.get('/api/events', o.upgradeWebSocket((c) => {
    const offered = (c.req.header('sec-websocket-protocol') ?? '').split(',').map((s) => s.trim());
    let authed = offered.some((p) => p.startsWith('cairn.token.') && guard.tokenOk(p.slice('cairn.token.'.length)));
    let off: (() => void) | null = null;
    let timer: NodeJS.Timeout | null = null;
    const start = (ws: { send(d: string): void }) => { off = service.subscribe((e) => ws.send(JSON.stringify(e))); };
    return {
      onOpen(_e, ws) {
        if (authed) start(ws);
        else timer = setTimeout(() => ws.close(4401, 'no token'), AUTH_WAIT_MS);
      },
      onMessage(e, ws) {
        if (authed) return;
        let token: unknown;
        try { token = (JSON.parse(String(e.data)) as { token?: unknown }).token; } catch { token = undefined; }
        if (typeof token === 'string' && guard.tokenOk(token)) {
          authed = true;
          if (timer) clearTimeout(timer);
          ws.send(JSON.stringify({ authenticated: true }));
          start(ws);
        } else ws.close(4401, 'wrong token');
      },
      onClose() { off?.(); if (timer) clearTimeout(timer); },
    };
  }));

  app.post('/api/upload', async (c) => {
    const name = c.req.query('name') ?? '';
    if (!/^[^/\\\0]{1,200}\.(gguf|cairn)$/i.test(name)) return c.json(fail('E_FILE', 'name must be a file name ending in .gguf or .cairn'), 400);
    const declared = Number(c.req.header('content-length') ?? NaN);
    if (declared > o.uploadLimit) return c.json(fail('E_FILE', `${name} is over the upload limit of ${o.uploadLimit} bytes`), 413);
    const body = c.req.raw.body;
    if (!body) return c.json(fail('E_FILE', 'empty upload'), 400);
    const dir = join(o.dataDir, 'uploads');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${randomUUID().slice(0, 8)}-${name.replace(/[^A-Za-z0-9._-]/g, '_')}`);
    const id = `upload-${randomUUID()}`;
    let cancelled = false;
    const total = Number.isFinite(declared) ? declared : 0;
    const report = (done: number, state: 'running' | 'done' | 'cancelled' | 'failed') =>
      service.reportProgress({ id, kind: 'upload', label: `Receiving ${name}`, done, total: total || done, cancellable: true, state }, () => { cancelled = true; return true; });
    const out = createWriteStream(path, { flags: 'wx' });
    let bytes = 0, lastReport = 0;
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        if (cancelled) throw Object.assign(new Error('upload cancelled'), { code: 'E_CANCELLED' });
        bytes += chunk.byteLength;
        if (bytes > o.uploadLimit) throw Object.assign(new Error(`${name} is over the upload limit of ${o.uploadLimit} bytes`), { code: 'E_FILE' });
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        if (bytes - lastReport >= 8 << 20) { lastReport = bytes; report(bytes, 'running'); }
      }
      await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
      report(bytes, 'done');
      return c.json(ok({ path }));
    } catch (e) {
      out.destroy();
      rmSync(path, { force: true });
      const code = (e as { code?: string }).code === 'E_CANCELLED' ? 'E_CANCELLED' : 'E_FILE';
      report(bytes, code === 'E_CANCELLED' ? 'cancelled' : 'failed');
      return c.json(fail(code, e instanceof Error ? e.message : String(e)), bytes > o.uploadLimit ? 413 : 400);
    }
  });
}
