// rng.ts — xoshiro128** (Blackman & Vigna) with its state in actor memory, seeded by splitmix64.
import { hget, H_RNG_OFF } from './header';

function splitmix64(x: u64): u64 {
  x += 0x9E3779B97F4A7C15;
  let z = x;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
  return z ^ (z >> 31);
}

/** Seeds the four state words from a 64-bit seed (never all zero). */
export function rngSeed(seed: u64): void {
  const s = hget(H_RNG_OFF);
  const a = splitmix64(seed);
  const b = splitmix64(seed + 0x9E3779B97F4A7C15);
  store<u32>(s, <u32>a);
  store<u32>(s + 4, <u32>(a >> 32));
  store<u32>(s + 8, <u32>b);
  store<u32>(s + 12, <u32>(b >> 32) | 1);
}

/** Next 32 random bits. */
export function rngNext(): u32 {
  const s = hget(H_RNG_OFF);
  const s0 = load<u32>(s), s1 = load<u32>(s + 4), s2 = load<u32>(s + 8), s3 = load<u32>(s + 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  const n2 = s2 ^ s0, n3 = s3 ^ s1;
  const n1 = s1 ^ n2, n0 = s0 ^ n3;
  store<u32>(s, n0);
  store<u32>(s + 4, n1);
  store<u32>(s + 8, n2 ^ t);
  store<u32>(s + 12, rotl<u32>(n3, 11));
  return result;
}

/** Uniform double in [0, 1) with 53 random bits. */
export function rngUniform(): f64 {
  const hi = <u64>(rngNext() >> 6), lo = <u64>(rngNext() >> 5);
  return <f64>((hi << 27) | lo) * (1.0 / 9007199254740992.0);
}
