import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { appPaths } from './paths.js';
import { builtinModelIn } from '../builtin-model.js';

describe('app paths', () => {
  test('development: everything in the repository, no host overrides', () => {
    expect(appPaths({ appPath: '/repo', resourcesPath: '/electron/resources', isPackaged: false, platform: 'linux' })).toEqual({
      preload: '/repo/dist/electron/preload/preload.cjs', renderer: '/repo/renderer/dist', builtinModelsDir: '/repo/assets/models', hostEnv: {},
    });
  });
  test('the built-in model is found in the repository', () => {
    const root = join(import.meta.dirname, '..', '..', '..');
    expect(builtinModelIn(appPaths({ appPath: root, resourcesPath: '', isPackaged: false, platform: 'linux' }).builtinModelsDir)).toBe(join(root, 'assets', 'models', 'cairn-demo-28m-q8_0.gguf'));
    expect(builtinModelIn('/nonexistent')).toBeUndefined();
  });
  test('packaged: the library from app.asar.unpacked, model and actor from resources/', () => {
    const p = appPaths({ appPath: '/Applications/Cairn.app/Contents/Resources/app.asar', resourcesPath: '/Applications/Cairn.app/Contents/Resources', isPackaged: true, platform: 'darwin' });
    expect(p.hostEnv).toEqual({
      CAIRN_NATIVE_LIB: '/Applications/Cairn.app/Contents/Resources/app.asar.unpacked/build/native/libcairn.dylib',
      CAIRN_ACTOR_WASM: '/Applications/Cairn.app/Contents/Resources/actor/actor.wasm',
      CAIRN_BUILTIN_MODELS: '/Applications/Cairn.app/Contents/Resources/models',
    });
    expect(p.preload).toBe('/Applications/Cairn.app/Contents/Resources/app.asar/dist/electron/preload/preload.cjs');
  });
});
