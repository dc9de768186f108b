// ephemeral.ts — one answer that is not part of any stored conversation (the OpenAI-compatible API):
// a host conversation of its own (`eph-…`), never written to the store or to a kv.cairn, dropped
// from the host's pool once answered.
import { randomUUID } from 'node:crypto';
import type { GenerateResult, HostMessage } from '../../common/host-protocol.js';
import type { ConversationSettings } from '../../common/schemas.js';
import { hostCall, type EnginePort } from './engine-port.js';

export interface EphemeralRequest {
  messages: HostMessage[];
  settings: ConversationSettings;
  /** Each batch of text as the host sends it. */
  onText?: (text: string, tokens: number) => void;
  /** Aborting cancels the generation (the result then has reason 'cancelled'). */
  signal?: AbortSignal;
}

const PREFIX = 'eph-';
/** True for the host conversation of an ephemeral answer. */
export const isEphemeral = (conversationId: string): boolean => conversationId.startsWith(PREFIX);

export async function completeEphemeral(engine: EnginePort, req: EphemeralRequest): Promise<GenerateResult> {
  const requestId = randomUUID();
  const conversationId = `${PREFIX}${requestId.replace(/-/g, '')}`;
  const off = engine.subscribe((e) => { if (e.type === 'tokens' && e.requestId === requestId) req.onText?.(e.text, e.count); });
  const cancel = () => { hostCall(engine, 'cancel', { requestId }).catch(() => {}); };
  req.signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await hostCall(engine, 'generate', { requestId, conversationId, settings: req.settings, messages: req.messages });
  } finally {
    off();
    req.signal?.removeEventListener('abort', cancel);
    hostCall(engine, 'conversation.drop', { conversationId }).catch(() => {});
  }
}
