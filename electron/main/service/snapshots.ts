// snapshots.ts — Save snapshot… and Open snapshot…: a conversation's KV written to a `.cairn` of the
// user's choosing (or, without a path, under `<data>/snapshots/`), and a `.cairn` opened as a new
// conversation: restored on the current model when it is the snapshot's, else its transcript re-read
// by the current model (the reason is returned and told as a notice).
import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { OpResult } from '../../common/contract.js';
import { ConversationSettings } from '../../common/schemas.js';
import type { ConversationStore } from '../store/types.js';
import { hostCall, type EnginePort } from './engine-port.js';
import { ServiceError } from './errors.js';
import type { EventHub } from './event-hub.js';
import type { CheckFile } from './files-port.js';
import { hostMessages } from './host-messages.js';

export interface SnapshotDeps {
  store: ConversationStore;
  engine: EnginePort;
  hub: EventHub;
  checkFile: CheckFile;
  dataDir: string;
  defaults(): ConversationSettings;
  isBusy(conversationId: string): boolean;
}

export async function saveSnapshot(d: SnapshotDeps, conversationId: string, path?: string): Promise<OpResult<'snapshots.save'>> {
  const conv = d.store.get(conversationId);
  if (d.isBusy(conversationId)) throw new ServiceError('E_BUSY', 'an answer is being written: save once it is done');
  if (path !== undefined && !path.endsWith('.cairn')) throw new ServiceError('E_FILE', `${path}: a snapshot's name must end in .cairn`);
  let target = path;
  if (target === undefined) {
    const dir = join(d.dataDir, 'snapshots');
    mkdirSync(dir, { recursive: true });
    target = join(dir, `${conversationId}-${new Date().toISOString().replace(/[:.]/g, '-')}.cairn`);
  }
  const r = await hostCall(d.engine, 'snapshot.save', {
    conversationId, path: target, messages: hostMessages(conv.settings, d.store.path(conversationId)), settings: conv.settings,
  });
  return { path: target, ...r };
}

export async function openSnapshot(d: SnapshotDeps, path: string): Promise<OpResult<'snapshots.open'>> {
  const real = await d.checkFile(path, 'cairn');
  const title = basename(real).replace(/\.cairn$/i, '').slice(0, 200) || 'Snapshot';
  const conv = await d.store.create({ title, settings: d.defaults() });
  try {
    const r = await hostCall(d.engine, 'snapshot.open', { path: real, conversationId: conv.id });
    const system = r.messages[0]?.role === 'system' ? r.messages[0].content : undefined;
    const settings = { ...pickSettings(r.settings), ...(system !== undefined ? { systemPrompt: system } : {}) };
    if (Object.keys(settings).length) await d.store.setSettings(conv.id, settings);
    let parentId: string | null = null;
    for (const m of system !== undefined ? r.messages.slice(1) : r.messages) {
      parentId = (await d.store.addMessage(conv.id, { parentId, role: m.role, content: m.content, status: 'done' })).id;
    }
    if (r.restore.path === 'reprefilled') d.hub.emit('notice', { level: 'info', message: `${basename(real)} was re-read by the current model: ${r.restore.reason}` });
    d.hub.emit('conversations.changed', { conversations: d.store.list() });
    return { conversation: d.store.get(conv.id), restore: r.restore };
  } catch (e) {
    await d.store.delete(conv.id).catch(() => {});
    try { await hostCall(d.engine, 'conversation.drop', { conversationId: conv.id }); } catch { /* not in the pool */ }
    throw e;
  }
}

/** Only the fields of ConversationSettings, from what the snapshot's header held. */
function pickSettings(s: Partial<ConversationSettings>): Partial<ConversationSettings> {
  const keys = ['temperature', 'topK', 'topP', 'minP', 'repeatPenalty', 'seed', 'maxTokens', 'systemPrompt', 'contextOverflow', 'nCtx'] as const;
  const out: Record<string, unknown> = {};
  for (const k of keys) if (s[k] !== undefined && ConversationSettings.shape[k].safeParse(s[k]).success) out[k] = s[k];
  return out as Partial<ConversationSettings>;
}
