// service.ts — the app's service: CairnApi (electron/common/contract.ts) over the conversation store
// and the engine host client. Every transport (Electron IPC, `cairn serve`'s fetch/WebSocket API,
// tests) calls `call(name, args)`: arguments checked by the contract's schema, errors returned as
// data. Events go to every `subscribe`r.
import { realpathSync } from 'node:fs';
import type { z } from 'zod';
import { fail, ok, parseArgs, type AppEvent, type CairnApi, type OpName, type OpResult, type Operations, type Result } from '../../common/contract.js';
import type { Progress } from '../../common/schemas.js';
import { exportConversation } from '../files/export.js';
import type { ConversationStore } from '../store/types.js';
import { AppSettingsFile } from './app-settings.js';
import { ChatRunner, UNTITLED } from './chat.js';
import { hostCall, type EnginePort } from './engine-port.js';
import { completeEphemeral, isEphemeral, type EphemeralRequest } from './ephemeral.js';
import { ServiceError, toApiError } from './errors.js';
import { EventHub } from './event-hub.js';
import type { CheckFile } from './files-port.js';
import { hostMessages } from './host-messages.js';
import { KvSaver } from './kv-saver.js';
import { Models } from './models.js';
import { openSnapshot, saveSnapshot, type SnapshotDeps } from './snapshots.js';
import { StatsTracker } from './stats.js';

export interface ServiceOptions {
  store: ConversationStore;
  engine: EnginePort;
  checkFile: CheckFile;
  /** The app's data folder (settings.json, snapshots/, uploads/). */
  dataDir: string;
  builtinModelPath?: string;
  /** A model to load at start instead of the built-in one (`cairn serve model.gguf`). */
  modelPath?: string;
  /** Idle time after an answer before the conversation's KV snapshot is written. */
  kvIdleMs?: number;
}

type Handlers = { [K in OpName]: (args: z.infer<Operations[K]['args']>) => Promise<OpResult<K>> | OpResult<K> };

export class CairnService implements CairnApi {
  readonly models: Models;
  readonly stats: StatsTracker;
  private readonly chat: ChatRunner;
  private readonly kv: KvSaver;
  private readonly store: ConversationStore;
  private readonly engine: EnginePort;
  private readonly snapshotDeps: SnapshotDeps;
  private readonly progress = new Map<string, { p: Progress; cancel?: () => boolean }>();
  private readonly offs: (() => void)[] = [];
  private readonly handlers: Handlers;

  static async start(o: ServiceOptions): Promise<CairnService> {
    const hub = new EventHub();
    const settings = await AppSettingsFile.open(o.dataDir, (message) => hub.emit('notice', { level: 'warning', message }));
    const s = new CairnService(o, hub, settings);
    await s.models.start(o.modelPath);
    return s;
  }

  private constructor(o: ServiceOptions, readonly hub: EventHub, readonly settings: AppSettingsFile) {
    this.store = o.store;
    this.engine = o.engine;
    this.stats = new StatsTracker(o.engine, this.hub);
    const builtinPath = o.builtinModelPath ? realpathSync(o.builtinModelPath) : undefined;
    this.models = new Models({
      engine: o.engine, hub: this.hub, checkFile: o.checkFile, builtinPath,
      threads: () => this.settings.get().threads, nCtx: () => this.settings.get().defaults.nCtx,
    });
    this.kv = new KvSaver((id) => this.saveKv(id), (id) => this.chat.isBusy(id), o.kvIdleMs);
    this.chat = new ChatRunner({ store: o.store, engine: o.engine, hub: this.hub, stats: this.stats, kv: this.kv, modelName: () => this.models.name() });
    this.snapshotDeps = {
      store: o.store, engine: o.engine, hub: this.hub, checkFile: o.checkFile, dataDir: o.dataDir,
      defaults: () => this.settings.get().defaults, isBusy: (id) => this.chat.isBusy(id),
    };
    this.offs.push(
      o.engine.subscribe((e) => {
        if (e.type === 'progress') this.onProgress(e.progress);
        else if (e.type === 'state' && e.status.state === 'restarting') {
          this.hub.emit('notice', { level: 'warning', message: `The engine is restarting${e.reason ? ` (${e.reason})` : ''}.` });
        } else if (e.type === 'quarantined') {
          this.hub.emit('notice', { level: 'error', message: `${e.quarantine.id} crashed the engine twice while loading and will not be loaded again: ${e.quarantine.reason}` });
        } else if (e.type === 'model') this.models.replaced(e.model, e.reason);
      }),
    );
    this.handlers = this.makeHandlers();
  }

  async call<K extends OpName>(name: K, args: unknown): Promise<Result<OpResult<K>>> {
    const parsed = parseArgs(name, args ?? {});
    if (!parsed.ok) return parsed;
    try {
      const handler = this.handlers[name] as (a: unknown) => Promise<OpResult<K>> | OpResult<K>;
      return ok(await handler(parsed.value));
    } catch (e) {
      const err = toApiError(e);
      if (err.code === 'E_INTERNAL') console.error(`cairn: ${name} failed:`, e);
      return fail(err.code, err.message);
    }
  }

  subscribe(listener: (event: AppEvent) => void): () => void { return this.hub.subscribe(listener); }

  /** One answer outside the stored conversations (the OpenAI-compatible API). */
  async complete(req: Omit<EphemeralRequest, 'settings'> & { settings?: Partial<EphemeralRequest['settings']> }) {
    const model = this.models.current;
    if (!model) throw new ServiceError('E_MODEL', 'no model is loaded');
    return { model, result: await completeEphemeral(this.engine, { ...req, settings: { ...this.settings.get().defaults, ...req.settings } }) };
  }

  /** Progress of work done outside the host (an upload in `cairn serve`): announced and cancellable. */
  reportProgress(p: Progress, cancel?: () => boolean): void {
    if (p.state === 'running') this.progress.set(p.id, { p, cancel });
    else this.progress.delete(p.id);
    this.hub.emit('progress', p);
  }

  /** Stops every answer (kept as written so far), writes the pending KV snapshots. */
  async close(): Promise<void> {
    await this.chat.stopAll();
    await this.kv.flush();
    for (const off of this.offs) off();
  }

  private onProgress(p: Progress): void {
    const conv = p.conversationId;
    if (conv && isEphemeral(conv)) return; // an OpenAI API request's: not the app's work
    const cancel = p.kind === 'prefill' && conv ? () => { if (!this.chat.isBusy(conv)) return false; void this.chat.stop(conv); return true; } : undefined;
    this.reportProgress(p, cancel);
  }

  private changed(): void { this.hub.emit('conversations.changed', { conversations: this.store.list() }); }

  private async saveKv(conversationId: string): Promise<void> {
    let conv;
    try { conv = this.store.get(conversationId); } catch { return; }
    await hostCall(this.engine, 'snapshot.save', {
      conversationId, path: this.store.kvPath(conversationId), messages: hostMessages(conv.settings, this.store.path(conversationId)), settings: conv.settings,
    });
  }

  private makeHandlers(): Handlers {
    const { store, chat, models } = this;
    return {
      'conversations.list': () => ({ conversations: store.list(), quarantined: store.quarantined() }),
      'conversations.create': async (a) => {
        const c = await store.create({ title: a.title ?? UNTITLED, settings: { ...this.settings.get().defaults, ...a.settings } });
        this.changed();
        return c;
      },
      'conversations.get': (a) => store.get(a.id),
      'conversations.rename': async (a) => { const s = await store.rename(a.id, a.title); this.changed(); return s; },
      'conversations.delete': async (a) => {
        store.get(a.id);
        await chat.stopAndWait(a.id);
        this.kv.forget(a.id);
        try { await hostCall(this.engine, 'conversation.drop', { conversationId: a.id }); } catch { /* not in the pool, or the host is restarting */ }
        const deleted = await store.delete(a.id);
        this.changed();
        return { deleted };
      },
      'conversations.search': (a) => store.search(a.query),
      'conversations.setSettings': async (a) => {
        const c = await store.setSettings(a.id, a.settings);
        this.changed();
        return c;
      },
      'conversations.selectBranch': async (a) => {
        if (chat.isBusy(a.id)) throw new ServiceError('E_BUSY', 'an answer is being written: switch branches once it is done');
        return store.setCurrentLeaf(a.id, a.leafId);
      },
      'conversations.export': (a) => exportConversation(store.get(a.id), a.format),
      'chat.send': (a) => chat.send(a.conversationId, a.text, a.parentId),
      'chat.stop': async (a) => ({ stopped: await chat.stop(a.conversationId) }),
      'chat.regenerate': (a) => chat.regenerate(a.conversationId, a.messageId),
      'chat.edit': (a) => chat.edit(a.conversationId, a.messageId, a.content),
      'chat.fork': async (a) => { const c = await chat.fork(a.conversationId, a.messageId); this.changed(); return c; },
      'models.list': () => ({ current: models.current, builtin: models.builtin, quarantined: models.quarantined() }),
      'models.inspect': (a) => models.inspect(a.path),
      'models.load': (a) => models.load(a.path),
      'models.unload': async () => ({ current: await models.unload() }),
      'snapshots.save': (a) => saveSnapshot(this.snapshotDeps, a.conversationId, a.path),
      'snapshots.open': (a) => openSnapshot(this.snapshotDeps, a.path),
      'settings.get': () => this.settings.get(),
      'settings.set': (a) => this.settings.set(a.patch),
      'stats.get': () => this.stats.refresh(),
      'progress.cancel': (a) => {
        const entry = this.progress.get(a.id);
        const cancelled = entry?.cancel?.() ?? false;
        return { cancelled };
      },
    };
  }

}
