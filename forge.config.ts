// forge.config.ts — Electron Forge for the development run (`npx electron-forge start`) and a plain
// package (`electron-forge package`), with the fuses every packaged Cairn carries. Installers are
// electron-builder's (electron-builder.yml). Forge loads this file with jiti; packaging needs
// Electron's zip (a download): it runs in the CI workflow, not on a machine without network.
import { execSync } from 'node:child_process';
import type { ForgeConfig } from '@electron-forge/shared-types';
import { FusesPlugin } from '@electron-forge/plugin-fuses';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

/** The fuses (RELIABILITY.md "Electron hardening"): no running as plain Node, no NODE_OPTIONS, no
 *  --inspect, the asar checked against its embedded hash, and the app loaded only from that asar. */
export const fuses = {
  version: FuseVersion.V1,
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableCookieEncryption]: true,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const;

const config: ForgeConfig = {
  packagerConfig: {
    name: 'Cairn',
    executableName: 'cairn',
    appBundleId: 'dev.cairn.app',
    // dlopen cannot read inside an asar: koffi's binary and the engine library stay outside it
    asar: { unpack: '{**/node_modules/koffi/**,**/node_modules/@koromix/**,**/build/native/libcairn.*}' },
    // the built-in model and actor.wasm as plain resources (resources/models, resources/actor)
    extraResource: ['assets/models', 'build/actor'],
    // only what the app runs: compiled JS, the renderer build, the engine library, dependencies
    ignore: (file: string) => file !== '' && !/^\/(package\.json|dist(\/electron.*)?|renderer(\/dist.*)?|build(\/native(\/libcairn\.(so|dylib|dll))?)?|node_modules.*)$/.test(file)
      || /\.(test|spec)\.js(\.map)?$/.test(file),
  },
  // koffi is N-API with prebuilt binaries: nothing to rebuild against Electron's headers
  rebuildConfig: { onlyModules: [] },
  hooks: {
    // the engine, the actor, main/preload and the renderer, built for this machine before a run or package
    generateAssets: async () => { execSync('npm run build', { stdio: 'inherit' }); },
  },
  makers: [],
  plugins: [new FusesPlugin(fuses)],
};

export default config;
