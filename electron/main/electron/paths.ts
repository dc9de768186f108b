// paths.ts — where the app's parts are, in a development run (the repository) and in a packaged app
// (electron-builder: app.asar, app.asar.unpacked for what native code must open, resources/ for the
// built-in model and actor.wasm). Pure: main.ts passes app.getAppPath() and process.resourcesPath.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface AppPathsInput { appPath: string; resourcesPath: string; isPackaged: boolean; platform: NodeJS.Platform }
export interface AppPaths {
  preload: string;
  renderer: string;
  builtinModelsDir: string;
  /** Environment for the engine host: where its native library and actor.wasm are. */
  hostEnv: Record<string, string>;
}

export function appPaths(i: AppPathsInput): AppPaths {
  const preload = join(i.appPath, 'dist', 'electron', 'preload', 'preload.cjs');
  const renderer = join(i.appPath, 'renderer', 'dist');
  if (!i.isPackaged) return { preload, renderer, builtinModelsDir: join(i.appPath, 'assets', 'models'), hostEnv: {} };
  const ext = i.platform === 'darwin' ? 'dylib' : i.platform === 'win32' ? 'dll' : 'so';
  // dlopen cannot read inside an asar: the library is unpacked beside it (asarUnpack)
  const unpacked = i.appPath.replace(/\.asar$/, '.asar.unpacked');
  return {
    preload, renderer,
    builtinModelsDir: join(i.resourcesPath, 'models'),
    hostEnv: {
      CAIRN_NATIVE_LIB: join(unpacked, 'build', 'native', `libcairn.${ext}`),
      CAIRN_ACTOR_WASM: join(i.resourcesPath, 'actor', 'actor.wasm'),
      CAIRN_BUILTIN_MODELS: join(i.resourcesPath, 'models'),
    },
  };
}

/** The built-in model: the first .gguf (by name) in `dir`, if any. */
export function builtinModelIn(dir: string): string | undefined {
  const first = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.gguf')).sort()[0] : undefined;
  return first ? join(dir, first) : undefined;
}
