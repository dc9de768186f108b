// static.ts — the renderer build (renderer/dist) as the page of `cairn serve`: files under that folder
// only (no `..`, no symlinks out), index.html for any other path (the app routes itself), a strict
// CSP; a one-line page when the renderer is not built.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, extname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json',
};

/** renderer/dist above this file (the package root is the first folder up holding renderer/ or package.json). */
export function rendererDist(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const d = join(dir, 'renderer', 'dist');
    if (existsSync(join(d, 'index.html'))) return realpathSync(d);
    dir = dirname(dir);
  }
  return undefined;
}

const csp = (host: string) => [
  "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "font-src 'self' data:",
  `connect-src 'self' ws://${host}`, "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

export function serveRenderer(dist: string | undefined) {
  return (c: Context): Response => {
    if (!dist) {
      return c.html('<!doctype html><meta charset="utf-8"><title>Cairn</title><p>The Cairn window is not built (renderer/dist is missing): build the renderer, then reload. The API is running.</p>');
    }
    const rel = decodeURIComponent(new URL(c.req.url).pathname).replace(/^\/+/, '');
    let file = join(dist, rel);
    let ok = false;
    try { file = realpathSync(file); ok = (file === dist || file.startsWith(dist + sep)) && statSync(file).isFile(); } catch { ok = false; }
    if (!ok) file = join(dist, 'index.html');
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers: Record<string, string> = { 'content-type': type, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
    if (type.startsWith('text/html')) { headers['content-security-policy'] = csp(c.req.header('host') ?? ''); headers['cache-control'] = 'no-store'; }
    return new Response(readFileSync(file), { headers });
  };
}
