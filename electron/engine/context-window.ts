// context-window.ts — the part of a transcript the model sees, and how an actor's tokens follow when
// that part moves on (the context shift of conversation.ts).
//
// The window is the system message, when the transcript starts with one, and messages[start..]:
// the oldest turns leave it whole (start moves to the next user message), the transcript keeps them.
// Rendering the window with the chat template gives the tokens the actor should hold. When the
// template renders turns one after another (Llama 3's templates do: `header + content + <|eot_id|>`
// per message, BOS and the system block first), the rendering of the new window is the old one with
// a run of tokens cut out, so the actor can drop exactly that run (Actor.shift: token ids and K/V
// rows moved, K re-rotated) and keep every other row. Where it is not (a template that merges the
// system message into the first user turn, or counts messages), planShift says so and the caller
// re-prefills: slower, never wrong.
import type { ChatMessage } from './tokenizer/index.js';

/** 1 when the transcript starts with a system message (always kept), else 0. */
const systemCount = (messages: readonly ChatMessage[]) => (messages[0]?.role === 'system' ? 1 : 0);

/** The messages the model sees: the system message (if first) and messages[start..]. */
export function windowMessages(messages: readonly ChatMessage[], start: number): ChatMessage[] {
  const sys = systemCount(messages);
  const from = Math.min(Math.max(start, sys), messages.length);
  return [...messages.slice(0, sys), ...messages.slice(from)];
}

/** Where the window starts once its oldest turn is dropped: the next user message after `start`,
 *  at most `limit` (the message that must stay, e.g. the current one); undefined if there is none. */
export function nextTurnStart(messages: readonly ChatMessage[], start: number, limit: number): number | undefined {
  for (let i = Math.max(start, systemCount(messages)) + 1; i <= Math.min(limit, messages.length - 1); i++) {
    if (messages[i].role === 'user') return i;
  }
  return undefined;
}

/** Positions [keep, keep + discard) to drop from the actor. */
export interface ShiftPlan { keep: number; discard: number }

/** How far (in tokens) the dropped run in the actor may differ in length from its rendering. */
const SLACK = 64;
/** Tokens after the cut that must line up before a shift is worth doing (or all there are). */
const MIN_MATCH = 16;

/**
 * The shift that makes the actor's tokens (`held`) start as the new window's rendering `to` as far as
 * they can, given the old window's rendering `from`, which `held` follows up to where the old
 * answers were generated rather than rendered. The template must render the window additively:
 * `to` is `from` with one run cut out at `keep`. The renderings write answers as their generated ids
 * where Conversation kept them, so the run is normally in `held` as rendered; it may still be a little
 * longer or shorter there (the last answer held without its end-of-turn token, or an answer rendered
 * from its text: edited, trimmed, not kept), so the run's end is searched for within SLACK tokens of
 * the rendered length: the discard after which `held` agrees longest with `to`, the rendered length
 * first on a tie.
 * 'truncate' when nothing after the cut is kept (the system block alone: a sync keeps it);
 * undefined when the template is not additive, `held` differs from `from` before the cut, or fewer
 * than MIN_MATCH tokens line up after it: then the caller re-prefills.
 */
export function planShift(held: ArrayLike<number>, from: readonly number[], to: readonly number[]): ShiftPlan | 'truncate' | undefined {
  const hint = from.length - to.length;
  if (hint <= 0) return undefined;
  let keep = 0;
  while (keep < to.length && from[keep] === to[keep]) keep++;
  for (let i = keep; i < to.length; i++) if (from[i + hint] !== to[i]) return undefined;
  if (keep === to.length) return 'truncate';
  if (held.length < keep) return undefined;
  for (let i = 0; i < keep; i++) if (held[i] !== from[i]) return undefined;
  let best = { discard: 0, match: -1 };
  for (let k = 0; k <= 2 * SLACK; k++) {
    const discard = hint + (k % 2 ? (k + 1) / 2 : -k / 2); // hint, hint+1, hint-1, hint+2, ...
    if (discard < 1 || keep + discard > held.length) continue;
    let m = 0;
    while (keep + m < to.length && keep + discard + m < held.length && held[keep + discard + m] === to[keep + m]) m++;
    if (m > best.match) best = { discard, match: m };
  }
  if (best.match < Math.min(MIN_MATCH, to.length - keep)) return undefined;
  return { keep, discard: best.discard };
}
