// The packaging configs, checked the way their tools read them (packaging itself downloads Electron's
// zip and runs in the CI workflow): electron-builder.yml against electron-builder's own schema, with
// the fuses, unpacked native parts and resources the app needs; forge.config.ts loaded by jiti as
// Forge loads it, with the fuses plugin set; the workflow's jobs.
import { describe, expect, test } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createJiti } from 'jiti';
import yaml from 'js-yaml';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const builder = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  asarUnpack: string[]; extraResources: { from: string; to: string }[]; electronFuses: Record<string, boolean>;
  mac: { target: { target: string; arch: string[] }[] }; linux: { target: { target: string }[] }; win: { target: { target: string }[] }; beforeBuild: string;
};

describe('packaging configuration', () => {
  test('electron-builder.yml passes electron-builder\'s own validation', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
    const { DebugLogger } = require('builder-util');
    await expect(validateConfiguration(structuredClone(builder), new DebugLogger(false))).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(builder), electronFuses: { runAsNod: false } }, new DebugLogger(false))).rejects.toThrow();
  });

  test('installers: dmg for macOS arm64, AppImage + deb, nsis; fuses set; native parts unpacked; resources present', () => {
    expect(builder.mac.target).toEqual([{ target: 'dmg', arch: ['arm64'] }]);
    expect(builder.linux.target.map((t) => t.target)).toEqual(['AppImage', 'deb']);
    expect(builder.win.target.map((t) => t.target)).toEqual(['nsis']);
    expect(builder.electronFuses).toMatchObject({
      runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true, onlyLoadAppFromAsar: true,
    });
    expect(builder.asarUnpack).toEqual(expect.arrayContaining(['node_modules/koffi/**', 'node_modules/@koromix/**', 'build/native/libcairn.*']));
    for (const r of builder.extraResources) expect(existsSync(join(root, r.from)), r.from).toBe(true);
    expect(existsSync(join(root, builder.beforeBuild))).toBe(true);
    expect(typeof require(join(root, builder.beforeBuild))).toBe('function');
  });

  test('forge.config.ts loads as Forge loads it (jiti) with the fuses plugin and unpacked native parts', async () => {
    const jiti = createJiti(import.meta.url);
    const mod = await jiti.import<{ default: { plugins: { name: string; fusesConfig: Record<string, unknown> }[]; packagerConfig: { asar: { unpack: string }; ignore: (f: string) => boolean } } }>(join(root, 'forge.config.ts'));
    const cfg = mod.default;
    const { FuseV1Options } = await import('@electron/fuses');
    expect(cfg.plugins[0].name).toBe('fuses');
    expect(cfg.plugins[0].fusesConfig).toMatchObject({
      [FuseV1Options.RunAsNode]: false, [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false, [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
    });
    expect(cfg.packagerConfig.asar.unpack).toMatch(/koffi.*libcairn/);
    const ignore = cfg.packagerConfig.ignore;
    for (const kept of ['/package.json', '/dist/electron/main/electron/main.js', '/renderer/dist/index.html', '/build/native/libcairn.so', '/node_modules/koffi/index.js']) expect(ignore(kept), kept).toBe(false);
    for (const left of ['/native/engine.c', '/electron/main/store/store.ts', '/dist/bench/run.js', '/build/actor/actor.debug.wasm', '/dist/electron/x.test.js', '/e2e/chat.spec.ts']) expect(ignore(left), left).toBe(true);
  });

  test('the workflow tests on Linux (xvfb) and macOS, runs the _electron specs and builds installers', () => {
    const wf = yaml.load(readFileSync(join(root, '.github', 'workflows', 'ci.yml'), 'utf8')) as { jobs: Record<string, { 'runs-on': unknown; steps: { run?: string }[]; strategy?: { matrix: { include: { os: string }[] } } }> };
    const text = JSON.stringify(wf);
    expect(text).toMatch(/ubuntu/);
    expect(text).toMatch(/macos/);
    expect(text).toMatch(/xvfb-run/);
    expect(text).toMatch(/npm test/);
    expect(text).toMatch(/playwright test -c e2e\/electron/);
    expect(text).toMatch(/electron-builder/);
  });
});
