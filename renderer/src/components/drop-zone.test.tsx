import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from './app.js';
import { model, recordingApi } from '../testing/fixtures.js';
import { renderWithStore } from '../testing/render-app.js';

afterEach(cleanup);

const fileEvent = (type: string, file: File) => {
  const dt = new DataTransfer();
  dt.items.add(file);
  const e = new Event(type, { bubbles: true, cancelable: true });
  Object.defineProperty(e, 'dataTransfer', { value: dt });
  return e;
};

describe('dropping a file on the window', () => {
  it('uploads a .gguf (browser) and loads the uploaded path', async () => {
    const uploaded: string[] = [];
    const r = recordingApi({ upload: async (f) => { uploaded.push(f.name); return { ok: true, value: { path: `/data/uploads/${f.name}` } }; } });
    r.on('models.load', { ...model, name: 'my-model', builtin: false });
    renderWithStore(<App />, r.api);
    const file = new File([new Uint8Array([0x47, 0x47, 0x55, 0x46])], 'my-model.gguf');
    act(() => { window.dispatchEvent(fileEvent('dragenter', file)); });
    expect(screen.getByTestId('drop-overlay').textContent).toContain('.gguf');
    await act(async () => { window.dispatchEvent(fileEvent('drop', file)); });
    expect(uploaded).toEqual(['my-model.gguf']);
    expect(r.calls.at(-1)).toEqual({ name: 'models.load', args: { path: '/data/uploads/my-model.gguf' } });
    expect(screen.queryByTestId('drop-overlay')).toBeNull();
    expect(screen.getByTestId('model-chip').textContent).toBe('my-model');
  });

  it('uses the real path in Electron and resumes a .cairn', async () => {
    const r = recordingApi({ pathForFile: () => '/home/u/chat.cairn' });
    r.on('snapshots.open', { conversation: { id: 'c9', title: 'Saved', createdAt: 1, updatedAt: 1, messageCount: 0, busy: false, settings: (await import('../testing/fixtures.js')).settings, messages: [], currentLeafId: null }, restore: { path: 'restored', reason: 'same model', ms: 3.2 } });
    r.on('conversations.list', { conversations: [], quarantined: [] });
    const { store } = renderWithStore(<App />, r.api);
    await act(async () => { window.dispatchEvent(fileEvent('drop', new File(['x'], 'chat.cairn'))); });
    expect(r.calls[0]).toEqual({ name: 'snapshots.open', args: { path: '/home/u/chat.cairn' } });
    expect(store.getState().activeId).toBe('c9');
    expect(screen.getByTestId('restore-banner').textContent).toMatch(/instantly.*3\.2 ms/);
  });

  it('refuses another kind of file with a clear message', async () => {
    const r = recordingApi();
    renderWithStore(<App />, r.api);
    await act(async () => { window.dispatchEvent(fileEvent('drop', new File(['x'], 'notes.txt'))); });
    expect(screen.getByRole('alert').textContent).toContain('notes.txt: Cairn opens GGUF models (.gguf) and conversation snapshots (.cairn)');
    expect(r.calls).toEqual([]);
  });

  it('shows a failed load as an error', async () => {
    const r = recordingApi({ pathForFile: () => '/tmp/bad.gguf' });
    r.on('models.load', () => ({ ok: false, error: { code: 'E_MODEL', message: 'bad.gguf: not a GGUF file (bad magic)' } }));
    renderWithStore(<App />, r.api);
    await act(async () => { fireEvent(window, fileEvent('drop', new File(['x'], 'bad.gguf'))); });
    expect(screen.getByRole('alert').textContent).toContain('Could not open bad.gguf: bad.gguf: not a GGUF file (bad magic)');
  });
});
