// types.ts — what the UI sees of the back end: the contract's `CairnWindowApi` (window.cairn in
// Electron, the browser client under `cairn serve`), plus, in a browser only, an uploader for a
// dropped file's bytes (a browser File has no path the engine could open).
import type { CairnWindowApi, Result } from '../../../electron/common/contract.js';

export interface UploadProgress { done: number; total: number }
export interface Uploader {
  /** Sends a file's bytes to the server's upload folder; resolves with the path the engine can open. */
  upload(file: File, onProgress?: (p: UploadProgress) => void, signal?: AbortSignal): Promise<Result<{ path: string }>>;
}
/** The connection to the back end: 'open' once events flow, 'closed' while reconnecting. */
export type LinkState = 'open' | 'closed';
export type ClientApi = CairnWindowApi & Partial<Uploader> & {
  /** Browser client only: connection state of the event socket (resync after a reconnect). */
  readonly onLinkState?: (listener: (s: LinkState) => void) => () => void;
};
