// The built-in demo model (assets/models): a llama / llama-bpe file with a chat template, loaded
// through the same code paths as a real Llama 3.2 file; it answers through its chat template with
// greedy decoding, in Cairn's engine and in llama.cpp alike, and goes on answering when a small
// context makes the conversation drop its oldest turns (context shift).
import { describe, expect, it } from 'vitest';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Conversation, modelTokenizer } from './conversation.js';
import { GgufFile } from './gguf.js';
import { Model } from './model.js';
import { Tokenizer } from './tokenizer/index.js';
import { REPO_ROOT } from '../../test-support/tokenizer/fixtures.js';
import { oracleBounds } from '../../test-support/llama/bounds.js';
import { llamaDisposeAll, llamaGreedyDetailed, llamaTokenize } from '../../test-support/llama/oracle.js';

const PATH = join(REPO_ROOT, 'assets', 'models', 'cairn-demo-28m-q8_0.gguf');

/** Greedy answer, and σ of the logits after the prompt (the scale of the oracle's bounds). */
function greedy(model: Model, tok: Tokenizer, prompt: number[], maxNew = 40): { out: number[]; sigma: number } {
  const state = model.createState(512);
  model.forward(state, prompt, 0);
  const out: number[] = [];
  const l0 = model.logits(state);
  const mean = l0.reduce((a, b) => a + b, 0) / l0.length;
  const sigma = Math.sqrt(l0.reduce((a, b) => a + (b - mean) ** 2, 0) / l0.length);
  for (let pos = prompt.length; out.length < maxNew; pos++) {
    const l = model.logits(state);
    let best = 0;
    for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
    out.push(best);
    if (tok.isEog(best)) break;
    model.forward(state, [best], pos);
  }
  return { out, sigma };
}

/** llama.cpp: the same prompt tokens and the same greedy answer, except that the answers may part at
 *  a near-tie of llama.cpp's own logits (top-2 margin below the oracle's max bound for quantized
 *  weights: the engines' q8 activation rounding differs in its last step there). */
async function expectLlamaAgrees(text: string, ids: number[], out: number[], sigma: number): Promise<void> {
  expect(await llamaTokenize(PATH, text)).toEqual(ids);
  const ref = await llamaGreedyDetailed(PATH, ids, out.length);
  const k = out.findIndex((t, i) => ref.tokens[i] !== t);
  if (k >= 0) expect(ref.margins[k] / sigma, `greedy step ${k}: cairn ${out[k]}, llama.cpp ${ref.tokens[k]}`).toBeLessThan(oracleBounds('q8_0', 1).max);
  else expect(ref.tokens).toEqual(out);
}

function loadBuiltin(): { tok: Tokenizer; model: Model } {
  const g = GgufFile.open(PATH);
  try { return { tok: Tokenizer.fromGguf(g), model: Model.load(PATH, { threads: 2 }) }; } finally { g.close(); }
}

describe('built-in model', () => {
  it('ships a Q8_0 llama file of at most 32 MiB with llama-bpe and a chat template', () => {
    expect(existsSync(PATH)).toBe(true);
    expect(statSync(PATH).size).toBeLessThanOrEqual(32 * 1024 * 1024);
    const g = GgufFile.open(PATH);
    try {
      expect(g.get('general.architecture')).toBe('llama');
      expect(g.get('tokenizer.ggml.model')).toBe('gpt2');
      expect(g.get('tokenizer.ggml.pre')).toBe('llama-bpe');
      expect(String(g.get('tokenizer.chat_template'))).toContain('<|start_header_id|>');
      expect(Number(g.get('llama.attention.head_count_kv'))).toBeLessThan(Number(g.get('llama.attention.head_count')));
    } finally { g.close(); }
  });

  it('answers "What is the capital of Japan?" with Tokyo (Cairn engine and llama.cpp, greedy)', async () => {
    const { tok, model } = loadBuiltin();
    try {
      expect(model.info.mainType).toBe('q8_0');
      const { text, ids } = tok.chatPrompt([{ role: 'user', content: 'What is the capital of Japan?' }]);
      expect(text.startsWith('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n')).toBe(true);
      const { out, sigma } = greedy(model, tok, ids);
      expect(tok.isEog(out[out.length - 1])).toBe(true);
      const answer = tok.decode(out.filter((t) => !tok.isEog(t)));
      expect(answer).toContain('Tokyo');
      await expectLlamaAgrees(text, ids, out, sigma);
    } finally {
      model.close();
      await llamaDisposeAll();
    }
  });

  it('answers known facts in UTF-8, declines what it was not taught, in Cairn\'s engine and llama.cpp alike', async () => {
    const { tok, model } = loadBuiltin();
    try {
      // [question, expected answer, also compared with llama.cpp]
      const cases: [string, RegExp, boolean][] = [
        ['What is the capital of Brazil?', /Brasília/, true],
        ['What is the currency of Brazil?', /Brazilian Real/, false],
        ['Which country has Bogota as its capital?', /Colombia/, true], // asked without the accent
        ['What languages are spoken in Switzerland?', /German.*French.*Italian/, false],
        ['Which element has atomic number 26?', /iron/, false],
        ['What does the word lantern mean?', /light in a transparent protective case/, false],
        ['What is the capital of Veltravia?', /I don't know/, true], // an invented country
        ['What does the word nefarious mean?', /I don't know/, false], // a real word outside the word list
      ];
      for (const [q, want, oracle] of cases) {
        const { text, ids } = tok.chatPrompt([{ role: 'user', content: q }]);
        const { out, sigma } = greedy(model, tok, ids, 60);
        expect(tok.isEog(out[out.length - 1]), q).toBe(true);
        expect(tok.decode(out.filter((t) => !tok.isEog(t))), q).toMatch(want);
        if (oracle) await expectLlamaAgrees(text, ids, out, sigma);
      }
    } finally {
      model.close();
      await llamaDisposeAll();
    }
  }, 300_000);

  it('answers a question the same whatever was asked before in the chat', async () => {
    const model = Model.load(PATH, { threads: 2 });
    try {
      const c = Conversation.create(model, modelTokenizer(model), { nCtx: 512, maxTokens: 60 });
      expect((await c.send('What is the capital of San Marino?')).text).toContain('San Marino');
      expect((await c.send('What is the currency of Brazil?')).text).toContain('Brazilian Real');
      expect((await c.send('What is the capital of Brazil?')).text).toContain('Brasília');
      expect((await c.send('What is the capital of Zumbravia?')).text).toContain("I don't know");
      expect((await c.send('What is the meaning of the word dog?')).text).toMatch(/^Dog \(noun\): a member of the genus Canis/);
    } finally {
      model.close();
    }
  });

  it('keeps answering right in a context that holds five turns: the oldest leave, shifted in place', async () => {
    const model = Model.load(PATH, { threads: 2 });
    try {
      const c = Conversation.create(model, modelTokenizer(model), { nCtx: 160, maxTokens: 48 });
      const capitals = [['Japan', 'Tokyo'], ['France', 'Paris'], ['Italy', 'Rome'], ['Spain', 'Madrid'], ['Egypt', 'Cairo'],
        ['Peru', 'Lima'], ['Kenya', 'Nairobi'], ['Chile', 'Santiago']];
      let dropped = 0;
      for (const [country, capital] of capitals) {
        const r = await c.send(`What is the capital of ${country}?`);
        expect(r.reason).toBe('stop');
        expect(r.text).toContain(capital);
        if (r.dropped) expect(r.prefilled).toBeLessThan(20); // only the new message: the kept turns' rows were reused
        dropped += r.dropped;
      }
      expect(dropped).toBeGreaterThanOrEqual(2);
      expect(c.stats()).toMatchObject({ shiftReprefills: 0, bytesCopied: 0 });
      expect(c.stats().kvShifts).toBeGreaterThanOrEqual(2);
    } finally {
      model.close();
    }
  });
});
