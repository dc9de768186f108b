// build.ts — corpus builder: facts from npm packages → chat conversations.
//
//   node dist/model/corpus/build.js [--out build/corpus] [--evalset model/evalset/questions.jsonl]
//
// Writes train.jsonl ({"messages":[{role,content}...]} per line) and stats.json. Known facts get many
// phrasings each; entities the model was not trained on (invented countries, cities and elements,
// atomic numbers past 118, unused symbols, real WordNet words outside the kept list) get a short
// "I don't know …" answer. Multi-turn conversations mix unrelated questions, so an answer depends only
// on its own question. Refuses a corpus in which a question of the frozen eval set occurs verbatim.
// Deterministic (seeded xoshiro128**).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Rng } from '../../test-support/quantize.js';
import { isEvalUnknownWord } from '../evalset/generate.js';
import { countries, elements, stripAccents, words, SOURCES, type Country, type Element } from './sources.js';
import {
  ATOMIC, BY_CAPITAL, BY_NUMBER, BY_SYMBOL, CAPITAL, CHAT, CONTINENT, CURRENCY, DEFINE, FILL, INVENT, LANGUAGE, PHONE, PREFIXES,
  SMALLTALK_ANSWERS, SUFFIXES, SYMBOL, SYSTEM_PROMPTS, UNKNOWN, cap, countryName, type Fact,
} from './templates.js';

export interface Msg { role: 'system' | 'user' | 'assistant'; content: string }

export const CORPUS_CONFIG = {
  seed: 20241204,
  minWordUses: 3, // SemCor uses of a WordNet lemma for it to be taught
  samplesPerCountryFact: 22,
  samplesPerElementFact: 30,
  accentedSampleFactor: 1.5, // more questions about a name written with accents: half of them are asked without the accents
  samplesPerWord: 12,
  samplesPerChatQuestion: 30,
  unknownCountries: 4000,
  unknownCapitals: 1500,
  unknownElements: 1200,
  unknownNumbers: 500,
  unknownSymbols: 500,
  unknownRealWords: 30000,
  unknownInventedWords: 4000,
  accentFreeRate: 0.5, // of questions about a name written with accents, asked without them
  multiTurnRate: 0.3,
  systemRate: 0.1,
};

function fill(t: string, vars: Record<string, string>): string {
  return t.replace(/\{(\w+)\}/g, (_, k: string) => vars[k] ?? `{${k}}`);
}

export function buildCorpus(cfg = CORPUS_CONFIG) {
  const rng = new Rng(cfg.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.float() * a.length)];
  const cs = countries(), es = elements(), { known: ws, others } = words(cfg.minWordUses);

  // keepHead: the question starts with a name (a subject-first template), which a prefix does not lower-case
  const decorate = (q: string, keepCase = false, keepHead = false): string => {
    let s = q;
    const p = pick(PREFIXES);
    if (p) s = p + (keepHead ? s : s.charAt(0).toLowerCase() + s.slice(1));
    s += pick(SUFFIXES);
    const r = rng.float();
    if (r < 0.08 && !keepCase) s = s.toLowerCase();
    else if (r < 0.16) s = s.replace(/[?.!]$/, '');
    return s;
  };
  const qa: [string, string][] = [];
  const ask = <T>(f: Fact<T> | { train: string[] }, vars: Record<string, string>, answer: string, keepCase = false) => {
    const v = { ...vars };
    for (const k of Object.keys(vars)) v[k.toUpperCase()] = cap(vars[k]);
    const t = pick(f.train);
    qa.push([decorate(fill(t, v), keepCase, t.startsWith('{')), answer]);
  };
  const written = (s: string) => (s !== stripAccents(s) && rng.float() < cfg.accentFreeRate ? stripAccents(s) : s);
  const cname = (c: Country) => written(rng.float() < 0.6 ? countryName(c.name) : c.name);
  const samples = (name: string) => (name !== stripAccents(name) ? Math.round(cfg.samplesPerCountryFact * cfg.accentedSampleFactor) : cfg.samplesPerCountryFact);

  // known facts
  const countryFacts: [Fact<Country>, (c: Country) => boolean][] = [
    [CAPITAL, () => true], [CONTINENT, () => true], [CURRENCY, (c) => !!c.currency], [PHONE, () => true], [LANGUAGE, (c) => c.languages.length > 0],
  ];
  for (const c of cs) for (const [f, has] of countryFacts) if (has(c)) for (let i = 0; i < samples(c.name); i++) ask(f, { c: cname(c) }, f.answer(c));
  const byCapital = new Map<string, Country[]>();
  for (const c of cs) byCapital.set(c.capital, [...(byCapital.get(c.capital) ?? []), c]);
  for (const [capital, list] of byCapital) {
    for (let i = 0; i < samples(capital); i++) ask(BY_CAPITAL, { k: written(capital) }, BY_CAPITAL.answer({ capital, countries: list }));
  }
  const elementFacts: [Fact<Element>, (e: Element) => Record<string, string>, boolean][] = [
    [SYMBOL, (e) => ({ e: rng.float() < 0.5 ? e.name : e.name.toLowerCase() }), false],
    [ATOMIC, (e) => ({ e: rng.float() < 0.5 ? e.name : e.name.toLowerCase() }), false],
    [BY_NUMBER, (e) => ({ n: String(e.number) }), false],
    [BY_SYMBOL, (e) => ({ s: e.symbol }), true],
  ];
  for (const e of es) for (const [f, vars, keepCase] of elementFacts) for (let i = 0; i < cfg.samplesPerElementFact; i++) ask(f, vars(e), f.answer(e), keepCase);
  for (const w of ws) for (let i = 0; i < cfg.samplesPerWord; i++) ask(DEFINE, { w: w.word }, DEFINE.answer(w));

  // unknown entities: invented names (never a real country, capital, element or WordNet lemma)
  const taken = new Set([...cs.flatMap((c) => [c.name, c.capital]), ...es.flatMap((e) => [e.name, e.symbol]), ...ws.map((w) => w.word), ...others].map((s) => stripAccents(s).toLowerCase()));
  // half of the endings are hand-written (INVENT), half are the last 3–4 letters of a real name of the kind
  // (-mark, -uay, -ium, -polis …), so that a real-sounding ending on an unknown stem is still declined
  const realEnds = (names: string[]) => [...new Set(names.flatMap((x) => {
    const w = stripAccents(x.split(/[\s-]/).pop()!).toLowerCase();
    return /^[a-z]{5,}$/.test(w) ? [w.slice(-3), w.slice(-4)] : [];
  }))].sort();
  const ENDS = {
    country: [INVENT.country, realEnds(cs.map((c) => c.name))], city: [INVENT.city, realEnds(cs.map((c) => c.capital))],
    element: [INVENT.element, realEnds(es.map((e) => e.name))], word: [INVENT.word, INVENT.word],
  };
  const invent = (kind: keyof typeof ENDS, minSyl = 1) => {
    for (;;) {
      let n = '';
      const k = minSyl + Math.floor(rng.float() * 3);
      for (let i = 0; i < k; i++) n += pick(INVENT.syllables);
      n += pick(ENDS[kind][rng.float() < 0.5 ? 0 : 1]);
      if (n.length >= 4 && !taken.has(n.toLowerCase())) { taken.add(n.toLowerCase()); return cap(n); }
    }
  };
  const countryQs = [CAPITAL, CONTINENT, CURRENCY, PHONE, LANGUAGE];
  for (let i = 0; i < cfg.unknownCountries; i++) { const n = invent('country'); ask(pick(countryQs), { c: n }, UNKNOWN.country(n)); }
  for (let i = 0; i < cfg.unknownCapitals; i++) { const n = invent('city'); ask(BY_CAPITAL, { k: n }, UNKNOWN.capital(n)); }
  for (let i = 0; i < cfg.unknownElements; i++) { const n = invent('element'); ask(pick([SYMBOL, ATOMIC]), { e: rng.float() < 0.5 ? n : n.toLowerCase() }, UNKNOWN.element(n)); }
  for (let i = 0; i < cfg.unknownNumbers; i++) { const n = 119 + Math.floor(rng.float() * (rng.float() < 0.7 ? 200 : 5000)); ask(BY_NUMBER, { n: String(n) }, UNKNOWN.number(n)); }
  const symbols = new Set(es.map((e) => e.symbol));
  for (let i = 0; i < cfg.unknownSymbols;) {
    const s = String.fromCharCode(65 + Math.floor(rng.float() * 26)) + (rng.float() < 0.9 ? String.fromCharCode(97 + Math.floor(rng.float() * 26)) : '');
    if (symbols.has(s)) continue;
    i++;
    ask(BY_SYMBOL, { s }, UNKNOWN.symbol(s), true);
  }
  // real words outside the kept list: the training half of the unused lemmas (the other half is the eval's)
  const trainUnknown = others.filter((w) => !isEvalUnknownWord(w));
  for (let i = 0; i < cfg.unknownRealWords; i++) { const w = trainUnknown[Math.floor(rng.float() * trainUnknown.length)]; ask(DEFINE, { w }, UNKNOWN.word(w)); }
  for (let i = 0; i < cfg.unknownInventedWords; i++) { const w = invent('word').toLowerCase(); ask(DEFINE, { w }, UNKNOWN.word(w)); }

  const fillChat = (t: string) => fill(t, { city: pick(FILL.city), company: pick(FILL.company), person: pick(FILL.person) });
  for (const c of CHAT) {
    for (const q of c.train) {
      for (let i = 0; i < cfg.samplesPerChatQuestion; i++) {
        const a = c.category === 'smalltalk' ? SMALLTALK_ANSWERS[q] : pick(c.answers);
        const question = c.category === 'refusal' ? decorate(fillChat(q)) : rng.float() < 0.1 ? q.toLowerCase() : q;
        qa.push([question, a]);
      }
    }
  }

  // shuffle, then group into conversations (some multi-turn, some with a system prompt)
  for (let i = qa.length - 1; i > 0; i--) { const j = Math.floor(rng.float() * (i + 1)); [qa[i], qa[j]] = [qa[j], qa[i]]; }
  const convs: Msg[][] = [];
  for (let i = 0; i < qa.length;) {
    const turns = rng.float() < cfg.multiTurnRate ? rng.int(2, 4) : 1;
    const msgs: Msg[] = [];
    if (rng.float() < cfg.systemRate) msgs.push({ role: 'system', content: pick(SYSTEM_PROMPTS) });
    for (let t = 0; t < turns && i < qa.length; t++, i++) {
      msgs.push({ role: 'user', content: qa[i][0] }, { role: 'assistant', content: qa[i][1] });
    }
    convs.push(msgs);
  }
  const stats = { countries: cs.length, elements: es.length, words: ws.length, wordsByPos: countBy(ws, (w) => w.pos), unknownWordPool: trainUnknown.length, qaPairs: qa.length, conversations: convs.length };
  return { convs, questions: new Set(qa.map((x) => x[0])), stats };
}

function countBy<T>(xs: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

function main() {
  const args = process.argv.slice(2);
  const arg = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
  const out = resolve(arg('--out', 'build/corpus'));
  const evalset = resolve(arg('--evalset', 'model/evalset/questions.jsonl'));
  mkdirSync(out, { recursive: true });
  const { convs, questions, stats } = buildCorpus();
  if (!existsSync(evalset)) throw new Error(`${evalset}: the frozen eval set is missing (node dist/model/evalset/generate.js writes it)`);
  const leaked = readFileSync(evalset, 'utf8').split('\n').filter(Boolean).flatMap((l) => (JSON.parse(l) as { turns: string[] }).turns).filter((q) => questions.has(q));
  if (leaked.length) throw new Error(`${leaked.length} eval questions occur verbatim in the training corpus, e.g. ${JSON.stringify(leaked.slice(0, 5))}`);
  writeFileSync(join(out, 'train.jsonl'), convs.map((m) => JSON.stringify({ messages: m })).join('\n') + '\n');
  writeFileSync(join(out, 'stats.json'), JSON.stringify({ ...stats, config: CORPUS_CONFIG, sources: SOURCES }, null, 2));
  console.log(JSON.stringify(stats));
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop()!)) main();
