// header.ts — the actor header at offset 0 of the actor's memory: field offsets and accessors.
// Every field is a u32 (wasm32 memory is < 4 GiB). The header is the record of the memory
// layout: a snapshot writer or a host reads offsets here, never recomputes them.
// All conversation state lives in memory (no mutable wasm globals), so a byte copy of the
// memory is a complete copy of the actor (fork, snapshot).

export const MAGIC: u32 = 0x41494143; // "CAIA" little-endian: Cairn actor
export const VERSION: u32 = 2;         // 2: H_HIGH_WATER
export const HEADER_SIZE: u32 = 128;
export const MAX_STOP: u32 = 64;
export const PARAMS_SIZE: u32 = 64;
export const RNG_SIZE: u32 = 64;

// header field byte offsets
export const H_MAGIC: u32 = 0;
export const H_VERSION: u32 = 4;
export const H_HEADER_SIZE: u32 = 8;
export const H_N_CTX: u32 = 12;
export const H_N_VOCAB: u32 = 16;
export const H_N_LAYER: u32 = 20;
export const H_N_HEAD_KV: u32 = 24;
export const H_HEAD_DIM: u32 = 28;
export const H_KV_TYPE: u32 = 32;       // engine KV element type (CAIRN_TYPE_F16 = 1)
export const H_N_PAST: u32 = 36;        // positions whose K/V rows are in the cache
export const H_STATE: u32 = 40;         // STATE_* below
export const H_N_STOP: u32 = 44;        // stop tokens in the stop list
export const H_TOKENS_OFF: u32 = 48;    // i32 [n_ctx] token history
export const H_TOKENS_SIZE: u32 = 52;
export const H_PARAMS_OFF: u32 = 56;    // sampler params (P_* below)
export const H_PARAMS_SIZE: u32 = 60;
export const H_RNG_OFF: u32 = 64;       // xoshiro128** state, u32 [4]
export const H_RNG_SIZE: u32 = 68;
export const H_STOP_OFF: u32 = 72;      // i32 [MAX_STOP] stop tokens
export const H_STOP_SIZE: u32 = 76;
export const H_SCRATCH_OFF: u32 = 80;   // i32 [n_vocab] sampling candidates / penalty counts
export const H_SCRATCH_SIZE: u32 = 84;
export const H_ACTOR_END: u32 = 88;     // end of the actor's own regions (64-aligned): engine start
export const H_LOGITS_OFF: u32 = 92;    // engine regions (placed by the host from Model.planLayout)
export const H_LOGITS_SIZE: u32 = 96;
export const H_K_OFF: u32 = 100;        // f16 [n_layer][n_ctx][n_head_kv*head_dim]
export const H_V_OFF: u32 = 104;
export const H_KV_LAYER_SIZE: u32 = 108; // bytes of one layer of K (or V)
export const H_END: u32 = 112;          // end of all regions (the memory is at least this big)
export const H_LAST_TOKEN: u32 = 116;   // last token sampled by step (-1 before any)
export const H_HIGH_WATER: u32 = 120;   // K/V rows [0, this) may hold data written since the layout (every
                                        // position ever run, restored or shifted, even if rewound since);
                                        // rows past it are as the layout left them: release zeroes [0, this)

// H_STATE values
export const STATE_EMPTY: u32 = 0;      // no logits (fresh, reset, or a failed prefill)
export const STATE_LOGITS: u32 = 1;     // logits row 0 holds the prediction for position n_past
export const STATE_PENDING: u32 = 2;    // tokens[n_past] was sampled but its forward failed

// sampler params: byte offsets inside the params region
export const P_TEMPERATURE: u32 = 0;    // f32; <= 0 means greedy
export const P_TOP_K: u32 = 4;          // i32; <= 0 disables
export const P_TOP_P: u32 = 8;          // f32; >= 1 disables
export const P_MIN_P: u32 = 12;         // f32; <= 0 disables
export const P_REPEAT: u32 = 16;        // f32; 1 disables (llama.cpp: divide positive, multiply negative)
export const P_PRESENCE: u32 = 20;      // f32; 0 disables
export const P_FREQUENCY: u32 = 24;     // f32; 0 disables
export const P_LAST_N: u32 = 28;        // i32 penalty window; 0 disables penalties, -1 = whole history
export const P_SEED_LO: u32 = 32;       // u32 low half of the 64-bit seed
export const P_SEED_HI: u32 = 36;       // u32 high half

// Error codes returned (negated) by the exports. Engine statuses (1..99) pass through negated.
export const E_CONTEXT_FULL: i32 = 100; // no room for the tokens in n_ctx (the host may shift() and go on)
export const E_TOKEN: i32 = 101;        // a token id outside [0, n_vocab)
export const E_NO_LOGITS: i32 = 102;    // step() before any prefill (or after a failed one)
export const E_LAYOUT: i32 = 103;       // init/setEngineLayout arguments invalid or missing
export const E_ARG: i32 = 104;          // other bad argument (stop list full, ...)

@inline export function hget(field: u32): u32 { return load<u32>(field); }
@inline export function hset(field: u32, v: u32): void { store<u32>(field, v); }
@inline export function param<T>(field: u32): T { return load<T>(hget(H_PARAMS_OFF) + field); }
@inline export function align64(x: u32): u32 { return (x + 63) & ~63; }
@inline export function raiseHighWater(n: u32): void { if (n > hget(H_HIGH_WATER)) hset(H_HIGH_WATER, n); }
