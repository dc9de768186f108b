// llama-capi.ts — builds (on first use) and runs bench/llama-capi.c, llama.cpp's speed measured
// through its C API with node-llama-cpp's prebuilt libllama (no JS layer in the timed loop).
//
//   const r = await runLlamaCapi({ model, threads: 2, prefill: 512, decode: 128, reps: 3 });
//   r.prefill_tps.median, r.decode_tps.median, r.backend.variant
//
// Build: node-llama-cpp is installed into test-support/llama (scripts/oracle-install.mjs), its
// llama.cpp sources (llama/gitRelease.bundle) are cloned into build/llama-src for llama.h and the
// ggml headers, and `cc` links the program against the prebuilt libllama/libggml with an rpath.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bench', 'llama-capi.c'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('llama-capi: repository root not found');
}

export interface LlamaCapiStats { median: number; min: number; max: number; runs: number[] }

export interface LlamaCapiResult {
  engine: 'llama.cpp';
  model: string;
  model_desc: string;
  model_size: number;
  model_n_params: number;
  n_vocab: number;
  threads: number;
  prefill: number;
  decode: number;
  reps: number;
  warmup: number;
  n_ctx: number;
  n_ubatch: number;
  flash_attn: string;
  use_extra_bufts: boolean;
  load_mode: string;
  /** The ggml CPU variant in use (e.g. "sapphirerapids"), its library, score and features. */
  backend: { variant: string; path: string; score: number; forced: boolean; features: Record<string, string> };
  system_info: string;
  load_s: number;
  /** tokens/s of a P-token prefill (one batch). */
  prefill_tps: LlamaCapiStats;
  /** tokens/s of D single-token decode steps. */
  decode_tps: LlamaCapiStats;
  checksum: number;
  /** llama.cpp commit of node-llama-cpp's bundled sources. */
  llama_commit?: string;
  node_llama_cpp?: string;
}

export interface LlamaCapiOptions {
  model: string;
  threads?: number;        // default 2
  prefill?: number;        // default 512
  decode?: number;         // default 128
  reps?: number;           // default 3
  warmup?: number;         // default 1
  /** 'auto' (what node-llama-cpp picks: the best-scoring libggml-cpu-*.so), a variant name, or a path. */
  backend?: string;
  flashAttn?: 'auto' | 'on' | 'off';
  ubatch?: number;
  timeoutMs?: number;      // default 30 min
}

interface Paths { root: string; oracle: string; src: string; out: string; bin: string }

function paths(): Paths {
  const root = findRoot();
  const oracle = join(root, 'test-support', 'llama');
  return {
    root, oracle, src: join(root, 'build', 'llama-src'),
    out: join(root, 'build', 'llama-capi'), bin: join(root, 'build', 'llama-capi', 'llama-capi'),
  };
}

/** Directory of node-llama-cpp's prebuilt CPU libllama for this platform. */
export function llamaLibDir(oracleDir = paths().oracle): string {
  const scope = join(oracleDir, 'node_modules', '@node-llama-cpp');
  if (!existsSync(scope)) throw new Error(`llama-capi: ${scope} missing (run node scripts/oracle-install.mjs)`);
  const plat = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : process.platform;
  const want = `${plat}-${process.arch}`;
  const pkgs = readdirSync(scope).filter((d) => d === want || d.startsWith(`${want}-`));
  // Prefer the plain CPU package (linux-x64) over cuda/vulkan; on macOS the metal one is the default.
  pkgs.sort((a, b) => (a === want ? -1 : b === want ? 1 : a.includes('metal') ? -1 : b.includes('metal') ? 1 : a.localeCompare(b)));
  for (const p of pkgs) {
    const bins = join(scope, p, 'bins');
    if (!existsSync(bins)) continue;
    for (const sub of readdirSync(bins)) {
      const d = join(bins, sub);
      if (readdirSync(d).some((f) => /^libllama[.\w-]*\.(so|dylib)$/.test(f))) return d;
    }
  }
  throw new Error(`llama-capi: no prebuilt libllama for ${want} under ${scope}`);
}

function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`llama-capi: ${cmd} ${args.join(' ')} failed:\n${r.stderr || r.stdout || r.error}`);
}

/** Builds build/llama-capi/llama-capi if it is missing or stale; returns its path. */
export function ensureLlamaCapi(): string {
  const p = paths();
  if (!existsSync(join(p.oracle, 'node_modules', 'node-llama-cpp', 'package.json'))) {
    run(process.execPath, [join(p.root, 'scripts', 'oracle-install.mjs')]);
  }
  const libDir = llamaLibDir(p.oracle);
  const bundle = join(p.oracle, 'node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
  if (!existsSync(join(p.src, 'include', 'llama.h'))) {
    mkdirSync(dirname(p.src), { recursive: true });
    run('git', ['clone', '--quiet', bundle, p.src]);
  }
  const stampFile = join(p.out, 'stamp.json');
  const source = join(p.root, 'bench', 'llama-capi.c');
  const stamp = JSON.stringify({ libDir, bundleMtime: statSync(bundle).mtimeMs, sourceMtime: statSync(source).mtimeMs });
  if (existsSync(p.bin) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return p.bin;
  mkdirSync(p.out, { recursive: true });
  const libs = readdirSync(libDir).filter((f) => /^lib(llama|ggml|ggml-base)(\.v[\d.]+)?\.(so|dylib)$/.test(f)).map((f) => join(libDir, f));
  if (!libs.some((f) => /libllama/.test(f))) throw new Error(`llama-capi: libllama not found in ${libDir}`);
  const cc = process.env.CC ?? 'cc';
  run(cc, ['-O2', '-std=c11', '-Wall', '-o', p.bin, source,
    '-I', join(p.src, 'include'), '-I', join(p.src, 'ggml', 'include'),
    ...libs, `-Wl,-rpath,${libDir}`, ...(process.platform === 'linux' ? ['-ldl'] : [])]);
  writeFileSync(stampFile, stamp);
  return p.bin;
}

function llamaCommit(src: string): string | undefined {
  const r = spawnSync('git', ['-C', src, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Runs the C-API benchmark on a GGUF and returns its parsed JSON report. */
export async function runLlamaCapi(opts: LlamaCapiOptions): Promise<LlamaCapiResult> {
  const bin = ensureLlamaCapi();
  const args = ['--model', resolve(opts.model),
    '--threads', String(opts.threads ?? 2), '--prefill', String(opts.prefill ?? 512),
    '--decode', String(opts.decode ?? 128), '--reps', String(opts.reps ?? 3), '--warmup', String(opts.warmup ?? 1),
    '--backend', opts.backend ?? 'auto', '--flash-attn', opts.flashAttn ?? 'auto'];
  if (opts.ubatch) args.push('--ubatch', String(opts.ubatch));
  const stdout = await new Promise<string>((res, rej) => {
    execFile(bin, args, { timeout: opts.timeoutMs ?? 30 * 60_000, maxBuffer: 16 << 20 }, (err, out, errOut) => {
      if (err) rej(new Error(`llama-capi failed: ${err.message}\n${errOut}`)); else res(out);
    });
  });
  const result = JSON.parse(stdout) as LlamaCapiResult;
  const p = paths();
  result.llama_commit = llamaCommit(p.src);
  try {
    result.node_llama_cpp = JSON.parse(readFileSync(join(p.oracle, 'node_modules', 'node-llama-cpp', 'package.json'), 'utf8')).version;
  } catch { /* not installed */ }
  return result;
}
