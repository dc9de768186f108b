// bpe.ts — byte-level BPE (`tokenizer.ggml.model = gpt2`), a port of llama.cpp's llm_tokenizer_bpe_session.
//
// Each pre-tokenizer word is byte-encoded (GPT-2 map), split into characters, and the adjacent pair
// with the lowest merge rank (ties: leftmost) is merged until none is left — a priority queue with
// lazy invalidation, O(n log n) per word. Results are cached per word: real prompts repeat words.

import { byteEncode } from './unicode.js';
import { preTokenizer, pretokenize, type PreTokenizer } from './pretokenize.js';

/** Binary min-heap of bigrams ordered by (rank, left); parallel arrays, no per-entry objects. */
class BigramHeap {
  rank: number[] = []; left: number[] = []; right: number[] = []; size: number[] = [];
  get length(): number { return this.rank.length; }
  clear(): void { this.rank.length = this.left.length = this.right.length = this.size.length = 0; }
  private less(i: number, j: number): boolean {
    return this.rank[i] < this.rank[j] || (this.rank[i] === this.rank[j] && this.left[i] < this.left[j]);
  }
  private swap(i: number, j: number): void {
    let t = this.rank[i]; this.rank[i] = this.rank[j]; this.rank[j] = t;
    t = this.left[i]; this.left[i] = this.left[j]; this.left[j] = t;
    t = this.right[i]; this.right[i] = this.right[j]; this.right[j] = t;
    t = this.size[i]; this.size[i] = this.size[j]; this.size[j] = t;
  }
  push(rank: number, left: number, right: number, size: number): void {
    let i = this.rank.length;
    this.rank.push(rank); this.left.push(left); this.right.push(right); this.size.push(size);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p); i = p;
    }
  }
  /** Removes the top; its fields are left in `top*`. */
  topRank = 0; topLeft = 0; topRight = 0; topSize = 0;
  pop(): void {
    this.topRank = this.rank[0]; this.topLeft = this.left[0]; this.topRight = this.right[0]; this.topSize = this.size[0];
    const last = this.rank.length - 1;
    if (last > 0) this.swap(0, last);
    this.rank.pop(); this.left.pop(); this.right.pop(); this.size.pop();
    const n = this.rank.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && this.less(l, m)) m = l;
      if (r < n && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m); i = m;
    }
  }
}

export class BpeTokenizer {
  readonly pre: PreTokenizer;
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, number[]>();
  private readonly heap = new BigramHeap();

  /**
   * @param tokenToId text → id (later duplicates win, like llama.cpp's map)
   * @param merges "left right" strings in rank order (first occurrence wins)
   * @param preName tokenizer.ggml.pre
   */
  constructor(private readonly tokenToId: Map<string, number>, merges: readonly string[], preName: string | undefined) {
    this.pre = preTokenizer(preName);
    for (let i = 0; i < merges.length; i++) {
      const m = merges[i];
      const pos = m.indexOf(' ', 1);
      const key = pos < 0 ? ' ' : m; // llama.cpp stores ("", "") for a merge without a space
      if (!this.ranks.has(key)) this.ranks.set(key, i);
    }
  }

  /** Tokenize plain text (no special tokens: the caller split those off). */
  encode(text: string, out: number[]): void {
    for (const word of pretokenize(text, this.pre)) {
      const cached = this.cache.get(word);
      if (cached) { for (const id of cached) out.push(id); continue; }
      const ids = this.encodeWord(byteEncode(word));
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(word, ids);
      for (const id of ids) out.push(id);
    }
  }

  /** One byte-encoded word → ids. */
  encodeWord(word: string): number[] {
    if (this.pre.ignoreMerges) {
      const id = this.tokenToId.get(word);
      if (id !== undefined) return [id];
    }
    // symbols: one per character (byte-level chars are all in the BMP); n = length in UTF-16 units
    const n = word.length;
    const start = new Int32Array(n), len = new Int32Array(n), prev = new Int32Array(n), next = new Int32Array(n);
    for (let i = 0; i < n; i++) { start[i] = i; len[i] = 1; prev[i] = i - 1; next[i] = i + 1 < n ? i + 1 : -1; }
    const heap = this.heap;
    heap.clear();
    const addBigram = (l: number, r: number) => {
      if (l < 0 || r < 0) return;
      const a = word.substr(start[l], len[l]), b = word.substr(start[r], len[r]);
      const rank = this.ranks.get(a + ' ' + b);
      if (rank === undefined) return;
      heap.push(rank, l, r, len[l] + len[r]);
    };
    for (let i = 1; i < n; i++) addBigram(i - 1, i);
    while (heap.length > 0) {
      heap.pop();
      const l = heap.topLeft, r = heap.topRight;
      if (len[l] === 0 || len[r] === 0 || len[l] + len[r] !== heap.topSize) continue; // stale
      len[l] += len[r]; len[r] = 0;
      next[l] = next[r];
      if (next[r] >= 0) prev[next[r]] = l;
      addBigram(prev[l], l);
      addBigram(l, next[l]);
    }
    const ids: number[] = [];
    for (let i = 0; i < n; i++) {
      if (len[i] === 0) continue;
      const s = word.substr(start[i], len[i]);
      const id = this.tokenToId.get(s);
      if (id !== undefined) { ids.push(id); continue; }
      // llama.cpp looks each raw UTF-8 byte up as a one-byte string: only ASCII can hit
      for (let k = 0; k < s.length; k++) {
        if (s.charCodeAt(k) < 0x80) { const b = this.tokenToId.get(s[k]); if (b !== undefined) ids.push(b); }
      }
    }
    return ids;
  }
}

export { preTokenizer };
