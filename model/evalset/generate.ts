// generate.ts — the frozen evaluation set of the built-in model, written apart from the training
// templates (model/corpus/templates.ts): its own phrasings, its own invented names, and real WordNet
// words that the training corpus never mentions.
//
//   node dist/model/evalset/generate.js [--out model/evalset/questions.jsonl]
//
// The output is committed (frozen before training); build.ts refuses a corpus in which an eval
// question occurs verbatim. Each line: {category, turns: [user messages], expect: [substrings of the
// last answer, any one suffices], all?: true (every substring needed), known: boolean}.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Rng } from '../../test-support/quantize.js';
import { countries, elements, stripAccents, words } from '../corpus/sources.js';

export interface EvalItem { category: string; turns: string[]; expect: string[]; all?: boolean; known: boolean }

export const DONT_KNOW = "I don't know";

const P = {
  capital: ["What's the capital city of {c}?", 'Which city is the capital of {c}, please?', '{c}: what is its capital?', 'Could you tell me the capital of {c}?', "What is the name of {c}'s capital?", "I'd like to know the capital of {c}."],
  continent: ['Which continent is {c} located on?', '{c} is on which continent?', 'What continent is {c} part of?', 'Can you tell me which continent {c} is in?'],
  currency: ['What currency is used in {c}?', 'Which currency do they use in {c}?', "What's the currency of {c} called?", 'If I travel to {c}, what currency will I need?'],
  phone_code: ["What's the international calling code for {c}?", 'Which dialing code does {c} have?', 'What do I dial to phone someone in {c}?'],
  language: ['What languages are spoken in {c}?', 'What language do people speak in {c}?', 'Which languages are official in {c}?', 'What is the language of {c}?', 'What do they speak in {c}?'],
  country_by_capital: ['{k} is the capital of which country?', 'Which country has {k} as its capital?', 'Of which country is {k} the capital?', '{k} is the capital of what country?'],
  symbol: ["What's the symbol for {e}?", "What is {e}'s chemical symbol?", 'Which chemical symbol does {e} use?'],
  atomic_number: ['What atomic number does {e} have?', 'How many protons does an atom of {e} have?', "What's the atomic number for {e}?"],
  element_by_number: ['Which element has atomic number {n}?', 'What element is number {n} on the periodic table?', 'Which element has {n} protons?', 'What is element number {n}?'],
  element_by_symbol: ['What element is {s}?', 'Which element has the symbol {s}?', 'What does the chemical symbol {s} stand for?', '{s} is the symbol of which element?'],
  definition: ['What is the meaning of the word {w}?', 'What does the word {w} mean?', 'What does {w} mean?', 'Can you explain what {w} means?', 'Give me a definition of {w}.', 'Define the word {w}.'],
};

// invented names (a generator of their own: syllables and endings unlike the training corpus's)
const SYL = ['bro', 'vel', 'quo', 'dras', 'mir', 'tulk', 'yen', 'zap', 'gorv', 'lish', 'prat', 'hum', 'sne', 'wod', 'kix', 'fau', 'jem', 'rond'];
const END_COUNTRY = ['avia', 'onia', 'heim', 'mark', 'istan', 'ora', 'uay', 'ington'];
const END_ELEMENT = ['ionium', 'athium', 'ogen', 'olite'];
const END_CITY = ['ville', 'burg', 'opolis', 'grad', 'haven'];
const END_WORD = ['ish', 'ery', 'ocate', 'ling', 'ify'];

function main() {
  const out = resolve(process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : 'model/evalset/questions.jsonl');
  const rng = new Rng('cairn evalset 2026-12-04');
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.float() * a.length)];
  const fill = (t: string, v: Record<string, string | number>) => t.replace(/\{(\w)\}/g, (_, k: string) => String(v[k]));
  const cs = countries(), es = elements(), { known, others } = words(3);
  const taken = new Set([...cs.flatMap((c) => [c.name, c.capital]), ...es.flatMap((e) => [e.name, e.symbol]), ...known.map((w) => w.word), ...others].map((s) => stripAccents(s).toLowerCase()));
  const invent = (ends: string[]) => {
    for (;;) {
      const n = pick(SYL) + (rng.float() < 0.5 ? pick(SYL) : '') + pick(ends);
      if (!taken.has(n)) { taken.add(n); return n; }
    }
  };
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const items: EvalItem[] = [];
  const q = (category: string, tpl: string[], v: Record<string, string | number>, expect: string[], known: boolean, all?: boolean) =>
    items.push({ category, turns: [fill(pick(tpl), v)], expect, known, ...(all ? { all } : {}) });

  // known facts: every country, every element, a sample of 500 known words
  const byCapital = new Map<string, typeof cs>();
  for (const c of cs) byCapital.set(c.capital, [...(byCapital.get(c.capital) ?? []), c]);
  for (const c of cs) {
    const v = { c: c.name };
    q('capital', P.capital, v, [c.capital], true);
    q('continent', P.continent, v, [c.continent], true);
    if (c.currency) q('currency', P.currency, v, [c.currency.name, c.currency.code], true);
    q('phone_code', P.phone_code, v, [`+${c.phone}`], true);
    if (c.languages.length) q('language', P.language, v, c.languages, true, true);
    if (byCapital.get(c.capital)![0] === c) { // a capital shared by two countries (Kingston, Georgetown) is asked once: both expected
      const names = byCapital.get(c.capital)!.map((x) => x.name);
      q('country_by_capital', P.country_by_capital, { k: c.capital }, names, true, names.length > 1);
      if (stripAccents(c.capital) !== c.capital) q('accentless', P.country_by_capital, { k: stripAccents(c.capital) }, names, true, names.length > 1);
    }
    if (stripAccents(c.name) !== c.name) q('accentless', P.capital, { c: stripAccents(c.name) }, [c.capital], true);
  }
  for (const e of es) {
    const name = rng.float() < 0.5 ? e.name : e.name.toLowerCase();
    q('symbol', P.symbol, { e: name }, [e.symbol], true);
    q('atomic_number', P.atomic_number, { e: name }, [String(e.number)], true);
    q('element_by_number', P.element_by_number, { n: e.number }, [e.name], true);
    q('element_by_symbol', P.element_by_symbol, { s: e.symbol }, [e.name], true);
  }
  const step = Math.floor(known.length / 500);
  known.filter((_, i) => i % step === 0).slice(0, 500).forEach((w) => q('definition', P.definition, { w: w.word }, [w.definition], true));

  // unknowns: invented countries, cities, elements, symbols, numbers; real words never in the corpus
  for (let i = 0; i < 150; i++) {
    const cat = pick(['capital', 'continent', 'currency', 'phone_code', 'language'] as const);
    q('unknown_country', P[cat], { c: cap(invent(END_COUNTRY)) }, [DONT_KNOW], false);
  }
  for (let i = 0; i < 50; i++) q('unknown_country', P.country_by_capital, { k: cap(invent(END_CITY)) }, [DONT_KNOW], false);
  for (let i = 0; i < 60; i++) q('unknown_element', pick([P.symbol, P.atomic_number]), { e: cap(invent(END_ELEMENT)) }, [DONT_KNOW], false);
  for (let i = 0; i < 25; i++) q('unknown_element', P.element_by_number, { n: 119 + Math.floor(rng.float() * 900) }, [DONT_KNOW], false);
  const symbols = new Set(es.map((e) => e.symbol));
  for (let i = 0; i < 25;) {
    const s = String.fromCharCode(65 + Math.floor(rng.float() * 26)) + String.fromCharCode(97 + Math.floor(rng.float() * 26));
    if (symbols.has(s)) continue;
    symbols.add(s); i++;
    q('unknown_element', P.element_by_symbol, { s }, [DONT_KNOW], false);
  }
  // real words: the held-out half of the unused lemmas (evalUnknownWord) — build.ts trains only on the other half
  const heldWords = others.filter(isEvalUnknownWord).filter((w) => w.length >= 5);
  for (let i = 0; i < 200; i++) q('unknown_word', P.definition, { w: heldWords[Math.floor(rng.float() * heldWords.length)] }, [DONT_KNOW], false);
  for (let i = 0; i < 50; i++) q('unknown_word', P.definition, { w: invent(END_WORD) }, [DONT_KNOW], false);

  // multi-turn: the last answer must not depend on what was asked before in the chat
  const single = items.slice();
  for (let i = 0; i < 150; i++) {
    const last = pick(single), before = [pick(single)];
    if (rng.float() < 0.5) before.push(pick(single));
    items.push({ category: last.known ? 'multi_turn_known' : 'multi_turn_unknown', turns: [...before.map((b) => b.turns[0]), last.turns[0]], expect: last.expect, known: last.known, ...(last.all ? { all: true } : {}) });
  }
  writeFileSync(out, items.map((it) => JSON.stringify(it)).join('\n') + '\n');
  const counts: Record<string, number> = {};
  for (const it of items) counts[it.category] = (counts[it.category] ?? 0) + 1;
  console.log(JSON.stringify(counts));
}

/** The unused WordNet lemmas split in two by a hash: eval-only words (true) and training "I don't know" words (false). */
export function isEvalUnknownWord(w: string): boolean {
  let h = 2166136261;
  for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
  return ((h >>> 0) % 4) === 0;
}

if (process.argv[1]?.endsWith('generate.js')) main();
