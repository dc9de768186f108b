// search.ts — case-insensitive search over conversation titles and message text, with a snippet of
// the text around each hit (whitespace folded, cut at word-ish boundaries, "…" where cut).
import type { SearchHit } from '../../common/schemas.js';
import type { ConversationTree } from './tree.js';

const SNIPPET_AROUND = 60;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function snippet(text: string, at: number, length: number): string {
  const from = Math.max(0, at - SNIPPET_AROUND);
  const to = Math.min(text.length, at + length + SNIPPET_AROUND);
  const body = text.slice(from, to).replace(/\s+/g, ' ').trim();
  return (from > 0 ? '…' : '') + body + (to < text.length ? '…' : '');
}

/** Hits in the order of `trees` (newest conversation first); a title hit comes before message hits. */
export function searchTrees(trees: Iterable<ConversationTree>, query: string, limit: number): SearchHit[] {
  const q = query.trim();
  if (q === '' || limit <= 0) return [];
  const re = new RegExp(escapeRegExp(q), 'iu');
  const hits: SearchHit[] = [];
  for (const t of trees) {
    const title = t.meta.title;
    if (re.test(title)) hits.push({ conversationId: t.id, title, messageId: null, snippet: title });
    if (hits.length >= limit) break;
    for (const m of t.messages) {
      const found = re.exec(m.content);
      if (!found) continue;
      hits.push({ conversationId: t.id, title, messageId: m.id, snippet: snippet(m.content, found.index, found[0].length) });
      if (hits.length >= limit) return hits;
    }
  }
  return hits;
}
