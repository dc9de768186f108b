import { render, screen, cleanup } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';

const parsed: string[] = [];
vi.mock('react-markdown', async (importOriginal) => {
  const mod = await importOriginal<typeof import('react-markdown')>();
  const Counting = (props: Parameters<typeof mod.default>[0]) => { parsed.push(String(props.children)); return mod.default(props); };
  return { ...mod, default: Counting };
});
const { Markdown } = await import('./markdown.js');
const { highlight } = await import('./highlighter.js');

afterEach(() => { cleanup(); parsed.length = 0; });

describe('Markdown', () => {
  it('renders GFM and drops what could run', () => {
    const { container } = render(<Markdown text={'| a | b |\n|---|---|\n| 1 | 2 |\n\n<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror="alert(1)">'} />);
    expect(container.querySelector('table')).not.toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    expect(container.querySelector('a')?.getAttribute('href') ?? '').not.toMatch(/javascript/i);
  });

  it('parses only the last block again when streamed text grows', () => {
    const { rerender } = render(<Markdown streaming text={'First paragraph.\n\nSecond'} />);
    expect(parsed).toEqual(['First paragraph.', 'Second']);
    parsed.length = 0;
    rerender(<Markdown streaming text={'First paragraph.\n\nSecond, longer'} />);
    expect(parsed).toEqual(['Second, longer']);
  });

  it('highlights a code block once its fence closes, with a copy button', async () => {
    const open = '```js\nconst answer = 42;';
    const { rerender } = render(<Markdown streaming text={open} />);
    const block = screen.getByTestId('code-block');
    expect(block.dataset.highlighted).toBe('false');
    expect(block.textContent).toContain('const answer = 42;');
    rerender(<Markdown streaming text={`${open}\n\`\`\`\n`} />);
    await vi.waitFor(() => expect(screen.getByTestId('code-block').dataset.highlighted).toBe('true'), { timeout: 10_000 });
    const spans = screen.getByTestId('code-block').querySelectorAll('pre span span');
    expect(spans.length).toBeGreaterThan(3);
    expect(screen.getByTestId('code-block').textContent).toContain('const answer = 42;');
    expect(screen.getByRole('button', { name: 'Copy code' })).toBeTruthy();
  });

  it('leaves an unknown language as plain text', async () => {
    render(<Markdown text={'```nosuchlang\nzz\n```'} />);
    await expect(highlight('zz', 'nosuchlang')).resolves.toBeNull();
    expect(screen.getByTestId('code-block').dataset.highlighted).toBe('false');
    expect(screen.getByTestId('code-block').textContent).toContain('zz');
  });
});
