// spm.ts — SentencePiece-style tokenization (`tokenizer.ggml.model = llama`), a port of llama.cpp's
// llm_tokenizer_spm_session: spaces become ▁, characters merge pairwise by highest token score (ties:
// leftmost) while the merged text is a token, and characters no token covers fall back to <0xXX> bytes.

import { utf8Encode } from './unicode.js';

/** Max-heap on (score, then lower left) in parallel arrays. */
class ScoreHeap {
  score: number[] = []; left: number[] = []; right: number[] = []; size: number[] = [];
  get length(): number { return this.score.length; }
  private before(i: number, j: number): boolean {
    return this.score[i] > this.score[j] || (this.score[i] === this.score[j] && this.left[i] < this.left[j]);
  }
  private swap(i: number, j: number): void {
    let t = this.score[i]; this.score[i] = this.score[j]; this.score[j] = t;
    t = this.left[i]; this.left[i] = this.left[j]; this.left[j] = t;
    t = this.right[i]; this.right[i] = this.right[j]; this.right[j] = t;
    t = this.size[i]; this.size[i] = this.size[j]; this.size[j] = t;
  }
  push(score: number, left: number, right: number, size: number): void {
    let i = this.score.length;
    this.score.push(score); this.left.push(left); this.right.push(right); this.size.push(size);
    while (i > 0) { const p = (i - 1) >> 1; if (!this.before(i, p)) break; this.swap(i, p); i = p; }
  }
  topLeft = 0; topRight = 0; topSize = 0;
  pop(): void {
    this.topLeft = this.left[0]; this.topRight = this.right[0]; this.topSize = this.size[0];
    const last = this.score.length - 1;
    if (last > 0) this.swap(0, last);
    this.score.pop(); this.left.pop(); this.right.pop(); this.size.pop();
    const n = this.score.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < n && this.before(l, m)) m = l;
      if (r < n && this.before(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m); i = m;
    }
  }
}

const HEX = '0123456789ABCDEF';

export class SpmTokenizer {
  private readonly byteIds = new Int32Array(256).fill(-1);

  constructor(private readonly tokenToId: Map<string, number>, private readonly scores: Float32Array, unkId: number) {
    for (let b = 0; b < 256; b++) {
      const id = tokenToId.get(`<0x${HEX[b >> 4]}${HEX[b & 15]}>`) ?? tokenToId.get(String.fromCharCode(b));
      this.byteIds[b] = id ?? unkId;
    }
  }

  /** Tokenize one raw fragment (the caller has added any prefix space); spaces are escaped here. */
  encode(text: string, out: number[]): void {
    const s = text.replace(/ /g, '\u2581');
    // symbols: one per codepoint, as [start, len) in UTF-16 units
    const n0 = s.length;
    const start = new Int32Array(n0), len = new Int32Array(n0), prev = new Int32Array(n0), next = new Int32Array(n0);
    let n = 0;
    for (let i = 0; i < n0; n++) {
      const c = s.charCodeAt(i);
      const w = c >= 0xd800 && c <= 0xdbff && i + 1 < n0 ? 2 : 1;
      start[n] = i; len[n] = w; prev[n] = n - 1; next[n] = i + w < n0 ? n + 1 : -1;
      i += w;
    }
    const heap = new ScoreHeap();
    const nTokens = this.scores.length;
    const add = (l: number, r: number) => {
      if (l < 0 || r < 0) return;
      const id = this.tokenToId.get(s.substr(start[l], len[l] + len[r]));
      if (id === undefined || id >= nTokens) return;
      heap.push(this.scores[id], l, r, len[l] + len[r]);
    };
    for (let i = 1; i < n; i++) add(i - 1, i);
    while (heap.length > 0) {
      heap.pop();
      const l = heap.topLeft, r = heap.topRight;
      if (len[l] === 0 || len[r] === 0 || len[l] + len[r] !== heap.topSize) continue;
      len[l] += len[r]; len[r] = 0;
      next[l] = next[r];
      if (next[r] >= 0) prev[next[r]] = l;
      add(prev[l], l);
      add(l, next[l]);
    }
    for (let i = 0; n > 0 && i !== -1; i = next[i]) {
      const piece = s.substr(start[i], len[i]);
      const id = this.tokenToId.get(piece);
      if (id !== undefined) { out.push(id); continue; }
      for (const b of utf8Encode(piece)) { const bid = this.byteIds[b]; if (bid >= 0) out.push(bid); }
    }
  }
}
