#!/usr/bin/env node
// Entry point of the `cairn` CLI: runs the compiled TypeScript in dist/ (built by `npm install`).
import('../dist/electron/cli/main.js').then((m) => m.main(process.argv.slice(2))).then(
  (code) => { process.exitCode = code ?? 0; },
  (err) => { console.error(`cairn: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
