// stats.ts — medians and spreads of repeated measurements (one helper for every benchmark).

export interface Spread { median: number; min: number; max: number; runs: number[] }

export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: values };
}

/** A deterministic token sequence (mulberry32) of n ids below vocab. */
export function seededTokens(n: number, vocab: number, seed = 1234): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(((t ^ (t >>> 14)) >>> 0) % vocab);
  }
  return out;
}
