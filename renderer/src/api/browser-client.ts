// browser-client.ts — `CairnWindowApi` over `cairn serve`'s HTTP API, for the renderer in a
// browser: the per-launch token comes from the URL hash (#token=…); every operation is
// `POST /api/call/<op>` with {args} and a Bearer token, answering a Result; events arrive on one
// WebSocket (`/api/events`, token as its first message), reconnected with backoff; a dropped file's
// bytes go to `POST /api/upload?name=…`, which answers the path the engine can open.
import { opNames, type AppEvent, type OpArgs, type OpName, type OpResult, type Result } from '../../../electron/common/contract.js';
import type { ApiError } from '../../../electron/common/schemas.js';
import type { ClientApi, LinkState, UploadProgress } from './types.js';

export interface BrowserClientOptions {
  /** Origin (and base path) of the server, e.g. http://127.0.0.1:5123 */
  base: string;
  token: string;
  fetch?: typeof fetch;
  WebSocket?: typeof WebSocket;
}

const reconnectDelaysMs = [250, 500, 1000, 2000, 5000];

/** The token in a page URL's hash (`#token=…`), or null. */
export function tokenFromHash(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const t = params.get('token');
  return t && /^[A-Za-z0-9_-]{16,128}$/.test(t) ? t : null;
}

const failure = (code: ApiError['code'], message: string): { ok: false; error: ApiError } => ({ ok: false, error: { code, message } });

function isResult(x: unknown): x is Result<unknown> {
  if (typeof x !== 'object' || x === null || !('ok' in x)) return false;
  const r = x as { ok: unknown; value?: unknown; error?: { code?: unknown; message?: unknown } };
  return r.ok === true ? 'value' in r : r.ok === false && typeof r.error?.code === 'string' && typeof r.error.message === 'string';
}

async function readResult<T>(res: Response, what: string): Promise<Result<T>> {
  let body: unknown;
  try { body = await res.json(); } catch { body = undefined; }
  if (isResult(body)) return body as Result<T>;
  if (res.status === 401 || res.status === 403) return failure('E_FORBIDDEN', `${what}: the server refused the token (reopen the URL cairn serve printed)`);
  return failure('E_INTERNAL', `${what}: unexpected answer from the server (HTTP ${res.status})`);
}

export function createBrowserClient(opts: BrowserClientOptions): ClientApi {
  const base = opts.base.replace(/\/$/, '');
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const WS = opts.WebSocket ?? WebSocket;
  const auth = { Authorization: `Bearer ${opts.token}` };

  async function call<K extends OpName>(name: K, args: OpArgs<K>): Promise<Result<OpResult<K>>> {
    let res: Response;
    try {
      res = await doFetch(`${base}/api/call/${encodeURIComponent(name)}`, {
        method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ args }),
      });
    } catch (e) {
      return failure('E_ENGINE', `cannot reach cairn serve (${(e as Error).message}); is it still running?`);
    }
    return readResult<OpResult<K>>(res, name);
  }

  // events: one socket shared by every listener, opened on the first subscription
  const listeners = new Set<(e: AppEvent) => void>();
  const linkListeners = new Set<(s: LinkState) => void>();
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const setLink = (s: LinkState) => { for (const l of linkListeners) l(s); };

  function connect(): void {
    const url = `${base.replace(/^http/, 'ws')}/api/events`;
    const ws = new WS(url);
    socket = ws;
    ws.onopen = () => { ws.send(JSON.stringify({ token: opts.token })); attempt = 0; setLink('open'); };
    ws.onmessage = (m) => {
      let e: AppEvent;
      try { e = JSON.parse(String(m.data)) as AppEvent; } catch { return; }
      if (typeof e?.name !== 'string') return;
      for (const l of listeners) l(e);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      setLink('closed');
      if (listeners.size === 0) return;
      const delay = reconnectDelaysMs[Math.min(attempt++, reconnectDelaysMs.length - 1)];
      timer = setTimeout(() => { timer = null; if (listeners.size > 0 && !socket) connect(); }, delay);
    };
  }

  function onEvent(listener: (e: AppEvent) => void): () => void {
    listeners.add(listener);
    if (!socket && !timer) connect();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) {
        if (timer) clearTimeout(timer);
        timer = null;
        const ws = socket;
        socket = null;
        ws?.close();
      }
    };
  }

  function upload(file: File, onProgress?: (p: UploadProgress) => void, signal?: AbortSignal): Promise<Result<{ path: string }>> {
    // XMLHttpRequest, not fetch: it reports upload progress and can be aborted mid-body
    return new Promise((resolve) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', `${base}/api/upload?name=${encodeURIComponent(file.name)}`);
      xhr.setRequestHeader('Authorization', auth.Authorization);
      xhr.setRequestHeader('Content-Type', 'application/octet-stream');
      xhr.upload.onprogress = (e) => onProgress?.({ done: e.loaded, total: e.lengthComputable ? e.total : file.size });
      xhr.onload = () => {
        let body: unknown;
        try { body = JSON.parse(xhr.responseText); } catch { body = undefined; }
        if (isResult(body)) resolve(body as Result<{ path: string }>);
        else if (xhr.status === 413) resolve(failure('E_FILE', `${file.name}: too large to upload`));
        else resolve(failure('E_INTERNAL', `upload of ${file.name}: unexpected answer (HTTP ${xhr.status})`));
      };
      xhr.onerror = () => resolve(failure('E_ENGINE', `upload of ${file.name}: cannot reach cairn serve`));
      xhr.onabort = () => resolve(failure('E_CANCELLED', `upload of ${file.name} cancelled`));
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(file);
    });
  }

  const api: Record<string, unknown> = {
    onEvent,
    upload,
    onLinkState: (l: (s: LinkState) => void) => { linkListeners.add(l); return () => linkListeners.delete(l); },
  };
  for (const name of opNames) api[name] = (args: OpArgs<typeof name>) => call(name, args);
  return api as unknown as ClientApi;
}
