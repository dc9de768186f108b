// index.ts — the conversation actor: the only public surface of actor.wasm.
// The host (electron/engine/actor-host.ts) owns the imported memory; this module owns the
// control plane inside it: positions, token history, sampler params + RNG, stop tokens.
// Compute runs through the host import `forward`, which reads tokens from this memory and
// writes K/V rows and logits into it in place. Exports return >= 0 on success or a negated
// error code (engine statuses 1..99, actor codes E_* in header.ts).
import {
  MAGIC, VERSION, HEADER_SIZE, MAX_STOP, PARAMS_SIZE, RNG_SIZE, hget, hset, param, align64, raiseHighWater,
  H_MAGIC, H_VERSION, H_HEADER_SIZE, H_N_CTX, H_N_VOCAB, H_N_LAYER, H_N_HEAD_KV, H_HEAD_DIM, H_KV_TYPE,
  H_N_PAST, H_STATE, H_N_STOP, H_TOKENS_OFF, H_TOKENS_SIZE, H_PARAMS_OFF, H_PARAMS_SIZE, H_RNG_OFF,
  H_RNG_SIZE, H_STOP_OFF, H_STOP_SIZE, H_SCRATCH_OFF, H_SCRATCH_SIZE, H_ACTOR_END, H_LOGITS_OFF,
  H_LOGITS_SIZE, H_K_OFF, H_V_OFF, H_KV_LAYER_SIZE, H_END, H_LAST_TOKEN, H_HIGH_WATER,
  STATE_EMPTY, STATE_LOGITS, STATE_PENDING,
  P_TEMPERATURE, P_TOP_K, P_TOP_P, P_MIN_P, P_REPEAT, P_PRESENCE, P_FREQUENCY, P_LAST_N, P_SEED_LO, P_SEED_HI,
  E_CONTEXT_FULL, E_TOKEN, E_NO_LOGITS, E_LAYOUT, E_ARG,
} from './header';
import { rngSeed } from './rng';
import { sampleToken } from './sampler';

// Re-exported as immutable wasm globals so the host reads field offsets from the module itself.
export {
  MAGIC, VERSION, HEADER_SIZE, MAX_STOP,
  H_MAGIC, H_VERSION, H_HEADER_SIZE, H_N_CTX, H_N_VOCAB, H_N_LAYER, H_N_HEAD_KV, H_HEAD_DIM, H_KV_TYPE,
  H_N_PAST, H_STATE, H_N_STOP, H_TOKENS_OFF, H_TOKENS_SIZE, H_PARAMS_OFF, H_PARAMS_SIZE, H_RNG_OFF,
  H_RNG_SIZE, H_STOP_OFF, H_STOP_SIZE, H_SCRATCH_OFF, H_SCRATCH_SIZE, H_ACTOR_END, H_LOGITS_OFF,
  H_LOGITS_SIZE, H_K_OFF, H_V_OFF, H_KV_LAYER_SIZE, H_END, H_LAST_TOKEN, H_HIGH_WATER,
  STATE_EMPTY, STATE_LOGITS, STATE_PENDING,
  P_TEMPERATURE, P_TOP_K, P_TOP_P, P_MIN_P, P_REPEAT, P_PRESENCE, P_FREQUENCY, P_LAST_N, P_SEED_LO, P_SEED_HI,
  E_CONTEXT_FULL, E_TOKEN, E_NO_LOGITS, E_LAYOUT, E_ARG,
};

/** Host compute plane: runs tokens[pos, pos+n) of this memory, writing K/V rows and logits
 *  (every position's row when all_logits) in place. Returns 0 or an engine status. */
@external("env", "forward")
declare function hostForward(n_tokens: i32, pos: i32, all_logits: i32): i32;

/** Host compute plane: context shift over this memory's K/V rows (positions [keep, keep+discard)
 *  of the n_past held dropped, later rows moved down, K re-rotated). Returns 0 or an engine status. */
@external("env", "kvShift")
declare function hostKvShift(n_past: i32, keep: i32, discard: i32): i32;

// Host, once at creation: writes the header and lays out the actor's own regions after it;
// returns the first free byte (64-aligned) where the host plans the engine's regions, or 0.
export function init(nCtx: u32, nVocab: u32, nLayer: u32, nHeadKv: u32, headDim: u32): u32 {
  if (nCtx == 0 || nCtx > (1 << 24) || nVocab == 0 || nVocab > (1 << 24) || nLayer == 0 || nHeadKv == 0 || headDim == 0) return 0;
  memory.fill(0, 0, HEADER_SIZE);
  hset(H_MAGIC, MAGIC); hset(H_VERSION, VERSION); hset(H_HEADER_SIZE, HEADER_SIZE);
  hset(H_N_CTX, nCtx); hset(H_N_VOCAB, nVocab); hset(H_N_LAYER, nLayer);
  hset(H_N_HEAD_KV, nHeadKv); hset(H_HEAD_DIM, headDim);
  let at = align64(max<u32>(HEADER_SIZE, <u32>__heap_base));
  at = region(H_TOKENS_OFF, H_TOKENS_SIZE, at, nCtx << 2);
  at = region(H_PARAMS_OFF, H_PARAMS_SIZE, at, PARAMS_SIZE);
  at = region(H_RNG_OFF, H_RNG_SIZE, at, RNG_SIZE);
  at = region(H_STOP_OFF, H_STOP_SIZE, at, MAX_STOP << 2);
  at = region(H_SCRATCH_OFF, H_SCRATCH_SIZE, at, nVocab << 2);
  hset(H_ACTOR_END, at);
  hset(H_LAST_TOKEN, <u32>-1);
  return at; // only the header is written: the memory may be one page until the host grows it
}

function region(offField: u32, sizeField: u32, at: u32, size: u32): u32 {
  hset(offField, at); hset(sizeField, size);
  return align64(at + size);
}

// Host, once at creation after Model.planLayout(nCtx, 1, init's result) and growing the memory
// to the layout's end: records the engine's regions (logits row, K, V, kvType) and sets the
// sampler defaults and RNG.
export function setEngineLayout(logitsOff: u32, kOff: u32, vOff: u32, kvType: u32, kvLayerSize: u32, end: u32): i32 {
  const actorEnd = hget(H_ACTOR_END);
  if (actorEnd == 0 || logitsOff < actorEnd || kOff < actorEnd || vOff < actorEnd || end < actorEnd) return -E_LAYOUT;
  if (<u64>end > <u64>memory.size() << 16) return -E_LAYOUT;
  hset(H_LOGITS_OFF, logitsOff); hset(H_LOGITS_SIZE, hget(H_N_VOCAB) << 2);
  hset(H_K_OFF, kOff); hset(H_V_OFF, vOff); hset(H_KV_TYPE, kvType); hset(H_KV_LAYER_SIZE, kvLayerSize);
  hset(H_END, end);
  const p = hget(H_PARAMS_OFF); // defaults: greedy, no penalties (window 64), seed 0
  memory.fill(p, 0, PARAMS_SIZE);
  store<f32>(p + P_TOP_P, 1); store<f32>(p + P_REPEAT, 1); store<i32>(p + P_LAST_N, 64);
  rngSeed(0);
  return 0;
}

// Host, at creation and whenever the user changes settings: sampler params (see P_* in header.ts).
export function setSampler(temperature: f32, topK: i32, topP: f32, minP: f32, repeat: f32, presence: f32, frequency: f32, lastN: i32): void {
  const p = hget(H_PARAMS_OFF);
  store<f32>(p + P_TEMPERATURE, temperature); store<i32>(p + P_TOP_K, topK); store<f32>(p + P_TOP_P, topP);
  store<f32>(p + P_MIN_P, minP); store<f32>(p + P_REPEAT, repeat); store<f32>(p + P_PRESENCE, presence);
  store<f32>(p + P_FREQUENCY, frequency); store<i32>(p + P_LAST_N, lastN);
}

// Host, at creation or when the user picks a seed: stores the 64-bit seed and reseeds the RNG.
export function setSeed(lo: u32, hi: u32): void {
  const p = hget(H_PARAMS_OFF);
  store<u32>(p + P_SEED_LO, lo); store<u32>(p + P_SEED_HI, hi);
  rngSeed((<u64>hi << 32) | <u64>lo);
}

// Host, when the stop list changes: empties it.
export function clearStops(): void { hset(H_N_STOP, 0); }

// Host, per stop token after clearStops: appends one (returns -E_ARG when full or out of vocab).
export function addStop(token: i32): i32 {
  const n = hget(H_N_STOP);
  if (n >= MAX_STOP || token < 0 || <u32>token >= hget(H_N_VOCAB)) return -E_ARG;
  store<i32>(hget(H_STOP_OFF) + (n << 2), token);
  hset(H_N_STOP, n + 1);
  return 0;
}

// Host, after each step (generate's stop detection): 1 when token is in the stop list.
export function isStop(token: i32): i32 {
  const s = hget(H_STOP_OFF), n = hget(H_N_STOP);
  for (let i: u32 = 0; i < n; i++) if (load<i32>(s + (i << 2)) == token) return 1;
  return 0;
}

// Host, after writing n tokens at tokens[n_past..]: runs them through the model; returns n_past.
export function prefill(n: i32): i32 {
  if (hget(H_END) == 0) return -E_LAYOUT;
  const pos = <i32>hget(H_N_PAST);
  // new input abandons a token whose forward failed (the host's write may have replaced it)
  if (hget(H_STATE) == STATE_PENDING) hset(H_STATE, STATE_EMPTY);
  if (n <= 0) return n == 0 ? pos : -E_ARG;
  if (<u32>n > hget(H_N_CTX) - <u32>pos) return -E_CONTEXT_FULL;
  const toks = hget(H_TOKENS_OFF), nv = hget(H_N_VOCAB);
  for (let i = 0; i < n; i++) if (load<u32>(toks + (<u32>(pos + i) << 2)) >= nv) return -E_TOKEN;
  hset(H_STATE, STATE_EMPTY);
  raiseHighWater(<u32>(pos + n)); // before the call: a cancelled forward has written some rows
  const st = hostForward(n, pos, 0);
  if (st != 0) return -st;
  hset(H_N_PAST, <u32>(pos + n));
  hset(H_STATE, STATE_LOGITS);
  return pos + n;
}

// Host, per generated token: samples from the logits, appends the token and runs forward for it;
// returns the token. After a failed forward (e.g. cancelled) the next call retries that token.
export function step(): i32 {
  if (hget(H_END) == 0) return -E_LAYOUT;
  const pos = hget(H_N_PAST), state = hget(H_STATE), toks = hget(H_TOKENS_OFF);
  if (state == STATE_EMPTY) return -E_NO_LOGITS;
  if (pos >= hget(H_N_CTX)) return -E_CONTEXT_FULL;
  let token: i32;
  if (state == STATE_PENDING) token = load<i32>(toks + (pos << 2));
  else {
    token = sampleToken();
    store<i32>(toks + (pos << 2), token);
    hset(H_LAST_TOKEN, <u32>token);
    hset(H_STATE, STATE_PENDING);
  }
  raiseHighWater(pos + 1);
  const st = hostForward(1, <i32>pos, 0);
  if (st != 0) return -st;
  hset(H_N_PAST, pos + 1);
  hset(H_STATE, STATE_LOGITS);
  return token;
}

// Host, to keep positions [0, n) and drop the rest: a snapshot restore (after writing tokens and
// K/V rows [0, n) into a fresh actor) or a rewind to a common prefix. Runs nothing: the logits are
// gone until the next prefill, so step() answers E_NO_LOGITS until then. Returns n.
export function truncate(n: i32): i32 {
  if (hget(H_END) == 0) return -E_LAYOUT;
  if (n < 0 || <u32>n > hget(H_N_CTX)) return -E_ARG;
  raiseHighWater(<u32>n); // (a restore's rows; a rewind lowers n_past, never the mark)
  hset(H_N_PAST, <u32>n);
  hset(H_STATE, STATE_EMPTY);
  return n;
}

// Host, before it writes K/V rows [0, n) itself (a snapshot restore, through its views): rows it
// writes count as held from then on, so release zeroes them even if the restore fails. Returns the mark.
export function wrote(n: i32): i32 {
  if (hget(H_END) == 0) return -E_LAYOUT;
  if (n < 0 || <u32>n > hget(H_N_CTX)) return -E_ARG;
  raiseHighWater(<u32>n);
  return <i32>hget(H_HIGH_WATER);
}

// Host (Conversation's context shift), when the context is full: drops positions [keep, keep + discard),
// token ids and K/V rows, and moves the later ones down (K re-rotated by the engine). The logits stay:
// the next step samples from them, as llama.cpp does; so does a pending token. Returns the new n_past.
export function shift(keep: i32, discard: i32): i32 {
  if (hget(H_END) == 0) return -E_LAYOUT;
  const n = <i32>hget(H_N_PAST);
  if (keep < 0 || keep > n || discard <= 0 || discard > n - keep) return -E_ARG;
  const st = hostKvShift(n, keep, discard);
  if (st != 0) return -st;
  const toks = hget(H_TOKENS_OFF), pending: u32 = hget(H_STATE) == STATE_PENDING ? 1 : 0;
  memory.copy(toks + (<u32>keep << 2), toks + (<u32>(keep + discard) << 2), (<u32>(n - keep - discard) + pending) << 2);
  hset(H_N_PAST, <u32>(n - discard));
  return n - discard;
}

// Host, when the user clears the conversation: forgets positions and reseeds from the seed.
export function reset(): void {
  hset(H_N_PAST, 0); hset(H_STATE, STATE_EMPTY); hset(H_LAST_TOKEN, <u32>-1);
  rngSeed((<u64>param<u32>(P_SEED_HI) << 32) | <u64>param<u32>(P_SEED_LO));
}

// Host, for `position`: the number of positions in the KV cache.
export function nPast(): i32 { return <i32>hget(H_N_PAST); }
