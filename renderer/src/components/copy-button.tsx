// copy-button.tsx — copies text to the clipboard and says so for a moment.
import { useEffect, useState } from 'react';

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  useEffect(() => {
    if (!copied) return;
    const t = setTimeout(() => setCopied(null), 1500);
    return () => clearTimeout(t);
  }, [copied]);
  const copy = () => {
    navigator.clipboard.writeText(text).then(() => setCopied('yes'), () => setCopied('failed'));
  };
  return (
    <button type="button" className="icon-button copy-button" aria-label={label} title={label} onClick={copy} data-testid="copy-button">
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copy failed' : 'Copy'}
    </button>
  );
}
