import { describe, expect, test } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from './menu.js';

describe('application menu', () => {
  test('File holds New Chat, Open Model…, Open Snapshot…, Save Snapshot…, each calling its action', () => {
    const called: string[] = [];
    const t = menuTemplate({ newChat: () => called.push('new'), openModel: () => called.push('model'), openSnapshot: () => called.push('open'), saveSnapshot: () => called.push('save') }, 'linux', false);
    const file = (t.find((m) => m.label === 'File')!.submenu as MenuItemConstructorOptions[]).filter((i) => i.label);
    expect(file.map((i) => [i.label, i.accelerator])).toEqual([
      ['New Chat', 'CmdOrCtrl+N'], ['Open Model…', 'CmdOrCtrl+O'], ['Open Snapshot…', 'CmdOrCtrl+Shift+O'], ['Save Snapshot…', 'CmdOrCtrl+S'],
    ]);
    for (const i of file) (i.click as () => void)();
    expect(called).toEqual(['new', 'model', 'open', 'save']);
  });
  test('no developer tools outside development; the macOS app menu on macOS only', () => {
    const roles = (t: MenuItemConstructorOptions[]) => JSON.stringify(t);
    expect(roles(menuTemplate({} as never, 'linux', false))).not.toContain('toggleDevTools');
    expect(roles(menuTemplate({} as never, 'linux', true))).toContain('toggleDevTools');
    expect(menuTemplate({} as never, 'darwin', false)[0]).toEqual({ role: 'appMenu' });
    expect(menuTemplate({} as never, 'win32', false)[0].label).toBe('File');
  });
});
