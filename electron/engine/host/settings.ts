// settings.ts — the app's conversation settings (common/schemas.ts) ↔ the engine's (conversation.ts).
// The system prompt is not an engine setting: it is the first message of the branch main sends.
import type { ConversationSettings as AppSettings } from '../../common/schemas.js';
import type { ConversationSettings as EngineSettings } from '../conversation.js';

export type EngineSettingsPatch = Pick<EngineSettings,
  'temperature' | 'topK' | 'topP' | 'minP' | 'repeatPenalty' | 'seed' | 'maxTokens' | 'nCtx' | 'contextOverflow'>;

export function toEngine(s: AppSettings): EngineSettingsPatch {
  return {
    temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP, repeatPenalty: s.repeatPenalty, seed: s.seed,
    maxTokens: s.maxTokens, nCtx: s.nCtx, contextOverflow: s.contextOverflow,
  };
}

/** The settings less the seed (a seed given to the engine reseeds the RNG; without it, it carries on). */
export function withoutSeed(s: EngineSettingsPatch): Omit<EngineSettingsPatch, 'seed'> {
  const r: Partial<EngineSettingsPatch> = { ...s };
  delete r.seed;
  return r as Omit<EngineSettingsPatch, 'seed'>;
}

/** The app's settings a snapshot carried (the system prompt from its transcript's first message). */
export function fromEngine(s: Partial<EngineSettings>, systemPrompt: string | undefined): Partial<AppSettings> {
  const out: Partial<AppSettings> = {};
  for (const k of ['temperature', 'topK', 'topP', 'minP', 'repeatPenalty', 'seed', 'maxTokens', 'nCtx', 'contextOverflow'] as const) {
    if (s[k] !== undefined) (out as Record<string, unknown>)[k] = s[k];
  }
  if (systemPrompt !== undefined) out.systemPrompt = systemPrompt;
  return out;
}
