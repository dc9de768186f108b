// settings-slice.ts — app settings (defaults for new chats, threads, theme), which panels are
// open, and the state of the link to the back end.
import type { AppSettings } from '../../../electron/common/schemas.js';
import type { LinkState } from '../api/index.js';
import { unwrap } from './stats-slice.js';
import type { SliceCreator } from './types.js';

export type PanelName = 'stats' | 'conversationSettings' | 'appSettings' | 'modelCard' | 'shortcuts';

export interface SettingsSlice {
  appSettings: AppSettings | null;
  panels: Record<PanelName, boolean>;
  link: LinkState;
  togglePanel(name: PanelName, open?: boolean): void;
  refreshAppSettings(): Promise<void>;
  saveAppSettings(patch: Partial<AppSettings>): Promise<void>;
  setLink(link: LinkState): void;
}

export const settingsSlice: SliceCreator<SettingsSlice> = (set, get, api) => ({
  appSettings: null,
  panels: { stats: true, conversationSettings: false, appSettings: false, modelCard: false, shortcuts: false },
  link: 'open',
  togglePanel: (name, open) => set((s) => ({ panels: { ...s.panels, [name]: open ?? !s.panels[name] } })),
  refreshAppSettings: async () => {
    const v = unwrap(get, await api['settings.get']({}));
    if (v) set({ appSettings: v });
  },
  saveAppSettings: async (patch) => {
    const v = unwrap(get, await api['settings.set']({ patch }));
    if (v) set({ appSettings: v });
  },
  setLink: (link) => set({ link }),
});
