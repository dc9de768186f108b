// turn-reuse.ts — how much of what the actor holds the next turn reuses: per turn, the positions held
// before it, the prompt tokens reused and prefilled, on a tiny random-weight model (sampled, short
// answers cut by maxTokens) and on the built-in model (greedy and sampled).
//
// Run alone: node dist/bench/turn-reuse.js [--turns 4] [--max-tokens 20]
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Conversation, modelTokenizer, type ConversationSettings } from '../electron/engine/conversation.js';
import { cachedLlamaModel, tinyConfig } from '../test-support/llama-builder.js';
import { Model } from '../electron/engine/model.js';
import { REPO_ROOT } from '../test-support/tokenizer/fixtures.js';

const QUESTIONS = ['What is a cairn?', 'Where are they built?', 'Why do hikers stack stones?', 'Tell me more.', 'And then?', 'Thanks!'];

export interface TurnRow { turn: number; held: number; reused: number; prefilled: number; answer: number; reason: string }

/** One conversation of `turns` turns; a row per turn. */
export async function turnReuse(model: Model, settings: Partial<ConversationSettings>, turns: number): Promise<TurnRow[]> {
  const c = Conversation.create(model, modelTokenizer(model), settings);
  const rows: TurnRow[] = [];
  try {
    for (let i = 0; i < turns; i++) {
      const held = c.position;
      const r = await c.send(QUESTIONS[i % QUESTIONS.length]);
      rows.push({ turn: i + 1, held, reused: r.reused, prefilled: r.prefilled, answer: r.tokens.length, reason: r.reason });
    }
  } finally {
    c.release();
  }
  return rows;
}

function print(title: string, rows: TurnRow[]): void {
  console.log(title);
  console.log('  turn  held  reused  prefilled  answer  reason');
  for (const r of rows) {
    console.log(`  ${String(r.turn).padStart(4)}  ${String(r.held).padStart(4)}  ${String(r.reused).padStart(6)}  ${String(r.prefilled).padStart(9)}  ${String(r.answer).padStart(6)}  ${r.reason}`);
  }
  const later = rows.slice(1);
  const lost = later.reduce((n, r) => n + (r.held - r.reused), 0);
  console.log(`  held but prefilled again over turns 2..${rows.length}: ${lost}`);
}

async function main(turns: number, maxTokens: number): Promise<void> {
  const tiny = Model.load(cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q8_0')), { threads: 2 });
  try {
    for (const seed of [1, 2, 3]) {
      print(`tiny random model, sampled (seed ${seed}, temperature 0.8), maxTokens ${maxTokens}`,
        await turnReuse(tiny, { seed, temperature: 0.8, topK: 40, topP: 0.95, maxTokens }, turns));
    }
  } finally {
    tiny.close();
  }
  const demo = Model.load(join(REPO_ROOT, 'assets', 'models', 'cairn-demo-28m-q8_0.gguf'), { threads: 2 });
  try {
    print(`built-in model, greedy, maxTokens ${maxTokens}`, await turnReuse(demo, { maxTokens }, turns));
    print(`built-in model, sampled (seed 1, temperature 0.8), maxTokens ${maxTokens}`,
      await turnReuse(demo, { seed: 1, temperature: 0.8, topK: 40, topP: 0.95, maxTokens }, turns));
    print(`built-in model, sampled (seed 1, temperature 1.5), maxTokens ${maxTokens}`,
      await turnReuse(demo, { seed: 1, temperature: 1.5, maxTokens }, turns));
    print('built-in model, greedy, maxTokens 256', await turnReuse(demo, { maxTokens: 256 }, turns));
  } finally {
    demo.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { parseArgs, intOpt } = await import('../electron/cli/args.js');
  const { opts } = parseArgs(process.argv.slice(2), ['turns', 'max-tokens']);
  await main(intOpt(opts, 'turns', 4, 1, 100), intOpt(opts, 'max-tokens', 20, 1, 4096));
}
