// shiki.ts — code to highlighted lines with shiki on its JavaScript regex engine (no WebAssembly,
// so the page keeps a strict CSP), loaded on first use; grammars load per language as lazy chunks.
// Lines carry light and dark colours (the theme switch is CSS). Runs in the highlight worker
// (grammar compilation takes hundreds of ms, which must not block the page), or in the page where
// there are no workers (unit tests).
import type { HighlighterCore, ThemedToken } from 'shiki/core';

/** One token: its text and its inline style (color + --shiki-dark). */
export type Lines = Pick<ThemedToken, 'content' | 'htmlStyle'>[][];

let highlighter: Promise<HighlighterCore> | null = null;

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

/** Highlighted lines of `code`, or null when the language is unknown. */
export async function highlightLines(code: string, lang: string): Promise<Lines | null> {
  const h = await getHighlighter();
  const id = await resolveLang(h, lang);
  if (!id) return null;
  // the default per-line time limit (500 ms) leaves the rest of a line as one token when the first
  // use of a grammar compiles its expressions on a busy machine: in the worker a longer limit is fine
  const { tokens } = h.codeToTokens(code, {
    lang: id, themes: { light: 'github-light', dark: 'github-dark' }, tokenizeTimeLimit: 10_000, tokenizeMaxLineLength: 5000,
  });
  return tokens.map((line) => line.map((t) => ({ content: t.content, htmlStyle: t.htmlStyle })));
}
