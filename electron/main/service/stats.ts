// stats.ts — the stats stream: per-answer figures (ttft, prefill/decode tok/s, per-token latencies,
// restore path) merged with the host's memory figures (its RSS, weights, KV of the conversation) and
// this process's RSS. Emitted while an answer streams (at most every 250 ms), when it ends, and on
// request (stats.get).
import type { GenerateResult, HostStats } from '../../common/host-protocol.js';
import type { MessageStats, Stats } from '../../common/schemas.js';
import { hostCall, type EnginePort } from './engine-port.js';
import type { EventHub } from './event-hub.js';

const STREAM_EMIT_MS = 250;

export function messageStats(r: GenerateResult, totalMs: number): MessageStats {
  const rate = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 0);
  return {
    ttftMs: Math.max(0, r.ttftMs), promptTokens: r.promptTokens, reusedTokens: r.reusedTokens,
    prefillTokPerS: rate(r.prefilledTokens, r.prefillMs), decodeTokens: r.tokens, decodeTokPerS: rate(r.tokens, r.decodeMs),
    totalMs: Math.max(0, totalMs), ...(r.restore ? { restore: r.restore } : {}),
  };
}

export class StatsTracker {
  private current: Stats;
  private lastEmit = 0;

  constructor(private readonly engine: EnginePort, private readonly hub: EventHub) {
    this.current = {
      conversationId: null, messageId: null, ttftMs: null, prefillTokPerS: null, decodeTokPerS: null, tokenLatenciesMs: [],
      context: { used: 0, max: 0 },
      memory: { weightsBytes: 0, weights: null, kvUsedBytes: 0, kvAllocatedBytes: 0, actorBytes: 0, hostRssBytes: 0, appRssBytes: process.memoryUsage.rss() },
      bytesCopied: 0, restore: null, engine: engine.status(),
    };
  }

  /** An answer starts streaming. */
  begin(conversationId: string, messageId: string): void {
    this.current = { ...this.current, conversationId, messageId, ttftMs: null, prefillTokPerS: null, decodeTokPerS: null, tokenLatenciesMs: [], restore: null };
  }

  /** Tokens arrived for the streaming answer (its latency list so far). */
  streaming(messageId: string, latenciesMs: readonly number[]): void {
    if (this.current.messageId !== messageId) return;
    this.current.tokenLatenciesMs = latenciesMs.slice();
    const now = performance.now();
    if (now - this.lastEmit >= STREAM_EMIT_MS) { this.lastEmit = now; this.emit(); }
  }

  /** The answer finished: its figures, then fresh memory figures from the host. */
  async answered(messageId: string, s: MessageStats, latenciesMs: readonly number[]): Promise<void> {
    if (this.current.messageId !== messageId) return;
    this.current = {
      ...this.current, ttftMs: s.ttftMs, prefillTokPerS: s.prefillTokPerS, decodeTokPerS: s.decodeTokPerS,
      tokenLatenciesMs: latenciesMs.slice(), restore: s.restore ?? null,
    };
    await this.refresh();
  }

  /** Asks the host for its memory figures (a dead host leaves the last ones) and emits. */
  async refresh(): Promise<Stats> {
    let host: HostStats | null = null;
    try {
      host = await hostCall(this.engine, 'stats', this.current.conversationId ? { conversationId: this.current.conversationId } : {});
    } catch { /* the host is restarting: keep the last figures */ }
    const mem = { ...this.current.memory, appRssBytes: process.memoryUsage.rss() };
    if (host) {
      mem.hostRssBytes = host.rssBytes;
      mem.weightsBytes = host.model?.weightsBytes ?? 0;
      mem.weights = host.model?.weights ?? null;
      const c = host.conversations.find((x) => x.id === this.current.conversationId);
      mem.kvUsedBytes = c?.kvUsedBytes ?? 0;
      mem.kvAllocatedBytes = c?.kvAllocatedBytes ?? 0;
      mem.actorBytes = c?.actorBytes ?? 0;
      if (c) this.current.context = { used: c.position, max: c.nCtx };
      this.current.bytesCopied = host.model?.bytesCopied ?? 0;
    }
    this.current = { ...this.current, memory: mem, engine: this.engine.status() };
    this.emit();
    return this.current;
  }

  emit(): void { this.hub.emit('stats', { ...this.current, tokenLatenciesMs: this.current.tokenLatenciesMs.slice() }); }
}
