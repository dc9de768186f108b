// cpu-variant.ts — which of llama.cpp's CPU builds the oracle runs, and pinning one.
//
// node-llama-cpp's prebuilt x86-64 package ships llama.cpp's CPU code as one library per
// microarchitecture (bins/<platform>/libggml-cpu-<variant>.so). At load, ggml dlopens every one in
// the addon's directory, asks each for ggml_backend_score() (0 = this CPU cannot run it) and keeps
// the highest. The variants compute differently: e.g. for f16 weights the non-AMX builds round the
// activations to f16 before the dot products, the sapphirerapids (AMX) build does not. An oracle
// bound that holds for one variant may not hold for another, so the suite runs against several.
//
// Pinning: ggml has no switch to force one variant, so pinnedOracleDir() builds a shadow install
// (build/oracle-cpu/<variant>/node_modules) whose addon directory holds that variant only: real
// copies of node-llama-cpp's JS (so Node resolves its imports inside the shadow tree) and of the
// small binaries package's JS, symlinks for everything else (the libraries and the other packages).
// CAIRN_ORACLE_CPU=<variant> makes oracle.ts load node-llama-cpp from there.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import koffi from 'koffi';

const VARIANT_LIB = /^libggml-cpu-(.+)\.(so|dylib|dll)$/;

/** The node-llama-cpp binaries package for this platform (CPU only): its package dir and bins subdir. */
function binariesPackage(nodeModules: string): { pkg: string; binsSub: string } {
  const plat = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : process.platform;
  const name = `${plat}-${process.arch}`;
  const pkg = join(nodeModules, '@node-llama-cpp', name);
  const bins = join(pkg, 'bins');
  if (!existsSync(bins)) throw new Error(`llama.cpp oracle: ${pkg} has no prebuilt binaries`);
  const binsSub = readdirSync(bins).find((d) => existsSync(join(bins, d, 'llama-addon.node')));
  if (!binsSub) throw new Error(`llama.cpp oracle: no llama-addon.node under ${bins}`);
  return { pkg, binsSub };
}

export interface CpuVariant { variant: string; score: number; path: string }

/**
 * llama.cpp's CPU variants in the oracle install, with ggml's score of each on this CPU (0: it
 * cannot run here), highest first: the first one is what the unpinned oracle uses. Empty on
 * platforms whose package has a single CPU build (arm64, macOS).
 */
export function cpuVariants(oracleDir: string): CpuVariant[] {
  const { pkg, binsSub } = binariesPackage(join(oracleDir, 'node_modules'));
  const dir = join(pkg, 'bins', binsSub);
  const out: CpuVariant[] = [];
  for (const f of readdirSync(dir)) {
    const m = VARIANT_LIB.exec(f);
    if (!m) continue;
    const path = join(dir, f);
    let score = 0;
    try {
      score = koffi.load(path).func('int ggml_backend_score(void)')() as number;
    } catch { /* not loadable here: score 0 */ }
    out.push({ variant: m[1], score, path });
  }
  return out.sort((a, b) => b.score - a.score || a.variant.localeCompare(b.variant));
}

/**
 * llama.cpp's x86-64 builds by the class of CPU they are for, named by the Cairn backend such a CPU
 * runs (ggml's cpu-feats: skylakex and later have AVX-512, sapphirerapids adds AMX; haswell and
 * alderlake are AVX2 without AVX-512; the rest predate AVX2). The first of each is the plain one.
 */
export const LLAMA_CPU_CLASS: Readonly<Record<string, readonly string[]>> = {
  reference: ['x64', 'sse42', 'sandybridge', 'ivybridge', 'piledriver'],
  avx2: ['haswell', 'alderlake'],
  avx512: ['skylakex', 'cannonlake', 'cascadelake', 'icelake', 'cooperlake', 'zen4'],
  amx: ['sapphirerapids'],
};

/** The build a CPU of that class would get: the highest-scoring one of the class this CPU can run. */
export function bestCpuVariantFor(oracleDir: string, backend: string): string | undefined {
  const cls = LLAMA_CPU_CLASS[backend] ?? [];
  return cpuVariants(oracleDir).find((v) => v.score > 0 && cls.includes(v.variant))?.variant;
}

/** The variant ggml picks on this CPU (highest score), or undefined where there is one CPU build. */
export function autoCpuVariant(oracleDir: string): string | undefined {
  const v = cpuVariants(oracleDir);
  return v.length && v[0].score > 0 ? v[0].variant : undefined;
}

/**
 * A node-llama-cpp install whose llama.cpp can only load CPU variant `variant`; returns the directory
 * holding its node_modules. Built once under <repo>/build/oracle-cpu/<variant> (rebuilt when the
 * oracle's node-llama-cpp version changes). Throws if the variant does not exist or cannot run here.
 */
export function pinnedOracleDir(oracleDir: string, variant: string): string {
  const all = cpuVariants(oracleDir);
  const v = all.find((x) => x.variant === variant);
  if (!v) throw new Error(`CAIRN_ORACLE_CPU=${variant}: no such llama.cpp CPU variant (have: ${all.map((x) => x.variant).join(', ') || 'none'})`);
  if (v.score <= 0) throw new Error(`CAIRN_ORACLE_CPU=${variant}: this CPU cannot run llama.cpp's ${variant} build (ggml score 0)`);

  const realNm = join(oracleDir, 'node_modules');
  const version = JSON.parse(readFileSync(join(realNm, 'node-llama-cpp', 'package.json'), 'utf8')).version as string;
  const root = resolve(oracleDir, '..', '..', 'build', 'oracle-cpu', variant);
  const stamp = join(root, 'stamp.json');
  const want = JSON.stringify({ version, variant, source: realNm });
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return root;

  // built beside and renamed into place, so test workers starting together never see half a tree
  const tmp = `${root}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const nm = join(tmp, 'node_modules');
  mkdirSync(nm, { recursive: true });
  // every other package: a symlink (their own imports resolve where they really are)
  for (const e of readdirSync(realNm)) {
    if (e === 'node-llama-cpp' || e === '@node-llama-cpp' || e.startsWith('.')) continue;
    symlinkSync(join(realNm, e), join(nm, e));
  }
  // node-llama-cpp: real JS files, so its import of the binaries package resolves in the shadow tree
  const nlc = join(realNm, 'node-llama-cpp');
  mkdirSync(join(nm, 'node-llama-cpp'));
  for (const e of readdirSync(nlc)) {
    if (e === 'dist' || e === 'package.json') cpSync(join(nlc, e), join(nm, 'node-llama-cpp', e), { recursive: true });
    else symlinkSync(join(nlc, e), join(nm, 'node-llama-cpp', e));
  }
  // the binaries package: real JS (it locates bins/ from its own directory), one CPU variant
  const { pkg, binsSub } = binariesPackage(realNm);
  const pkgName = pkg.slice(pkg.lastIndexOf('@node-llama-cpp'));
  const shadowPkg = join(nm, pkgName);
  mkdirSync(join(shadowPkg, 'bins', binsSub), { recursive: true });
  for (const e of readdirSync(pkg)) {
    if (e !== 'bins') cpSync(join(pkg, e), join(shadowPkg, e), { recursive: true });
  }
  const bins = join(pkg, 'bins', binsSub);
  for (const f of readdirSync(bins)) {
    const m = VARIANT_LIB.exec(f);
    if (m && m[1] !== variant) continue;
    symlinkSync(join(bins, f), join(shadowPkg, 'bins', binsSub, f));
  }
  writeFileSync(join(tmp, 'stamp.json'), want);
  const current = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === want;
  if (!current()) {
    rmSync(root, { recursive: true, force: true });  // a stale tree (another node-llama-cpp version)
    try { renameSync(tmp, root); } catch (e) { if (!current()) throw e; }  // else another worker built it
  }
  rmSync(tmp, { recursive: true, force: true });
  return root;
}
