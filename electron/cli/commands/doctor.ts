// cairn doctor [--json]
// What this machine gives Cairn: CPU features and the engine backends it can run (and the one chosen),
// transparent huge pages, C compilers, the optional test tools, the llama.cpp oracle and its CPU
// builds, Electron's binary; then which parts of `npm test` run here and which are skipped, and why.
// `npm test` prints this first; scripts/test-backends.mjs reads --json to pick its runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs, UsageError } from '../args.js';
import { BACKENDS, Model, type BackendName } from '../../engine/model.js';
import { builtinModel } from '../../main/builtin-model.js';

export const usage = 'doctor [--json]';

/** The repository root (from src/ or from dist/). */
const ROOT = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'native'))) {
    if (dirname(dir) === dir) throw new Error('cairn doctor: repository root not found');
    dir = dirname(dir);
  }
  return dir;
})();

export interface TestPart { part: string; runs: boolean; why: string }
export interface DoctorReport {
  platform: string; arch: string; cpu: string; features: string[];
  backends: Record<string, { available: boolean; why?: string }>;
  /** what auto picks; what a load without a backend gets (CAIRN_BACKEND, if set, else auto) */
  backendAuto: string; backendChosen: string; backendForced?: string;
  hugePages: string;
  compilers: Record<string, string | null>;
  tools: Record<string, string | null>;
  oracle: { installed: boolean; version?: string; variants: { variant: string; score: number }[]; auto?: string; pinned?: string };
  electron: { package?: string; binary: string | null; why?: string };
  numpy: boolean;
  tests: TestPart[];
}

/** x86 and arm features the kernels use, as /proc/cpuinfo names them. */
const FEATURES = ['avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512_vnni', 'avx512_bf16',
  'amx_tile', 'amx_int8', 'amx_bf16', 'asimd', 'asimddp', 'fphp', 'asimdhp'];

function cpuInfo(): { cpu: string; features: string[] } {
  let text = '';
  try { text = readFileSync('/proc/cpuinfo', 'utf8'); } catch { /* not Linux */ }
  const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim();
  const flags = new Set((field('flags') ?? field('Features') ?? '').split(/\s+/));
  return { cpu: field('model name') ?? field('CPU part') ?? process.arch, features: FEATURES.filter((f) => flags.has(f)) };
}

/** First line of `cmd --version`, or null when cmd is not on PATH. */
function version(cmd: string, arg = '--version'): string | null {
  const r = spawnSync(cmd, [arg], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || r.status !== 0) return null;
  return (r.stdout || r.stderr).split('\n').find((l) => l.trim())?.trim() ?? cmd;
}

function hugePages(): string {
  try {
    const s = readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim();
    const mode = /\[(\w+)\]/.exec(s)?.[1] ?? s;
    return `${mode} (${mode === 'always' || mode === 'madvise' ? 'weights copied into huge pages by default' : 'weights read from the file mapping'})`;
  } catch {
    return 'not available (weights read from the file mapping)';
  }
}

/** Loads the built-in model with each backend; `chosen` is what a load without one gets (CAIRN_BACKEND or auto). */
function probeBackends(): { backends: DoctorReport['backends']; auto: string; chosen: string } {
  const model = builtinModel();
  const backends: DoctorReport['backends'] = {};
  if (!model) return { backends, auto: 'unknown (no built-in model to load)', chosen: 'unknown' };
  const load = (b?: BackendName) => Model.load(model, { backend: b, threads: 1, weights: 'map' });
  for (const b of Object.keys(BACKENDS) as BackendName[]) {
    if (b === 'auto') continue;
    try { load(b).close(); backends[b] = { available: true }; } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      backends[b] = { available: false, why: /not available/.test(msg) ? `not on this CPU or build${b === 'amx' ? ' (no AMX-INT8, or the OS refused tile state)' : ''}` : msg };
    }
  }
  const backendOf = (b?: BackendName) => { const m = load(b); try { return m.info.backend; } finally { m.close(); } };
  return { backends, auto: backendOf('auto'), chosen: backendOf() };
}

async function oracleInfo(): Promise<DoctorReport['oracle']> {
  const dir = join(ROOT, 'test-support', 'llama');
  const pkg = join(dir, 'node_modules', 'node-llama-cpp', 'package.json');
  if (!existsSync(pkg)) return { installed: false, variants: [] };
  const out: DoctorReport['oracle'] = { installed: true, version: JSON.parse(readFileSync(pkg, 'utf8')).version, variants: [] };
  try {
    const cv = await import('../../../test-support/llama/cpu-variant.js');
    out.variants = cv.cpuVariants(dir).map(({ variant, score }) => ({ variant, score }));
    out.auto = cv.autoCpuVariant(dir);
  } catch { /* a single CPU build (arm64, macOS) */ }
  if (process.env.CAIRN_ORACLE_CPU) out.pinned = process.env.CAIRN_ORACLE_CPU;
  return out;
}

/** Electron's package and binary, through the check `npm start` and the _electron specs use
 *  (scripts/electron-binary.mjs: never triggers the download that `require('electron')` would). */
async function electronInfo(): Promise<DoctorReport['electron']> {
  const req = createRequire(join(ROOT, 'package.json'));
  let pkg: string | undefined;
  try { pkg = JSON.parse(readFileSync(req.resolve('electron/package.json'), 'utf8')).version as string; } catch { /* not installed: said below */ }
  const { findElectronBinary } = (await import(pathToFileURL(join(ROOT, 'scripts', 'electron-binary.mjs')).href)) as
    { findElectronBinary(): { path: string } | { missing: string } };
  const found = findElectronBinary();
  return { ...(pkg ? { package: pkg } : {}), ...('path' in found ? { binary: found.path } : { binary: null, why: found.missing }) };
}

/** Which parts of `npm test` run here (the same conditions the scripts check). */
function testPlan(r: Omit<DoctorReport, 'tests'>): TestPart[] {
  const x86 = r.arch === 'x64', arm = r.arch === 'arm64';
  const t = r.tools;
  const parts: TestPart[] = [
    { part: 'native:test', runs: !!r.compilers.cc, why: r.compilers.cc ? `C tests with cc, every backend this CPU runs (${Object.keys(r.backends).filter((b) => r.backends[b].available).join(', ')})` : 'no C compiler (cc)' },
    { part: 'native:asan', runs: !!r.compilers.cc, why: r.compilers.clang ? 'ASan+UBSan, built with clang' : 'ASan+UBSan built with cc: clang not installed (apt-get install clang libclang-rt-14-dev)' },
    { part: 'native:neon', runs: !!(t['aarch64-linux-gnu-gcc'] && t['qemu-aarch64']), why: t['aarch64-linux-gnu-gcc'] && t['qemu-aarch64'] ? 'arm64 build under qemu-aarch64' : 'needs gcc-aarch64-linux-gnu and qemu-user' },
    { part: 'native:avx2-only', runs: x86 && !!t['qemu-x86_64'], why: !x86 ? 'x86-64 only' : t['qemu-x86_64'] ? 'C tests under qemu-x86_64 -cpu Haswell (no AVX-512, no AMX)' : 'needs qemu-user (qemu-x86_64)' },
  ];
  for (const b of ['reference', 'avx2', 'avx512', 'amx', 'neon']) {
    if ((b === 'neon' && !arm) || ((b === 'avx2' || b === 'avx512' || b === 'amx') && !x86)) continue;
    const s = r.backends[b];
    parts.push(!s?.available ? { part: `engine tests, backend ${b}`, runs: false, why: s?.why ?? 'unknown' }
      : b === r.backendAuto ? { part: `engine tests, backend ${b}`, runs: true, why: 'in the main vitest run (auto picks it)' }
        : { part: `engine tests, backend ${b}`, runs: true, why: `CAIRN_BACKEND=${b}` });
  }
  parts.push({ part: 'llama.cpp oracle', runs: r.oracle.installed, why: r.oracle.installed ? `node-llama-cpp ${r.oracle.version}, CPU build ${r.oracle.pinned ?? r.oracle.auto ?? 'its only one'}` : 'not installed (node scripts/oracle-install.mjs)' });
  parts.push({ part: 'xxhsum cross-check', runs: !!t.xxhsum, why: t.xxhsum ? 'snapshot data_xxh64 vs xxhsum -H1' : 'xxhsum not installed (apt-get install xxhash)' });
  parts.push({ part: 'Python snapshot reader', runs: !!t.python3, why: t.python3 ? 'an independent safetensors parser reads .cairn files' : 'python3 not installed' });
  parts.push({ part: 'numpy view of a snapshot', runs: r.numpy, why: r.numpy ? 'numpy reads k.0 as float16' : 'python3 with numpy not installed' });
  parts.push({ part: 'libFuzzer (10 s in vitest)', runs: !!r.compilers.clang, why: r.compilers.clang ? 'the GGUF reader under libFuzzer' : 'clang not installed (apt-get install clang libclang-rt-14-dev)' });
  parts.push({ part: 'Chromium e2e (e2e/*.spec.ts)', runs: !!t.chromium, why: t.chromium ? 'the chat window in Chromium against a real cairn serve' : 'chromium not installed (apt-get install chromium)' });
  parts.push({ part: 'Electron specs (e2e/electron)', runs: !!r.electron.binary, why: r.electron.binary ? 'the _electron specs against the real app' : r.electron.why ?? 'no Electron binary' });
  return parts;
}

export async function doctorReport(): Promise<DoctorReport> {
  const { cpu, features } = cpuInfo();
  const { backends, auto, chosen } = probeBackends();
  const r: Omit<DoctorReport, 'tests'> = {
    platform: process.platform, arch: process.arch, cpu, features, backends, backendAuto: auto, backendChosen: chosen,
    ...(process.env.CAIRN_BACKEND ? { backendForced: process.env.CAIRN_BACKEND } : {}),
    hugePages: hugePages(),
    compilers: { cc: version('cc'), gcc: version('gcc'), clang: version('clang') },
    tools: Object.fromEntries(['aarch64-linux-gnu-gcc', 'qemu-aarch64', 'qemu-x86_64', 'xxhsum', 'chromium', 'python3']
      .map((c) => [c, version(c)])),
    oracle: await oracleInfo(),
    electron: await electronInfo(),
    numpy: spawnSync('python3', ['-c', 'import numpy'], { timeout: 20_000 }).status === 0,
  };
  return { ...r, tests: testPlan(r) };
}

export function formatDoctor(r: DoctorReport): string {
  const row = (label: string, value: string) => `  ${`${label}:`.padEnd(24)}${value}`;
  const have = (v: string | null) => v ?? 'not found';
  const avail = Object.entries(r.backends).map(([b, s]) => (s.available ? b : `${b} (no: ${s.why})`));
  const runs = r.oracle.variants.filter((v) => v.score > 0).map((v) => v.variant);
  return [
    `cairn doctor — ${r.platform} ${r.arch}, ${r.cpu}`,
    row('CPU features', r.features.join(' ') || '(none of the ones Cairn uses)'),
    row('backends', avail.join(', ')),
    row('chosen', `${r.backendChosen}${r.backendForced ? ` (CAIRN_BACKEND=${r.backendForced}; auto would pick ${r.backendAuto})` : ' (auto)'}`),
    row('huge pages', r.hugePages),
    ...Object.entries(r.compilers).map(([c, v]) => row(c, have(v))),
    ...Object.entries(r.tools).map(([c, v]) => row(c, have(v))),
    row('llama.cpp', `${r.oracle.installed ? `node-llama-cpp ${r.oracle.version}` : 'not installed'}${runs.length
      ? `; CPU builds this CPU runs: ${runs.join(', ')}; picks ${r.oracle.auto}${r.oracle.pinned ? `, pinned ${r.oracle.pinned} (CAIRN_ORACLE_CPU)` : ''}` : ''}`),
    row('electron', `${r.electron.package ? `package ${r.electron.package}, ` : ''}${r.electron.binary ?? r.electron.why}`),
    'npm test here:',
    ...r.tests.map((t) => `  ${t.runs ? 'runs   ' : 'SKIPPED'} ${t.part}: ${t.why}`),
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { positional, opts } = parseArgs(argv, []);
    if (positional.length) throw new UsageError(`usage: cairn ${usage}`);
    const r = await doctorReport();
    console.log(opts.json ? JSON.stringify(r, null, 2) : formatDoctor(r));
    return 0;
  } catch (e) {
    if (e instanceof UsageError) { console.error(`cairn doctor: ${e.message}`); return 1; }
    throw e;
  }
}
