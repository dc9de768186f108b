// host-messages.ts — a branch of the store's message tree as the host protocol wants it: the
// conversation's system prompt first (if any), then root → leaf. Assistant messages that hold no
// text (an answer that failed before its first token) are left out: the model never wrote them.
import type { HostMessage } from '../../common/host-protocol.js';
import type { ConversationSettings, Message } from '../../common/schemas.js';

export function hostMessages(settings: Pick<ConversationSettings, 'systemPrompt'>, branch: readonly Message[]): HostMessage[] {
  const out: HostMessage[] = [];
  if (settings.systemPrompt) out.push({ role: 'system', content: settings.systemPrompt });
  for (const m of branch) {
    if (m.role === 'assistant' && m.content === '') continue;
    out.push({ role: m.role, content: m.content });
  }
  return out;
}
