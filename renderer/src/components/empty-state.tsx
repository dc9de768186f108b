// empty-state.tsx — what a new chat (and a first-time user) sees: the model is ready, how to ask,
// how to bring a model of one's own.
import { useApp } from '../store/index.js';
import { formatBytes, formatCount } from '../format.js';

const examples = ['What is the capital of France?', 'Explain what a KV cache is, briefly.', 'Write a haiku about stones.'];

export function EmptyState({ onExample }: { onExample: (text: string) => void }) {
  const model = useApp((s) => s.currentModel);
  const firstTime = useApp((s) => s.conversations.length === 0);
  return (
    <section className="empty-state" data-testid="empty-state" aria-labelledby="empty-title">
      <h1 id="empty-title">{firstTime ? 'Welcome to Cairn' : 'New chat'}</h1>
      {model ? (
        <p data-testid="empty-model">
          <strong>{model.name}</strong> is ready ({model.builtin ? 'the built-in model, ' : ''}{formatCount(model.parameters)} parameters,
          {' '}{model.quantization.toUpperCase()}, {formatBytes(model.fileBytes)}). It runs on this computer: nothing you type leaves it.
        </p>
      ) : <p>No model is loaded yet.</p>}
      <p>Type a message below, or try one of these:</p>
      <ul className="examples">
        {examples.map((t) => (
          <li key={t}><button type="button" className="button example" onClick={() => onExample(t)}>{t}</button></li>
        ))}
      </ul>
      <p className="hint">To use your own model, drop a <code>.gguf</code> file anywhere on this window (or choose <em>Open…</em>).
        A <code>.cairn</code> snapshot resumes a saved conversation.</p>
    </section>
  );
}
