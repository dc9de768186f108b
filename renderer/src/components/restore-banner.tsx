// restore-banner.tsx — after a snapshot was opened: whether its KV was restored as saved (instant,
// with its time) or its transcript re-read by the model (and why).
import { useApp } from '../store/index.js';
import { formatMs } from '../format.js';

export function RestoreBanner() {
  const r = useApp((s) => s.restoreInfo);
  if (!r) return null;
  return (
    <p className={`restore-banner ${r.path}`} role="status" data-testid="restore-banner" data-path={r.path}>
      {r.path === 'restored'
        ? <>Resumed instantly: the snapshot's KV cache was restored in {formatMs(r.ms)}, no prompt re-read.</>
        : <>Resumed by re-reading the conversation ({formatMs(r.ms)}): {r.reason}</>}
    </p>
  );
}
