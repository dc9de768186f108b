// The context window (context-window.ts): which messages the model sees, where the next turn
// starts, and whether dropping turns is a cut in the rendered tokens (in-place shift) for real
// templates: Llama 3.2's own (system block with dates), the built-in model's (Llama 3 style, BOS on
// the first message), the Llama 3 fallback the generated test models get; and not for a template
// whose output depends on the dropped turns.
import { describe, expect, test } from 'vitest';
import { join } from 'node:path';
import { nextTurnStart, planShift, windowMessages, type ShiftPlan } from './context-window.js';
import { GgufFile } from './gguf.js';
import { cachedLlamaModel, tinyConfig } from '../../test-support/llama-builder.js';
import { llama32VocabData, REPO_ROOT } from '../../test-support/tokenizer/fixtures.js';
import { Tokenizer, type ChatMessage } from './tokenizer/index.js';

const fromFile = (path: string) => {
  const g = GgufFile.open(path);
  try { return Tokenizer.fromGguf(g); } finally { g.close(); }
};
const TOKENIZERS: [string, () => Tokenizer][] = [
  ['Llama 3.2 (its template)', () => new Tokenizer(llama32VocabData())],
  ['built-in model', () => fromFile(join(REPO_ROOT, 'assets', 'models', 'cairn-demo-28m-q8_0.gguf'))],
  ['generated model (Llama 3 fallback)', () => fromFile(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0')))],
];

const SYS: ChatMessage = { role: 'system', content: 'You are terse.' };
const TURNS: ChatMessage[] = [
  { role: 'user', content: 'What is a cairn?' }, { role: 'assistant', content: 'A pile of stones.' },
  { role: 'user', content: 'Who builds them?' }, { role: 'assistant', content: 'Hikers, mostly.' },
  { role: 'user', content: 'Why?' }, { role: 'assistant', content: 'To mark a trail.' },
  { role: 'user', content: 'And today?' },
];

const render = (tok: Tokenizer, ms: readonly ChatMessage[], gen: boolean) =>
  tok.encodePrompt(tok.renderChat(ms, { addGenerationPrompt: gen, date: new Date('2025-01-15T12:00:00Z') }).text);
const cut = (ids: readonly number[], keep: number, d: number) => [...ids.slice(0, keep), ...ids.slice(keep + d)];

describe('window', () => {
  test('the system message stays; the window starts at a user message; the current one is never dropped', () => {
    const ms = [SYS, ...TURNS];
    expect(windowMessages(ms, 0)).toEqual(ms);
    expect(windowMessages(ms, 3)).toEqual([SYS, ...TURNS.slice(2)]);
    expect(windowMessages(ms, 99)).toEqual([SYS]);
    expect(windowMessages(TURNS, 2)).toEqual(TURNS.slice(2));
    expect(nextTurnStart(ms, 0, ms.length - 1)).toBe(3);
    expect(nextTurnStart(ms, 3, ms.length - 1)).toBe(5);
    expect(nextTurnStart(ms, 5, ms.length - 1)).toBe(7);
    expect(nextTurnStart(ms, 7, ms.length - 1)).toBeUndefined();
    expect(nextTurnStart(ms, 5, 6)).toBeUndefined();
    expect(nextTurnStart(TURNS, 0, TURNS.length - 1)).toBe(2);
  });
});

describe('planShift on real templates', () => {
  for (const [name, make] of TOKENIZERS) {
    test(`${name}: dropping whole turns is one cut in the tokens`, () => {
      const tok = make();
      for (const ms of [[SYS, ...TURNS], TURNS]) {
        const first = ms[0].role === 'system' ? 1 : 0;
        for (const gen of [true, false]) {
          const msgs = gen ? ms : ms.slice(0, -1);
          const from = render(tok, windowMessages(msgs, first), gen);
          for (const start of [first + 2, first + 4]) {
            const to = render(tok, windowMessages(msgs, start), gen);
            const held = [...from, 7, 8, 9]; // an answer being generated after the prompt
            const plan = planShift(held, from, to) as ShiftPlan;
            expect(plan, `${name} start ${start} gen ${gen}`).toMatchObject({ discard: from.length - to.length });
            expect(cut(held, plan.keep, plan.discard)).toEqual([...to, 7, 8, 9]);
            if (first) expect(plan.keep).toBeGreaterThanOrEqual(render(tok, [SYS], false).length); // the system block stays
          }
        }
      }
    });
  }

  test('a template whose output depends on the dropped turns: no plan (re-prefill)', () => {
    const counting = new Tokenizer({
      ...llama32VocabData(),
      chatTemplate: "{{ bos_token }}{{ messages | length }} messages{% for m in messages %}<|start_header_id|>{{ m.role }}<|end_header_id|>\n\n" +
        "{{ m.content }}<|eot_id|>{% endfor %}{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}",
    });
    const from = render(counting, TURNS, true), to = render(counting, windowMessages(TURNS, 2), true);
    expect(planShift(from, from, to)).toBeUndefined();
  });

  test('a dropped answer held as generated (no end-of-turn token, other tokens): the cut is found in the actor', () => {
    const tok = new Tokenizer(llama32VocabData());
    const from = render(tok, [SYS, ...TURNS], true), to = render(tok, windowMessages([SYS, ...TURNS], 3), true);
    const eot = tok.vocab.tokenToId.get('<|eot_id|>')!;
    const answer = render(tok, [SYS, TURNS[0]], true).length; // where the first answer starts
    // held: the first answer was generated as 2 other tokens and stopped by length (no <|eot_id|>)
    const end = from.indexOf(eot, answer);
    const held = [...from.slice(0, answer), 500, 501, ...from.slice(end + 1)];
    const plan = planShift(held, from, to) as ShiftPlan;
    expect(plan.discard).toBe(from.length - to.length - (end + 1 - answer) + 2);
    expect(cut(held, plan.keep, plan.discard)).toEqual(to);
  });

  test('nothing kept after the system block: a truncate does it; an actor that differs before the cut: no plan', () => {
    const tok = new Tokenizer(llama32VocabData());
    const done = [SYS, ...TURNS.slice(0, -1)];
    const from = render(tok, done, false);
    expect(planShift(from, from, render(tok, windowMessages(done, 99), false))).toBe('truncate');
    const to = render(tok, windowMessages(TURNS, 2), true), all = render(tok, TURNS, true);
    const plan = planShift(all, all, to) as ShiftPlan;
    const held = all.slice();
    held[plan.keep - 1] = 42;
    expect(planShift(held, all, to)).toBeUndefined();
    expect(planShift(all.slice(0, plan.keep + 3), all, to)).toBeUndefined(); // the actor holds too little
    expect(planShift(all, all, all)).toBeUndefined(); // nothing dropped
  });
});
