// index.ts — picks the back end: `window.cairn` when the preload exposed it (Electron), else the
// browser client over `cairn serve` (token from the URL hash). The rest of the UI sees only ClientApi.
import { createBrowserClient, tokenFromHash } from './browser-client.js';
import type { ClientApi } from './types.js';

export type { ClientApi, LinkState, UploadProgress } from './types.js';

const tokenKey = 'cairn.token';

export function pickApi(w: Window = window): ClientApi {
  if (w.cairn) return w.cairn;
  // keep the token for reloads of this tab (the hash stays too: it is what the user opened)
  const token = tokenFromHash(w.location.hash) ?? w.sessionStorage.getItem(tokenKey);
  if (!token) throw new Error('no token: open the URL that `cairn serve` printed (it ends in #token=…)');
  w.sessionStorage.setItem(tokenKey, token);
  return createBrowserClient({ base: w.location.origin, token });
}
