#!/usr/bin/env node
// Builds native/ into build/native/libcairn.{so,dylib,dll} with only a C compiler (cc, gcc or clang).
// Per-ISA kernel files get their own -m flags; the engine picks among them at run time.
// On macOS arm64 the Metal backend (metal/) is built in too: -DCAIRN_METAL, its C and Objective-C files,
// the kernels embedded as source (scripts/metal-embed.mjs), linked with -framework Metal and Foundation.
// --metal-shim (scripts/metal-test.mjs) compiles the engine with -DCAIRN_METAL and metal-forward.c but
// links nothing: the Linux check supplies the device layer itself.
// Usage: node scripts/build-native.mjs [--cc CC] [--out DIR] [--asan] [--debug] [--arch x64|arm64] [--no-metal] [--metal-shim]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { join, dirname, basename, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedInputs, writeEmbedded } from './metal-embed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const flag = (name) => args.includes(name);

const arch = opt('--arch', process.arch);
const cc = opt('--cc', process.env.CC || (process.platform === 'darwin' ? 'clang' : 'cc'));
const outDir = opt('--out', join(root, 'build', 'native'));
const asan = flag('--asan');
const debug = flag('--debug') || asan;
const ext = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
const lib = join(outDir, `libcairn.${ext}`);
const metal = flag('--metal-shim') ? 'shim' : process.platform === 'darwin' && arch === 'arm64' && !flag('--no-metal') ? 'device' : null;

// Kernel files compiled only for their architecture, with the flags they need.
const isaFlags = {
  'kernels-x86.c': arch === 'x64' ? ['-mavx2', '-mfma', '-mf16c'] : null,
  'kernels-avx512.c': arch === 'x64'
    ? ['-mavx2', '-mfma', '-mf16c', '-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mavx512vnni']
    : null,
  'kernels-amx.c': arch === 'x64'
    ? ['-mavx2', '-mfma', '-mf16c', '-mavx512f', '-mavx512bw', '-mavx512vl', '-mavx512dq', '-mavx512vnni', '-mamx-tile', '-mamx-int8']
    : null,
  'kernels-neon.c': arch === 'arm64' ? ['-march=armv8.2-a+dotprod+fp16'] : null,
  // modules: the object names Metal and Foundation itself (autolink), so programs that link the engine's
  // objects without -framework flags (the C tests) still link
  'metal-device.m': ['-fmodules'],
};

const srcDir = join(root, 'native', 'src');
const metalDir = join(root, 'metal');
const sources = [
  ...readdirSync(srcDir).filter((f) => f.endsWith('.c')).filter((f) => !(f in isaFlags) || isaFlags[f] !== null).map((f) => join(srcDir, f)),
  ...(metal ? [join(metalDir, 'metal-forward.c')] : []),
  ...(metal === 'device' ? [join(metalDir, 'metal-device.m'), join(outDir, 'metal-source.c')] : []),
];
// -ffp-contract=off: a*b + c is two roundings everywhere, as written (gcc's default in ISO C mode,
// not clang's); fused multiply-adds are explicit intrinsics (_mm256_fmadd_ps, vfmaq_f32). The SIMD paths
// that must give the scalar reference's exact bits (rope_f16 in the kernel tables) rely on it.
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version; // the one version string
const common = [
  `-DCAIRN_VERSION="${version}"`, '-std=c11', '-D_GNU_SOURCE', '-fPIC', '-fvisibility=hidden', '-ffp-contract=off', '-Wall', '-Wextra', '-Wno-unused-parameter',
  '-I', join(root, 'native', 'include'),
  ...(debug ? ['-O1', '-g'] : ['-O2', '-DNDEBUG']),
  ...(asan ? ['-fsanitize=address,undefined', '-fno-omit-frame-pointer', '-fno-sanitize-recover=undefined'] : []),
  ...(arch === 'arm64' && !isaFlags['kernels-neon.c'] ? [] : []),
  ...(metal ? ['-DCAIRN_METAL'] : []),
];

function newest(paths) { return Math.max(...paths.map((p) => statSync(p).mtimeMs)); }

mkdirSync(join(outDir, 'obj'), { recursive: true });
// objects made by another compiler (or with other flags) are not reused
const keyFile = join(outDir, 'obj', 'build-key.json'), key = JSON.stringify({ cc, common, isaFlags });
const sameKey = existsSync(keyFile) && readFileSync(keyFile, 'utf8') === key;
const headers = [join(root, 'native', 'include', 'cairn.h'), ...readdirSync(srcDir).filter((f) => f.endsWith('.h')).map((f) => join(srcDir, f)),
  ...(metal ? readdirSync(metalDir).filter((f) => f.endsWith('.h')).map((f) => join(metalDir, f)) : [])];
const headerTime = newest(headers);

function compile(src) {
  const file = basename(src);
  const obj = join(outDir, 'obj', basename(file, extname(file)) + '.o');
  // a source that #includes another .c file (kernels-avx512.c includes kernels-x86.c) depends on it
  const included = [...readFileSync(src, 'utf8').matchAll(/#include\s+"([^"]+\.c)"/g)].map((m) => join(srcDir, m[1]));
  const deps = [src, ...included, fileURLToPath(import.meta.url), ...(file === 'metal-source.c' ? embedInputs : [])];
  if (sameKey && existsSync(obj) && statSync(obj).mtimeMs > Math.max(newest(deps), headerTime)) return Promise.resolve(obj);
  const argv = [...common, ...(isaFlags[file] ?? []), '-c', src, '-o', obj];
  return new Promise((resolve, reject) => {
    const p = spawn(cc, argv, { stdio: ['ignore', 'inherit', 'inherit'] });
    p.on('error', (e) => reject(new Error(`cannot run the C compiler '${cc}': ${e.message}. Install a C compiler (gcc or clang) and run npm install again.`)));
    p.on('exit', (code) => (code === 0 ? resolve(obj) : reject(new Error(`${cc} failed on ${file}`))));
  });
}

// the kernels' source, embedded (rewritten only when a kernel file is newer)
const embedded = join(outDir, 'metal-source.c');
if (metal === 'device' && (!existsSync(embedded) || statSync(embedded).mtimeMs < newest(embedInputs))) writeEmbedded(embedded);

// Compile with as many jobs as cores.
const jobs = Math.max(1, (await import('node:os')).availableParallelism());
const queue = [...sources];
const objs = [];
await Promise.all(Array.from({ length: jobs }, async () => {
  while (queue.length) { const f = queue.shift(); objs.push(await compile(f)); }
}));
// an object whose source is gone (a renamed or deleted file) would still be linked by whoever globs obj/
const current = new Set(objs.map((o) => basename(o)));
for (const f of readdirSync(join(outDir, 'obj'))) if (f.endsWith('.o') && !current.has(f)) rmSync(join(outDir, 'obj', f));
if (metal === 'shim') { writeFileSync(keyFile, key); console.log(`built the engine's objects for the Metal check in ${join(outDir, 'obj')}`); process.exit(0); }
const linkArgs = [...common, '-shared', '-o', lib, ...objs.sort(), '-lm', ...(process.platform === 'linux' ? ['-lpthread'] : []),
  ...(metal === 'device' ? ['-framework', 'Metal', '-framework', 'Foundation'] : [])];
execFileSync(cc, linkArgs, { stdio: 'inherit' });
writeFileSync(keyFile, key);
console.log(`built ${lib}`);
