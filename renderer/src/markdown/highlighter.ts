// highlighter.ts — code highlighting with shiki on its JavaScript regex engine (no WebAssembly, so
// the page keeps a strict CSP), loaded on first use; grammars load per language as lazy chunks.
// Results are tokens with light and dark colours (the theme switch is CSS), cached by language
// and code so a re-render never highlights twice.
import type { HighlighterCore, ThemedToken } from 'shiki/core';

export type Lines = ThemedToken[][];

let highlighter: Promise<HighlighterCore> | null = null;
const cache = new Map<string, Lines>();
const cacheMax = 500;

function getHighlighter(): Promise<HighlighterCore> {
  highlighter ??= (async () => {
    const [{ createHighlighterCore }, { createJavaScriptRegexEngine }] = await Promise.all([
      import('shiki/core'), import('shiki/engine/javascript'),
    ]);
    return createHighlighterCore({
      themes: [import('shiki/themes/github-light.mjs'), import('shiki/themes/github-dark.mjs')],
      langs: [],
      engine: createJavaScriptRegexEngine(),
    });
  })();
  return highlighter;
}

/** The grammar id for a fence's info string, or null when shiki has none (shown as plain text). */
async function resolveLang(h: HighlighterCore, lang: string): Promise<string | null> {
  const { bundledLanguages, bundledLanguagesAlias } = await import('shiki/langs');
  const id = lang.toLowerCase();
  const known = (bundledLanguages as Record<string, unknown>)[id] ?? (bundledLanguagesAlias as Record<string, unknown>)[id];
  if (!known) return null;
  if (!h.getLoadedLanguages().includes(id)) await h.loadLanguage(known as Parameters<HighlighterCore['loadLanguage']>[0]);
  return id;
}

export function cachedHighlight(code: string, lang: string): Lines | undefined {
  return cache.get(`${lang}\0${code}`);
}

/** Highlighted lines of `code`, or null when the language is unknown. */
export async function highlight(code: string, lang: string): Promise<Lines | null> {
  const key = `${lang}\0${code}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const h = await getHighlighter();
  const id = await resolveLang(h, lang);
  if (!id) return null;
  const { tokens } = h.codeToTokens(code, { lang: id, themes: { light: 'github-light', dark: 'github-dark' } });
  if (cache.size >= cacheMax) cache.delete(cache.keys().next().value as string);
  cache.set(key, tokens);
  return tokens;
}
