#!/usr/bin/env node
// The Metal backend's checks (metal/). What runs depends on the machine:
//   Linux (and any machine without Apple's GPU): the kernels compiled as C++ against the shim
//     (metal/tests/shim), the engine built with -DCAIRN_METAL over the shim's device layer, and
//     metal/tests/test-metal.c: every op and weight type against the CPU reference, whole forward
//     passes against the engine's reference backend. Then the embedded kernel source must compile as
//     C, and metal-device.m must pass clang's Objective-C front end (syntax only) against the stub
//     declarations in metal/tests/stub (skipped with a message without clang).
//   macOS arm64: the same test-metal.c linked with the real device layer, run on the GPU.
// Usage: node scripts/metal-test.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeEmbedded } from './metal-embed.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const gpu = process.platform === 'darwin' && process.arch === 'arm64';
const out = join(root, 'build', gpu ? 'metal-gpu-test' : 'metal-test');
const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const cc = process.env.CC || (gpu ? 'clang' : 'cc');
const cxx = process.env.CXX || ['c++', 'g++', 'clang++'].find(have);
if (!gpu && !cxx) { console.error('metal:test needs a C++ compiler for the kernel shim (apt-get install g++ or clang)'); process.exit(1); }

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) { console.error(`metal:test: ${what} failed`); process.exit(1); }
}

mkdirSync(join(out, 'tests'), { recursive: true });
run(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--out', out, '--cc', cc, ...(gpu ? [] : ['--metal-shim'])], 'the engine build');
const objDir = join(out, 'obj');
const objs = readdirSync(objDir).filter((f) => f.endsWith('.o') && f !== 'shim-device.o').map((f) => join(objDir, f));
const inc = ['-I', join(root, 'native', 'include'), '-I', join(root, 'native', 'src')];
if (!gpu) {
  // -fsigned-char: Metal's char is signed; -U_FORTIFY_SOURCE: the fibers longjmp between stacks
  run(cxx, ['-std=c++17', '-O2', '-fsigned-char', '-U_FORTIFY_SOURCE', '-Wall', '-Wno-attributes', '-Wno-unknown-attributes',
    '-Wno-unknown-warning-option', '-Wno-unused-parameter', '-Wno-unused-function', '-I', join(root, 'metal', 'tests', 'shim'), ...inc,
    '-I', join(root, 'metal'), '-c', join(root, 'metal', 'tests', 'shim-device.cpp'), '-o', join(objDir, 'shim-device.o')], 'the kernel shim build');
  objs.push(join(objDir, 'shim-device.o'));
}
const exe = join(out, 'tests', 'test-metal');
run(cc, ['-std=c11', '-D_GNU_SOURCE', '-O2', '-Wall', ...inc, ...(gpu ? ['-DCAIRN_METAL_GPU_TEST'] : []), '-c',
  join(root, 'metal', 'tests', 'test-metal.c'), '-o', join(out, 'tests', 'test-metal.o')], 'the test build');
run(gpu ? cc : cxx, [join(out, 'tests', 'test-metal.o'), ...objs, '-o', exe, '-lm',
  ...(gpu ? ['-framework', 'Metal', '-framework', 'Foundation'] : ['-lpthread'])], 'the test link');
const t = spawnSync(exe, [], { stdio: 'inherit' });
console.log(`${t.status === 0 ? 'PASS' : 'FAIL'} test-metal (${gpu ? 'on the GPU' : 'kernels on the CPU shim'})`);
if (t.status !== 0) process.exit(1);

if (!gpu) {
  const src = join(out, 'metal-source.c');
  writeEmbedded(src);
  run(cc, ['-std=c11', '-Wall', '-Wextra', '-Werror', '-c', src, '-o', join(out, 'metal-source.o')], 'the embedded kernel source (as C)');
  console.log('PASS embedded kernel source compiles as C');
  if (have('clang')) {
    run('clang', ['-fsyntax-only', '-x', 'objective-c', '-fobjc-runtime=macosx-11.0', '-fblocks', '-std=c11', '-D_GNU_SOURCE', '-Wall', '-Wextra', '-Werror',
      '-Wno-unused-parameter', '-DCAIRN_METAL', '-I', join(root, 'metal', 'tests', 'stub'), '-I', join(root, 'native', 'include'),
      join(root, 'metal', 'metal-device.m')], 'the Objective-C syntax check');
    console.log('PASS metal-device.m: clang Objective-C syntax check against the stub declarations');
  } else console.log('metal:test: Objective-C syntax check skipped: needs clang (apt-get install clang)');
}
