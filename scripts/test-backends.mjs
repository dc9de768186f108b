#!/usr/bin/env node
// Runs the engine's Vitest suites (model, oracle, context shift, built-in model) once per engine
// backend this CPU can execute, forced with CAIRN_BACKEND, beside the llama.cpp CPU build a CPU of
// that kind would get (CAIRN_ORACLE_CPU; where this CPU can run it). So the path an AVX2-only or
// AVX-512-without-AMX machine takes is run here too, against the llama.cpp build it would use there.
// The backend `auto` picks is covered by the main `vitest run`. Which runs and which are skipped
// (and why) comes from `cairn doctor --json`. Extra arguments are passed to vitest.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = ['electron/engine/model.test.ts', 'electron/engine/oracle.test.ts', 'electron/engine/kv-shift.test.ts',
  'electron/engine/builtin-model.test.ts'];
// the plain llama.cpp build of each class of CPU (x64, haswell, skylakex, sapphirerapids)
const { LLAMA_CPU_CLASS } = await import(pathToFileURL(join(root, 'dist', 'test-support', 'llama', 'cpu-variant.js')).href);

const doc = spawnSync(process.execPath, [join(root, 'bin', 'cairn.js'), 'doctor', '--json'], { encoding: 'utf8' });
if (doc.status !== 0) { console.error(`test-backends: cairn doctor failed\n${doc.stderr}`); process.exit(1); }
const report = JSON.parse(doc.stdout);
const runnable = new Set(report.oracle.variants.filter((v) => v.score > 0).map((v) => v.variant));

let failed = 0;
for (const t of report.tests) {
  const m = /^engine tests, backend (\w+)$/.exec(t.part);
  if (!m) continue;
  const backend = m[1];
  if (!t.runs || !t.why.startsWith('CAIRN_BACKEND')) { console.log(`test-backends: ${backend}: ${t.runs ? '' : 'skipped: '}${t.why}`); continue; }
  const llama = LLAMA_CPU_CLASS[backend]?.[0];
  const pin = llama && runnable.has(llama) ? llama : undefined;
  console.log(`test-backends: CAIRN_BACKEND=${backend}, llama.cpp CPU build ${pin ?? `${report.oracle.auto ?? 'its only one'} (${llama ? `${llama} cannot run here` : 'no pinning on this platform'})`}`);
  const env = { ...process.env, CAIRN_BACKEND: backend, ...(pin ? { CAIRN_ORACLE_CPU: pin } : {}) };
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...SUITES, ...process.argv.slice(2)],
    { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) { failed++; console.error(`test-backends: FAIL with CAIRN_BACKEND=${backend}`); }
}
if (failed) process.exit(1);
