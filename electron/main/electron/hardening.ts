// hardening.ts — the Electron security checklist as data and predicates (RELIABILITY.md "Electron
// hardening"), applied by main.ts to every window and session; no 'electron' import, tested under Node.
import { APP_HOST, APP_SCHEME } from './ipc.js';

/** webPreferences of every window: isolated, sandboxed, no Node, web security on, no webviews. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  } as const;
}

/** The scheme main registers before `ready`: standard (real origin, relative URLs), secure (like
 *  https), fetch allowed; no bypass of the CSP. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, bypassCSP: false, stream: true } as const;

/** Navigation stays inside the app: only cairn://app/ pages (a reload, a client route). */
export function navigationAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch { return false; }
}

/** Links the user clicks in an answer open in the system browser, only for http(s) without
 *  credentials; every window.open is denied either way. */
export function externalLinkAllowed(url: string): boolean {
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.username === '' && u.password === '';
  } catch { return false; }
}

/** Every permission request (camera, microphone, notifications, geolocation, …) is denied, except
 *  writing text to the clipboard from the app's own page (the Copy buttons). */
export function permissionAllowed(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && navigationAllowed(requestingUrl);
}
