// models.ts — the current model: the built-in one loaded at start (unless quarantined), others loaded
// from a dropped or opened GGUF after the path check and the memory-fit estimate (E_MEMORY before
// anything is loaded); unloading one brings the built-in model back.
import type { ModelInfo } from '../../common/schemas.js';
import { hostCall, type EnginePort } from './engine-port.js';
import { ServiceError, toApiError } from './errors.js';
import type { EventHub } from './event-hub.js';
import type { CheckFile } from './files-port.js';

export interface ModelDeps {
  engine: EnginePort;
  hub: EventHub;
  checkFile: CheckFile;
  builtinPath?: string;
  /** Engine threads and the context size the fit is estimated for (the app settings). */
  threads(): number;
  nCtx(): number;
}

const gb = (n: number) => (n / 1e9).toFixed(n < 1e9 ? 2 : 1);

export class Models {
  current: ModelInfo | null = null;
  builtin: ModelInfo | null = null;

  constructor(private readonly d: ModelDeps) {}

  /** At start: `path` (cairn serve's argument) or the built-in model; a quarantined one is skipped
   *  with a notice, a failure leaves no model loaded and says why. */
  async start(path?: string): Promise<void> {
    const target = path ?? this.d.builtinPath;
    if (!target) return;
    const q = this.quarantine(target);
    if (q) {
      this.d.hub.emit('notice', { level: 'warning', message: `${target} was not loaded: it crashed the engine twice while loading (${q}).` });
      return;
    }
    try { await this.load(target); } catch (e) {
      this.d.hub.emit('notice', { level: 'error', message: `${target} could not be loaded: ${toApiError(e).message}` });
      if (path === undefined) return;
      throw e;
    }
  }

  /** Display name of the current model (E_MODEL when none is loaded). */
  name(): string {
    if (!this.current) throw new ServiceError('E_MODEL', 'no model is loaded: load a GGUF first');
    return this.current.name;
  }

  async inspect(path: string): Promise<ModelInfo> {
    const real = await this.d.checkFile(path, 'gguf');
    return hostCall(this.d.engine, 'model.inspect', { path: real, nCtx: this.d.nCtx() });
  }

  async load(path: string): Promise<ModelInfo> {
    const real = await this.d.checkFile(path, 'gguf');
    const q = this.quarantine(real);
    if (q) throw new ServiceError('E_QUARANTINED', `${real} crashed the engine twice while loading (${q}); it is not loaded again`);
    const info = await hostCall(this.d.engine, 'model.inspect', { path: real, nCtx: this.d.nCtx() });
    const m = info.memory;
    if (!m.fits) throw new ServiceError('E_MEMORY', `${info.name} needs ${gb(m.totalBytes)} GB (weights ${gb(m.weightsBytes)}, KV ${gb(m.kvBytes)} for ${m.nCtx} positions), ${gb(m.availableBytes)} GB available`);
    const builtin = this.isBuiltin(real);
    const loaded = await hostCall(this.d.engine, 'model.load', { path: real, builtin, threads: this.d.threads() });
    this.current = loaded;
    if (builtin) this.builtin = loaded;
    this.d.hub.emit('models.changed', { current: loaded });
    return loaded;
  }

  /** Unloads the current model; the built-in one is loaded again (unless it was the one unloaded). */
  async unload(): Promise<ModelInfo | null> {
    const cur = this.current;
    if (!cur) return null;
    await hostCall(this.d.engine, 'model.unload', { id: cur.id });
    this.current = null;
    this.d.hub.emit('models.changed', { current: null });
    if (!cur.builtin && this.d.builtinPath) await this.start();
    return this.current;
  }

  quarantined() { return this.d.engine.quarantined(); }

  /** The client reloaded the model after a host restart (a new id) or lost it (null, and why). */
  replaced(model: ModelInfo | null, reason?: string): void {
    this.current = model;
    if (model?.builtin) this.builtin = model;
    if (!model && reason) this.d.hub.emit('notice', { level: 'error', message: `The model is no longer loaded: ${reason}` });
    this.d.hub.emit('models.changed', { current: model });
  }

  private quarantine(path: string): string | undefined {
    return this.d.engine.quarantined().find((q) => q.id === path)?.reason;
  }

  private isBuiltin(real: string): boolean { return !!this.d.builtinPath && real === this.d.builtinPath; }
}
