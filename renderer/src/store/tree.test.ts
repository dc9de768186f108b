import { describe, expect, it } from 'vitest';
import type { Message } from '../../../electron/common/schemas.js';
import { indexChildren, newestLeafUnder, pathTo, siblingsOf, type MessageMap } from './tree.js';

const msg = (id: string, parentId: string | null, role: Message['role'] = 'user'): Message =>
  ({ id, parentId, role, content: id, status: 'done', createdAt: 0 });

// u1 ─ a1 ─ u2 ─ a2
//    └ a1b ─ u3
const list = [msg('u1', null), msg('a1', 'u1', 'assistant'), msg('u2', 'a1'), msg('a2', 'u2', 'assistant'), msg('a1b', 'u1', 'assistant'), msg('u3', 'a1b')];
const map: MessageMap = Object.fromEntries(list.map((m) => [m.id, m]));
const children = indexChildren(list);

describe('message tree', () => {
  it('walks root → leaf', () => {
    expect(pathTo(map, 'a2')).toEqual(['u1', 'a1', 'u2', 'a2']);
    expect(pathTo(map, 'u3')).toEqual(['u1', 'a1b', 'u3']);
    expect(pathTo(map, null)).toEqual([]);
    expect(pathTo(map, 'missing')).toEqual([]);
  });
  it('stops on a cycle instead of looping', () => {
    const cyclic: MessageMap = { x: msg('x', 'y'), y: msg('y', 'x') };
    expect(pathTo(cyclic, 'x')).toEqual(['y', 'x']);
  });
  it('lists siblings in creation order', () => {
    expect(siblingsOf(map, children, 'a1b')).toEqual(['a1', 'a1b']);
    expect(siblingsOf(map, children, 'u1')).toEqual(['u1']);
  });
  it('lands a branch switch on the newest leaf below', () => {
    expect(newestLeafUnder(children, 'a1')).toBe('a2');
    expect(newestLeafUnder(children, 'u1')).toBe('u3');
    expect(newestLeafUnder(children, 'a2')).toBe('a2');
  });
});
