import { describe, expect, it } from 'vitest';
import type { Message } from '../../../electron/common/schemas.js';
import { applyDelta, textOf, upsertMessages, type ThreadState } from './reduce.js';

const msg = (id: string, parentId: string | null, role: Message['role'], content = '', status: Message['status'] = 'done'): Message =>
  ({ id, parentId, role, content, status, createdAt: 0 });
const empty = (activeId: string | null = 'c1'): ThreadState =>
  ({ activeId, messages: {}, children: {}, currentLeafId: null, path: [], liveText: {}, orphanDeltas: {} });
const apply = (s: ThreadState, p: Partial<ThreadState> | null): ThreadState => ({ ...s, ...p });

describe('thread reducers', () => {
  it('extends the shown branch with new children of the leaf and appends deltas', () => {
    let s = apply(empty(), upsertMessages(empty(), 'c1', [msg('u1', null, 'user', 'hi'), msg('a1', 'u1', 'assistant', '', 'streaming')]));
    expect(s.path).toEqual(['u1', 'a1']);
    s = apply(s, applyDelta(s, 'c1', 'a1', 'Hel'));
    s = apply(s, applyDelta(s, 'c1', 'a1', 'lo'));
    expect(textOf(s, 'a1')).toBe('Hello');
    const before = s.messages;
    s = apply(s, applyDelta(s, 'c1', 'a1', '!'));
    expect(s.messages).toBe(before); // the message map is not copied per delta
  });
  it('keeps a delta that arrives before its message', () => {
    let s = apply(empty(), upsertMessages(empty(), 'c1', [msg('u1', null, 'user', 'hi')]));
    s = apply(s, applyDelta(s, 'c1', 'a1', 'Par'));
    expect(s.messages.a1).toBeUndefined();
    s = apply(s, upsertMessages(s, 'c1', [msg('a1', 'u1', 'assistant', '', 'streaming')]));
    expect(textOf(s, 'a1')).toBe('Par');
    expect(s.orphanDeltas).toEqual({});
  });
  it('never lets a stale streaming copy overwrite newer text or a finished message', () => {
    let s = apply(empty(), upsertMessages(empty(), 'c1', [msg('u1', null, 'user', 'q'), msg('a1', 'u1', 'assistant', 'abc', 'streaming')]));
    s = apply(s, upsertMessages(s, 'c1', [msg('a1', 'u1', 'assistant', '', 'streaming')]));
    expect(textOf(s, 'a1')).toBe('abc');
    s = apply(s, upsertMessages(s, 'c1', [msg('a1', 'u1', 'assistant', 'abcdef', 'done')]));
    s = apply(s, upsertMessages(s, 'c1', [msg('a1', 'u1', 'assistant', '', 'streaming')]));
    expect(s.messages.a1).toMatchObject({ content: 'abcdef', status: 'done' });
    expect(s.liveText).toEqual({});
    expect(textOf(s, 'a1')).toBe('abcdef');
    expect(applyDelta(s, 'c1', 'a1', 'x')).toBeNull();
  });
  it('moves to a sibling branch only when told (an edit or regenerate result)', () => {
    let s = apply(empty(), upsertMessages(empty(), 'c1', [msg('u1', null, 'user'), msg('a1', 'u1', 'assistant')]));
    s = apply(s, upsertMessages(s, 'c1', [msg('a1b', 'u1', 'assistant', '', 'streaming')]));
    expect(s.path).toEqual(['u1', 'a1']);
    expect(s.children.u1).toEqual(['a1', 'a1b']);
    s = apply(s, upsertMessages(s, 'c1', [], 'a1b'));
    expect(s.path).toEqual(['u1', 'a1b']);
  });
  it('ignores other conversations', () => {
    const s = empty();
    expect(upsertMessages(s, 'other', [msg('u1', null, 'user')])).toBeNull();
    expect(applyDelta(s, 'other', 'a1', 'x')).toBeNull();
  });
});
