import { describe, expect, it } from 'vitest';
import { createAppStore } from './index.js';
import { bindEvents } from './events.js';
import { textOf } from './reduce.js';
import { detail, message, model, recordingApi, stats } from '../testing/fixtures.js';

function setup() {
  const r = recordingApi();
  const store = createAppStore(r.api);
  const frames: (() => void)[] = [];
  const off = bindEvents(r.api, store, (f) => frames.push(f));
  store.getState().showDetail(detail('c1', [message('u1', null, 'user', 'Hi'), message('a1', 'u1', 'assistant', '', { status: 'streaming' })]));
  return { ...r, store, frames, off };
}

describe('events into the store', () => {
  it('coalesces text deltas into one update per frame', () => {
    const { store, emit, frames } = setup();
    let updates = 0;
    store.subscribe(() => updates++);
    for (const t of ['Pa', 'ri', 's']) emit({ name: 'message.delta', payload: { conversationId: 'c1', messageId: 'a1', text: t, tokens: 1 } });
    expect(textOf(store.getState(), 'a1')).toBe('');
    expect(frames).toHaveLength(1);
    frames[0]();
    expect(textOf(store.getState(), 'a1')).toBe('Paris');
    expect(updates).toBe(1);
  });

  it('applies pending text before the final state of the message, once', () => {
    const { store, emit, frames } = setup();
    emit({ name: 'message.delta', payload: { conversationId: 'c1', messageId: 'a1', text: 'Paris', tokens: 1 } });
    emit({ name: 'message.updated', payload: { conversationId: 'c1', message: message('a1', 'u1', 'assistant', 'Paris', { finishReason: 'stop' }) } });
    frames.forEach((f) => f());
    expect(store.getState().messages.a1).toMatchObject({ content: 'Paris', status: 'done' });
  });

  it('keeps the list, model, stats, progress and notices current', () => {
    const { store, emit, frames } = setup();
    emit({ name: 'conversations.changed', payload: { conversations: [{ id: 'c1', title: 'Capitals', createdAt: 1, updatedAt: 2, messageCount: 2, busy: true }] } });
    emit({ name: 'models.changed', payload: { current: model } });
    emit({ name: 'stats', payload: stats });
    frames.forEach((f) => f());
    emit({ name: 'progress', payload: { id: 'p1', kind: 'model-load', label: 'Loading', done: 1, total: 4, cancellable: true, state: 'running' } });
    emit({ name: 'notice', payload: { level: 'warning', message: 'engine restarted' } });
    const s = store.getState();
    expect(s.conversations[0].busy).toBe(true);
    expect(s.currentModel?.name).toBe('cairn-demo-14m');
    expect(s.stats?.bytesCopied).toBe(0);
    expect(Object.keys(s.progress)).toEqual(['p1']);
    expect(s.notices.at(-1)).toMatchObject({ level: 'warning', message: 'engine restarted' });
    emit({ name: 'progress', payload: { id: 'p1', kind: 'model-load', label: 'Loading', done: 4, total: 4, cancellable: true, state: 'done' } });
    expect(store.getState().progress).toEqual({});
  });

  it('runs the app menu\'s commands with the chosen path', async () => {
    const { store, emit, on, calls } = setup();
    on('models.load', { ...model, name: 'mine', builtin: false });
    on('snapshots.save', { path: '/home/u/c1.cairn', bytes: 1024, nTokens: 12, ms: 3 });
    emit({ name: 'menu', payload: { command: 'open-model', path: '/home/u/mine.gguf' } });
    emit({ name: 'menu', payload: { command: 'save-snapshot', path: '/home/u/c1.cairn' } });
    await new Promise((r) => setTimeout(r, 0));
    expect(calls).toEqual([
      { name: 'models.load', args: { path: '/home/u/mine.gguf' } },
      { name: 'snapshots.save', args: { conversationId: 'c1', path: '/home/u/c1.cairn' } },
    ]);
    expect(store.getState().currentModel?.name).toBe('mine');
    emit({ name: 'menu', payload: { command: 'new-chat' } });
    expect(store.getState().activeId).toBeNull();
  });

  it('stops listening when unbound', () => {
    const { store, emit, off } = setup();
    off();
    emit({ name: 'models.changed', payload: { current: model } });
    expect(store.getState().currentModel).toBeNull();
  });
});
