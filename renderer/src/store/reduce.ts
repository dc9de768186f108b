// reduce.ts — pure state changes for the active conversation's messages, shared by the event
// binding and the actions' results: a delta appends to a streaming message's text in `liveText`
// (a small record: copying the whole message map per frame would cost O(messages) while streaming
// into a long conversation; only the streaming row re-renders), an upsert adds or replaces a node
// and keeps the children index and the shown path current. Deltas for a message not seen yet wait in
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
  /** The whole text so far of streaming messages (newer than their stored content). */
  liveText: Record<string, string>;
  orphanDeltas: Record<string, string>;
}

/** A message's text as shown: its live text while it streams, else its content. */
export const textOf = (s: Pick<ThreadState, 'liveText' | 'messages'>, id: string): string => s.liveText[id] ?? s.messages[id]?.content ?? '';

const without = (r: Record<string, string>, key: string): Record<string, string> => {
  if (!(key in r)) return r;
  const next = { ...r };
  delete next[key];
  return next;
};

const final = (m: Message) => m.status !== 'streaming';

/** Which of two versions of one message to keep: a finished one is the stored truth; a streaming
 *  one never replaces a finished one (a stale call result). */
function merge(old: Message | undefined, next: Message): Message {
  if (!old || final(next)) return next;
  return final(old) ? old : next;
}

export function applyDelta(s: ThreadState, conversationId: string, messageId: string, text: string): Partial<ThreadState> | null {
  if (conversationId !== s.activeId || text.length === 0) return null;
  const m = s.messages[messageId];
  if (!m) return { orphanDeltas: { ...s.orphanDeltas, [messageId]: (s.orphanDeltas[messageId] ?? '') + text } };
  if (final(m)) return null; // the stored final text already holds it
  return { liveText: { ...s.liveText, [messageId]: textOf(s, messageId) + text } };
}

/** Adds or replaces messages of the active conversation; `leafId` (an action's result) moves the
 *  shown branch, else a new message whose parent is the current leaf extends it. */
export function upsertMessages(s: ThreadState, conversationId: string, list: Message[], leafId?: string): Partial<ThreadState> | null {
  if (conversationId !== s.activeId) return null;
  let messages = s.messages;
  let children = s.children;
  let orphanDeltas = s.orphanDeltas;
  let liveText = s.liveText;
  let leaf = s.currentLeafId;
  for (const m of list) {
    const old = messages[m.id];
    if (!old) {
      const pending = orphanDeltas[m.id];
      if (pending !== undefined) {
        if (!final(m)) liveText = { ...liveText, [m.id]: m.content + pending };
        orphanDeltas = without(orphanDeltas, m.id);
      }
      const key = parentKey(m);
      children = { ...children, [key]: [...(children[key] ?? []), m.id] };
      if (m.parentId === leaf) leaf = m.id;
    }
    const next = merge(old, m);
    if (next !== old) messages = { ...messages, [m.id]: next };
    if (final(next)) liveText = without(liveText, m.id);
    else if (next.content.length > (liveText[m.id]?.length ?? 0)) liveText = { ...liveText, [m.id]: next.content };
  }
  if (leafId !== undefined && messages[leafId]) leaf = leafId;
  const structural = children !== s.children || leaf !== s.currentLeafId;
  return {
    messages, children, orphanDeltas, liveText,
    ...(structural ? { currentLeafId: leaf, path: pathTo(messages, leaf) } : {}),
  };
}
