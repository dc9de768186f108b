// generation.ts — the one generation loop: the actor samples and runs one token per step until a stop
// token, `max` tokens, a cancel, or a full context that cannot be made room in. Conversation.send
// (the CLI's chat, the app) drives it, yielding to the event loop and streaming text between steps;
// tests drive it with generate().
import { Actor, ActorError } from './actor-host.js';
import { EngineError } from './native.js';

export type FinishReason = 'stop' | 'length' | 'context' | 'cancelled';

export interface StepHooks {
  /** The context is full before the next token: make room (a context shift) and return true to
   *  retry the step (the actor keeps the pending token and its logits), or false to end ('context'). */
  contextFull?: (answer: readonly number[]) => boolean;
}

/** Steps until a reason to stop, yielding every token except a stop token; returns the answer's
 *  tokens (a stop token last, kept in the actor's history) and why it ended. A raised cancel flag is
 *  taken (cleared) before a step, or fails the step's forward: either ends the answer 'cancelled',
 *  and the token a cancelled step was computing is retried by the next step, not resampled. */
/** Takes a raised cancel flag (clears it); true if one was raised. */
export function takeCancel(actor: Actor): boolean {
  if (Atomics.load(actor.cancelFlag, 0) === 0) return false;
  Atomics.store(actor.cancelFlag, 0, 0);
  return true;
}

export function* steps(actor: Actor, max: number, hooks: StepHooks = {}): Generator<number, { tokens: number[]; reason: FinishReason }> {
  const tokens: number[] = [];
  while (tokens.length < max) {
    if (takeCancel(actor)) return { tokens, reason: 'cancelled' };
    let t: number;
    try { t = actor.step(); } catch (e) {
      if (e instanceof EngineError && e.code === 'CAIRN_E_CANCELLED') return { tokens, reason: 'cancelled' };
      if (e instanceof ActorError && e.code === 'ACTOR_E_CONTEXT_FULL') {
        if (hooks.contextFull?.(tokens)) continue;
        return { tokens, reason: 'context' };
      }
      throw e;
    }
    tokens.push(t);
    if (actor.isStop(t)) return { tokens, reason: 'stop' };
    yield t;
  }
  return { tokens, reason: 'length' };
}

/** Runs steps() to its end in one go. */
export function generate(actor: Actor, max: number, hooks: StepHooks = {}): { tokens: number[]; reason: FinishReason } {
  const it = steps(actor, max, hooks);
  for (;;) {
    const r = it.next();
    if (r.done) return r.value;
  }
}
