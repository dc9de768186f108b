// host-protocol.ts — what main (or `cairn serve`) and the engine host say to each other over their
// MessagePort (Electron utilityProcess) or IPC channel (a Node child process with 'advanced'
// serialization): structured messages, never JSON-re-encoded token streams.
//
//   main → host   HostRequest  { kind: 'req', id, op, args }   (answered by one HostResponse)
//   host → main   HostResponse { kind: 'res', id, ok, value | error }
//                 HostEvent    { kind: 'evt', ... }            (tokens, progress, heartbeat)
//
// The host is stateless towards the conversation store: every `generate` carries the whole branch
// the model must see (main's store is the truth); the host's pool is a cache of actors, reused when
// the branch extends what an actor holds (common token prefix), restored from `snapshotPath` when
// the pool does not hold the conversation, else prefilled from the messages.
import type { ApiError, ConversationSettings, FinishReason, ModelInfo, Progress } from './schemas.js';

export interface HostMessage { role: 'system' | 'user' | 'assistant'; content: string }

export interface GenerateResult {
  text: string;
  /** Number of generated tokens (a stop token included when reached). */
  tokens: number;
  reason: Exclude<FinishReason, 'interrupted' | 'error'>;
  promptTokens: number; reusedTokens: number; prefilledTokens: number;
  ttftMs: number; prefillMs: number; decodeMs: number;
  /** Turns that left the model's view by a context shift during this answer. */
  dropped: number;
  /** Set when the pool did not hold the conversation: how its KV was obtained. */
  restore?: { path: 'restored' | 'reprefilled'; reason: string; ms: number };
}

export interface HostStats {
  pid: number; rssBytes: number;
  model: { id: string; weightsBytes: number; weights: 'mapped' | 'copied'; bytesCopied: number } | null;
  conversations: { id: string; position: number; nCtx: number; kvUsedBytes: number; kvAllocatedBytes: number; actorBytes: number }[];
}

/** Operation → [arguments, result]. */
export interface HostOps {
  /** Loads a GGUF (already checked by main) and makes it current; the previous model is closed once
   *  no generation uses it. Emits progress ('model-load'). */
  'model.load': [{ path: string; builtin: boolean; threads: number }, ModelInfo];
  /** Metadata + memory-fit estimate of a GGUF, without loading it. */
  'model.inspect': [{ path: string; nCtx: number }, ModelInfo];
  'model.unload': [{ id: string }, { unloaded: boolean }];
  /** Answers the last message of `messages` (a user message) for conversation `conversationId`. */
  'generate': [{
    requestId: string; conversationId: string; settings: ConversationSettings;
    /** System prompt first (if any), then the branch root → the user message being answered. */
    messages: HostMessage[];
    /** The conversation's own KV file, used when the pool does not hold the conversation. */
    snapshotPath?: string;
  }, GenerateResult];
  /** Stops generation `requestId` (the partial answer is returned by its 'generate' with reason 'cancelled'). */
  'cancel': [{ requestId: string }, { cancelled: boolean }];
  /** Copies conversation `from`'s actor (KV included) as `to`, cut back to the tokens of `messages`
   *  (a prefix of `from`'s branch; no re-prefill); false if `from` is not in the pool (the fork's
   *  first turn then prefills). */
  'fork': [{ from: string; to: string; messages: HostMessage[]; settings: ConversationSettings }, { forked: boolean }];
  /** Writes the conversation's snapshot (atomic). */
  'snapshot.save': [{ conversationId: string; path: string; messages: HostMessage[]; settings: ConversationSettings }, { bytes: number; nTokens: number; ms: number }];
  /** Opens a `.cairn` as conversation `conversationId`: restored on the current model when it is the
   *  snapshot's model, else re-prefilled from its transcript; returns the transcript and settings. */
  'snapshot.open': [{ path: string; conversationId: string }, {
    messages: HostMessage[]; settings: Partial<ConversationSettings>;
    restore: { path: 'restored' | 'reprefilled'; reason: string; ms: number };
  }];
  /** Releases a conversation's actor (after the store deleted it, or to hibernate). */
  'conversation.drop': [{ conversationId: string }, { dropped: boolean }];
  'stats': [{ conversationId?: string }, HostStats];
  /** Heartbeat: answered at once by the host's event loop. */
  'ping': [Record<string, never>, { at: number }];
}
export type HostOpName = keyof HostOps;

export interface HostRequest<K extends HostOpName = HostOpName> { kind: 'req'; id: number; op: K; args: HostOps[K][0] }
export type HostResponse =
  | { kind: 'res'; id: number; ok: true; value: unknown }
  | { kind: 'res'; id: number; ok: false; error: ApiError };
export type HostEvent =
  /** Text of a running generation, batched (every ~16 ms or 32 tokens); latencies per token, ms. */
  | { kind: 'evt'; type: 'tokens'; requestId: string; conversationId: string; text: string; count: number; latenciesMs: number[];
      /** When the host sent the batch (performance.timeOrigin + performance.now(), ms): the app bench's path latency. */
      sentAt?: number }
  | { kind: 'evt'; type: 'progress'; progress: Progress }
  /** Sent once when the host is up and its error handlers are installed. */
  | { kind: 'evt'; type: 'ready'; pid: number };
export type HostInbound = HostRequest;
export type HostOutbound = HostResponse | HostEvent;
