// contract.ts — the one map of Cairn's operations and events (GitHub Desktop's ipc-shared.ts,
// with zod): operation name → argument schema and result schema; event name → payload schema.
// Main's IPC handlers, the preload's `window.cairn`, `cairn serve`'s WebSocket/fetch API and the
// renderer's client are all written against this map; `parseArgs` is the check every boundary
// runs before a handler sees anything.
import { z } from 'zod';
import {
  ApiError, AppSettings, ConversationDetail, ConversationSettings, ConversationSummary, FilePath, Id, Message,
  ModelInfo, Progress, Quarantine, SearchHit, Stats,
} from './schemas.js';

const op = <A extends z.ZodType, R extends z.ZodType>(args: A, result: R) => ({ args, result });
const none = z.object({}).strict();

export const operations = {
  // conversations
  'conversations.list': op(none, z.object({ conversations: z.array(ConversationSummary), quarantined: z.array(Quarantine) })),
  'conversations.create': op(z.object({ title: z.string().max(200).optional(), settings: ConversationSettings.partial().optional() }).strict(), ConversationDetail),
  'conversations.get': op(z.object({ id: Id }).strict(), ConversationDetail),
  'conversations.rename': op(z.object({ id: Id, title: z.string().min(1).max(200) }).strict(), ConversationSummary),
  'conversations.delete': op(z.object({ id: Id }).strict(), z.object({ deleted: z.boolean() })),
  'conversations.search': op(z.object({ query: z.string().min(1).max(500) }).strict(), z.array(SearchHit)),
  'conversations.setSettings': op(z.object({ id: Id, settings: ConversationSettings.partial() }).strict(), ConversationDetail),
  /** Shows another branch: the leaf whose path root → leaf becomes the conversation's current one. */
  'conversations.selectBranch': op(z.object({ id: Id, leafId: Id }).strict(), ConversationDetail),
  'conversations.export': op(z.object({ id: Id, format: z.enum(['markdown', 'json']) }).strict(),
    z.object({ filename: z.string(), mime: z.string(), content: z.string() })),

  // chat: each returns as soon as the messages are stored; the answer streams as events
  /** Appends a user message under `parentId` (default: the current leaf) and answers it. */
  'chat.send': op(z.object({ conversationId: Id, text: z.string().min(1).max(1_000_000), parentId: Id.nullable().optional() }).strict(),
    z.object({ userMessage: Message, assistantMessage: Message })),
  /** Stops the answer being generated; the partial answer is kept (finishReason 'cancelled'). */
  'chat.stop': op(z.object({ conversationId: Id }).strict(), z.object({ stopped: z.boolean() })),
  /** A new answer to the user message before `messageId` (an assistant message), as its sibling. */
  'chat.regenerate': op(z.object({ conversationId: Id, messageId: Id }).strict(), z.object({ assistantMessage: Message })),
  /** Edits a message as a new sibling branch. A user message is answered anew; an assistant message
   *  is kept as written (the next turn continues from it). */
  'chat.edit': op(z.object({ conversationId: Id, messageId: Id, content: z.string().min(1).max(1_000_000) }).strict(),
    z.object({ message: Message, assistantMessage: Message.nullable() })),
  /** A new conversation holding the path root → `messageId` (its KV reused, no re-prefill). */
  'chat.fork': op(z.object({ conversationId: Id, messageId: Id }).strict(), ConversationDetail),

  // models
  'models.list': op(none, z.object({ current: ModelInfo.nullable(), builtin: ModelInfo.nullable(), quarantined: z.array(Quarantine) })),
  /** Reads a GGUF's metadata and the memory-fit estimate without loading it. */
  'models.inspect': op(z.object({ path: FilePath }).strict(), ModelInfo),
  /** Loads a GGUF (dropped or opened; checked in main first) and makes it the current model. */
  'models.load': op(z.object({ path: FilePath }).strict(), ModelInfo),
  /** Unloads the current model; the built-in model becomes current again. */
  'models.unload': op(none, z.object({ current: ModelInfo.nullable() })),

  // snapshots
  /** Writes the conversation's KV snapshot to `path` (a Save dialog's choice; in the browser, omitted:
   *  the server keeps it in its data folder and returns where). */
  'snapshots.save': op(z.object({ conversationId: Id, path: FilePath.optional() }).strict(),
    z.object({ path: z.string(), bytes: z.number(), nTokens: z.number().int(), ms: z.number() })),
  /** Opens a `.cairn` as a new conversation: its KV restored when its model is the current one,
   *  else its transcript re-read by the current model (reason says why). */
  'snapshots.open': op(z.object({ path: FilePath }).strict(),
    z.object({ conversation: ConversationDetail, restore: z.object({ path: z.enum(['restored', 'reprefilled']), reason: z.string(), ms: z.number() }) })),

  // settings, stats, progress
  'settings.get': op(none, AppSettings),
  'settings.set': op(z.object({ patch: AppSettings.partial() }).strict(), AppSettings),
  'stats.get': op(none, Stats),
  'progress.cancel': op(z.object({ id: z.string().min(1).max(100) }).strict(), z.object({ cancelled: z.boolean() })),
} as const;

export const events = {
  /** New text of a streaming answer (batched every ~16 ms). */
  'message.delta': z.object({ conversationId: Id, messageId: Id, text: z.string(), tokens: z.number().int() }),
  /** A message was created or finished (done / interrupted / error): the stored state. */
  'message.updated': z.object({ conversationId: Id, message: Message }),
  /** The conversation list changed (created, renamed, deleted, busy flag). */
  'conversations.changed': z.object({ conversations: z.array(ConversationSummary) }),
  'models.changed': z.object({ current: ModelInfo.nullable() }),
  'stats': Stats,
  'progress': Progress,
  /** Something the user must be told (a model quarantined, an engine restart, a resume path). */
  'notice': z.object({ level: z.enum(['info', 'warning', 'error']), message: z.string() }),
  /** Electron only: a menu command for the page to carry out (it knows the conversation shown), with
   *  the file the menu's dialog chose (open-model, open-snapshot: a path to load / open; save-snapshot:
   *  where to save the current conversation's snapshot). */
  'menu': z.object({ command: z.enum(['new-chat', 'open-model', 'open-snapshot', 'save-snapshot']), path: FilePath.optional() }),
} as const;

export type Operations = typeof operations;
export type OpName = keyof Operations;
export type OpArgs<K extends OpName> = z.input<Operations[K]['args']>;
export type OpResult<K extends OpName> = z.infer<Operations[K]['result']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.infer<Events[K]>;
export type AppEvent = { [K in EventName]: { name: K; payload: EventPayload<K> } }[EventName];

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: ApiError['code'], message: string): { ok: false; error: ApiError } => ({ ok: false, error: { code, message } });

export const opNames = Object.keys(operations) as OpName[];
export const isOpName = (s: unknown): s is OpName => typeof s === 'string' && Object.hasOwn(operations, s);

/** The check every boundary runs: a known operation and arguments its schema accepts. */
export function parseArgs<K extends OpName>(name: K, args: unknown): Result<z.infer<Operations[K]['args']>> {
  const r = operations[name].args.safeParse(args);
  if (r.success) return ok(r.data as z.infer<Operations[K]['args']>);
  const issue = r.error.issues[0];
  return fail('E_ARGS', `${name}: ${issue?.path.join('.') || 'arguments'}: ${issue?.message ?? 'invalid'}`);
}

/**
 * What every transport exposes and every front end calls: the service in main implements it, the
 * preload's `window.cairn` and the browser client (renderer) present the same shape.
 */
export interface CairnApi {
  call<K extends OpName>(name: K, args: OpArgs<K>): Promise<Result<OpResult<K>>>;
  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: AppEvent) => void): () => void;
}

/**
 * `window.cairn` as the preload exposes it (declared once for the renderer in renderer/src/cairn.d.ts):
 * one function per operation, the events, and, inside Electron only, the path of a dropped file.
 */
export type CairnWindowApi = { readonly [K in OpName]: (args: OpArgs<K>) => Promise<Result<OpResult<K>>> } & {
  onEvent(listener: (event: AppEvent) => void): () => void;
  /** Electron: the real path of a dropped `File` (webUtils.getPathForFile). Absent in a browser,
   *  where a dropped file is uploaded to `cairn serve` instead. */
  readonly pathForFile?: (file: unknown) => string;
};
