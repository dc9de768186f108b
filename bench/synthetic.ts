// synthetic.ts — `cairn bench --synthetic <shape>:<type>`: the generated random-weight model the
// benchmark runs on (test-support/llama-builder.ts, cached under build/models).
import { UsageError } from '../electron/cli/args.js';
import { cachedLlamaModel, llama32_1bConfig, tinyConfig, LLAMA_PRESETS, TINY_SHAPES, type LlamaPreset, type TinyShape } from '../test-support/llama-builder.js';

/** "1b:q4_k_m" or "tiny-hd32:q8_0" → a cached generated model's path. */
export function syntheticModel(spec: string): string {
  const [shape, preset] = spec.split(':');
  if (!LLAMA_PRESETS.includes(preset as LlamaPreset))
    throw new UsageError(`--synthetic: unknown type '${preset}' (one of ${LLAMA_PRESETS.join(', ')})`);
  if (shape === '1b') return cachedLlamaModel(llama32_1bConfig(preset as LlamaPreset));
  if (shape in TINY_SHAPES) return cachedLlamaModel(tinyConfig(shape as TinyShape, preset as LlamaPreset));
  throw new UsageError(`--synthetic: unknown shape '${shape}' (1b or ${Object.keys(TINY_SHAPES).join(', ')})`);
}
