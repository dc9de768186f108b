import { describe, expect, it } from 'vitest';
import { StopMatcher } from './stop-matcher.js';

/** Feeds `text` in pieces of `size` characters; returns what came out and whether it stopped. */
function run(stops: string[], text: string, size: number): { out: string; stopped: boolean } {
  const m = new StopMatcher(stops);
  let out = '';
  for (let i = 0; i < text.length; i += size) out += m.push(text.slice(i, i + size));
  out += m.flush();
  return { out, stopped: m.stopped };
}

describe('StopMatcher', () => {
  const cases: [string[], string, string, boolean][] = [
    [[], 'hello world', 'hello world', false],
    [['END'], 'hello END world', 'hello ', true],
    [['END'], 'hello EN', 'hello EN', false],
    [['\n\n', 'User:'], 'a\nb\n\nc', 'a\nb', true],
    [['\n\n', 'User:'], 'x Use User: y', 'x Use ', true],
    [['abcd', 'bc'], 'xabcd', 'xa', true],
    [['aab'], 'aaab', 'a', true],
  ];
  for (const [stops, text, want, stopped] of cases) {
    it(`${JSON.stringify(stops)} over ${JSON.stringify(text)} at every split`, () => {
      for (let size = 1; size <= text.length; size++) expect(run(stops, text, size)).toEqual({ out: want, stopped });
    });
  }

  it('emits nothing after the stop sequence', () => {
    const m = new StopMatcher(['#']);
    expect(m.push('a#b')).toBe('a');
    expect(m.push('more')).toBe('');
    expect(m.flush()).toBe('');
  });
});
