// Builds bench/llama-capi.c against node-llama-cpp's prebuilt libllama and runs it on a tiny model.
import { describe, expect, it } from 'vitest';
import { cachedLlamaModel, tinyConfig } from '../test-support/llama-builder.js';
import { runLlamaCapi } from './llama-capi.js';

describe('llama.cpp C-API bench', () => {
  it('measures prefill and decode and reports the CPU backend', async () => {
    const model = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'q4_0', { tiedOutput: true, ropeFreqs: true }));
    const r = await runLlamaCapi({ model, threads: 2, prefill: 32, decode: 8, reps: 2, warmup: 0 });
    expect(r.engine).toBe('llama.cpp');
    expect(r.n_vocab).toBe(1024);
    expect(r.prefill_tps.runs.length).toBe(2);
    expect(r.prefill_tps.median).toBeGreaterThan(0);
    expect(r.decode_tps.median).toBeGreaterThan(0);
    expect(r.backend.variant.length).toBeGreaterThan(0);
    expect(r.backend.score).toBeGreaterThan(0);
    // Forcing a variant is recorded.
    const forced = await runLlamaCapi({ model, threads: 1, prefill: 16, decode: 2, reps: 1, warmup: 0, backend: 'x64' });
    expect(forced.backend.variant).toBe('x64');
    expect(forced.backend.forced).toBe(true);
  }, 300_000);
});
