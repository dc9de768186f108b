// markdown.tsx — a message's text as sanitized Markdown (react-markdown + GFM + rehype-sanitize).
// The text is cut into blocks (split-blocks.ts) and each block is memoized by its text, so while an
// answer streams only its last block is parsed again per update.
import { memo, useMemo, type ReactNode } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeSanitize from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import { CodeBlock } from './code-block.js';
import { splitBlocks } from './split-blocks.js';

const remarkPlugins = [remarkGfm];
const rehypePlugins = [rehypeSanitize];

interface HastNode { type: string; tagName?: string; value?: string; properties?: Record<string, unknown>; children?: HastNode[] }
const textOf = (n: HastNode): string => n.value ?? (n.children ?? []).map(textOf).join('');

function components(open: boolean): Components {
  return {
    pre: ({ node }) => {
      const code = (node as HastNode | undefined)?.children?.find((c) => c.tagName === 'code');
      const cls = code?.properties?.className;
      const lang = (Array.isArray(cls) ? cls : []).map(String).find((c) => c.startsWith('language-'))?.slice(9) ?? '';
      const text = code ? textOf(code).replace(/\n$/, '') : '';
      return <CodeBlock code={text} lang={lang} open={open} />;
    },
    a: ({ href, children }) => <a href={href} target="_blank" rel="noreferrer noopener">{children as ReactNode}</a>,
  };
}
const closedComponents = components(false);
const openComponents = components(true);

const MarkdownBlock = memo(function MarkdownBlock({ text, open }: { text: string; open: boolean }) {
  return (
    <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={open ? openComponents : closedComponents}>
      {text}
    </ReactMarkdown>
  );
});

/** `streaming`: the text may still grow (an unclosed fence stays plain); once final, every block is closed. */
export const Markdown = memo(function Markdown({ text, streaming = false }: { text: string; streaming?: boolean }) {
  const blocks = useMemo(() => splitBlocks(text), [text]);
  return (
    <div className="markdown">
      {blocks.map((b, i) => <MarkdownBlock key={i} text={b.text} open={b.open && streaming} />)}
    </div>
  );
});
