// Backend choice: 'metal' and 'cpu' force either; a load that names none takes $CAIRN_BACKEND (how CI
// forces Metal), else 'auto' (Metal on Apple Silicon, the CPU elsewhere). Off macOS arm64 'metal' is
// refused with a clear error, so a forced GPU run can never quietly fall back to the CPU.
import { afterEach, describe, expect, test } from 'vitest';
import { Model } from './model.js';
import { EngineError } from './native.js';
import { cachedLlamaModel, tinyConfig } from '../../test-support/llama-builder.js';

const appleSilicon = process.platform === 'darwin' && process.arch === 'arm64';
const path = () => cachedLlamaModel(tinyConfig('tiny-hd32', 'q8_0'));

describe('backend selection', () => {
  const saved = process.env.CAIRN_BACKEND;
  afterEach(() => { if (saved === undefined) delete process.env.CAIRN_BACKEND; else process.env.CAIRN_BACKEND = saved; });

  test('cpu never picks the GPU', () => {
    const m = Model.load(path(), { backend: 'cpu', threads: 1 });
    expect(m.info.backend).not.toBe('metal');
    expect(m.info.backend).not.toBe('auto');
    m.close();
  });

  test('metal runs on Apple Silicon and is refused elsewhere', () => {
    if (appleSilicon) {
      const m = Model.load(path(), { backend: 'metal', threads: 1 });
      expect(m.info.backend).toBe('metal');
      m.close();
      return;
    }
    let err: unknown;
    try { Model.load(path(), { backend: 'metal', threads: 1 }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('CAIRN_E_ARG');
    expect((err as EngineError).message).toMatch(/Metal backend is not in this build/);
  });

  test('auto is Metal exactly on Apple Silicon', () => {
    delete process.env.CAIRN_BACKEND;
    const m = Model.load(path(), { threads: 1 });
    expect(m.info.backend === 'metal').toBe(appleSilicon);
    m.close();
  });

  test('CAIRN_BACKEND sets the default, and a bad name is refused', () => {
    process.env.CAIRN_BACKEND = 'reference';
    const m = Model.load(path(), { threads: 1 });
    expect(m.info.backend).toBe('reference');
    m.close();
    process.env.CAIRN_BACKEND = 'gpu';
    expect(() => Model.load(path(), { threads: 1 })).toThrow(/CAIRN_BACKEND must be one of .* \(it is 'gpu'\)/);
  });
});
