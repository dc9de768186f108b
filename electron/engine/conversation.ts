// conversation.ts — one chat over a Model + Tokenizer, held in an Actor.
//
//   const conv = Conversation.create(model, tokenizer, { seed: 7, temperature: 0.8 });
//   await conv.send('Hello', (text) => process.stdout.write(text));
//   await conv.save('chat.cairn');
//   const { conversation, path, reason } = await Conversation.resume('chat.cairn', model, tokenizer);
//
// KV reuse: every turn renders the whole transcript with the chat template, tokenizes it and
// prefills only the tokens beyond the longest common prefix with what the actor already holds
// (rewinding with truncate() when the history diverges, e.g. after an edit). Answers are rendered as
// the ids they were generated as (./answer-ids.ts), so the prefix runs to the end of the last answer.
// Context shift (settings.contextOverflow 'shift', the default): when the rendered transcript and
// room for the answer do not fit the context, before a turn or when the context fills mid-answer,
// the oldest whole turns leave the model's view (settings.windowStart; the system message stays,
// the transcript keeps everything) and the actor drops their tokens and K/V rows in place
// (Actor.shift, see ./context-window.ts), or re-prefills where the template does not allow that.
// 'stop' ends the answer with reason 'context' instead.
// Snapshots (.cairn, see ./snapshot/format.ts) hold the tokens, the used K/V rows (zero-copy views
// of actor memory), the sampler params + RNG bytes, the transcript and the settings. Restore rules
// (DESIGN.md "Snapshots"): header validated first; same model (GGUF sha256) and tokenizer ⇒ tokens
// and K/V rows read from the file straight into a new actor and hashed right behind the read
// ('restored'); anything else, or a data hash that does not match ⇒ the transcript re-prefilled in
// a fresh actor ('reprefilled').
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Actor, ActorError, type FinishReason, type SamplerParams } from './actor-host.js';
import { answerIds, answerSpanIds, copyMessages, keepAnswerIds } from './answer-ids.js';
import { nextTurnStart, planShift, windowMessages } from './context-window.js';
import { GgufFile } from './gguf.js';
import type { Model } from './model.js';
import { fileSha256 } from './model-identity.js';
import { EngineError, native } from './native.js';
import { ATTR_CONTROL, ATTR_UNKNOWN } from './tokenizer/special.js';
import { Tokenizer, type ChatMessage } from './tokenizer/index.js';
import { trimAscii } from './tokenizer/templates-builtin.js';
import {
  decodeTokens, openSnapshot, writeSnapshot, SnapshotError, MAX_HEADER_BYTES, SNAPSHOT_FORMAT_VERSION, type JsonObject, type SnapshotMeta,
  type SnapshotReader, type TranscriptMessage,
} from './snapshot/format.js';
import { decodeMeta, headerDigest } from './snapshot/header.js';
import type { SnapshotTensorInfo } from './snapshot/types.js';

export const ENGINE_VERSION = '0.1.0';

export interface ConversationSettings {
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  repeatPenalty: number;
  seed: number;
  /** Most tokens one answer may have. */
  maxTokens: number;
  /** Context size of the actor (positions). */
  nCtx: number;
  /** The date the template sees (ISO 8601), fixed at creation so a resumed chat renders the same. */
  date: string;
  /** Path of the model file the conversation was started with (informational; identity is the sha256). */
  modelPath?: string;
  /** A full context: 'shift' drops the oldest turns from the model's view and goes on (LM Studio's
   *  "rolling window"); 'stop' ends the answer with reason 'context' ("stop at limit"). */
  contextOverflow: 'shift' | 'stop';
  /** Kept by the conversation: index of the first message the model sees after the system message
   *  (0: all). Turns before it were dropped by a context shift; the transcript still holds them. */
  windowStart: number;
}

export interface TurnResult {
  text: string;
  /** Generated ids (a stop token, when reached, is the last). */
  tokens: number[];
  reason: FinishReason;
  /** Prompt tokens that were already in the actor (not run again) / that were prefilled. */
  reused: number;
  prefilled: number;
  prefillMs: number;
  decodeMs: number;
  /** Oldest turns that left the model's view during this turn (context shift; 0 if none). */
  dropped: number;
}

export interface ConversationStats {
  position: number; nCtx: number; turns: number;
  prefillTokens: number; prefillMs: number; decodeTokens: number; decodeMs: number; reusedTokens: number;
  /** Context shifts done in place (Actor.shift) / by re-prefilling (a template that does not allow it). */
  kvShifts: number; shiftReprefills: number;
  prefillTokPerS: number; decodeTokPerS: number; bytesCopied: number;
}

export interface SendOptions {
  /** Yield to the event loop between tokens (lets a SIGINT / keypress handler call interrupt()). */
  yieldEveryToken?: boolean;
  maxTokens?: number;
  /** Called with each generated id as it is sampled (before its text, if any, reaches onText). */
  onToken?: (token: number) => void;
  /** Prefill in chunks of about this many milliseconds each, yielding to the event loop between
   *  them (interrupt() is honoured there) and reporting onPrefill; undefined: one batch. */
  prefillChunkMs?: number;
  /** Prompt tokens prefilled so far of `total` (those reused from the actor not counted), after each chunk. */
  onPrefill?: (done: number, total: number) => void;
}

export type RestorePath = 'restored' | 'reprefilled';

export interface ResumeResult { conversation: Conversation; path: RestorePath; reason: string }

export interface ResumeOptions {
  /** Overrides of the saved settings (a given seed reseeds the RNG; others keep its state). */
  settings?: Partial<ConversationSettings>;
  /** When the KV cannot be restored, leave the transcript to the next turn's prefill (which can run
   *  in chunks, see SendOptions.prefillChunkMs) instead of prefilling it here in one blocking call. */
  deferPrefill?: boolean;
}

const now = () => performance.now();
const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
const u8 = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** Placeholder a message's content is rendered as, to find where the template puts it (private use). */
const MARK_OPEN = '\u{F0000}', MARK_CLOSE = '\u{F0001}';
const MARKS = /\u{F0000}(\d+)\u{F0001}/gu;

// ---- model / tokenizer identity (computed once per object)

const modelSha = new WeakMap<Model, Promise<string>>();
/** sha256 of the model's GGUF file (once per Model; across runs from the cache: model-identity.ts). */
export function modelSha256(model: Model): Promise<string> {
  let p = modelSha.get(model);
  if (!p) { p = fileSha256(model.path); modelSha.set(model, p); }
  return p;
}

/** The model's own GGUF metadata (a borrowed handle: valid while the model is open). */
export function modelGguf(model: Model): GgufFile {
  return GgufFile.fromHandle(native().model_gguf(model.nativeHandle) as Parameters<typeof GgufFile.fromHandle>[0]);
}

/** The tokenizer of a loaded model, read from its GGUF metadata. */
export function modelTokenizer(model: Model): Tokenizer {
  const g = modelGguf(model);
  try { return Tokenizer.fromGguf(g); } finally { g.close(); }
}

const archs = new WeakMap<Model, string>();
function modelArch(model: Model): string {
  let a = archs.get(model);
  if (a === undefined) {
    const g = modelGguf(model);
    try { a = g.typeOf('general.architecture') === 8 ? g.getString('general.architecture') : 'unknown'; } finally { g.close(); }
    archs.set(model, a);
  }
  return a;
}

const tokHashes = new WeakMap<Tokenizer, string>();
/** sha256 of what decides tokenization and rendering: type, pieces, attrs, merges, specials, template. */
export function tokenizerHash(t: Tokenizer): string {
  let h = tokHashes.get(t);
  if (!h) {
    const v = t.vocab;
    const s = createHash('sha256');
    s.update(JSON.stringify([v.type, v.pre ?? null, v.bos, v.eos, v.eot, v.eom, v.addBos, v.chatTemplate ?? null]));
    s.update('\0tokens\0'); for (const tok of v.tokens) s.update(tok + '\0');
    s.update('\0attrs\0'); s.update(u8(v.attrs));
    s.update('\0merges\0'); for (const m of v.merges) s.update(m + '\0');
    h = s.digest('hex');
    tokHashes.set(t, h);
  }
  return h;
}

// ---- lenient header read (for a snapshot whose data is damaged: its transcript is still usable
// when the header is intact, i.e. matches its own header_sha256)

async function readMetaOnly(path: string): Promise<SnapshotMeta> {
  const fh = await open(path, 'r');
  try {
    const pre = new Uint8Array(8);
    await fh.read(pre, 0, 8, 0);
    const n = Number(new DataView(pre.buffer).getBigUint64(0, true));
    if (n < 2 || n > MAX_HEADER_BYTES) throw new Error('bad header length');
    const buf = new Uint8Array(n);
    const { bytesRead } = await fh.read(buf, 0, n, 8);
    if (bytesRead !== n) throw new Error('header truncated');
    const root = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf)) as Record<string, unknown>;
    const md = root.__metadata__ as Record<string, string>;
    const tensors: SnapshotTensorInfo[] = [];
    for (const [name, e] of Object.entries(root)) {
      if (name === '__metadata__') continue;
      const { dtype, shape, data_offsets: o } = e as { dtype: SnapshotTensorInfo['dtype']; shape: number[]; data_offsets: [number, number] };
      tensors.push({ name, dtype, shape, begin: o[0], end: o[1] });
    }
    if (!md || md.header_sha256 !== headerDigest(md, tensors)) throw new Error('header does not match its header_sha256');
    // format 1 (data_sha256 instead of data_xxh64) is otherwise the same: its transcript is read
    if (md.format_version === '1' && typeof md.data_sha256 === 'string' && !('data_xxh64' in md)) {
      const rest: Record<string, string> = { ...md, format_version: SNAPSHOT_FORMAT_VERSION, data_xxh64: '0'.repeat(16) };
      delete rest.data_sha256;
      return decodeMeta(path, rest);
    }
    return decodeMeta(path, md);
  } finally {
    await fh.close();
  }
}

/** Settings stored in a snapshot header (for the CLI: which model to load), or undefined. */
export async function snapshotSettings(path: string): Promise<Partial<ConversationSettings> | undefined> {
  try { return (await readMetaOnly(path)).settings as Partial<ConversationSettings>; } catch { return undefined; }
}

function settingsFrom(j: JsonObject | undefined): Partial<ConversationSettings> {
  const out: Partial<ConversationSettings> = {};
  if (!j) return out;
  for (const k of ['temperature', 'topK', 'topP', 'minP', 'repeatPenalty', 'seed', 'maxTokens', 'nCtx'] as const) {
    if (typeof j[k] === 'number') out[k] = j[k] as number;
  }
  if (typeof j.date === 'string') out.date = j.date;
  if (j.contextOverflow === 'shift' || j.contextOverflow === 'stop') out.contextOverflow = j.contextOverflow;
  if (typeof j.windowStart === 'number' && Number.isSafeInteger(j.windowStart) && j.windowStart >= 0) out.windowStart = j.windowStart;
  if (typeof j.modelPath === 'string') out.modelPath = j.modelPath;
  return out;
}

export class Conversation {
  readonly messages: ChatMessage[] = [];
  readonly settings: ConversationSettings;
  private actor: Actor;
  private turns = 0;
  private totals = { prefillTokens: 0, prefillMs: 0, decodeTokens: 0, decodeMs: 0, reusedTokens: 0, kvShifts: 0, shiftReprefills: 0 };

  private released = false;

  private constructor(readonly model: Model, readonly tokenizer: Tokenizer, settings: ConversationSettings, actor?: Actor) {
    this.settings = settings;
    this.actor = actor ?? this.newActor();
  }

  private newActor(): Actor {
    // every end-of-generation id of the file: eos, eot, eom and whatever else the vocabulary marks
    const v = this.tokenizer.vocab, s = this.settings, nVocab = this.model.info.nVocab;
    const stops = [...new Set([...this.tokenizer.stopTokens, v.eos, v.eot, v.eom].filter((t) => t >= 0 && t < nVocab))];
    return Actor.create(this.model, { nCtx: s.nCtx, stopTokens: stops, ...this.samplerParams(), seed: s.seed });
  }

  static create(model: Model, tokenizer: Tokenizer, s: Partial<ConversationSettings> = {}): Conversation {
    const settings: ConversationSettings = {
      temperature: 0, topK: 0, topP: 1, minP: 0, repeatPenalty: 1, seed: 0, maxTokens: 256,
      nCtx: Math.min(model.info.nCtxTrain || 4096, 4096), date: new Date().toISOString(), modelPath: model.path,
      contextOverflow: 'shift', windowStart: 0,
    };
    for (const [k, v] of Object.entries(s)) if (v !== undefined) (settings as unknown as Record<string, unknown>)[k] = v;
    return new Conversation(model, tokenizer, settings);
  }

  private samplerParams(): SamplerParams {
    const s = this.settings;
    return { temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP, repeatPenalty: s.repeatPenalty };
  }

  /**
   * Makes `messages` the transcript while keeping the message objects of the longest common prefix
   * (same role and content), so the answers there keep their generated ids (./answer-ids.ts) and the
   * next turn reuses the actor's KV up to where the transcripts part. The rest are the given message
   * objects themselves (not copied: copies made with answer-ids.ts copyMessages keep their answers'
   * ids). A transcript that parts before the context window's start re-fits the window
   * from the first message. Returns how many message objects were kept.
   */
  setMessages(messages: readonly ChatMessage[]): number {
    const ms = this.messages;
    let kept = 0;
    while (kept < ms.length && kept < messages.length && ms[kept].role === messages[kept].role && ms[kept].content === messages[kept].content) kept++;
    ms.splice(kept, ms.length - kept, ...messages.slice(kept));
    if (kept < this.settings.windowStart) this.settings.windowStart = 0;
    return kept;
  }

  /** A new conversation continuing from this one's state: the actor forked (KV copied, nothing
   *  prefilled again), the transcript copied with its answers' ids, the settings copied. */
  fork(): Conversation {
    const c = new Conversation(this.model, this.tokenizer, { ...this.settings }, this.actor.fork());
    c.messages.push(...copyMessages(this.messages));
    return c;
  }

  /** Brings the actor to the transcript's window (common prefix kept, the rest prefilled), e.g.
   *  before saving a snapshot of a transcript set with setMessages. */
  prime(): void { this.reprefill(undefined, undefined); }

  /** Bytes of the actor's memory (its regions, logits and the whole K/V for nCtx). */
  get memoryBytes(): number { return this.actor.memory.buffer.byteLength; }

  /** Positions held by the actor. */
  get position(): number { return this.actor.position; }
  /** The actor's token history (a zero-copy view, valid until the next call). */
  tokens(): Int32Array { return this.actor.tokens(); }

  /** Changes sampler settings; a given seed reseeds the RNG. */
  configure(s: Partial<ConversationSettings>): void {
    for (const [k, v] of Object.entries(s)) if (v !== undefined) (this.settings as unknown as Record<string, unknown>)[k] = v;
    this.actor.setSampler({ ...this.samplerParams(), ...(s.seed !== undefined ? { seed: s.seed } : {}) });
  }

  /**
   * The token ids of the transcript rendered with the chat template. Special tokens are parsed only
   * in the template's own markup: text of a message cannot inject `<|eot_id|>` and the like. An
   * answer this conversation generated (or resumed with its model and tokenizer) is rendered as the
   * ids it was generated as (./answer-ids.ts), as the actor holds it, where the template writes its
   * text unchanged or trimmed; any other message is tokenized from its text.
   */
  promptTokens(messages: readonly ChatMessage[] = this.messages, addGenerationPrompt = true): number[] {
    const held = messages.some((m) => answerIds(m, this.tokenizer));
    return (held && this.tokenize(messages, addGenerationPrompt, true)) || (this.tokenize(messages, addGenerationPrompt, false) as number[]);
  }

  /**
   * Renders `messages` and tokenizes the rendering. Messages whose content is not tokenized with the
   * markup (text holding special-token text: without specials; with `useIds`, answers with kept ids:
   * as those ids) are rendered as placeholders first to find where their content lies. Undefined
   * when `useIds` and the template does not write the content as it is or trimmed.
   */
  private tokenize(messages: readonly ChatMessage[], addGenerationPrompt: boolean, useIds: boolean): number[] | undefined {
    const tok = this.tokenizer;
    const date = new Date(this.settings.date);
    const render = (ms: readonly ChatMessage[]) => tok.renderChat(ms, { addGenerationPrompt, date }).text;
    const slot = messages.map((m) => (useIds && answerIds(m, tok) !== undefined) || this.hasSpecialText(m.content) || m.content.includes(MARK_OPEN));
    if (!slot.includes(true)) return tok.encodePrompt(render(messages));
    // Render with placeholders to find where message text lies, then tokenize the markup with
    // specials parsed and the message text without (or take an answer's ids).
    const mark = (i: number) => `${MARK_OPEN}${i}${MARK_CLOSE}`;
    const skeleton = render(messages.map((m, i) => (slot[i] ? { ...m, content: mark(i) } : m)));
    const real = render(messages);
    const fill = (f: (c: string) => string) => skeleton.replace(MARKS, (_, i: string) => f(messages[Number(i)].content));
    // the template writes the content as it is, or trimmed (Jinja's trim, or C isspace for the built-in formats)
    const form = [(c: string) => c, (c: string) => c.trim(), trimAscii].find((f) => fill(f) === real);
    if (useIds && !form) return undefined;
    const f = form ?? ((c: string) => c);
    const ids: number[] = [];
    const re = new RegExp(MARKS.source, 'gu');
    let at = 0;
    for (let m = re.exec(skeleton); m; m = re.exec(skeleton)) {
      if (m.index > at) ids.push(...tok.encode(skeleton.slice(at, m.index), { parseSpecial: true }));
      const msg = messages[Number(m[1])], c = msg.content, t = f(c);
      const s = t === c ? 0 : c.indexOf(t); // a trimmed text starts with what trim keeps
      const own = useIds ? answerSpanIds(msg, tok, s, s + t.length) : undefined;
      ids.push(...(own ?? tok.encode(t, { parseSpecial: false })));
      at = m.index + m[0].length;
    }
    if (at < skeleton.length) ids.push(...tok.encode(skeleton.slice(at), { parseSpecial: true }));
    if (tok.addBos && tok.bos >= 0 && ids[0] !== tok.bos) ids.unshift(tok.bos);
    return ids;
  }

  private hasSpecialText(text: string): boolean {
    const v = this.tokenizer.vocab;
    for (const id of v.specialTokens) {
      if (v.attrs[id] & (ATTR_CONTROL | ATTR_UNKNOWN) && v.tokens[id] && text.includes(v.tokens[id])) return true;
    }
    return false;
  }

  /** Brings the actor to exactly `ids` (reusing the common prefix); returns [reused, prefilled]. */
  private sync(ids: readonly number[]): [number, number] {
    const common = this.rewindTo(ids);
    this.actor.prefill(ids.slice(common));
    return [common, ids.length - common];
  }

  /** Rewinds the actor to its common prefix with `ids` (less one token when it holds them all, so
   *  the logits are those of the prompt's last position); returns the prefix length. */
  private rewindTo(ids: readonly number[]): number {
    const held = this.actor.tokens();
    let common = 0;
    const lim = Math.min(held.length, ids.length);
    while (common < lim && held[common] === ids[common]) common++;
    if (common === ids.length) common--;
    if (common < this.actor.position) this.actor.truncate(common);
    return common;
  }

  /** sync() in chunks of about `chunkMs` each (sized from the rate so far), yielding between them;
   *  stops early when interrupted. Returns [reused, prefilled, interrupted]. */
  private async syncChunked(ids: readonly number[], chunkMs: number, onPrefill?: SendOptions['onPrefill']): Promise<[number, number, boolean]> {
    const common = this.rewindTo(ids);
    const total = ids.length - common;
    let done = 0, chunk = 32;
    while (done < total) {
      const n = Math.min(chunk, total - done), t0 = now();
      this.actor.prefill(ids.slice(common + done, common + done + n));
      done += n;
      const msPerToken = Math.max((now() - t0) / n, 1e-3);
      chunk = Math.max(8, Math.min(4096, Math.round(chunkMs / msPerToken)));
      onPrefill?.(done, total);
      if (done < total) {
        await new Promise<void>((r) => setImmediate(r));
        if (this.cancelled()) return [common, done, true];
      }
    }
    return [common, done, false];
  }

  /**
   * Ends the actor: what it held is zeroed and it becomes the spare for the next conversation
   * (Actor.release), whose pages go
   * back to the OS if no conversation takes it soon.
   * The transcript and settings stay readable; any other use throws ACTOR_E_RELEASED. For pools
   * that hibernate conversations (actor-pool.ts) and for closing a conversation.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.actor.release();
    this.actor = new Proxy({} as Actor, {
      get: () => { throw new ActorError('ACTOR_E_RELEASED', 'this conversation was released (hibernated): get it again from its pool'); },
    });
  }

  /** Stops the running answer (from a signal handler; checked between tokens). */
  interrupt(): void { this.actor.cancel(); }

  private cancelled(): boolean {
    if (Atomics.load(this.actor.cancelFlag, 0) === 0) return false;
    Atomics.store(this.actor.cancelFlag, 0, 0);
    return true;
  }

  /** The messages the model sees (the context window: system message + messages[windowStart..]). */
  contextMessages(messages: readonly ChatMessage[] = this.messages): ChatMessage[] {
    return windowMessages(messages, this.settings.windowStart);
  }

  /** Room kept for an answer of at most `max` more tokens when fitting the window (a quarter of the
   *  context at most: a longer answer shifts again when it fills the context). */
  private room(max: number): number { return Math.min(max, Math.floor(this.actor.nCtx / 4)); }

  /**
   * Where the window must start for `messages` to fit with `room` tokens to spare: the current start,
   * or later by whole turns (never past message `limit`) under 'shift'. Returns the start, the
   * rendered window and how many turns it drops.
   */
  private fitWindow(messages: readonly ChatMessage[], gen: boolean, room: number, limit: number): { start: number; ids: number[]; dropped: number } {
    let start = this.settings.windowStart, dropped = 0;
    let ids = this.promptTokens(windowMessages(messages, start), gen);
    while (this.settings.contextOverflow === 'shift' && ids.length + room > this.actor.nCtx) {
      const next = nextTurnStart(messages, start, limit);
      if (next === undefined) break;
      start = next;
      dropped++;
      ids = this.promptTokens(windowMessages(messages, start), gen);
    }
    return { start, ids, dropped };
  }

  /**
   * Moves the window to `start` and the actor with it: where the template renders the new window as
   * the old one less a run of tokens, the actor drops that run in place (Actor.shift: K/V rows kept
   * and re-rotated; see planShift). Otherwise it is brought to the new rendering plus `tail` by
   * sync() (common prefix kept, the rest prefilled), or, without a tail, left to the caller's sync.
   */
  private moveWindow(messages: readonly ChatMessage[], start: number, gen: boolean, tail?: readonly number[]): void {
    const from = this.promptTokens(windowMessages(messages, this.settings.windowStart), gen);
    const to = this.promptTokens(windowMessages(messages, start), gen);
    const plan = planShift(this.actor.tokens(), from, to);
    this.settings.windowStart = start;
    if (typeof plan === 'object') {
      this.actor.shift(plan.keep, plan.discard);
      this.totals.kvShifts++;
      return;
    }
    if (!plan) this.totals.shiftReprefills++; // ('truncate': only the system block stays, sync keeps it)
    if (tail) this.sync([...to, ...tail]);
  }

  /** The context filled mid-answer: drops the oldest turns before the current one so the window, the
   *  answer so far and some room fit; returns the turns dropped (0: none could be, or not enough). */
  private shiftMidAnswer(answer: readonly number[], left: number): number {
    if (this.settings.contextOverflow !== 'shift') return 0;
    const ms = this.messages, nCtx = this.actor.nCtx;
    const fit = this.fitWindow(ms, true, answer.length + this.room(left), ms.length - 1);
    if (!fit.dropped || fit.ids.length + answer.length >= nCtx) return 0;
    this.moveWindow(ms, fit.start, true, answer);
    return fit.dropped;
  }

  /** One turn: appends the user message, prefills the new suffix, generates and streams the answer.
   *  A full context shifts the window (settings.contextOverflow) or ends the answer ('context'). */
  async send(userText: string, onText?: (text: string) => void, o: SendOptions = {}): Promise<TurnResult> {
    Atomics.store(this.actor.cancelFlag, 0, 0);
    const user = { role: 'user', content: userText };
    const max = o.maxTokens ?? this.settings.maxTokens;
    const messages = [...this.messages, user];
    const fit = this.fitWindow(messages, true, this.room(max), messages.length - 1);
    if (fit.ids.length > this.actor.nCtx) { // the current turn alone does not fit: nothing to drop
      this.messages.push(user, { role: 'assistant', content: '' });
      this.turns++;
      return { text: '', tokens: [], reason: 'context', reused: 0, prefilled: 0, prefillMs: 0, decodeMs: 0, dropped: 0 };
    }
    const t0 = now();
    if (fit.dropped) this.moveWindow(this.messages, fit.start, false);
    const [reused, prefilled, stopped] = o.prefillChunkMs ? await this.syncChunked(fit.ids, o.prefillChunkMs, o.onPrefill) : [...this.sync(fit.ids), false];
    const t1 = now();
    if (stopped) { // interrupted during the prefill: no answer (the actor keeps what was prefilled)
      this.messages.push(user, { role: 'assistant', content: '' });
      this.turns++;
      this.totals.prefillTokens += prefilled; this.totals.prefillMs += t1 - t0; this.totals.reusedTokens += reused;
      return { text: '', tokens: [], reason: 'cancelled', reused, prefilled, prefillMs: t1 - t0, decodeMs: 0, dropped: fit.dropped };
    }
    this.messages.push(user);
    const dec = this.tokenizer.streamDecoder();
    const tokens: number[] = [];
    let text = '', reason: FinishReason = 'length', dropped = fit.dropped;
    while (tokens.length < max) {
      if (o.yieldEveryToken) await new Promise<void>((r) => setImmediate(r));
      if (this.cancelled()) { reason = 'cancelled'; break; }
      let t: number;
      try { t = this.actor.step(); } catch (e) {
        if (e instanceof EngineError && e.code === 'CAIRN_E_CANCELLED') { reason = 'cancelled'; break; }
        if (e instanceof ActorError && e.code === 'ACTOR_E_CONTEXT_FULL') {
          const n = this.shiftMidAnswer(tokens, max - tokens.length);
          if (n) { dropped += n; continue; }
          reason = 'context';
          break;
        }
        throw e;
      }
      tokens.push(t);
      o.onToken?.(t);
      if (this.actor.isStop(t)) { reason = 'stop'; break; }
      const piece = dec.push(t);
      if (piece) { text += piece; onText?.(piece); }
    }
    const rest = dec.flush();
    if (rest) { text += rest; onText?.(rest); }
    const t2 = now();
    const answer = { role: 'assistant', content: text };
    this.messages.push(answer);
    // the ids as the actor holds them (a stop token is template markup: the rendering writes its own)
    keepAnswerIds(answer, this.tokenizer, this.model.info.nVocab, reason === 'stop' ? tokens.slice(0, -1) : tokens);
    this.turns++;
    const tt = this.totals;
    tt.prefillTokens += prefilled; tt.prefillMs += t1 - t0; tt.decodeTokens += tokens.length; tt.decodeMs += t2 - t1; tt.reusedTokens += reused;
    return { text, tokens, reason, reused, prefilled, prefillMs: t1 - t0, decodeMs: t2 - t1, dropped };
  }

  stats(): ConversationStats {
    const t = this.totals;
    return {
      position: this.actor.position, nCtx: this.actor.nCtx, turns: this.turns, ...t,
      prefillTokPerS: t.prefillMs > 0 ? (t.prefillTokens * 1000) / t.prefillMs : 0,
      decodeTokPerS: t.decodeMs > 0 ? (t.decodeTokens * 1000) / t.decodeMs : 0,
      bytesCopied: this.model.bytesCopied,
    };
  }

  /** Writes a .cairn snapshot: tokens + K/V rows in use (views of actor memory), sampler + RNG, transcript. */
  async save(path: string): Promise<{ bytes: number; nTokens: number }> {
    const a = this.actor, h = a.header(), n = a.position, info = this.model.info;
    const k: Uint8Array[] = [], v: Uint8Array[] = [];
    for (let l = 0; l < info.nLayer; l++) { k.push(u8(a.kv('k', l, n))); v.push(u8(a.kv('v', l, n))); }
    const mem = a.bytes();
    const s = this.settings;
    const meta: SnapshotMeta = {
      engineVersion: ENGINE_VERSION,
      model: { sha256: await modelSha256(this.model), arch: modelArch(this.model), nLayer: info.nLayer, nKvHeads: info.nHeadKv,
        headDim: info.headDim, nVocab: info.nVocab, kvType: 'f16' },
      tokenizerHash: tokenizerHash(this.tokenizer),
      sampler: {
        params: { temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP, repeatPenalty: s.repeatPenalty, seed: s.seed,
          bytes: hex(mem.subarray(h.paramsOff, h.paramsOff + h.paramsSize)) },
        rng: hex(mem.subarray(h.rngOff, h.rngOff + h.rngSize)),
      },
      // answers in the window carry the ids they were generated as (the turns before it are never rendered again)
      transcript: this.messages.map((m, i): TranscriptMessage => {
        const ids = i >= s.windowStart ? answerIds(m, this.tokenizer) : undefined;
        return ids ? { role: m.role, content: m.content, ids: [...ids] } : { role: m.role, content: m.content };
      }),
      settings: { ...s } as unknown as JsonObject,
      createdAt: new Date().toISOString(),
    };
    const data = { tokens: a.tokens(), k, v, nKvHeads: info.nHeadKv, headDim: info.headDim, meta };
    let r;
    try {
      r = await writeSnapshot(path, data);
    } catch (e) {
      // a header over the reader's limit: the ids are what can go (a resume then re-tokenizes those answers)
      if (!(e instanceof SnapshotError && e.code === 'SNAP_INPUT' && meta.transcript.some((m) => 'ids' in m))) throw e;
      meta.transcript = meta.transcript.map((m) => ({ role: m.role, content: m.content }));
      r = await writeSnapshot(path, data);
    }
    return { bytes: r.bytes, nTokens: n };
  }

  /** Writes saved params + RNG bytes into the actor; false when the actor's regions differ in size. */
  private restoreSampler(meta: SnapshotMeta): boolean {
    const h = this.actor.header(), mem = this.actor.bytes();
    const p = typeof meta.sampler.params.bytes === 'string' ? Buffer.from(meta.sampler.params.bytes, 'hex') : undefined;
    const r = typeof meta.sampler.rng === 'string' ? Buffer.from(meta.sampler.rng, 'hex') : undefined;
    if (!p || !r || p.length !== h.paramsSize || r.length !== h.rngSize) return false;
    mem.set(p, h.paramsOff);
    mem.set(r, h.rngOff);
    return true;
  }

  /**
   * Resumes a saved conversation. The header is validated first; the same model and tokenizer ⇒ a
   * new actor receives the saved tokens and K/V rows, read from the file straight into its memory
   * and hashed right behind the read, and the sampler/RNG state ('restored'); anything else
   * (another model, a failed check, a data hash that does not match, a corrupt file) ⇒ the
   * transcript re-prefilled with this model's template in a fresh actor ('reprefilled'). Nothing of
   * a failed restore stays.
   */
  static async resume(path: string, model: Model, tokenizer: Tokenizer, o: ResumeOptions = {}): Promise<ResumeResult> {
    const info = model.info;
    const sha = await modelSha256(model);
    const maxCtx = o.settings?.nCtx ?? Math.max(info.nCtxTrain, 1);
    let snap: SnapshotReader | undefined, meta: SnapshotMeta | undefined, reason = '';
    try {
      snap = openSnapshot(path, { nLayer: info.nLayer, nKvHeads: info.nHeadKv, headDim: info.headDim, nVocab: info.nVocab,
        maxTokens: maxCtx, modelSha256: sha });
      meta = snap.meta;
      if (tokenizerHash(tokenizer) !== meta.tokenizerHash) {
        reason = 'the tokenizer differs from the one the snapshot was made with';
        snap.close();
        snap = undefined;
      }
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      reason = snapReason(e);
      try { meta = await readMetaOnly(path); } catch (e2) {
        reason += `; transcript unrecoverable (${(e2 as Error).message}): starting an empty conversation`;
      }
    }
    const saved = settingsFrom(meta?.settings);
    const settings: Partial<ConversationSettings> = { ...saved, ...o.settings, modelPath: model.path };
    if (snap && (settings.nCtx ?? 0) < snap.nTokens) settings.nCtx = Math.min(maxCtx, Math.max(snap.nTokens, info.nCtxTrain));
    const conv = Conversation.create(model, tokenizer, settings);
    let idsNote = '';
    if (meta) {
      conv.messages.push(...meta.transcript.map((m) => ({ role: m.role, content: m.content })));
      // the answers' ids, where they are of this model and tokenizer and check out (else their text is tokenized)
      if (meta.model.sha256 === sha && meta.tokenizerHash === tokenizerHash(tokenizer)) {
        let bad = 0;
        meta.transcript.forEach((m, i) => { if ('ids' in m && !keepAnswerIds(conv.messages[i], tokenizer, info.nVocab, m.ids)) bad++; });
        if (bad) idsNote = `; the saved ids of ${bad} answer${bad > 1 ? 's' : ''} did not check out: tokenized from the text`;
      }
    }
    if (snap) {
      try {
        const done = conv.restoreFrom(snap, o.settings, `same model (sha256 ${sha.slice(0, 12)}…): `);
        return { conversation: conv, path: 'restored', reason: done + idsNote };
      } catch (e) {
        if (!(e instanceof SnapshotError)) throw e;
        reason = snapReason(e);
        conv.actor.release(); // nothing of the failed restore stays
        conv.actor = conv.newActor();
      } finally {
        snap.close();
      }
    }
    if (o.deferPrefill) {
      if (meta) conv.restoreSampler(meta);
      if (o.settings) conv.configure(o.settings);
    } else conv.reprefill(meta, o.settings);
    return { conversation: conv, path: 'reprefilled', reason: reason + idsNote };
  }

  /** Reads the snapshot's tokens and K/V rows into this (fresh) actor, verified on the way
   *  (SnapshotError otherwise); returns the reason text. */
  private restoreFrom(snap: SnapshotReader, overrides: Partial<ConversationSettings> | undefined, why: string): string {
    const a = this.actor, n = snap.nTokens, info = this.model.info;
    const views = new Map<string, Uint8Array>([['tokens', new Uint8Array(a.bytes().buffer, a.header().tokensOff, n * 4)]]);
    for (let l = 0; l < info.nLayer; l++) { views.set(`k.${l}`, u8(a.kv('k', l, n))); views.set(`v.${l}`, u8(a.kv('v', l, n))); }
    snap.readTensors(snap.tensors.map((t) => views.get(t.name) as Uint8Array));
    // ids are checked against the vocabulary; the file's little-endian bytes are already what the
    // actor (Wasm memory is little-endian) and the engine (little-endian hosts only) read
    decodeTokens(snap.path, views.get('tokens') as Uint8Array, info.nVocab);
    const rng = this.restoreSampler(snap.meta);
    a.truncate(n);
    if (overrides) this.configure(overrides);
    return `${why}${n} tokens of KV cache restored, data xxh64 verified${rng || overrides?.seed !== undefined ? '' : ', sampler RNG state not restorable (actor layout differs)'}`;
  }

  /** Re-prefills the transcript's window with this model's template (moved on by whole turns if this
   *  context cannot hold it; left to the next turn if not even the last one fits); carries the RNG on
   *  when it fits. */
  private reprefill(meta: SnapshotMeta | undefined, overrides: Partial<ConversationSettings> | undefined): void {
    if (meta) this.restoreSampler(meta);
    if (overrides) this.configure(overrides);
    if (this.messages.length) {
      const fit = this.fitWindow(this.messages, false, 0, this.messages.length - 1);
      this.settings.windowStart = fit.start;
      if (fit.ids.length > this.actor.nCtx) return;
      const t0 = now();
      this.sync(fit.ids);
      this.totals.prefillTokens += fit.ids.length;
      this.totals.prefillMs += now() - t0;
    }
  }
}

function snapReason(e: SnapshotError): string {
  return e.code === 'SNAP_FOREIGN_MODEL' ? `${e.code}: the snapshot is of another model` : `${e.code}: ${e.message}`;
}
