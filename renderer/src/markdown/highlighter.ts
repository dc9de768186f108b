// highlighter.ts — the page's side of highlighting: a cache by language and code (a re-render never
// highlights twice) in front of the highlight worker (shiki runs there, off the main thread, so
// compiling a grammar cannot stall streaming or typing). Where there are no workers (unit tests),
// shiki runs in the page.
import type { Lines } from './shiki.js';

export type { Lines } from './shiki.js';

const cache = new Map<string, Lines | null>();
const cacheMax = 500;
let worker: Worker | null | undefined;
let nextId = 1;
const waiting = new Map<number, (lines: Lines | null) => void>();

function getWorker(): Worker | null {
  if (worker !== undefined) return worker;
  try {
    worker = new Worker(new URL('./highlight-worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<{ id: number; lines: Lines | null }>) => {
      waiting.get(e.data.id)?.(e.data.lines);
      waiting.delete(e.data.id);
    };
    worker.onerror = () => { worker = null; for (const done of waiting.values()) done(null); waiting.clear(); };
  } catch {
    worker = null;
  }
  return worker;
}

export function cachedHighlight(code: string, lang: string): Lines | undefined {
  return cache.get(`${lang}\0${code}`) ?? undefined;
}

/** Highlighted lines of `code`, or null when the language is unknown (or highlighting failed). */
export async function highlight(code: string, lang: string): Promise<Lines | null> {
  const key = `${lang}\0${code}`;
  if (cache.has(key)) return cache.get(key) ?? null;
  const w = typeof Worker === 'undefined' ? null : getWorker();
  const lines = w
    ? await new Promise<Lines | null>((resolve) => { const id = nextId++; waiting.set(id, resolve); w.postMessage({ id, code, lang }); })
    : await (await import('./shiki.js')).highlightLines(code, lang);
  if (cache.size >= cacheMax) cache.delete(cache.keys().next().value as string);
  cache.set(key, lines);
  return lines;
}
