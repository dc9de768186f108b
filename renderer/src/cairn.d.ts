// cairn.d.ts — `window.cairn` as the preload exposes it (Electron); absent in a browser.
import type { CairnWindowApi } from '../../electron/common/contract.js';

declare global {
  interface Window { readonly cairn?: CairnWindowApi }
}
export {};
