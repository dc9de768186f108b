/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder loads its hooks with require() */
// before-build.cjs — electron-builder's beforeBuild hook: builds everything the package holds for
// the target (`npm run build`: the engine library, actor.wasm, main/preload, the renderer; the engine
// again for the target's architecture when it is not this machine's)
// and returns false, so electron-builder does not rebuild node_modules (koffi is N-API and prebuilt).
// The engine is compiled natively: run each target on a runner of its own OS, or set CC to a cross
// compiler for another architecture (e.g. CC=aarch64-linux-gnu-gcc for linux arm64).
const { execFileSync, execSync } = require('node:child_process');
const { join } = require('node:path');

const ARCH_NAMES = { 0: 'ia32', 1: 'x64', 2: 'armv7l', 3: 'arm64', 4: 'universal' };

module.exports = async function beforeBuild(context) {
  const arch = typeof context.arch === 'string' ? context.arch : ARCH_NAMES[context.arch];
  const platform = context.platform?.nodeName ?? process.platform;
  if (platform !== process.platform) throw new Error(`before-build: the engine for ${platform} must be built on ${platform} (this is ${process.platform})`);
  if (arch !== process.arch && !process.env.CC) throw new Error(`before-build: the engine for ${arch} needs a ${arch} runner or CC set to a cross compiler (this is ${process.arch})`);
  const root = join(__dirname, '..');
  execSync('npm run build', { cwd: root, stdio: 'inherit' }); // engine, actor, main/preload, renderer
  if (arch !== process.arch) execFileSync(process.execPath, [join(root, 'scripts', 'build-native.mjs'), '--arch', arch], { cwd: root, stdio: 'inherit' });
  return false;
};
