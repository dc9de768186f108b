// composer.tsx — the message input: Enter sends, Shift+Enter is a new line; while an answer streams
// the input stays editable and Send becomes Stop (same place, same size).
import { useRef, useState } from 'react';
import { useApp } from '../store/index.js';

export const composerInputId = 'composer-input';

export function Composer() {
  const send = useApp((s) => s.send);
  const stop = useApp((s) => s.stop);
  const streaming = useApp((s) => s.messages[s.currentLeafId ?? '']?.status === 'streaming');
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);

  const submit = async () => {
    const t = text.trim();
    if (!t || streaming || sending) return;
    setSending(true);
    try {
      if (await send(t)) setText('');
    } finally {
      setSending(false);
      ref.current?.focus();
    }
  };

  return (
    <form className="composer" onSubmit={(e) => { e.preventDefault(); void submit(); }}>
      <label htmlFor={composerInputId} className="visually-hidden">Message</label>
      <textarea id={composerInputId} ref={ref} data-testid="composer-input" value={text} rows={1}
        placeholder="Message Cairn (Enter to send, Shift+Enter for a new line)"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) { e.preventDefault(); void submit(); }
        }} />
      {streaming
        ? <button type="button" className="button composer-button stop" onClick={() => void stop()} data-testid="stop-button">Stop</button>
        : <button type="submit" className="button primary composer-button" disabled={!text.trim() || sending} data-testid="send-button">Send</button>}
    </form>
  );
}
