// testing.ts — the real app's main side in a temporary data folder, for tests, the app bench and the
// soak script: the store, the engine host process with the built-in model, the service; plus helpers
// that wait for the service's events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppEvent, EventName, EventPayload } from '../../common/contract.js';
import type { Message } from '../../common/schemas.js';
import { openService, type OpenedService, type OpenOptions } from './open-service.js';
import type { CairnService } from './service.js';

export interface TestApp extends OpenedService { dataDir: string; dispose(): Promise<void> }

export async function openTestApp(builtinModelPath: string | undefined, o: Partial<OpenOptions> = {}): Promise<TestApp> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'cairn-app-'));
  const app = await openService({ dataDir, builtinModelPath, kvIdleMs: 200, ...o });
  return {
    ...app, dataDir,
    dispose: async () => { await app.close(); if (!o.dataDir) rmSync(dataDir, { recursive: true, force: true }); },
  };
}

/** Records every event from now on; `until` waits for one that matches (already recorded ones count). */
export class EventLog {
  readonly events: AppEvent[] = [];
  private readonly waiters = new Set<{ pred: (e: AppEvent) => boolean; resolve: (e: AppEvent) => void }>();
  private readonly off: () => void;

  constructor(service: CairnService) {
    this.off = service.subscribe((e) => {
      this.events.push(e);
      for (const w of this.waiters) if (w.pred(e)) { this.waiters.delete(w); w.resolve(e); }
    });
  }

  until<K extends EventName>(name: K, pred: (p: EventPayload<K>) => boolean = () => true, ms = 120_000): Promise<EventPayload<K>> {
    const match = (e: AppEvent) => e.name === name && pred(e.payload as EventPayload<K>);
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen.payload as EventPayload<K>);
    return new Promise((resolve, reject) => {
      const w = { pred: match, resolve: (e: AppEvent) => { clearTimeout(timer); resolve(e.payload as EventPayload<K>); } };
      const timer = setTimeout(() => { this.waiters.delete(w); reject(new Error(`no matching '${name}' event within ${ms} ms`)); }, ms);
      timer.unref(); // (a wait nobody needs any more never keeps the process alive)
      this.waiters.add(w);
    });
  }

  /** The stored final state of message `messageId` (no longer streaming). */
  done(messageId: string, ms?: number): Promise<Message> {
    return this.until('message.updated', (p) => p.message.id === messageId && p.message.status !== 'streaming', ms).then((p) => p.message);
  }

  /** Text of every message.delta of `messageId` so far, joined. */
  deltas(messageId: string): string {
    return this.events.filter((e) => e.name === 'message.delta' && e.payload.messageId === messageId)
      .map((e) => (e.payload as EventPayload<'message.delta'>).text).join('');
  }

  close(): void { this.off(); }
}

/** Unwraps a Result (throws its error as `CODE: message`). */
export function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}
