// reduce.ts — pure state changes for the active conversation's messages, shared by the event
// binding and the actions' results: a delta appends text to one message (a new object for that
// message only, so only its row re-renders), an upsert adds or replaces a node and keeps the
// children index and the shown path current. Deltas for a message not seen yet wait in
// `orphanDeltas` until it arrives (events and call results travel on different channels).
import type { Message } from '../../../electron/common/schemas.js';
import { parentKey, pathTo, type ChildrenIndex, type MessageMap } from './tree.js';

export interface ThreadState {
  activeId: string | null;
  messages: MessageMap;
  children: ChildrenIndex;
  currentLeafId: string | null;
  /** Ids root → current leaf: the rows shown. */
  path: string[];
  orphanDeltas: Record<string, string>;
}

const final = (m: Message) => m.status !== 'streaming';

/** Which of two versions of one message to keep: a finished one is the stored truth; between two
 *  streaming ones, the one with more text (a delta may have arrived before the result that created it). */
function merge(old: Message | undefined, next: Message): Message {
  if (!old) return next;
  if (final(next)) return next;
  if (final(old)) return old;
  return old.content.length > next.content.length ? { ...next, content: old.content } : next;
}

export function applyDelta(s: ThreadState, conversationId: string, messageId: string, text: string): Partial<ThreadState> | null {
  if (conversationId !== s.activeId || text.length === 0) return null;
  const m = s.messages[messageId];
  if (!m) return { orphanDeltas: { ...s.orphanDeltas, [messageId]: (s.orphanDeltas[messageId] ?? '') + text } };
  if (final(m)) return null; // the stored final text already holds it
  return { messages: { ...s.messages, [messageId]: { ...m, content: m.content + text } } };
}

/** Adds or replaces messages of the active conversation; `leafId` (an action's result) moves the
 *  shown branch, else a new message whose parent is the current leaf extends it. */
export function upsertMessages(s: ThreadState, conversationId: string, list: Message[], leafId?: string): Partial<ThreadState> | null {
  if (conversationId !== s.activeId) return null;
  let messages = s.messages;
  let children = s.children;
  let orphanDeltas = s.orphanDeltas;
  let leaf = s.currentLeafId;
  for (let m of list) {
    const old = messages[m.id];
    if (!old) {
      const pending = orphanDeltas[m.id];
      if (pending !== undefined) {
        if (!final(m)) m = { ...m, content: m.content + pending };
        orphanDeltas = { ...orphanDeltas };
        delete orphanDeltas[m.id];
      }
      const key = parentKey(m);
      children = { ...children, [key]: [...(children[key] ?? []), m.id] };
      if (m.parentId === leaf) leaf = m.id;
    }
    const next = merge(old, m);
    if (next !== old) messages = { ...messages, [m.id]: next };
  }
  if (leafId !== undefined && messages[leafId]) leaf = leafId;
  const structural = children !== s.children || leaf !== s.currentLeafId;
  return {
    messages, children, orphanDeltas,
    ...(structural ? { currentLeafId: leaf, path: pathTo(messages, leaf) } : {}),
  };
}
