// event-hub.ts — the service's event fan-out: every subscriber (IPC to the window, a WebSocket of
// `cairn serve`, a test) gets every AppEvent; a throwing listener never stops the others.
import type { AppEvent, EventName, EventPayload } from '../../common/contract.js';

export class EventHub {
  private readonly listeners = new Set<(e: AppEvent) => void>();

  subscribe(listener: (e: AppEvent) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    const event = { name, payload } as AppEvent;
    for (const l of this.listeners) {
      try { l(event); } catch (e) { console.error(`cairn: event listener failed on ${name}:`, e); }
    }
  }
}
