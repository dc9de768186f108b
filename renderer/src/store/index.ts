// index.ts — the app store: one zustand store combined from the slices, created per back end (so
// every test gets its own), handed to components through a context; components read it only
// through selectors (useApp(s => …), useShallow for derived values).
import { createContext, useContext } from 'react';
import { createStore, useStore } from 'zustand';
import type { ClientApi } from '../api/index.js';
import { chatSlice } from './chat-slice.js';
import { conversationsSlice } from './conversations-slice.js';
import { modelsSlice } from './models-slice.js';
import { settingsSlice } from './settings-slice.js';
import { statsSlice } from './stats-slice.js';
import type { AppState, AppStore } from './types.js';

export type { AppState, AppStore } from './types.js';

export function createAppStore(api: ClientApi): AppStore {
  return createStore<AppState>()((set, get) => ({
    ...conversationsSlice(set, get, api),
    ...chatSlice(set, get, api),
    ...modelsSlice(set, get, api),
    ...statsSlice(set, get, api),
    ...settingsSlice(set, get, api),
  }));
}

export const StoreContext = createContext<AppStore | null>(null);

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside <StoreContext.Provider>');
  return store;
}

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useAppStore(), selector);
}
