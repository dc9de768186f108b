// ids.ts — ids of conversations and messages: time-ordered (they sort as strings in creation order,
// also within one millisecond), file- and URL-safe, and unique across processes (random suffix).
import { randomBytes } from 'node:crypto';

let lastMs = 0;
let seq = 0;

/** 9 base-36 digits of milliseconds (good until the year 5188), 4 of a per-ms sequence, 8 random. */
export function newId(now = Date.now()): string {
  if (now <= lastMs) { now = lastMs; seq++; } else { lastMs = now; seq = 0; }
  if (seq >= 36 ** 4) { lastMs = now + 1; seq = 0; now = lastMs; }
  const rand = randomBytes(6).readUIntBE(0, 6).toString(36).padStart(10, '0').slice(-8);
  return now.toString(36).padStart(9, '0') + seq.toString(36).padStart(4, '0') + rand;
}
