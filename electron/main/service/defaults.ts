// defaults.ts — what a fresh data folder starts with: the app settings and the settings a new
// conversation gets (the engine's own defaults for the sampler; 4096 positions of context).
import type { AppSettings, ConversationSettings } from '../../common/schemas.js';

export const DEFAULT_CONVERSATION: ConversationSettings = {
  temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1, seed: 0, maxTokens: 512,
  systemPrompt: '', contextOverflow: 'shift', nCtx: 4096,
};

export const DEFAULT_APP_SETTINGS: AppSettings = { defaults: DEFAULT_CONVERSATION, threads: 0, theme: 'system' };

/** The title a conversation has until its first message names it. */
export const UNTITLED = 'New chat';
