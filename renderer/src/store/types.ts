// types.ts — the app store's shape: one store combined from five slices (zustand's slices pattern).
import type { StoreApi } from 'zustand';
import type { ClientApi } from '../api/index.js';
import type { ConversationsSlice } from './conversations-slice.js';
import type { ChatSlice } from './chat-slice.js';
import type { ModelsSlice } from './models-slice.js';
import type { StatsSlice } from './stats-slice.js';
import type { SettingsSlice } from './settings-slice.js';

export type AppState = ConversationsSlice & ChatSlice & ModelsSlice & StatsSlice & SettingsSlice;
export type SetState = StoreApi<AppState>['setState'];
export type GetState = StoreApi<AppState>['getState'];
export type SliceCreator<T> = (set: SetState, get: GetState, api: ClientApi) => T;
export type AppStore = StoreApi<AppState>;
