// stats-slice.ts — live engine figures (the `stats` event), work in progress (the `progress`
// event plus local uploads) and notices shown to the user; `unwrap` turns an operation's error into
// a notice, the one way actions report failures.
import type { Result } from '../../../electron/common/contract.js';
import type { Progress, Stats } from '../../../electron/common/schemas.js';
import type { GetState, SliceCreator } from './types.js';

export interface Notice { id: number; level: 'info' | 'warning' | 'error'; message: string }

export interface StatsSlice {
  stats: Stats | null;
  /** Running work by progress id (finished entries are dropped). */
  progress: Record<string, Progress>;
  notices: Notice[];
  notify(level: Notice['level'], message: string): void;
  dismissNotice(id: number): void;
  setProgress(p: Progress): void;
  cancelProgress(id: string): Promise<void>;
  refreshStats(): Promise<void>;
}

let nextNotice = 1;
/** Cancels local work (an upload) by progress id; server-side work is cancelled through the API. */
export const localCancels = new Map<string, () => void>();

/** The value of a result, or null after telling the user what failed. */
export function unwrap<T>(get: GetState, r: Result<T>): T | null {
  if (r.ok) return r.value;
  if (r.error.code !== 'E_CANCELLED') get().notify('error', r.error.message);
  return null;
}

export const statsSlice: SliceCreator<StatsSlice> = (set, get, api) => ({
  stats: null,
  progress: {},
  notices: [],
  notify: (level, message) => set((s) => ({ notices: [...s.notices.slice(-4), { id: nextNotice++, level, message }] })),
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  setProgress: (p) => set((s) => {
    const progress = { ...s.progress };
    if (p.state === 'running') progress[p.id] = p;
    else delete progress[p.id];
    return { progress };
  }),
  cancelProgress: async (id) => {
    const local = localCancels.get(id);
    if (local) { local(); return; }
    unwrap(get, await api['progress.cancel']({ id }));
  },
  refreshStats: async () => {
    const r = await api['stats.get']({});
    if (r.ok) set({ stats: r.value });
  },
});
