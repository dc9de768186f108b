// split-blocks.ts — cuts Markdown into top-level blocks at blank lines outside code fences, so a
// streaming answer re-parses only its last block (the others are memoized by their text). A
// blank line followed by an indented line stays inside its block (a list item's continuation).
// `open` marks a block whose code fence has not closed yet: it is shown unhighlighted.

export interface Block { text: string; open: boolean }

const fenceRe = /^ {0,3}(`{3,}|~{3,})/;
const closeRe = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

export function splitBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  let cur: string[] = [];
  let fence: string | null = null;
  const push = () => {
    if (cur.some((l) => l.trim() !== '')) blocks.push({ text: cur.join('\n'), open: fence !== null });
    cur = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (fence) {
      // a closing fence: the same character, at least as long, nothing after it but spaces
      const c = closeRe.exec(line);
      if (c && c[1][0] === fence[0] && c[1].length >= fence.length) fence = null;
      cur.push(line);
      continue;
    }
    const f = fenceRe.exec(line);
    if (f) fence = f[1];
    if (line.trim() === '' && !fence) {
      const next = lines.slice(i + 1).find((l) => l.trim() !== '');
      if (next !== undefined && /^[ \t]/.test(next)) { cur.push(line); continue; }
      push();
      continue;
    }
    cur.push(line);
  }
  push();
  return blocks;
}
