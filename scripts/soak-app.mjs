#!/usr/bin/env node
// Soak: the engine host SIGKILLed at random points while answers stream, hundreds of times, against
// the real store and host with the built-in model in a temp data folder (needs `npm run build`).
//   node scripts/soak-app.mjs [--kills 500] [--conversations 4] [--max-delay-ms 300] [--seed 1]
// Prints the counts and exits 1 when anything acknowledged was lost or the store check failed.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'electron');
const { parseArgs, intOpt } = await import(join(dist, 'cli', 'args.js'));
const { builtinModel } = await import(join(dist, 'cli', 'commands', 'chat.js'));
const { openTestApp } = await import(join(dist, 'main', 'service', 'testing.js'));
const { killWhileStreaming } = await import(join(dist, 'main', 'service', 'kill-chaos.js'));

const { opts } = parseArgs(process.argv.slice(2), ['kills', 'conversations', 'max-delay-ms', 'seed']);
const kills = intOpt(opts, 'kills', 500, 1, 1_000_000);
const conversations = intOpt(opts, 'conversations', 4, 1, 64);
const maxDelayMs = intOpt(opts, 'max-delay-ms', 300, 0, 60_000);
const seed = intOpt(opts, 'seed', 1, 0, 2 ** 31 - 1);

const app = await openTestApp(builtinModel(), { engine: { restartMinMs: 20, restartMaxMs: 200 } });
const t0 = Date.now();
let report;
try {
  report = await killWhileStreaming(app, {
    kills, conversations, maxDelayMs, seed,
    onRound: (i) => { if (i % 10 === 0) console.log(`round ${i}/${kills} (${((Date.now() - t0) / 1000).toFixed(0)} s)`); },
  });
} finally { await app.dispose(); }
console.log(`kills ${report.kills}, turns ${report.turns}: ${report.interrupted} interrupted, ${report.done} done; ${((Date.now() - t0) / 1000).toFixed(0)} s`);
if (report.problems.length) {
  console.log(`PROBLEMS (${report.problems.length}):\n  ${report.problems.slice(0, 50).join('\n  ')}`);
  process.exitCode = 1;
} else console.log('no acknowledged message lost; store check clean; the next answers worked');
