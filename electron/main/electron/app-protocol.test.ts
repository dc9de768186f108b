// cairn://app/ serving with real files: index, assets with their types, the CSP on every response,
// client routes, traversal (plain, encoded, double-encoded, backslash), other hosts and methods.
import { describe, expect, test } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP_CSP, appProtocolHandler } from './app-protocol.js';

const base = mkdtempSync(join(tmpdir(), 'cairn-proto-'));
const root = join(base, 'dist');
mkdirSync(join(root, 'assets'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" src="/assets/app.js"></script>');
writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1)');
writeFileSync(join(base, 'secret.txt'), 'secret');
const serve = appProtocolHandler(root);
const get = (url: string, method = 'GET') => serve(new Request(url, { method }));

describe('cairn://app/ protocol', () => {
  test('serves index.html and assets with their types, nosniff and the CSP', async () => {
    for (const url of ['cairn://app/', 'cairn://app/index.html']) {
      const r = await get(url);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await r.text()).toMatch(/^<!doctype html>/);
    }
    const js = await get('cairn://app/assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(APP_CSP);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(APP_CSP).toMatch(/default-src 'none'; script-src 'self';/);
    expect(APP_CSP).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
  });

  test('a client-side route gets index.html; a missing asset is 404', async () => {
    expect(await (await get('cairn://app/chat/123')).text()).toMatch(/^<!doctype html>/);
    expect((await get('cairn://app/assets/missing.js')).status).toBe(404);
  });

  test('nothing outside the renderer build is reachable', async () => {
    for (const url of ['cairn://app/../secret.txt', 'cairn://app/%2e%2e/secret.txt', 'cairn://app/..%2Fsecret.txt',
      'cairn://app/assets/..%2F..%2Fsecret.txt', 'cairn://app/%252e%252e/secret.txt', 'cairn://app/..%5Csecret.txt', 'cairn://app/%00']) {
      const r = await get(url);
      expect(r.status, url).not.toBe(200);
      expect(await r.text()).not.toBe('secret');
    }
  });

  test('other hosts and methods are refused', async () => {
    expect((await get('cairn://other/index.html')).status).toBe(404);
    expect((await get('cairn://app/index.html', 'POST')).status).toBe(405);
    const head = await get('cairn://app/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
