// code-block.tsx — a fenced code block: plain while its fence is open (streaming), highlighted
// once it closes (same font and box either way, so nothing moves), with a copy button.
import { memo, useEffect, useState } from 'react';
import { cachedHighlight, highlight, type Lines } from './highlighter.js';
import { CopyButton } from '../components/copy-button.js';

interface Props { code: string; lang: string; open: boolean }

function useHighlight(code: string, lang: string, enabled: boolean): Lines | null {
  const [lines, setLines] = useState<Lines | null>(() => (enabled && lang ? cachedHighlight(code, lang) ?? null : null));
  useEffect(() => {
    if (!enabled || !lang) { setLines(null); return; }
    let live = true;
    highlight(code, lang).then((l) => { if (live) setLines(l); }, () => { if (live) setLines(null); });
    return () => { live = false; };
  }, [code, lang, enabled]);
  return lines;
}

export const CodeBlock = memo(function CodeBlock({ code, lang, open }: Props) {
  const lines = useHighlight(code, lang, !open);
  return (
    <div className="code-block" data-testid="code-block" data-highlighted={lines ? 'true' : 'false'}>
      <div className="code-block-bar">
        <span className="code-block-lang">{lang || 'text'}</span>
        <CopyButton text={code} label="Copy code" />
      </div>
      <pre className="shiki"><code>
        {lines
          ? lines.map((line, i) => (
            <span className="line" key={i}>
              {line.map((t, j) => <span key={j} style={t.htmlStyle as React.CSSProperties}>{t.content}</span>)}
              {i < lines.length - 1 ? '\n' : null}
            </span>
          ))
          : code}
      </code></pre>
    </div>
  );
});
