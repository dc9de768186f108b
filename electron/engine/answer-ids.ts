// answer-ids.ts — the token ids an answer was generated as, kept beside its message.
//
// The actor holds an answer as the ids it sampled; its text re-tokenizes to other ids whenever the
// model picked a non-canonical tokenization or the answer was cut mid-word (maxTokens, cancel), so
// a transcript rendered by re-tokenizing every message stops matching the actor's tokens inside the
// previous answer and the rest of it is prefilled again. Conversation keeps the generated ids of each
// answer here (send, and a resume of a snapshot of the same model and tokenizer) and renders the
// answer with them (promptTokens), so the next turn reuses everything up to the end of the answer.
//
// The ids live in a WeakMap keyed by the message object, with the content they were checked against
// and the tokenizer they belong to: an edited message (other content), a message built elsewhere (no
// entry) or one seen through another tokenizer is tokenized from its text, as any other message.
// copyMessages copies messages with their ids (the pool's hibernation copies).
import type { ChatMessage, Tokenizer } from './tokenizer/index.js';

interface AnswerIds {
  tok: Tokenizer;
  /** The content the ids decode to (the message's content when they were kept). */
  content: string;
  ids: readonly number[];
  /** ids of content.slice(s, e), by `${s}:${e}` (null: none that decode to it). */
  spans?: Map<string, readonly number[] | null>;
}

const kept = new WeakMap<ChatMessage, AnswerIds>();

/** The text `ids` stream to, exactly as Conversation.send streams an answer (pieces without control
 *  text, held-back partial characters, U+FFFD for an incomplete one at the end); undefined as soon
 *  as it grows past `limit` characters. */
function streamText(tok: Tokenizer, ids: readonly number[], limit = Infinity): string | undefined {
  const dec = tok.streamDecoder();
  let s = '';
  for (const t of ids) {
    s += dec.push(t);
    if (s.length > limit) return undefined;
  }
  return s + dec.flush();
}

/**
 * Keeps `ids` as the ids of answer `m` when they check out: integer ids below `nVocab` (the model's)
 * that together stream to exactly `m.content`. Returns whether they were kept; ids that do not check
 * out are dropped and the message is tokenized from its text. The same check for answers just
 * generated and for ids read from a snapshot, so a resumed conversation renders exactly as the
 * uninterrupted one. Control tokens the model sampled mid-answer (not a stop token, which ends it)
 * stay, as the actor holds them: they stream to no text, so a message's text alone can never bring
 * them in, and a snapshot's ids are as trusted as its token tensor, which a restore takes as it is.
 */
export function keepAnswerIds(m: ChatMessage, tok: Tokenizer, nVocab: number, ids: unknown): boolean {
  kept.delete(m);
  if (m.role !== 'assistant' || !Array.isArray(ids) || ids.length === 0) return false;
  for (const t of ids) if (!Number.isInteger(t) || t < 0 || t >= nVocab) return false;
  if (streamText(tok, ids as number[], m.content.length) !== m.content) return false;
  kept.set(m, { tok, content: m.content, ids: Object.freeze((ids as number[]).slice()) });
  return true;
}

/** The kept ids of answer `m` for tokenizer `tok`, while its content is the one they decode to. */
export function answerIds(m: ChatMessage, tok: Tokenizer): readonly number[] | undefined {
  const a = kept.get(m);
  return a && a.tok === tok && a.content === m.content && m.role === 'assistant' ? a.ids : undefined;
}

/**
 * ids of `m.content.slice(s, e)` (a template that trims the content) built from the kept ids: the
 * tokens wholly inside the span as kept, the text of the ones it cuts through tokenized anew (e.g.
 * a trailing ".\n\n" token becomes "."), undefined when there are no kept ids or the result does not
 * decode to exactly the span (then the caller tokenizes the span's text).
 */
export function answerSpanIds(m: ChatMessage, tok: Tokenizer, s: number, e: number): readonly number[] | undefined {
  const ids = answerIds(m, tok);
  if (!ids) return undefined;
  const a = kept.get(m) as AnswerIds, c = a.content;
  if (s === 0 && e === c.length) return ids;
  const key = `${s}:${e}`;
  const hit = a.spans?.get(key);
  if (hit !== undefined) return hit ?? undefined;
  // at[i]: text offset where token i starts, -1 where it starts inside a character
  const dec = tok.streamDecoder(), at: number[] = [0];
  let len = 0;
  for (const t of ids) { len += dec.push(t).length; at.push(dec.pendingBytes ? -1 : len); }
  at[ids.length] = c.length;
  let i = 0;
  while (at[i] < s) i++; // -1 < s too, unless s = 0, where at[0] = 0 stops it
  let j = ids.length;
  while (j > i && (at[j] < 0 || at[j] > e)) j--;
  const enc = (x: string) => (x ? tok.encode(x, { parseSpecial: false }) : []);
  let out: readonly number[] | null = at[i] > e ? null : [...enc(c.slice(s, at[i])), ...ids.slice(i, j), ...enc(c.slice(at[j], e))];
  if (out && streamText(tok, out) !== c.slice(s, e)) out = null;
  (a.spans ??= new Map()).set(key, out);
  return out ?? undefined;
}

/** Copies of `ms` (new objects) that keep their answers' ids. */
export function copyMessages(ms: readonly ChatMessage[]): ChatMessage[] {
  return ms.map((m) => {
    const c = { ...m };
    const a = kept.get(m);
    if (a) kept.set(c, a);
    return c;
  });
}
