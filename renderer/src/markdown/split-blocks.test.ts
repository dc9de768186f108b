import { describe, expect, it } from 'vitest';
import { splitBlocks } from './split-blocks.js';

describe('splitBlocks', () => {
  it('splits paragraphs at blank lines', () => {
    expect(splitBlocks('Paris.\n\nIt is the capital.\n')).toEqual([
      { text: 'Paris.', open: false }, { text: 'It is the capital.', open: false },
    ]);
  });
  it('keeps a fenced block with blank lines whole, and marks it open until it closes', () => {
    const streaming = 'Code:\n\n```js\nconst a = 1;\n\nconst b = 2;';
    expect(splitBlocks(streaming)).toEqual([
      { text: 'Code:', open: false }, { text: '```js\nconst a = 1;\n\nconst b = 2;', open: true },
    ]);
    const closed = `${streaming}\n\`\`\`\n\nDone.`;
    expect(splitBlocks(closed)).toEqual([
      { text: 'Code:', open: false }, { text: '```js\nconst a = 1;\n\nconst b = 2;\n```', open: false }, { text: 'Done.', open: false },
    ]);
  });
  it('does not close a fence on a shorter or different fence', () => {
    const b = splitBlocks('````md\n```\ninner\n```\n````');
    expect(b).toHaveLength(1);
    expect(b[0].open).toBe(false);
    expect(splitBlocks('~~~\n```\n')[0].open).toBe(true);
    expect(splitBlocks('```\n``` not a close\n')[0].open).toBe(true);
  });
  it('keeps a list item continuation with its item', () => {
    expect(splitBlocks('1. one\n\n   more about one\n2. two')).toHaveLength(1);
  });
  it('gives nothing for blank text, and the text back for one block', () => {
    expect(splitBlocks('  \n\n')).toEqual([]);
    expect(splitBlocks('| a | b |\n|---|---|\n| 1 | 2 |')).toEqual([{ text: '| a | b |\n|---|---|\n| 1 | 2 |', open: false }]);
  });
});
