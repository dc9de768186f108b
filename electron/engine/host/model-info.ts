// model-info.ts — what the app shows of a GGUF (the metadata `cairn inspect` shows) and the
// memory-fit estimate, from a model the engine has loaded: its GGUF metadata (the model's own
// handle) and the engine's estimate (cairn_model_estimate: weights + KV for nCtx + scratch).
import { freemem } from 'node:os';
import { basename } from 'node:path';
import type { ModelInfo } from '../../common/schemas.js';
import { modelGguf } from '../conversation.js';
import { Model } from '../model.js';

/** The context size the engine checks memory for at load: the model's own, at most 4096. */
export const defaultCtx = (m: Model) => Math.min(m.info.nCtxTrain || 4096, 4096);

/** K and V rows for one position, all layers (f16). */
export const kvBytesPerPosition = (m: Model) => 2 * m.info.nLayer * m.info.nHeadKv * m.info.headDim * 2;

/** ModelInfo of a loaded model, with the memory fit for nCtx positions of one conversation. */
export function describeModel(model: Model, o: { id: string; builtin: boolean; nCtx?: number }): ModelInfo {
  const i = model.info;
  const g = modelGguf(model);
  try {
    const str = (k: string) => (g.typeOf(k) === 8 ? g.getString(k) : undefined);
    const tensorTypes: Record<string, number> = {};
    let parameters = 0;
    for (const t of g.tensors()) {
      tensorTypes[t.typeName] = (tensorTypes[t.typeName] ?? 0) + 1;
      parameters += t.ne.reduce((a, b) => a * b, 1);
    }
    const nCtx = o.nCtx ?? defaultCtx(model);
    const totalBytes = model.estimate(nCtx), kvBytes = kvBytesPerPosition(model) * nCtx;
    const availableBytes = freemem();
    return {
      id: o.id, path: model.path, name: str('general.name') || basename(model.path).replace(/\.gguf$/i, ''), builtin: o.builtin,
      architecture: str('general.architecture') ?? 'unknown', parameters, quantization: i.mainType, tensorTypes,
      contextLength: i.nCtxTrain, embeddingLength: i.nEmbd, layers: i.nLayer, heads: i.nHead, headsKv: i.nHeadKv, vocabSize: i.nVocab,
      chatTemplate: str('tokenizer.chat_template') ?? null, fileBytes: i.fileSize,
      weights: i.weights === 'map' ? 'mapped' : 'copied', backend: i.backend,
      memory: {
        weightsBytes: i.weightsBytes, kvBytes, overheadBytes: Math.max(0, totalBytes - i.weightsBytes - kvBytes), totalBytes,
        availableBytes, fits: totalBytes <= availableBytes, nCtx,
      },
    };
  } finally {
    g.close();
  }
}

/** ModelInfo of a GGUF not loaded for use: mapped (never copied) just long enough to read it and
 *  have the engine validate it and estimate its memory; throws EngineError for a bad file. */
export function inspectModel(path: string, nCtx: number): ModelInfo {
  const m = Model.load(path, { threads: 1, weights: 'map', memAvailable: Number.MAX_SAFE_INTEGER });
  try { return describeModel(m, { id: '', builtin: false, nCtx }); } finally { m.close(); }
}
