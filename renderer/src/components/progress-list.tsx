// progress-list.tsx — long work in progress (model load, hashing, a long prompt, snapshot save or
// restore, an upload): what, how far, time left, and Cancel where it can be cancelled.
import { useShallow } from 'zustand/react/shallow';
import type { Progress } from '../../../electron/common/schemas.js';
import { useApp } from '../store/index.js';
import { formatBytes, formatMs } from '../format.js';

const amount = (p: Progress, n: number) => (p.kind === 'upload' || p.kind === 'model-hash' || p.kind === 'model-load' ? formatBytes(n) : String(Math.round(n)));

function ProgressRow({ p }: { p: Progress }) {
  const cancel = useApp((s) => s.cancelProgress);
  const pct = p.total > 0 ? Math.min(100, (100 * p.done) / p.total) : undefined;
  return (
    <li className="progress-row" data-testid="progress-row" data-kind={p.kind}>
      <span className="progress-label">{p.label}</span>
      <progress max={100} value={pct} aria-label={p.label} />
      <span className="progress-figures">
        {p.total > 0 ? `${amount(p, p.done)} / ${amount(p, p.total)}` : ''}{p.etaMs != null ? ` · ${formatMs(p.etaMs)} left` : ''}
      </span>
      {p.cancellable ? <button type="button" className="button" onClick={() => void cancel(p.id)} data-testid="progress-cancel">Cancel</button> : null}
    </li>
  );
}

export function ProgressList() {
  const list = useApp(useShallow((s) => Object.values(s.progress)));
  if (list.length === 0) return null;
  return (
    <ul className="progress-list" aria-label="Work in progress" data-testid="progress-list">
      {list.map((p) => <ProgressRow key={p.id} p={p} />)}
    </ul>
  );
}
