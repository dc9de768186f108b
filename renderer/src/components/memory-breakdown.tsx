// memory-breakdown.tsx — where the memory goes: weights (mapped or copied), KV used / allocated,
// actor memory, engine host and app RSS.
import type { Stats } from '../../../electron/common/schemas.js';
import { formatBytes } from '../format.js';

export function MemoryBreakdown({ memory: m }: { memory: Stats['memory'] }) {
  const rows: [string, string][] = [
    [`Weights${m.weights ? ` (${m.weights})` : ''}`, formatBytes(m.weightsBytes)],
    ['KV used / allocated', `${formatBytes(m.kvUsedBytes)} / ${formatBytes(m.kvAllocatedBytes)}`],
    ['Actor memory', formatBytes(m.actorBytes)],
    ['Engine host RSS', formatBytes(m.hostRssBytes)],
    ['App RSS', formatBytes(m.appRssBytes)],
  ];
  return (
    <dl className="figures memory" data-testid="memory-breakdown">
      {rows.map(([k, v]) => <div className="figure" key={k}><dt>{k}</dt><dd>{v}</dd></div>)}
    </dl>
  );
}
