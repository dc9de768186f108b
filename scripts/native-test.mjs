#!/usr/bin/env node
// Builds and runs the C tests in native/tests/test-*.c against the engine sources.
//   (default)  host build, -O2
//   --asan     host build with AddressSanitizer + UBSan (clang where installed, else cc)
//   --neon     cross-build for arm64 with aarch64-linux-gnu-gcc and run under qemu-aarch64
//              (skips with a message when the cross tools are not installed)
//   --qemu-cpu M  the host build run under qemu-x86_64 -cpu M (e.g. Haswell: AVX2 without AVX-512 or
//              AMX), so the CPU detection and the AVX2 kernels run as on such a CPU (QEMU's TCG has no
//              AVX-512; skips with a message when qemu-user is not installed)
// Each test binary exits 0 on success; its output is shown.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, dirname, basename } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const asan = args.includes('--asan');
const neon = args.includes('--neon');
const qemuOpt = args.indexOf('--qemu-cpu');
const qemuCpu = qemuOpt >= 0 ? args[qemuOpt + 1] : undefined;
const only = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--out' && args[i - 1] !== '--qemu-cpu');

function have(cmd) { return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0; }

// the sanitizer build prefers clang, so both compilers build the engine on every run (macOS builds
// with clang; gcc builds the host run)
const cc = neon ? 'aarch64-linux-gnu-gcc' : (process.env.CC || (asan && have('clang') ? 'clang' : 'cc'));
if (neon && !(have(cc) && have('qemu-aarch64'))) {
  console.log('native:test --neon skipped: needs gcc-aarch64-linux-gnu and qemu-user (apt-get install gcc-aarch64-linux-gnu qemu-user)');
  process.exit(0);
}
if (qemuCpu && !(process.arch === 'x64' && have('qemu-x86_64'))) {
  console.log(`native:test --qemu-cpu skipped: ${process.arch === 'x64' ? 'needs qemu-user (apt-get install qemu-user)' : 'x86-64 hosts only'}`);
  process.exit(0);
}
const outOpt = args.indexOf('--out');
const out = outOpt >= 0 ? args[outOpt + 1] : join(root, 'build', neon ? 'native-neon' : asan ? 'native-asan' : 'native-test');
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--out', out, '--cc', cc,
  ...(neon ? ['--arch', 'arm64'] : []), ...(asan ? ['--asan'] : [])], { stdio: 'inherit' });
if (build.status !== 0) process.exit(1);

const objDir = join(out, 'obj');
const objs = readdirSync(objDir).filter((f) => f.endsWith('.o')).map((f) => join(objDir, f));
const testDir = join(root, 'native', 'tests');
const tests = readdirSync(testDir).filter((f) => /^test-.*\.c$/.test(f)).filter((f) => !only.length || only.some((o) => f.includes(o)));
mkdirSync(join(out, 'tests'), { recursive: true });
let failed = 0;
for (const t of tests) {
  const exe = join(out, 'tests', basename(t, '.c'));
  const flags = ['-std=c11', '-D_GNU_SOURCE', '-ffp-contract=off', '-I', join(root, 'native', 'include'), '-I', join(root, 'native', 'src'),
    ...(asan ? ['-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined'] : ['-O2']),
    ...(neon ? ['-static'] : [])];
  const c = spawnSync(cc, [...flags, join(testDir, t), ...objs, '-o', exe, '-lm', '-lpthread'], { stdio: 'inherit' });
  if (c.status !== 0) { failed++; continue; }
  const runner = neon ? ['qemu-aarch64', ['-L', '/usr/aarch64-linux-gnu', exe]] : qemuCpu ? ['qemu-x86_64', ['-cpu', qemuCpu, exe]] : [exe, []];
  const r = spawnSync(runner[0], runner[1], { stdio: ['inherit', 'inherit', qemuCpu ? 'pipe' : 'inherit'], env: { ...process.env, UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' } });
  // qemu warns on stderr for each host CPUID bit its TCG lacks: keep only the test's own lines
  if (qemuCpu) process.stderr.write(String(r.stderr ?? '').split('\n').filter((l) => l && !l.includes("TCG doesn't support")).map((l) => `${l}\n`).join(''));
  console.log(`${r.status === 0 ? 'PASS' : 'FAIL'} ${t}${neon ? ' (arm64 under qemu)' : asan ? ' (asan+ubsan)' : qemuCpu ? ` (qemu-x86_64 -cpu ${qemuCpu})` : ''}`);
  if (r.status !== 0) failed++;
}
if (failed) { console.error(`${failed} native test(s) failed`); process.exit(1); }
