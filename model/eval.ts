// eval.ts — greedy evaluation of the built-in model with Cairn's engine, tokenizer and chat template
// on the held-out phrasings; then the same greedy answers from llama.cpp (node-llama-cpp) on a sample.
//
//   node dist/model/eval.js [--model assets/models/cairn-demo-14m-q8_0.gguf] [--heldout build/corpus/heldout.jsonl]
//     [--oracle-sample 60] [--out build/eval/results.json] [--threads 2]
//
// An answer is correct when it contains one of the item's expected strings (the capital, the
// continent, the currency's name or code, "+<code>", the element symbol as a word, the atomic
// number as a word, the full WordNet definition, "Cairn" for self-description, "Hello"/"Hi" for
// greetings, "I'm sorry"/"can't know" for refusals).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { GgufFile } from '../electron/engine/gguf.js';
import { Model, type EngineState } from '../electron/engine/model.js';
import { Tokenizer } from '../electron/engine/tokenizer/index.js';

export interface HeldoutItem { category: string; question: string; expect: string[]; answer: string }

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
  /** The prompt ids for one user question (the file's chat template, generation prompt added). */
  promptIds(question: string): number[] {
    return this.tok.chatPrompt([{ role: 'user', content: question }]).ids;
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
export function isCorrect(item: HeldoutItem, answer: string): boolean {
  return item.expect.some((e) => {
    if (item.category === 'symbol' || item.category === 'atomic_number') return new RegExp(`(^|[^A-Za-z0-9])${escapeRe(e)}([^A-Za-z0-9]|$)`).test(answer);
    if (item.category === 'definition') return answer.toLowerCase().includes(e.toLowerCase());
    return answer.includes(e);
  });
}

function arg(name: string, def: string): string { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; }

async function main() {
  const path = resolve(arg('--model', 'assets/models/cairn-demo-14m-q8_0.gguf'));
  const items = readFileSync(resolve(arg('--heldout', 'build/corpus/heldout.jsonl')), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as HeldoutItem);
  const nOracle = Number(arg('--oracle-sample', '60'));
  const out = resolve(arg('--out', 'build/eval/results.json'));
  const chat = new GreedyChat(path, Number(arg('--threads', '2')));
  const t0 = Date.now();
  const byCat: Record<string, { n: number; correct: number }> = {};
  const rows: { category: string; question: string; answer: string; correct: boolean; ids: number[]; prompt: number[] }[] = [];
  let nTok = 0;
  for (const it of items) {
    const prompt = chat.promptIds(it.question);
    const g = chat.generate(prompt);
    nTok += g.ids.length;
    const ok = isCorrect(it, g.text);
    (byCat[it.category] ??= { n: 0, correct: 0 }).n++;
    if (ok) byCat[it.category].correct++;
    rows.push({ category: it.category, question: it.question, answer: g.text, correct: ok, ids: g.ids, prompt });
  }
  const secs = (Date.now() - t0) / 1000;
  const total = rows.filter((r) => r.correct).length;
  const accuracy = Object.fromEntries(Object.entries(byCat).map(([k, v]) => [k, { ...v, accuracy: +(v.correct / v.n).toFixed(4) }]));
  console.log(`Cairn engine, greedy, ${rows.length} held-out questions (${nTok} tokens generated in ${secs.toFixed(1)} s):`);
  for (const [k, v] of Object.entries(accuracy)) console.log(`  ${k.padEnd(14)} ${v.correct}/${v.n}  ${(100 * v.accuracy).toFixed(1)} %`);
  console.log(`  ${'overall'.padEnd(14)} ${total}/${rows.length}  ${(100 * total / rows.length).toFixed(1)} %`);

  // llama.cpp on an evenly spaced sample: the same prompt ids, the same number of greedy tokens
  let oracle: { sample: number; identical: number; mismatches: { question: string; cairn: string; llama: string }[] } | undefined;
  if (nOracle > 0) {
    const { llamaGreedy, llamaTokenize, llamaDisposeAll } = await import('../test-support/llama/oracle.js');
    const step = Math.max(1, Math.floor(rows.length / nOracle));
    const sample = rows.filter((_, i) => i % step === 0).slice(0, nOracle);
    let identical = 0, promptSame = 0;
    const mismatches: { question: string; cairn: string; llama: string }[] = [];
    for (const r of sample) {
      const text = chat.tok.renderChat([{ role: 'user', content: r.question }], { addGenerationPrompt: true }).text;
      if ((await llamaTokenize(path, text)).join(',') === r.prompt.join(',')) promptSame++;
      const ll = await llamaGreedy(path, r.prompt, r.ids.length);
      if (ll.join(',') === r.ids.join(',')) identical++;
      else mismatches.push({ question: r.question, cairn: r.answer, llama: chat.tok.decode(ll.filter((t) => !chat.tok.isEog(t))) });
    }
    await llamaDisposeAll();
    oracle = { sample: sample.length, identical, mismatches };
    console.log(`llama.cpp: ${identical}/${sample.length} greedy answers identical; prompt tokenization identical ${promptSame}/${sample.length}`);
    for (const m of mismatches) console.log(`  differs: ${JSON.stringify(m)}`);
  }
  chat.close();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ model: path, accuracy, overall: total / rows.length, seconds: secs, oracle, wrong: rows.filter((r) => !r.correct).map(({ category, question, answer }) => ({ category, question, answer })) }, null, 2));
  console.log(`→ ${out}`);
}

if (process.argv[1]?.endsWith('eval.js')) main().catch((e) => { console.error(e); process.exit(1); });
