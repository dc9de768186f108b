#!/usr/bin/env node
// Fuzzes the GGUF reader with libFuzzer (clang -fsanitize=fuzzer,address,undefined).
//   node scripts/fuzz.mjs [--seconds N] [--replay] [--jobs J]
//     --seconds N  run time (default 60)
//     --replay     only run the corpus once (regression check under ASan+UBSan)
// Builds build/fuzz/fuzz-gguf from native/fuzz/fuzz-gguf.c and the reader's sources, seeds
// build/fuzz/corpus with small valid files made by electron/engine/gguf-writer.ts, runs,
// prints "fuzz-gguf: execs N, crashes K". Exit 1 on a crash, 2 if clang/libFuzzer is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const seconds = Number(opt('--seconds', '60'));
const replay = args.includes('--replay');
const out = join(root, 'build', 'fuzz');
const corpus = join(out, 'corpus');
const crashes = join(out, 'crashes');
mkdirSync(corpus, { recursive: true });
mkdirSync(crashes, { recursive: true });

// The reader and what it links against (kept minimal so other engine files in progress
// cannot break the fuzz build).
const sources = ['native/fuzz/fuzz-gguf.c', 'native/src/gguf.c', 'native/src/quants.c', 'native/src/error.c'].map((f) => join(root, f));
const headers = readdirSync(join(root, 'native', 'src')).filter((f) => f.endsWith('.h')).map((f) => join(root, 'native', 'src', f))
  .concat(join(root, 'native', 'include', 'cairn.h'));
const exe = join(out, 'fuzz-gguf');

const cc = process.env.FUZZ_CC || (spawnSync('sh', ['-c', 'command -v clang']).status === 0 ? 'clang' : 'clang-14');
const newest = (ps) => Math.max(...ps.map((p) => statSync(p).mtimeMs));
if (!existsSync(exe) || statSync(exe).mtimeMs < newest([...sources, ...headers, fileURLToPath(import.meta.url)])) {
  const r = spawnSync(cc, ['-std=c11', '-D_GNU_SOURCE', '-g', '-O1', '-fsanitize=fuzzer,address,undefined',
    '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer', '-I', join(root, 'native', 'include'),
    '-I', join(root, 'native', 'src'), ...sources, '-o', exe, '-lm'], { stdio: 'inherit' });
  if (r.error || r.status !== 0) {
    console.error(`fuzz: cannot build with ${cc} -fsanitize=fuzzer (apt-get install clang libclang-rt-14-dev)`);
    process.exit(2);
  }
}

// Seeds: small valid files from the project's writer (transpiled on the fly, no build step).
const ts = (await import('typescript')).default;
for (const f of ['gguf-writer', 'ggml-types']) { // (the writer imports ./ggml-types.js)
  const src = readFileSync(join(root, 'electron', 'engine', `${f}.ts`), 'utf8');
  writeFileSync(join(out, `${f}.js`), ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
}
const { GgufWriter } = await import(pathToFileURL(join(out, 'gguf-writer.js')).href);
const { GGML_TYPE, GGML_TYPE_INFO, GGUF_VALUE, tensorBytes } = await import(pathToFileURL(join(out, 'ggml-types.js')).href);
const fill = (n, s) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + s) & 0xff);
const seeds = {
  'empty.gguf': new GgufWriter().toBuffer(),
  'v2.gguf': new GgufWriter().setString('general.architecture', 'llama').toBuffer({ version: 2 }),
  'values.gguf': new GgufWriter().setU8('a', 1).setI8('b', -1).setU16('c', 2).setI16('d', -2).setU32('e', 3)
    .setI32('f', -3).setF32('g', 1.5).setBool('h', true).setString('i', 'str').setU64('j', 5n).setI64('k', -5n)
    .setF64('l', 2.5).setArray('m', GGUF_VALUE.STRING, ['a', 'bc', '']).setArray('n', GGUF_VALUE.BOOL, [true, false])
    .setArray('o', GGUF_VALUE.F32, [1, 2]).toBuffer(),
  'align1.gguf': new GgufWriter().setU32('general.alignment', 1).addTensor('t', GGML_TYPE.F16, [3], fill(6, 1)).toBuffer(),
};
{
  const w = new GgufWriter().setString('general.architecture', 'llama').setU32('llama.block_count', 1)
    .setF32('llama.rope.freq_base', 10000).setArray('tokenizer.ggml.tokens', GGUF_VALUE.STRING, ['<s>', '</s>', 'a']);
  for (const [k, type] of [GGML_TYPE.F32, GGML_TYPE.Q8_0, GGML_TYPE.Q4_K, GGML_TYPE.Q6_K].entries()) {
    const ne = [GGML_TYPE_INFO[type].blck, 1];
    w.addTensor(`blk.0.w${k}`, type, ne, fill(tensorBytes(type, ne), k));
  }
  seeds['tensors.gguf'] = w.toBuffer();
}
for (const [name, buf] of Object.entries(seeds)) writeFileSync(join(corpus, `seed-${name}`), buf);
writeFileSync(join(out, 'gguf.dict'), ['"GGUF"', '"general.alignment"', '"general.architecture"', '"\\x03\\x00\\x00\\x00"',
  '"\\x00\\x00\\x00\\x03"', '"\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff"', '"\\x00\\x00\\x00\\x80"', '"\\x00\\x00\\x01\\x00"'].join('\n') + '\n');

const fuzzArgs = [corpus, `-dict=${join(out, 'gguf.dict')}`, `-artifact_prefix=${crashes}/`, '-max_len=16384', '-timeout=10',
  '-rss_limit_mb=2048', '-malloc_limit_mb=1024', '-print_final_stats=1',
  ...(replay ? ['-runs=0'] : [`-max_total_time=${seconds}`])];
console.log(`fuzz: ${exe} ${fuzzArgs.join(' ')}`);
const child = spawn(exe, fuzzArgs, {
  stdio: ['ignore', 'pipe', 'pipe'],
  env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' },
});
let log = '';
const keep = (d) => { log += d; if (log.length > 1 << 20) log = log.slice(-(1 << 19)); };
child.stdout.on('data', keep);
child.stderr.on('data', (d) => { keep(d); if (/ERROR|SUMMARY|crash|deadly/.test(String(d))) process.stderr.write(d); });
const code = await new Promise((res) => child.on('exit', (c, sig) => res(c ?? (sig ? 128 : 1))));
const execs = Number((/stat::number_of_executed_units:\s*(\d+)/.exec(log) ?? [])[1] ?? NaN);
const corpusSize = readdirSync(corpus).length;
const found = readdirSync(crashes).filter((f) => /^(crash|leak|timeout|oom)-/.test(f));
const crashed = code !== 0 || /==\d+==ERROR|runtime error:/.test(log);
console.log(`fuzz-gguf: execs ${execs}, crashes ${crashed ? Math.max(1, found.length) : 0}, corpus ${corpusSize} files, ` +
  `${replay ? 'replay' : `${seconds} s`}, exit ${code}`);
if (crashed) {
  console.error(log.split('\n').slice(-40).join('\n'));
  console.error(`fuzz: artifacts in ${crashes}`);
  process.exit(1);
}
