// menu.ts — the application menu as a template (Electron's MenuItemConstructorOptions shape), built
// from the actions main.ts supplies; no 'electron' import at run time, tested under Node.
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  newChat(): void;
  openModel(): void;
  openSnapshot(): void;
  saveSnapshot(): void;
}

export function menuTemplate(a: MenuActions, platform: NodeJS.Platform, dev: boolean): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { id: 'new-chat', label: 'New Chat', accelerator: 'CmdOrCtrl+N', click: () => a.newChat() },
      { type: 'separator' },
      { id: 'open-model', label: 'Open Model…', accelerator: 'CmdOrCtrl+O', click: () => a.openModel() },
      { id: 'open-snapshot', label: 'Open Snapshot…', accelerator: 'CmdOrCtrl+Shift+O', click: () => a.openSnapshot() },
      { id: 'save-snapshot', label: 'Save Snapshot…', accelerator: 'CmdOrCtrl+S', click: () => a.saveSnapshot() },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  };
  const view: MenuItemConstructorOptions = {
    label: 'View',
    submenu: [
      ...(dev ? [{ role: 'reload' } as const, { role: 'toggleDevTools' } as const, { type: 'separator' } as const] : []),
      { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' },
    ],
  };
  return [
    ...(mac ? [{ role: 'appMenu' } as const] : []),
    file,
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
  ];
}
