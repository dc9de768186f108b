// render-synthetic-api.ts — the in-page back end the render bench installs as `window.cairn` (the
// CairnWindowApi shape, so the renderer runs as it does in Electron): one long conversation, and an
// answer streamed at a fixed token rate, batched every ~16 ms as the engine host batches its
// deltas, with a `stats` event per batch (the latency chart redraws). SYNTHETIC: the engine cannot
// stream at 1,000 tokens/s, so this measures the renderer alone. This function is serialized into
// the page (addInitScript): it must not use anything from outside its own body.
export interface SyntheticOptions { messages: number; tokensPerMessage: number; rate: number; streamMs: number }

export function installSyntheticCairn(o: SyntheticOptions): void {
  type Listener = (e: unknown) => void;
  const listeners = new Set<Listener>();
  const emit = (e: unknown) => { for (const l of listeners) l(e); };
  const words = ['the', 'stone', 'cairn', 'marks', 'a', 'path', 'over', 'hills', 'where', 'walkers', 'rest', 'and', 'look', 'back', 'at', 'valley'];
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  /** ~4 characters per token; a paragraph break every ~60 tokens, a code block now and then. */
  const tokenText = (i: number) => {
    if (i % 400 === 200) return '\n\n```ts\nconst path = stones.map((s) => s.height);\n';
    if (i % 400 === 230) return '\n```\n\n';
    if (i % 60 === 59) return '.\n\n';
    return ` ${words[Math.floor(rnd() * words.length)]}`;
  };
  const settings = { temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.1, seed: 1, maxTokens: 100000, systemPrompt: '', contextOverflow: 'shift', nCtx: 131072 };
  const messages: { id: string; parentId: string | null; role: string; content: string; status: string; createdAt: number; stats?: unknown }[] = [];
  for (let i = 0; i < o.messages; i++) {
    let text = '';
    for (let t = 0; t < o.tokensPerMessage; t++) text += tokenText(t + i);
    messages.push({ id: `m${i}`, parentId: i ? `m${i - 1}` : null, role: i % 2 ? 'assistant' : 'user', content: text.trim(), status: 'done', createdAt: i,
      ...(i % 2 ? { stats: { ttftMs: 20, promptTokens: 100, reusedTokens: 90, prefillTokPerS: 900, decodeTokPerS: 100, decodeTokens: o.tokensPerMessage, totalMs: 500 } } : {}) });
  }
  const summary = () => ({ id: 'c1', title: 'A long conversation', createdAt: 0, updatedAt: 1, messageCount: messages.length, busy: false });
  const detail = () => ({ ...summary(), settings, messages: [...messages], currentLeafId: messages[messages.length - 1].id });
  const model = { id: 'synthetic', path: '/synthetic.gguf', name: 'synthetic', builtin: true, architecture: 'llama', parameters: 1e9, quantization: 'Q8_0',
    tensorTypes: {}, contextLength: 131072, embeddingLength: 2048, layers: 16, heads: 32, headsKv: 8, vocabSize: 128256, chatTemplate: null, fileBytes: 1e9,
    memory: { weightsBytes: 1e9, kvBytes: 1e8, overheadBytes: 6e7, totalBytes: 1.2e9, availableBytes: 8e9, fits: true, nCtx: 131072 } };
  const stats = (latencies: number[]) => ({ conversationId: 'c1', messageId: 'a', ttftMs: 20, prefillTokPerS: 900, decodeTokPerS: o.rate, tokenLatenciesMs: latencies,
    context: { used: 100000 + latencies.length, max: 131072 },
    memory: { weightsBytes: 1e9, weights: 'mapped', kvUsedBytes: 1e8, kvAllocatedBytes: 2e8, actorBytes: 2e8, hostRssBytes: 1.3e9, appRssBytes: 2e8 },
    bytesCopied: 0, restore: null, engine: { state: 'ready', restarts: 0, pid: 1 } });
  const ok = (value: unknown) => Promise.resolve({ ok: true, value });
  const state = window as unknown as { __bench: { streaming: boolean; tokens: number } };
  state.__bench = { streaming: false, tokens: 0 };

  function stream(assistantId: string): void {
    const started = performance.now();
    let sent = 0;
    let full = '';
    const latencies: number[] = [];
    state.__bench.streaming = true;
    const tick = () => {
      const elapsed = performance.now() - started;
      const due = Math.floor((elapsed * o.rate) / 1000);
      let text = '';
      for (; sent < due; sent++) { text += tokenText(sent); latencies.push(1000 / o.rate); }
      if (text) {
        full += text;
        emit({ name: 'message.delta', payload: { conversationId: 'c1', messageId: assistantId, text, tokens: due } });
        emit({ name: 'stats', payload: stats(latencies.slice()) });
      }
      state.__bench.tokens = sent;
      if (elapsed < o.streamMs) { setTimeout(tick, 16); return; }
      const m = messages.find((x) => x.id === assistantId)!;
      Object.assign(m, { status: 'done', content: full });
      emit({ name: 'message.updated', payload: { conversationId: 'c1', message: { ...m, finishReason: 'stop' } } });
      state.__bench.streaming = false;
    };
    setTimeout(tick, 16);
  }

  const handlers: Record<string, (a: Record<string, unknown>) => Promise<unknown>> = {
    'conversations.list': () => ok({ conversations: [summary()], quarantined: [] }),
    'conversations.get': () => ok(detail()),
    'models.list': () => ok({ current: model, builtin: model, quarantined: [] }),
    'settings.get': () => ok({ defaults: settings, threads: 0, theme: 'system' }),
    'stats.get': () => ok(stats([])),
    'chat.send': (a) => {
      const n = messages.length;
      const user = { id: `m${n}`, parentId: messages[n - 1].id, role: 'user', content: String(a.text), status: 'done', createdAt: n };
      const assistant = { id: `m${n + 1}`, parentId: user.id, role: 'assistant', content: '', status: 'streaming', createdAt: n + 1 };
      messages.push(user, assistant);
      setTimeout(() => stream(assistant.id), 0);
      return ok({ userMessage: user, assistantMessage: { ...assistant } });
    },
  };
  const api: Record<string, unknown> = {
    onEvent: (l: Listener) => { listeners.add(l); return () => listeners.delete(l); },
  };
  return void Object.defineProperty(window, 'cairn', {
    value: new Proxy(api, {
      get: (t, k: string) => t[k] ?? (!k.includes('.') ? undefined : (a: Record<string, unknown>) => (handlers[k] ?? (() => Promise.resolve({ ok: false, error: { code: 'E_INTERNAL', message: `${k}: not in the bench` } })))(a)),
    }),
  });
}
