// open-service.ts — everything the app's main side runs, opened in order and closed in reverse:
// the conversation store of the data folder, the engine host (started and supervised by its client),
// and the service over both (the built-in model loaded at start). Used by `cairn serve`, the Electron
// main process (which passes its utilityProcess spawner), tests and the app bench.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { EngineClient, type EngineClientOptions } from '../engine/engine-client.js';
import { checkDroppedPath, isFileError } from '../files/check-path.js';
import { openStore } from '../store/store.js';
import type { ConversationStore } from '../store/types.js';
import { ServiceError } from './errors.js';
import { CairnService } from './service.js';

/** The drag-in check (../files/check-path.ts) as the service wants it: the real path, or E_FILE thrown. */
async function checkFile(path: string, kind: 'gguf' | 'cairn'): Promise<string> {
  const r = await checkDroppedPath(path, kind);
  if (isFileError(r)) throw new ServiceError(r.code, r.message);
  return r.path;
}

export interface OpenOptions {
  dataDir: string;
  builtinModelPath?: string;
  /** Load this model at start instead of the built-in one. */
  modelPath?: string;
  kvIdleMs?: number;
  /** Options of the engine host client (the Electron spawner, deadlines in tests). */
  engine?: Partial<EngineClientOptions>;
}

export interface OpenedService {
  service: CairnService;
  store: ConversationStore;
  engine: EngineClient;
  /** Stops the answers (kept), writes pending KV snapshots, stops the host, closes the store. */
  close(): Promise<void>;
}

/** The data folder when none is given: $CAIRN_DATA_DIR, else the platform's per-user app data folder. */
export function defaultDataDir(): string {
  if (process.env.CAIRN_DATA_DIR) return process.env.CAIRN_DATA_DIR;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Cairn');
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Cairn');
  return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'cairn');
}

export async function openService(o: OpenOptions): Promise<OpenedService> {
  mkdirSync(o.dataDir, { recursive: true });
  const store = await openStore(o.dataDir);
  const engine = new EngineClient({ dataDir: o.dataDir, ...o.engine });
  try {
    await engine.start();
    const service = await CairnService.start({
      store, engine, dataDir: o.dataDir, checkFile: checkFile,
      builtinModelPath: o.builtinModelPath, modelPath: o.modelPath, kvIdleMs: o.kvIdleMs,
    });
    let closing: Promise<void> | undefined;
    return {
      service, store, engine,
      close: () => (closing ??= (async () => {
        await service.close();
        await engine.stop();
        await store.close();
      })()),
    };
  } catch (e) {
    await engine.stop();
    await store.close();
    throw e;
  }
}

