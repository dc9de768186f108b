// models.ts — GGUF files for the specs, written by the project's own writer (a tiny llama with
// random weights; it loads and answers, though not sensibly).
import { existsSync } from 'node:fs';
import { buildLlamaModel, tinyConfig } from '../../test-support/llama-builder.js';

export function buildTinyModel(path: string): string {
  if (!existsSync(path)) buildLlamaModel(path, tinyConfig('tiny-hd32', 'q8_0', { name: 'tiny-e2e' }));
  return path;
}
