// build.ts — corpus builder: facts from npm packages → chat conversations.
//
//   node dist/model/corpus/build.js [--out build/corpus]
//
// Writes train.jsonl ({"messages":[{role,content}...]} per line), heldout.jsonl ({category,
// question, expect[], answer} per line: unseen phrasings of trained facts) and stats.json.
// Deterministic (seeded xoshiro128**).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Rng } from '../../test-support/quantize.js';
import { countries, elements, words, SOURCES, type Country, type Element, type WordDef } from './sources.js';
import {
  ATOMIC, CAPITAL, CHAT, CONTINENT, CURRENCY, DEFINE, FILL, PHONE, PREFIXES, SMALLTALK_ANSWERS, SUFFIXES, SYMBOL, SYSTEM_PROMPTS,
  cap, countryName, type Fact,
} from './templates.js';

export interface Msg { role: 'system' | 'user' | 'assistant'; content: string }
export interface HeldoutItem { category: string; question: string; expect: string[]; answer: string }

export const CORPUS_CONFIG = {
  seed: 20240605,
  nWords: 1500,
  samplesPerCountryFact: 24,
  samplesPerElementFact: 30,
  samplesPerWord: 16,
  samplesPerChatQuestion: 40,
  heldoutWords: 400,
  multiTurnRate: 0.15,
  systemRate: 0.1,
};

function fill(t: string, vars: Record<string, string>): string {
  return t.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`);
}

export function buildCorpus(cfg = CORPUS_CONFIG) {
  const rng = new Rng(cfg.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.float() * a.length)];
  const cs = countries(), es = elements(), ws = words(cfg.nWords);

  const decorate = (q: string): string => {
    let s = q;
    const p = pick(PREFIXES);
    if (p) s = p + s.charAt(0).toLowerCase() + s.slice(1);
    s += pick(SUFFIXES);
    const r = rng.float();
    if (r < 0.08) s = s.toLowerCase();
    else if (r < 0.14) s = s.replace(/[?.!]$/, '');
    return s;
  };

  const qa: [string, string][] = [];
  const heldout: HeldoutItem[] = [];
  const cvars = (c: Country) => ({ c: countryName(c.name), C: cap(countryName(c.name)) });
  const evars = (e: Element) => ({ e: rng.float() < 0.5 ? e.name : e.name.toLowerCase() });
  const wvars = (w: WordDef) => ({ w: w.word });

  function addFact<T>(cat: string, f: Fact<T>, items: readonly T[], vars: (x: T) => Record<string, string>, k: number, heldItems: readonly T[]) {
    for (const x of items) for (let i = 0; i < k; i++) qa.push([decorate(fill(pick(f.train), vars(x))), f.answer(x)]);
    heldItems.forEach((x, i) => {
      const v = vars(x);
      heldout.push({ category: cat, question: fill(f.heldout[i % f.heldout.length], cat === 'symbol' || cat === 'atomic_number' ? { e: (x as Element).name } : v), expect: f.expect(x), answer: f.answer(x) });
    });
  }
  addFact('capital', CAPITAL, cs, cvars, cfg.samplesPerCountryFact, cs);
  addFact('continent', CONTINENT, cs, cvars, cfg.samplesPerCountryFact, cs);
  const withCur = cs.filter((c) => c.currency);
  addFact('currency', CURRENCY, withCur, cvars, cfg.samplesPerCountryFact, withCur);
  addFact('phone_code', PHONE, cs, cvars, cfg.samplesPerCountryFact, cs);
  addFact('symbol', SYMBOL, es, evars, cfg.samplesPerElementFact, es);
  addFact('atomic_number', ATOMIC, es, evars, cfg.samplesPerElementFact, es);
  // held-out words: an evenly spaced sample of the taught words
  const step = Math.max(1, Math.floor(ws.length / cfg.heldoutWords));
  addFact('definition', DEFINE, ws, wvars, cfg.samplesPerWord, ws.filter((_, i) => i % step === 0).slice(0, cfg.heldoutWords));

  const fillChat = (t: string) => fill(t, { city: pick(FILL.city), company: pick(FILL.company), person: pick(FILL.person) });
  for (const c of CHAT) {
    for (const q of c.train) {
      for (let i = 0; i < cfg.samplesPerChatQuestion; i++) {
        const a = c.category === 'smalltalk' ? SMALLTALK_ANSWERS[q] : pick(c.answers);
        const question = c.category === 'refusal' ? decorate(fillChat(q)) : rng.float() < 0.1 ? q.toLowerCase() : q;
        qa.push([question, a]);
      }
    }
    c.heldout.forEach((q) => {
      for (const city of c.category === 'refusal' && q.includes('{') ? FILL.city.slice(0, 3) : ['']) {
        heldout.push({ category: c.category, question: fill(q, { city, company: FILL.company[FILL.city.indexOf(city) >= 0 ? FILL.city.indexOf(city) : 0], person: FILL.person[0] }), expect: c.expect, answer: c.answers[0] });
      }
    });
  }

  // shuffle, then group into conversations (some multi-turn, some with a system prompt)
  for (let i = qa.length - 1; i > 0; i--) { const j = Math.floor(rng.float() * (i + 1)); [qa[i], qa[j]] = [qa[j], qa[i]]; }
  const convs: Msg[][] = [];
  for (let i = 0; i < qa.length;) {
    const turns = rng.float() < cfg.multiTurnRate ? rng.int(2, 3) : 1;
    const msgs: Msg[] = [];
    if (rng.float() < cfg.systemRate) msgs.push({ role: 'system', content: pick(SYSTEM_PROMPTS) });
    for (let t = 0; t < turns && i < qa.length; t++, i++) {
      msgs.push({ role: 'user', content: qa[i][0] }, { role: 'assistant', content: qa[i][1] });
    }
    convs.push(msgs);
  }
  return { convs, heldout, stats: { countries: cs.length, elements: es.length, words: ws.length, qaPairs: qa.length, conversations: convs.length, heldout: heldout.length } };
}

function main() {
  const args = process.argv.slice(2);
  const out = resolve(args[args.indexOf('--out') + 1] && args.includes('--out') ? args[args.indexOf('--out') + 1] : 'build/corpus');
  mkdirSync(out, { recursive: true });
  const { convs, heldout, stats } = buildCorpus();
  writeFileSync(join(out, 'train.jsonl'), convs.map((m) => JSON.stringify({ messages: m })).join('\n') + '\n');
  writeFileSync(join(out, 'heldout.jsonl'), heldout.map((h) => JSON.stringify(h)).join('\n') + '\n');
  const counts: Record<string, number> = {};
  for (const h of heldout) counts[h.category] = (counts[h.category] ?? 0) + 1;
  writeFileSync(join(out, 'stats.json'), JSON.stringify({ ...stats, heldoutByCategory: counts, config: CORPUS_CONFIG, sources: SOURCES }, null, 2));
  console.log(JSON.stringify({ ...stats, heldoutByCategory: counts }));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) main();
