// sampler.ts — sampling in place on logits row 0 of the actor's memory.
// Chain: penalties → (greedy if temperature <= 0) → top-k → softmax(logits / T) → top-p → min-p
// → seeded draw. Scratch holds candidate indices; probabilities overwrite the candidates' logits.
import {
  hget, param, H_N_VOCAB, H_N_PAST, H_TOKENS_OFF, H_LOGITS_OFF, H_SCRATCH_OFF,
  P_TEMPERATURE, P_TOP_K, P_TOP_P, P_MIN_P, P_REPEAT, P_PRESENCE, P_FREQUENCY, P_LAST_N,
} from './header';
import { rngUniform } from './rng';

@inline function logit(lg: u32, i: i32): f32 { return load<f32>(lg + (<u32>i << 2)); }
@inline function idxAt(ix: u32, i: i32): i32 { return load<i32>(ix + (<u32>i << 2)); }
@inline function idxSet(ix: u32, i: i32, v: i32): void { store<i32>(ix + (<u32>i << 2), v); }

/** Repetition (llama.cpp rule), presence and frequency penalties over the last P_LAST_N tokens.
 *  Counts live in scratch (zeroed, used, and zeroed again: O(window), not O(n_vocab)). */
function applyPenalties(lg: u32, counts: u32): void {
  const rep = param<f32>(P_REPEAT), pres = param<f32>(P_PRESENCE), freq = param<f32>(P_FREQUENCY);
  let lastN = param<i32>(P_LAST_N);
  if (lastN == 0 || (rep == 1.0 && pres == 0.0 && freq == 0.0)) return;
  const nPast = <i32>hget(H_N_PAST), toks = hget(H_TOKENS_OFF);
  if (lastN < 0 || lastN > nPast) lastN = nPast;
  const from = nPast - lastN;
  for (let i = from; i < nPast; i++) idxSet(counts, load<i32>(toks + (<u32>i << 2)), 0);
  for (let i = from; i < nPast; i++) {
    const t = load<i32>(toks + (<u32>i << 2));
    idxSet(counts, t, idxAt(counts, t) + 1);
  }
  for (let i = from; i < nPast; i++) {
    const t = load<i32>(toks + (<u32>i << 2));
    const c = idxAt(counts, t);
    if (c == 0) continue; // already penalised
    let l = logit(lg, t);
    l = l > 0 ? l / rep : l * rep;
    l -= <f32>c * freq + pres;
    store<f32>(lg + (<u32>t << 2), l);
    idxSet(counts, t, 0);
  }
}

function argmax(lg: u32, n: i32): i32 {
  let best = 0, bv = logit(lg, 0);
  for (let i = 1; i < n; i++) {
    const v = logit(lg, i);
    if (v > bv) { bv = v; best = i; }
  }
  return best;
}

// "a ranks below b": lower logit, ties broken by the higher index (a total order: deterministic).
@inline function below(lg: u32, a: i32, b: i32): bool {
  const la = logit(lg, a), lb = logit(lg, b);
  return la < lb || (la == lb && a > b);
}

function siftDown(lg: u32, ix: u32, i: i32, n: i32): void {
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) return;
    let m = l;
    if (l + 1 < n && below(lg, idxAt(ix, l + 1), idxAt(ix, l))) m = l + 1;
    if (!below(lg, idxAt(ix, m), idxAt(ix, i))) return;
    const t = idxAt(ix, i); idxSet(ix, i, idxAt(ix, m)); idxSet(ix, m, t);
    i = m;
  }
}

/** Sorts ix[0..m) descending by logit (heapsort on the min-heap order). */
function sortDesc(lg: u32, ix: u32, m: i32): void {
  for (let i = m / 2 - 1; i >= 0; i--) siftDown(lg, ix, i, m);
  for (let end = m - 1; end > 0; end--) {
    const t = idxAt(ix, 0); idxSet(ix, 0, idxAt(ix, end)); idxSet(ix, end, t);
    siftDown(lg, ix, 0, end);
  }
}

/** The k highest logits' indices into ix[0..k), sorted descending (min-heap select + heapsort). */
function topK(lg: u32, ix: u32, n: i32, k: i32): void {
  for (let i = 0; i < k; i++) idxSet(ix, i, i);
  for (let i = k / 2 - 1; i >= 0; i--) siftDown(lg, ix, i, k);
  for (let i = k; i < n; i++) {
    if (below(lg, idxAt(ix, 0), i)) { idxSet(ix, 0, i); siftDown(lg, ix, 0, k); }
  }
  sortDesc(lg, ix, k);
}

/** exp((l - max) / T) over ix[0..m) (or every token when all), written over the logits; returns the sum. */
function softmaxInPlace(lg: u32, ix: u32, m: i32, all: bool, maxL: f32, temp: f32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < m; i++) {
    const t = all ? i : idxAt(ix, i);
    const p = Math.exp(<f64>(logit(lg, t) - maxL) / <f64>temp);
    store<f32>(lg + (<u32>t << 2), <f32>p);
    sum += p;
  }
  return sum;
}

/** Top-k off: gathers into ix the tokens whose probability relative to the top is >= a threshold
 *  that top-p and min-p cannot cut below (lowered until the gathered mass covers top_p), sorted. */
function gather(lg: u32, ix: u32, nv: i32, sum: f64, topP: f64, minP: f32): i32 {
  let t: f32 = minP > 0 ? minP : 1e-3;
  let m = 0, done = false;
  while (!done) {
    let mass: f64 = 0;
    m = 0;
    for (let i = 0; i < nv; i++) {
      const p = logit(lg, i);
      if (p >= t) { idxSet(ix, m++, i); mass += <f64>p; }
    }
    done = minP > 0 || t == 0 || mass >= topP * sum * (1 + 1e-9);
    t = t > 1e-30 ? t * <f32>1e-3 : 0;
  }
  sortDesc(lg, ix, m);
  return m;
}

/** Samples the next token from logits row 0 (modified in place). */
export function sampleToken(): i32 {
  const lg = hget(H_LOGITS_OFF), ix = hget(H_SCRATCH_OFF), nv = <i32>hget(H_N_VOCAB);
  applyPenalties(lg, ix);
  const temp = param<f32>(P_TEMPERATURE), topP = <f64>param<f32>(P_TOP_P), minP = param<f32>(P_MIN_P);
  const k = param<i32>(P_TOP_K);
  if (temp <= 0 || k == 1) return argmax(lg, nv);
  let m: i32, sum: f64;
  if (k > 0 && k < nv) {
    topK(lg, ix, nv, k);
    m = k;
    sum = softmaxInPlace(lg, ix, m, false, logit(lg, idxAt(ix, 0)), temp);
  } else {
    // top-k off: softmax over the whole vocabulary (O(n_vocab)); sort only what can be kept
    sum = softmaxInPlace(lg, ix, nv, true, logit(lg, argmax(lg, nv)), temp);
    if (topP >= 1.0 && minP <= 0) return draw(lg, ix, nv, true, sum);
    m = gather(lg, ix, nv, sum, topP, minP);
  }
  // top-p: the shortest prefix whose mass reaches top_p (at least one)
  let keep = m;
  if (topP < 1.0) {
    let cum: f64 = 0;
    for (let i = 0; i < m; i++) {
      cum += <f64>logit(lg, idxAt(ix, i)) / sum;
      if (cum >= topP) { keep = i + 1; break; }
    }
  }
  // min-p: drop candidates below min_p × the top probability
  if (minP > 0) {
    const cut = minP * logit(lg, idxAt(ix, 0));
    let j = 1;
    while (j < keep && logit(lg, idxAt(ix, j)) >= cut) j++;
    keep = j;
  }
  let kept: f64 = 0;
  for (let i = 0; i < keep; i++) kept += <f64>logit(lg, idxAt(ix, i));
  return draw(lg, ix, keep, false, kept);
}

/** Seeded draw over ix[0..m) (or every token in index order when all) by cumulative mass. */
function draw(lg: u32, ix: u32, m: i32, all: bool, total: f64): i32 {
  const r = rngUniform() * total;
  let acc: f64 = 0;
  for (let i = 0; i < m; i++) {
    const t = all ? i : idxAt(ix, i);
    acc += <f64>logit(lg, t);
    if (r < acc) return t;
  }
  return all ? m - 1 : idxAt(ix, m - 1);
}
