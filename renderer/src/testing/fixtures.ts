// fixtures.ts — contract-typed data for the renderer's component and store tests, and a recording
// back end: each operation answers what the test set (default: an E_INTERNAL error naming it), and
// every call is kept. Tests of the renderer against the real engine are the e2e specs (e2e/).
import type { AppEvent, OpArgs, OpName, OpResult, Result } from '../../../electron/common/contract.js';
import type { ConversationDetail, ConversationSettings, Message, ModelInfo, Stats } from '../../../electron/common/schemas.js';
import type { ClientApi } from '../api/index.js';

export const settings: ConversationSettings = {
  temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.1, seed: 1, maxTokens: 256,
  systemPrompt: '', contextOverflow: 'shift', nCtx: 2048,
};

export const message = (id: string, parentId: string | null, role: Message['role'], content: string, extra: Partial<Message> = {}): Message =>
  ({ id, parentId, role, content, status: 'done', createdAt: 1, ...extra });

export const detail = (id: string, messages: Message[], currentLeafId: string | null = messages.at(-1)?.id ?? null): ConversationDetail => ({
  id, title: 'Capitals', createdAt: 1, updatedAt: 2, messageCount: messages.length, busy: false, settings, messages, currentLeafId,
});

export const model: ModelInfo = {
  id: 'm1', path: '/models/cairn-demo-14m-q8_0.gguf', name: 'cairn-demo-14m', builtin: true, architecture: 'llama', parameters: 14_200_000,
  quantization: 'Q8_0', tensorTypes: { Q8_0: 50 }, contextLength: 2048, embeddingLength: 256, layers: 6, heads: 8, headsKv: 4,
  vocabSize: 4096, chatTemplate: '{{ messages }}', fileBytes: 15_400_000, weights: 'mapped', backend: 'avx2',
  memory: { weightsBytes: 15_000_000, kvBytes: 6_000_000, overheadBytes: 64 << 20, totalBytes: 88_000_000, availableBytes: 8e9, fits: true, nCtx: 2048 },
};

export const stats: Stats = {
  conversationId: 'c1', messageId: 'a1', ttftMs: 12.5, prefillTokPerS: 850, decodeTokPerS: 120, tokenLatenciesMs: [8, 9, 8.5, 10],
  context: { used: 300, max: 2048 },
  memory: { weightsBytes: 15e6, weights: 'mapped', kvUsedBytes: 1e6, kvAllocatedBytes: 6e6, actorBytes: 7e6, hostRssBytes: 80e6, appRssBytes: 120e6 },
  bytesCopied: 0, restore: null, engine: { state: 'ready', restarts: 0, pid: 42 },
};

type Handler<K extends OpName> = (args: OpArgs<K>) => Result<OpResult<K>>;
export interface RecordingApi {
  api: ClientApi;
  calls: { name: OpName; args: unknown }[];
  on<K extends OpName>(name: K, h: Handler<K> | OpResult<K>): void;
  emit(e: AppEvent): void;
}

export function recordingApi(opts: { upload?: ClientApi['upload']; pathForFile?: (f: unknown) => string } = {}): RecordingApi {
  const handlers = new Map<OpName, (args: unknown) => Result<unknown>>();
  const listeners = new Set<(e: AppEvent) => void>();
  const calls: RecordingApi['calls'] = [];
  const target: Record<string, unknown> = {
    onEvent: (l: (e: AppEvent) => void) => { listeners.add(l); return () => listeners.delete(l); },
    upload: opts.upload,
    pathForFile: opts.pathForFile,
    onLinkState: undefined,
  };
  const api = new Proxy(target, {
    get(t, prop: string) {
      if (prop in t) return t[prop];
      return async (args: unknown) => {
        calls.push({ name: prop as OpName, args });
        const h = handlers.get(prop as OpName);
        return h ? h(args) : { ok: false, error: { code: 'E_INTERNAL', message: `${prop}: no answer in this test` } };
      };
    },
  }) as unknown as ClientApi;
  return {
    api, calls,
    on: (name, h) => handlers.set(name, typeof h === 'function' ? (h as (a: unknown) => Result<unknown>) : () => ({ ok: true, value: h })),
    emit: (e) => { for (const l of listeners) l(e); },
  };
}
