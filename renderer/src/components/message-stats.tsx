// message-stats.tsx — the figures kept under an answer: time to first token, decode speed, tokens,
// prompt (and how much of it was reused), and how the KV was obtained. Its line is reserved while
// the answer streams, so the row does not grow when the figures arrive.
import type { Message } from '../../../electron/common/schemas.js';
import { formatMs, formatRate } from '../format.js';

const finishText: Record<string, string> = {
  cancelled: 'stopped', length: 'length limit', context: 'context full', interrupted: 'interrupted', error: 'failed',
};

export function MessageStats({ message }: { message: Message }) {
  const s = message.stats;
  return (
    <p className="message-stats" data-testid="message-stats" aria-label="Answer figures">
      {s ? (
        <>
          <span title="time to first token">TTFT {formatMs(s.ttftMs)}</span>
          <span title="decode speed">{formatRate(s.decodeTokPerS)}</span>
          <span>{s.decodeTokens} tokens</span>
          <span title="prompt tokens (reused from the KV cache)">prompt {s.promptTokens}{s.reusedTokens ? ` (${s.reusedTokens} reused)` : ''}</span>
          {s.prefillTokPerS ? <span title="prefill speed">prefill {formatRate(s.prefillTokPerS)}</span> : null}
          {s.restore ? <span title={s.restore.reason}>{s.restore.path === 'restored' ? 'KV restored' : 'prompt re-read'} in {formatMs(s.restore.ms)}</span> : null}
          {message.finishReason && finishText[message.finishReason] ? <span>{finishText[message.finishReason]}</span> : null}
        </>
      ) : message.status === 'streaming' ? <span>generating…</span> : message.finishReason && finishText[message.finishReason] ? <span>{finishText[message.finishReason]}</span> : '\u00a0'}
    </p>
  );
}
