// notices.tsx — messages for the user (errors stay until dismissed; others leave after a while).
import { useEffect } from 'react';
import type { Notice } from '../store/stats-slice.js';
import { useApp } from '../store/index.js';

function NoticeRow({ n }: { n: Notice }) {
  const dismiss = useApp((s) => s.dismissNotice);
  useEffect(() => {
    if (n.level === 'error') return;
    const t = setTimeout(() => dismiss(n.id), 8000);
    return () => clearTimeout(t);
  }, [n, dismiss]);
  return (
    <li className={`notice notice-${n.level}`} role={n.level === 'error' ? 'alert' : 'status'} data-testid={`notice-${n.level}`}>
      <span>{n.message}</span>
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => dismiss(n.id)}>×</button>
    </li>
  );
}

export function Notices() {
  const notices = useApp((s) => s.notices);
  return (
    <ul className="notices" aria-label="Notices">
      {notices.map((n) => <NoticeRow key={n.id} n={n} />)}
    </ul>
  );
}
