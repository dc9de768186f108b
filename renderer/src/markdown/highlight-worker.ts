// highlight-worker.ts — shiki off the page's main thread: {id, code, lang} in, {id, lines} out.
import { highlightLines } from './shiki.js';

interface Request { id: number; code: string; lang: string }

self.onmessage = async (e: MessageEvent<Request>) => {
  const { id, code, lang } = e.data;
  let lines = null;
  try { lines = await highlightLines(code, lang); } catch { lines = null; }
  (self as unknown as Worker).postMessage({ id, lines });
};
