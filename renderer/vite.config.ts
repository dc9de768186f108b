// vite.config.ts — the renderer build: renderer/dist with relative asset paths, so the same files
// are served by `cairn serve` at `/` and by Electron's custom protocol (cairn://app/). The output
// has no inline script (the entry is an external module) and no WebAssembly (shiki runs its
// JavaScript regex engine), so it runs under a strict CSP (script-src 'self'). Run as
// `vite build renderer` (the root is the folder this file is in).
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: './',
  plugins: [react()],
  // the highlight worker is an ES module, so shiki's grammars stay lazy chunks there too
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // a local app: chunks are read from disk, size warnings are noise (shiki's grammars are lazy chunks)
    chunkSizeWarningLimit: 2000,
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
  server: { host: '127.0.0.1' },
});
