// stats-panel.tsx — the engine's live figures: time to first token, prefill and decode speed, the
// per-token latency chart of the current answer, context used, memory, bytes copied, restore path.
import { useApp } from '../store/index.js';
import { formatMs, formatRate } from '../format.js';
import { ContextMeter } from './context-meter.js';
import { LatencyChart } from './latency-chart.js';
import { MemoryBreakdown } from './memory-breakdown.js';

function Figure({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="figure">
      <dt>{label}</dt>
      <dd data-testid={testId}>{value}</dd>
    </div>
  );
}

export function StatsPanel() {
  const stats = useApp((s) => s.stats);
  const open = useApp((s) => s.panels.stats);
  if (!open) return null;
  return (
    <aside className="stats-panel" aria-label="Engine statistics" data-testid="stats-panel">
      <h2>Stats</h2>
      {!stats ? <p className="muted">No figures yet.</p> : (
        <>
          <dl className="figures">
            <Figure label="Time to first token" value={formatMs(stats.ttftMs)} testId="stat-ttft" />
            <Figure label="Prefill" value={formatRate(stats.prefillTokPerS)} testId="stat-prefill" />
            <Figure label="Decode" value={formatRate(stats.decodeTokPerS)} testId="stat-decode" />
            <Figure label="Tokens this answer" value={String(stats.tokenLatenciesMs.length)} testId="stat-tokens" />
          </dl>
          <h3>Per-token latency</h3>
          <LatencyChart latencies={stats.tokenLatenciesMs} />
          <h3>Context</h3>
          <ContextMeter used={stats.context.used} max={stats.context.max} />
          <h3>Memory</h3>
          <MemoryBreakdown memory={stats.memory} />
          <dl className="figures">
            <Figure label="Bytes copied (actor ↔ engine)" value={String(stats.bytesCopied)} testId="stat-bytes-copied" />
            <Figure label="Last restore" testId="stat-restore"
              value={stats.restore ? `${stats.restore.path === 'restored' ? 'KV restored' : 're-read'} in ${formatMs(stats.restore.ms)}` : '–'} />
            <Figure label="Engine" value={`${stats.engine.state}${stats.engine.restarts ? `, ${stats.engine.restarts} restart(s)` : ''}`} testId="stat-engine" />
          </dl>
        </>
      )}
    </aside>
  );
}
