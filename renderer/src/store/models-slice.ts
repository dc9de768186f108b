// models-slice.ts — the current and built-in models, quarantined ones, and opening files: a
// dropped or chosen `.gguf` loads a model, a `.cairn` resumes a conversation. In Electron the
// preload gives the file's real path; in a browser its bytes are uploaded to `cairn serve` first.
import type { ModelInfo, Quarantine } from '../../../electron/common/schemas.js';
import { localCancels, unwrap } from './stats-slice.js';
import type { GetState, SetState, SliceCreator } from './types.js';
import type { OpResult } from '../../../electron/common/contract.js';
import type { ClientApi } from '../api/index.js';

export interface ModelsSlice {
  currentModel: ModelInfo | null;
  builtinModel: ModelInfo | null;
  quarantinedModels: Quarantine[];
  refreshModels(): Promise<void>;
  /** Opens a dropped or chosen file by its extension (.gguf → load, .cairn → resume). */
  openFile(file: File): Promise<void>;
  loadModel(path: string): Promise<boolean>;
  openSnapshot(path: string): Promise<boolean>;
  unloadModel(): Promise<void>;
}

export const acceptedFiles = '.gguf,.cairn';
const kindOf = (name: string): 'model' | 'snapshot' | null =>
  /\.gguf$/i.test(name) ? 'model' : /\.cairn$/i.test(name) ? 'snapshot' : null;

let nextUpload = 1;

/** A path the engine can open for a File: Electron's real path, else the upload's path. */
async function pathOf(api: ClientApi, get: GetState, file: File): Promise<string | null> {
  const real = api.pathForFile?.(file);
  if (real) return real;
  if (!api.upload) {
    get().notify('error', `${file.name}: this window cannot read dropped files`);
    return null;
  }
  const id = `upload-${nextUpload++}`;
  const abort = new AbortController();
  localCancels.set(id, () => abort.abort());
  const progress = (done: number, total: number, state: 'running' | 'done' = 'running') =>
    get().setProgress({ id, kind: 'upload', label: `Uploading ${file.name}`, done, total, cancellable: true, state });
  progress(0, file.size);
  try {
    return unwrap(get, await api.upload(file, (p) => progress(p.done, p.total), abort.signal))?.path ?? null;
  } finally {
    localCancels.delete(id);
    progress(file.size, file.size, 'done');
  }
}

function showModel(set: SetState, get: GetState, m: ModelInfo): void {
  set({ currentModel: m });
  get().notify('info', `Loaded ${m.name}`);
}

function showSnapshot(set: SetState, get: GetState, v: OpResult<'snapshots.open'>): void {
  get().showDetail(v.conversation);
  set({ restoreInfo: v.restore });
  void get().refreshConversations();
}

export const modelsSlice: SliceCreator<ModelsSlice> = (set, get, api) => ({
  currentModel: null,
  builtinModel: null,
  quarantinedModels: [],
  refreshModels: async () => {
    const v = unwrap(get, await api['models.list']({}));
    if (v) set({ currentModel: v.current, builtinModel: v.builtin, quarantinedModels: v.quarantined });
  },
  openFile: async (file) => {
    const kind = kindOf(file.name);
    if (!kind) {
      get().notify('error', `${file.name}: Cairn opens GGUF models (.gguf) and conversation snapshots (.cairn)`);
      return;
    }
    const path = await pathOf(api, get, file);
    if (!path) return;
    const r = kind === 'model' ? await api['models.load']({ path }) : await api['snapshots.open']({ path });
    if (!r.ok) {
      if (r.error.code !== 'E_CANCELLED') get().notify('error', `Could not open ${file.name}: ${r.error.message}`);
      return;
    }
    if ('conversation' in r.value) showSnapshot(set, get, r.value);
    else showModel(set, get, r.value);
  },
  loadModel: async (path) => {
    const v = unwrap(get, await api['models.load']({ path }));
    if (v) showModel(set, get, v);
    return v !== null;
  },
  openSnapshot: async (path) => {
    const v = unwrap(get, await api['snapshots.open']({ path }));
    if (v) showSnapshot(set, get, v);
    return v !== null;
  },
  unloadModel: async () => {
    const v = unwrap(get, await api['models.unload']({}));
    if (v) set({ currentModel: v.current });
  },
});
