// app-protocol.ts — serves the renderer build (renderer/dist) as cairn://app/… : the app's pages
// never come from file:// (so they get a real origin, a CSP header and no access to other files).
// A plain (Request) → Response function: main.ts passes it to Electron's protocol.handle, and it is
// tested under Node with real files. No 'electron' import here.
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from './ipc.js';

/** The renderer's Content-Security-Policy (RELIABILITY.md): scripts only from the app itself, no
 *  eval, no plugins, no frames, no network beyond the app's origin. Inline style attributes are
 *  allowed (highlighted code carries them); inline scripts are not. */
export const APP_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.wasm': 'application/wasm',
  '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
};

const headers = (type: string) => ({
  'Content-Type': type,
  'Content-Security-Policy': APP_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
});
const plain = (status: number, text: string) => new Response(text, { status, headers: headers('text/plain; charset=utf-8') });

async function fileAt(path: string): Promise<Buffer | null> {
  try {
    if (!(await stat(path)).isFile()) return null;
    return await readFile(path);
  } catch { return null; }
}

/** A handler for cairn://app/…: files under `rootDir`; a path without an extension gets index.html
 *  (client-side routes); anything outside `rootDir`, any other host, any method but GET/HEAD: refused. */
export function appProtocolHandler(rootDir: string): (req: Request) => Promise<Response> {
  const root = resolve(rootDir);
  return async (req) => {
    let url: URL;
    try { url = new URL(req.url); } catch { return plain(400, 'bad URL'); }
    if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return plain(404, 'not found');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'method not allowed');
    let path: string;
    try { path = decodeURIComponent(url.pathname); } catch { return plain(400, 'bad path'); }
    if (path.includes('\0') || path.includes('\\')) return plain(400, 'bad path');
    if (path === '/' || path === '') path = '/index.html';
    const file = resolve(root, `.${path}`);
    if (!file.startsWith(root + sep)) return plain(403, 'forbidden');
    let body = await fileAt(file);
    let type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
    if (!body && extname(file) === '') { body = await fileAt(resolve(root, 'index.html')); type = MIME['.html']; }
    if (!body) return plain(404, 'not found');
    return new Response(req.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers: headers(type) });
  };
}
