// eval.ts — greedy evaluation of the built-in model with Cairn's engine, tokenizer and chat template on
// the frozen eval set (model/evalset/questions.jsonl: phrasings written apart from the training
// templates, invented names, unused WordNet words, multi-turn chats); then the same greedy answers
// from llama.cpp (node-llama-cpp) on a sample.
//
//   node dist/model/eval.js [--model assets/models/cairn-demo-28m-q8_0.gguf] [--evalset model/evalset/questions.jsonl]
//     [--oracle-sample 40] [--out build/eval/results.json] [--threads 2] [--limit N]
//
// Multi-turn items are asked in one chat, turn after turn, the model's own answers kept; only the last
// answer is scored. A known fact is correct when the answer contains one of the expected strings (all
// of them where the item says so: every language of a country), does not decline, and (symbols, atomic
// numbers) holds it as a word; element names and definitions match case-insensitively. An unknown is
// declined when the answer contains "I don't know".
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GgufFile } from '../electron/engine/gguf.js';
import { Model, type EngineState } from '../electron/engine/model.js';
import { Tokenizer } from '../electron/engine/tokenizer/index.js';
import { DONT_KNOW, type EvalItem } from './evalset/generate.js';

export class GreedyChat {
  readonly model: Model;
  readonly tok: Tokenizer;
  private state: EngineState;
  constructor(path: string, threads = 2, readonly nCtx = 512) {
    this.model = Model.load(path, { threads });
    const g = GgufFile.open(path);
    try { this.tok = Tokenizer.fromGguf(g); } finally { g.close(); }
    this.state = this.model.createState(nCtx);
  }
  /** The prompt ids for a chat (the file's chat template, generation prompt added). */
  promptIds(question: string | { role: string; content: string }[]): number[] {
    return this.tok.chatPrompt(typeof question === 'string' ? [{ role: 'user', content: question }] : question).ids;
  }
  /** Greedy continuation until an end-of-generation token (included in ids) or maxNew tokens. */
  generate(prompt: number[], maxNew = 80): { ids: number[]; text: string } {
    const ids: number[] = [];
    this.model.forward(this.state, prompt, 0);
    let pos = prompt.length;
    for (let k = 0; k < maxNew && pos < this.nCtx; k++) {
      const l = this.model.logits(this.state);
      let best = 0;
      for (let i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
      ids.push(best);
      if (this.tok.isEog(best)) break;
      this.model.forward(this.state, [best], pos++);
    }
    return { ids, text: this.tok.decode(ids.filter((t) => !this.tok.isEog(t))) };
  }
  ask(question: string, maxNew = 80): string { return this.generate(this.promptIds(question), maxNew).text; }
  close(): void { this.model.close(); }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD_MATCH = new Set(['symbol', 'atomic_number']);
const CASELESS = new Set(['definition', 'element_by_number', 'element_by_symbol']);

export function isCorrect(item: EvalItem, answer: string): boolean {
  if (!item.known) return answer.includes(DONT_KNOW);
  if (answer.includes(DONT_KNOW)) return false;
  const base = item.category.replace(/^multi_turn_\w+$/, '');
  const has = (e: string) => {
    if (WORD_MATCH.has(base)) return new RegExp(`(^|[^A-Za-z0-9])${escapeRe(e)}([^A-Za-z0-9]|$)`).test(answer);
    if (CASELESS.has(base) || base === '') return answer.toLowerCase().includes(e.toLowerCase());
    return answer.includes(e);
  };
  return item.all ? item.expect.every(has) : item.expect.some(has);
}

function arg(name: string, def: string): string { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; }

async function main() {
  const path = resolve(arg('--model', 'assets/models/cairn-demo-28m-q8_0.gguf'));
  let items = readFileSync(resolve(arg('--evalset', 'model/evalset/questions.jsonl')), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EvalItem);
  if (process.argv.includes('--limit')) items = items.filter((_, i) => i % Math.ceil(items.length / Number(arg('--limit', '0'))) === 0);
  const nOracle = Number(arg('--oracle-sample', '40'));
  const out = resolve(arg('--out', 'build/eval/results.json'));
  const chat = new GreedyChat(path, Number(arg('--threads', '2')));
  const t0 = Date.now();
  const byCat: Record<string, { n: number; correct: number; known: boolean }> = {};
  const rows: { category: string; turns: string[]; answer: string; correct: boolean; ids: number[]; prompt: number[]; text: string }[] = [];
  let nTok = 0;
  for (const it of items) {
    const msgs: { role: string; content: string }[] = [];
    let g = { ids: [] as number[], text: '' }, prompt: number[] = [];
    for (const t of it.turns) {
      msgs.push({ role: 'user', content: t });
      prompt = chat.promptIds(msgs);
      g = chat.generate(prompt);
      nTok += g.ids.length;
      msgs.push({ role: 'assistant', content: g.text });
    }
    const ok = isCorrect(it, g.text);
    (byCat[it.category] ??= { n: 0, correct: 0, known: it.known }).n++;
    if (ok) byCat[it.category].correct++;
    const text = chat.tok.renderChat(msgs.slice(0, -1), { addGenerationPrompt: true }).text;
    rows.push({ category: it.category, turns: it.turns, answer: g.text, correct: ok, ids: g.ids, prompt, text });
  }
  const secs = (Date.now() - t0) / 1000;
  const sum = (known: boolean) => Object.values(byCat).filter((v) => v.known === known).reduce((a, v) => ({ n: a.n + v.n, correct: a.correct + v.correct }), { n: 0, correct: 0 });
  const accuracy = Object.fromEntries(Object.entries(byCat).map(([k, v]) => [k, { ...v, accuracy: +(v.correct / v.n).toFixed(4) }]));
  const known = sum(true), unknown = sum(false);
  const pct = (a: number, b: number) => `${(100 * a / b).toFixed(1)} %`;
  console.log(`Cairn engine, greedy, ${rows.length} eval items (${nTok} tokens generated in ${secs.toFixed(1)} s):`);
  for (const [k, v] of Object.entries(accuracy)) console.log(`  ${k.padEnd(20)} ${v.known ? 'correct ' : 'declined'} ${v.correct}/${v.n}  ${pct(v.correct, v.n)}`);
  console.log(`  ${'known facts'.padEnd(20)} correct  ${known.correct}/${known.n}  ${pct(known.correct, known.n)}`);
  console.log(`  ${'unknowns'.padEnd(20)} declined ${unknown.correct}/${unknown.n}  ${pct(unknown.correct, unknown.n)}`);

  // llama.cpp on an evenly spaced sample: the same prompt ids, the same number of greedy tokens
  let oracle: { sample: number; identical: number; promptSame: number; mismatches: { turns: string[]; cairn: string; llama: string }[] } | undefined;
  if (nOracle > 0) {
    const { llamaGreedy, llamaTokenize, llamaDisposeAll } = await import('../test-support/llama/oracle.js');
    const step = Math.max(1, Math.floor(rows.length / nOracle));
    const sample = rows.filter((_, i) => i % step === 0).slice(0, nOracle);
    let identical = 0, promptSame = 0;
    const mismatches: { turns: string[]; cairn: string; llama: string }[] = [];
    for (const r of sample) {
      if ((await llamaTokenize(path, r.text)).join(',') === r.prompt.join(',')) promptSame++;
      const ll = await llamaGreedy(path, r.prompt, r.ids.length);
      if (ll.join(',') === r.ids.join(',')) identical++;
      else mismatches.push({ turns: r.turns, cairn: r.answer, llama: chat.tok.decode(ll.filter((t) => !chat.tok.isEog(t))) });
    }
    await llamaDisposeAll();
    oracle = { sample: sample.length, identical, promptSame, mismatches };
    console.log(`llama.cpp: ${identical}/${sample.length} greedy answers identical; prompt tokenization identical ${promptSame}/${sample.length}`);
    for (const m of mismatches) console.log(`  differs: ${JSON.stringify(m)}`);
  }
  chat.close();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({
    model: path, accuracy, known: { ...known, accuracy: known.correct / known.n }, unknown: { ...unknown, declined: unknown.correct / unknown.n }, seconds: secs, oracle,
    wrong: rows.filter((r) => !r.correct).map(({ category, turns, answer }) => ({ category, turns, answer })),
  }, null, 2));
  console.log(`→ ${out}`);
}

if (process.argv[1]?.endsWith('eval.js')) main().catch((e) => { console.error(e); process.exit(1); });
