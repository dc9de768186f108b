// tree.ts — the conversation's message tree as the UI needs it: children by parent, the path
// root → leaf (what is shown and what the model sees), siblings of a node (its branches) and the
// leaf a branch switch lands on (the newest child at every step, as chat apps do).
import type { Message } from '../../../electron/common/schemas.js';

export type MessageMap = Record<string, Message>;
/** Children of each node in creation order; the roots are under ''. */
export type ChildrenIndex = Record<string, string[]>;

export const parentKey = (m: Pick<Message, 'parentId'>): string => m.parentId ?? '';

export function indexChildren(messages: readonly Message[]): ChildrenIndex {
  const children: ChildrenIndex = {};
  for (const m of messages) (children[parentKey(m)] ??= []).push(m.id);
  return children;
}

/** Ids root → leaf; empty when the leaf is null or unknown (a broken chain stops the walk). */
export function pathTo(messages: MessageMap, leafId: string | null): string[] {
  const path: string[] = [];
  const seen = new Set<string>();
  for (let id = leafId; id && messages[id] && !seen.has(id); id = messages[id].parentId) {
    seen.add(id);
    path.push(id);
  }
  return path.reverse();
}

/** The node and its siblings (children of the same parent), in creation order. */
export function siblingsOf(messages: MessageMap, children: ChildrenIndex, id: string): string[] {
  const m = messages[id];
  return m ? children[parentKey(m)] ?? [id] : [];
}

/** The leaf reached from `id` by taking the newest child at every step. */
export function newestLeafUnder(children: ChildrenIndex, id: string): string {
  let leaf = id;
  for (let kids = children[leaf]; kids && kids.length > 0; kids = children[leaf]) leaf = kids[kids.length - 1];
  return leaf;
}
