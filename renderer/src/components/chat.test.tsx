import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from './app.js';
import { bindEvents } from '../store/events.js';
import { detail, message, model, recordingApi, settings, stats } from '../testing/fixtures.js';
import { renderWithStore } from '../testing/render-app.js';

afterEach(cleanup);

const conversation = detail('c1', [
  message('u1', null, 'user', 'What is the capital of France?'),
  message('a1', 'u1', 'assistant', 'The capital of France is **Paris**.', {
    finishReason: 'stop', stats: { ttftMs: 15, promptTokens: 20, reusedTokens: 0, prefillTokPerS: 900, decodeTokPerS: 110, decodeTokens: 9, totalMs: 95 },
  }),
]);

function setup() {
  const r = recordingApi();
  r.on('conversations.get', conversation);
  const view = renderWithStore(<App />, r.api);
  return { ...r, ...view };
}

describe('the chat window', () => {
  it('greets a first-time user with the ready model and what to do', () => {
    const { store } = setup();
    act(() => store.setState({ currentModel: model }));
    const empty = screen.getByTestId('empty-state');
    expect(within(empty).getByRole('heading').textContent).toBe('Welcome to Cairn');
    expect(screen.getByTestId('empty-model').textContent).toContain('cairn-demo-14m');
    expect(empty.textContent).toContain('.gguf');
  });

  it('creates the conversation with the first message and shows the answer streaming, then its figures', async () => {
    const { on, calls, emit, store, api } = setup();
    bindEvents(api, store, (flush) => queueMicrotask(flush));
    on('conversations.create', detail('c1', []));
    on('chat.send', {
      userMessage: message('u1', null, 'user', 'What is the capital of France?'),
      assistantMessage: message('a1', 'u1', 'assistant', '', { status: 'streaming' }),
    });
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'What is the capital of France?' } });
    await act(async () => { fireEvent.click(screen.getByTestId('send-button')); });
    expect(calls.map((c) => c.name)).toEqual(['conversations.create', 'chat.send']);
    expect(calls[1].args).toEqual({ conversationId: 'c1', text: 'What is the capital of France?' });
    expect(screen.getByTestId('stop-button')).toBeTruthy();
    await act(async () => {
      emit({ name: 'message.delta', payload: { conversationId: 'c1', messageId: 'a1', text: 'Paris', tokens: 1 } });
      emit({ name: 'message.delta', payload: { conversationId: 'c1', messageId: 'a1', text: ' is the capital.', tokens: 4 } });
    });
    expect(screen.getByTestId('message-assistant').textContent).toContain('Paris is the capital.');
    // typing stays possible while the answer streams
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'next' } });
    expect((screen.getByTestId('composer-input') as HTMLTextAreaElement).value).toBe('next');
    await act(async () => {
      emit({ name: 'message.updated', payload: { conversationId: 'c1', message: { ...conversation.messages[1], content: 'Paris is the capital.' } } });
    });
    expect(screen.getByTestId('message-assistant').dataset.status).toBe('done');
    expect(screen.getByTestId('message-stats').textContent).toMatch(/TTFT 15.0 ms.*110 tok\/s/);
    expect(screen.getByTestId('send-button')).toBeTruthy();
  });

  it('stops, regenerates, edits and forks through the API', async () => {
    const { on, calls, store } = setup();
    await act(() => store.getState().openConversation('c1'));
    on('chat.regenerate', { assistantMessage: message('a2', 'u1', 'assistant', '', { status: 'streaming' }) });
    await act(async () => { fireEvent.click(screen.getByTestId('regenerate-button')); });
    expect(calls.at(-1)).toEqual({ name: 'chat.regenerate', args: { conversationId: 'c1', messageId: 'a1' } });
    expect(screen.getByTestId('branch-switcher').textContent).toContain('2 / 2');
    on('chat.stop', { stopped: true });
    await act(async () => { fireEvent.click(screen.getByTestId('stop-button')); });
    expect(calls.at(-1)).toEqual({ name: 'chat.stop', args: { conversationId: 'c1' } });

    on('chat.edit', { message: message('u2', null, 'user', 'Capital of Italy?'), assistantMessage: message('a3', 'u2', 'assistant', '', { status: 'streaming' }) });
    act(() => store.getState().place('c1', [{ ...store.getState().messages.a2, status: 'done' }]));
    const user = screen.getByTestId('message-user');
    await act(async () => { fireEvent.click(within(user).getByTestId('edit-button')); });
    fireEvent.change(screen.getByTestId('edit-input'), { target: { value: 'Capital of Italy?' } });
    await act(async () => { fireEvent.click(screen.getByTestId('edit-save')); });
    expect(calls.at(-1)).toEqual({ name: 'chat.edit', args: { conversationId: 'c1', messageId: 'u1', content: 'Capital of Italy?' } });
    expect(screen.getByTestId('message-user').textContent).toContain('Capital of Italy?');

    on('chat.fork', { ...detail('c2', conversation.messages), title: 'Capitals (fork)' });
    on('conversations.list', { conversations: [], quarantined: [] });
    act(() => store.getState().place('c1', [{ ...store.getState().messages.a3, status: 'done' }]));
    await act(async () => { fireEvent.click(within(screen.getByTestId('message-assistant')).getByTestId('fork-button')); });
    expect(calls.find((c) => c.name === 'chat.fork')?.args).toEqual({ conversationId: 'c1', messageId: 'a3' });
    expect(store.getState().activeId).toBe('c2');
  });

  it('switches branches to the newest leaf of the chosen sibling', async () => {
    const { on, calls, store } = setup();
    const tree = detail('c1', [...conversation.messages, message('a2', 'u1', 'assistant', 'Paris.'), message('u3', 'a1', 'user', 'And Spain?')], 'a2');
    on('conversations.get', tree);
    on('conversations.selectBranch', { ...tree, currentLeafId: 'u3' });
    await act(() => store.getState().openConversation('c1'));
    expect(screen.getByTestId('branch-switcher').textContent).toContain('2 / 2');
    await act(async () => { fireEvent.click(screen.getByRole('button', { name: 'Previous version' })); });
    expect(calls.at(-1)).toEqual({ name: 'conversations.selectBranch', args: { id: 'c1', leafId: 'u3' } });
    expect(screen.getAllByTestId('message-user').map((e) => e.textContent)).toEqual([expect.stringContaining('France'), expect.stringContaining('And Spain?')]);
  });

  it('shows an error from the API as an alert and keeps working', async () => {
    const { store, on } = setup();
    await act(() => store.getState().openConversation('c1'));
    on('chat.send', () => ({ ok: false, error: { code: 'E_BUSY', message: 'c1 is already answering' } }));
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'hello' } });
    await act(async () => { fireEvent.click(screen.getByTestId('send-button')); });
    expect(screen.getByRole('alert').textContent).toContain('already answering');
    expect((screen.getByTestId('composer-input') as HTMLTextAreaElement).value).toBe('hello');
  });

  it('answers the keyboard: Esc stops, Ctrl+Shift+O starts a new chat, Ctrl+K goes to search', async () => {
    const { on, calls, store } = setup();
    on('conversations.get', detail('c1', [conversation.messages[0], message('a1', 'u1', 'assistant', 'Par', { status: 'streaming' })]));
    on('chat.stop', { stopped: true });
    await act(() => store.getState().openConversation('c1'));
    await act(async () => { fireEvent.keyDown(window, { key: 'Escape' }); });
    expect(calls.at(-1)).toEqual({ name: 'chat.stop', args: { conversationId: 'c1' } });
    act(() => { fireEvent.keyDown(window, { key: 'k', ctrlKey: true }); });
    expect(document.activeElement).toBe(screen.getByTestId('search-input'));
    act(() => { fireEvent.keyDown(window, { key: 'O', ctrlKey: true, shiftKey: true }); });
    expect(store.getState().activeId).toBeNull();
    expect(screen.getByTestId('empty-state')).toBeTruthy();
  });

  it('shows live stats: TTFT, speeds, context and bytes copied', () => {
    const { store } = setup();
    act(() => store.setState({ stats, conversationSettings: settings }));
    expect(screen.getByTestId('stat-ttft').textContent).toBe('12.5 ms');
    expect(screen.getByTestId('stat-decode').textContent).toBe('120 tok/s');
    expect(screen.getByTestId('stat-bytes-copied').textContent).toBe('0');
    expect(screen.getByTestId('context-meter').textContent).toContain('300 / 2,048');
    expect(screen.getByTestId('memory-breakdown').textContent).toContain('Weights (mapped)');
  });
});
