// events.ts — the back end's events into the store, from outside React (setState through the
// slices' named actions). Text deltas are coalesced per animation frame, so a burst of events costs
// one store update and one render of the streaming row per frame (the figures of the `stats` event
// likewise); a message's final state flushes its pending text first. After the event link comes back, everything shown is fetched again.
import type { AppEvent, EventPayload } from '../../../electron/common/contract.js';
import type { Stats } from '../../../electron/common/schemas.js';
import type { ClientApi } from '../api/index.js';
import type { AppStore } from './types.js';

export type FrameScheduler = (flush: () => void) => void;
const nextFrame: FrameScheduler = (flush) => {
  // rAF stops in a hidden tab; the timer keeps text flowing there (one of the two runs the flush)
  const t = setTimeout(flush, 50);
  requestAnimationFrame(() => { clearTimeout(t); flush(); });
};

export function bindEvents(api: ClientApi, store: AppStore, schedule: FrameScheduler = nextFrame): () => void {
  const pending = new Map<string, { conversationId: string; text: string }>();
  let pendingStats: Stats | null = null;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const s = store.getState();
    for (const [messageId, d] of pending) s.applyDelta(d.conversationId, messageId, d.text);
    pending.clear();
    if (pendingStats) { store.setState({ stats: pendingStats }); pendingStats = null; }
  };
  const later = () => {
    if (!scheduled) { scheduled = true; schedule(() => { if (scheduled) flush(); }); }
  };
  const flushOne = (messageId: string) => {
    const d = pending.get(messageId);
    if (!d) return;
    pending.delete(messageId);
    store.getState().applyDelta(d.conversationId, messageId, d.text);
  };

  const onEvent = (e: AppEvent) => {
    const s = store.getState();
    switch (e.name) {
      case 'message.delta': {
        const d = pending.get(e.payload.messageId);
        if (d) d.text += e.payload.text;
        else pending.set(e.payload.messageId, { conversationId: e.payload.conversationId, text: e.payload.text });
        later();
        break;
      }
      case 'message.updated':
        flushOne(e.payload.message.id);
        s.place(e.payload.conversationId, [e.payload.message]);
        break;
      case 'conversations.changed':
        store.setState({ conversations: e.payload.conversations });
        break;
      case 'models.changed':
        store.setState({ currentModel: e.payload.current });
        break;
      case 'stats':
        pendingStats = e.payload;
        later();
        break;
      case 'progress':
        s.setProgress(e.payload);
        break;
      case 'notice':
        s.notify(e.payload.level, e.payload.message);
        break;
      case 'menu':
        runMenu(store, e.payload);
        break;
    }
  };

  const offEvents = api.onEvent(onEvent);
  let wasClosed = false;
  const offLink = api.onLinkState?.((link) => {
    store.getState().setLink(link);
    if (link === 'closed') wasClosed = true;
    else if (wasClosed) { wasClosed = false; void resync(store); }
  });
  return () => { offEvents(); offLink?.(); };
}

/** The app menu's commands (Electron): a dialog's chosen path comes with them. */
function runMenu(store: AppStore, m: EventPayload<'menu'>): void {
  const s = store.getState();
  if (m.command === 'new-chat') s.newChat();
  else if (m.command === 'save-snapshot') void s.saveSnapshot(m.path);
  else if (!m.path) s.notify('error', `${m.command}: no file was chosen`);
  else if (m.command === 'open-model') void s.loadModel(m.path);
  else void s.openSnapshot(m.path);
}

/** Fetches everything shown: on start and after the event link was lost (events were missed). */
export async function resync(store: AppStore): Promise<void> {
  const s = store.getState();
  await Promise.all([s.refreshConversations(), s.refreshModels(), s.refreshAppSettings(), s.refreshStats()]);
  const id = store.getState().activeId;
  if (id) await store.getState().openConversation(id);
}
