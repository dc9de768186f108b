import { it } from 'vitest';
import { cachedLlamaModel, tinyConfig } from './llama-builder.js';
import { Model } from './model.js';
it('hang probe', () => {
  const path = cachedLlamaModel(tinyConfig('tiny-hd64-gqa4', 'f32', { tiedOutput: true, ropeFreqs: true, seed: 21 }));
  for (let i = 0; i < 40; i++) {
    const m = Model.load(path, { threads: 2 });
    m.evalTokens(Array.from({ length: 24 }, (_, j) => (j * 37 + i) % 1000), { all: true });
    m.close();
    process.stderr.write(`${i} `);
  }
}, 60000);
