// `cairn serve`'s guard and typed API: the per-launch token, Host and Origin checks, the call route,
// the WebSocket event stream, uploads, the renderer page.
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppEvent } from '../common/contract.js';
import { builtinModel } from '../cli/commands/chat.js';
import { openTestApp, type TestApp } from '../main/service/testing.js';
import { isLoopback } from './guard.js';
import { startServer, type RunningServer } from './server.js';

let app: TestApp;
let server: RunningServer;
let dist: string;

/** A raw HTTP request (fetch cannot set Host). */
function raw(path: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: o.method ?? 'GET', headers: o.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.on('socket', (sock) => sock.on('error', () => {})); // an oversized body may still be writing when the 413 closes the socket
    req.end(o.body);
  });
}
const auth = () => ({ authorization: `Bearer ${server.token}`, 'content-type': 'application/json' });

beforeAll(async () => {
  app = await openTestApp(builtinModel());
  dist = mkdtempSync(join(tmpdir(), 'cairn-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Cairn test page</title>');
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log(1)');
  server = await startServer({ service: app.service, dataDir: app.dataDir, port: 0, rendererDir: dist });
});
afterAll(async () => { await server?.close(); await app?.dispose(); });

describe('cairn serve guard', () => {
  it('prints a URL with a 32-byte base64url token in the fragment', () => {
    expect(server.openUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    expect(isLoopback('127.0.0.1') && isLoopback('::1') && !isLoopback('0.0.0.0') && !isLoopback('192.168.1.2')).toBe(true);
  });

  it('API calls need the token', async () => {
    const body = JSON.stringify({ args: {} });
    expect((await raw('/api/call/conversations.list', { method: 'POST', body, headers: { 'content-type': 'application/json' } })).status).toBe(401);
    const wrong = await raw('/api/call/conversations.list', { method: 'POST', body, headers: { ...auth(), authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body)).toMatchObject({ ok: false, error: { code: 'E_FORBIDDEN' } });
    const good = await raw('/api/call/conversations.list', { method: 'POST', body, headers: auth() });
    expect(good.status).toBe(200);
    expect(JSON.parse(good.body)).toMatchObject({ ok: true, value: { conversations: [] } });
  });

  it('a foreign Host (DNS rebinding) or Origin is refused, even with the token', async () => {
    const body = JSON.stringify({ args: {} });
    for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1:1']) {
      expect((await raw('/api/call/conversations.list', { method: 'POST', body, headers: { ...auth(), host } })).status, host).toBe(403);
      expect((await raw('/v1/models', { headers: { host } })).status, host).toBe(403);
      expect((await raw('/', { headers: { host } })).status, host).toBe(403);
    }
    for (const origin of ['http://evil.example', `http://evil.example:${server.port}`, 'null', `https://127.0.0.1:${server.port}`]) {
      expect((await raw('/api/call/conversations.list', { method: 'POST', body, headers: { ...auth(), origin } })).status, origin).toBe(403);
      expect((await raw('/v1/chat/completions', { method: 'POST', body: '{}', headers: { origin, 'content-type': 'application/json' } })).status, origin).toBe(403);
    }
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`]) {
      const ok = await raw('/api/call/settings.get', { method: 'POST', body, headers: { ...auth(), host, origin: `http://${host}` } });
      expect(ok.status, host).toBe(200);
    }
  });

  it('answers Results: unknown operation 404, bad JSON 400, bad args E_ARGS, oversized 413', async () => {
    expect((await raw('/api/call/nope.nope', { method: 'POST', body: '{}', headers: auth() })).status).toBe(404);
    expect((await raw('/api/call/settings.get', { method: 'POST', body: '{', headers: auth() })).status).toBe(400);
    const badArgs = await raw('/api/call/conversations.get', { method: 'POST', body: JSON.stringify({ args: { id: '../etc' } }), headers: auth() });
    expect(JSON.parse(badArgs.body)).toMatchObject({ ok: false, error: { code: 'E_ARGS' } });
    const big = await raw('/api/call/conversations.search', { method: 'POST', body: JSON.stringify({ args: { query: 'x'.repeat(9 << 20) } }), headers: auth() });
    expect(big.status).toBe(413);
  });

  it('the event socket needs the token (subprotocol or first message) and then streams events', async () => {
    const wsUrl = `ws://127.0.0.1:${server.port}/api/events`;
    const refused = new WebSocket(wsUrl);
    await new Promise((r) => refused.once('open', r));
    refused.send(JSON.stringify({ token: 'wrong' }));
    const code = await new Promise((r) => refused.once('close', (c) => r(c)));
    expect(code).toBe(4401);
    const foreign = new WebSocket(wsUrl, [`cairn.token.${server.token}`], { headers: { origin: 'http://evil.example' } });
    foreign.on('error', () => {});
    const err = await new Promise((r) => { foreign.once('unexpected-response', (_q, res) => r(res.statusCode)); foreign.once('open', () => r('open')); });
    expect(err).toBe(403);
    foreign.terminate();

    const ws = new WebSocket(wsUrl, [`cairn.token.${server.token}`]);
    const events: AppEvent[] = [];
    ws.on('message', (d) => events.push(JSON.parse(String(d))));
    await new Promise((r) => ws.once('open', r));
    const created = await raw('/api/call/conversations.create', { method: 'POST', body: JSON.stringify({ args: { title: 'via http', settings: { maxTokens: 8 } } }), headers: auth() });
    const id = JSON.parse(created.body).value.id;
    const sent = JSON.parse((await raw('/api/call/chat.send', { method: 'POST', body: JSON.stringify({ args: { conversationId: id, text: 'hi' } }), headers: auth() })).body);
    expect(sent.ok).toBe(true);
    const aid = sent.value.assistantMessage.id;
    for (let i = 0; i < 600 && !events.some((e) => e.name === 'message.updated' && e.payload.message.id === aid && e.payload.message.status === 'done'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(events.some((e) => e.name === 'message.delta' && e.payload.messageId === aid)).toBe(true);
    expect(events.some((e) => e.name === 'conversations.changed')).toBe(true);
    ws.close();

    const second = new WebSocket(wsUrl);
    const first = new Promise((r) => second.once('message', (d) => r(JSON.parse(String(d)))));
    await new Promise((r) => second.once('open', r));
    second.send(JSON.stringify({ token: server.token }));
    expect(await first).toEqual({ authenticated: true });
    second.close();
  });

  it('uploads a file into the data folder (capped, named .gguf or .cairn only)', async () => {
    const r = await raw('/api/upload?name=model.gguf', { method: 'POST', body: 'GGUF-bytes', headers: { authorization: `Bearer ${server.token}` } });
    const path = JSON.parse(r.body).value.path as string;
    expect(path.startsWith(join(app.dataDir, 'uploads'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('GGUF-bytes');
    expect((await raw('/api/upload?name=../../x.sh', { method: 'POST', body: 'x', headers: { authorization: `Bearer ${server.token}` } })).status).toBe(400);
    expect((await raw('/api/upload?name=a.gguf', { method: 'POST', body: 'x' })).status).toBe(401);
  });

  it('serves the renderer build with a CSP, index.html for app routes, nothing outside the folder', async () => {
    const page = await raw('/');
    expect(page.body).toContain('Cairn test page');
    expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
    expect((await raw('/assets/app.js')).body).toBe('console.log(1)');
    expect((await raw('/some/route')).body).toContain('Cairn test page');
    expect((await raw('/%2e%2e/%2e%2e/etc/passwd')).body).toContain('Cairn test page');
  });
});
