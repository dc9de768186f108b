// chat.ts — send, stop, regenerate, edit and fork over the store's message tree and the host.
// Order of a turn (RELIABILITY.md): the user message is stored (fsynced) and the assistant message
// created `streaming` before the host is asked; the operation returns then, and the answer streams as
// events while AnswerStream checkpoints it. The host's death mid-answer leaves the answer
// `interrupted` with the text so far; the next turn goes to the restarted host, which resumes the
// conversation from its kv.cairn or re-prefills it from the branch it is sent.
import { randomUUID } from 'node:crypto';
import type { ConversationDetail, Message } from '../../common/schemas.js';
import type { ConversationStore } from '../store/types.js';
import { AnswerStream } from './answer-stream.js';
import { hostCall, type EngineEvent, type EnginePort } from './engine-port.js';
import { ServiceError, toApiError } from './errors.js';
import type { EventHub } from './event-hub.js';
import { hostMessages } from './host-messages.js';
import type { KvSaver } from './kv-saver.js';
import { messageStats, type StatsTracker } from './stats.js';

interface Running {
  requestId: string;
  stream: AnswerStream | null;
  stopRequested: boolean;
  /** Settles when the answer's final state is stored. */
  done: Promise<void>;
}

export interface ChatDeps {
  store: ConversationStore;
  engine: EnginePort;
  hub: EventHub;
  stats: StatsTracker;
  kv: KvSaver;
  /** Display name of the current model (stamped on answers); throws E_MODEL when none is loaded. */
  modelName(): string;
}

const TITLE_CHARS = 60;
/** The title the store gives a conversation created without one; the first message renames it. */
export const UNTITLED = 'New chat';

export class ChatRunner {
  private readonly running = new Map<string, Running>();
  private readonly byRequest = new Map<string, AnswerStream>();
  private readonly off: () => void;

  constructor(private readonly d: ChatDeps) {
    this.off = d.engine.subscribe((e) => this.onHostEvent(e));
  }

  isBusy(conversationId: string): boolean { return this.running.has(conversationId); }

  /** The request id of a conversation's running answer (progress.cancel of its prefill). */
  requestOf(conversationId: string): string | undefined { return this.running.get(conversationId)?.requestId; }

  private onHostEvent(e: EngineEvent): void {
    if (e.type !== 'tokens') return;
    const s = this.byRequest.get(e.requestId);
    if (!s) return;
    s.push(e.text, e.count, e.latenciesMs);
    this.d.stats.streaming(s.messageId, s.latenciesMs);
  }

  async send(conversationId: string, text: string, parentId?: string | null): Promise<{ userMessage: Message; assistantMessage: Message }> {
    const conv = this.d.store.get(conversationId);
    this.d.modelName();
    const parent = parentId === undefined ? conv.currentLeafId : parentId;
    if (parent !== null && !conv.messages.some((m) => m.id === parent)) throw new ServiceError('E_NOT_FOUND', `no message ${parent} in conversation ${conversationId}`);
    return this.exclusive(conversationId, async (run) => {
      const userMessage = await this.d.store.addMessage(conversationId, { parentId: parent, role: 'user', content: text, status: 'done' });
      this.d.hub.emit('message.updated', { conversationId, message: userMessage });
      if (conv.title === UNTITLED && conv.messageCount === 0) {
        await this.d.store.rename(conversationId, titleOf(text));
        this.d.hub.emit('conversations.changed', { conversations: this.d.store.list() });
      }
      const assistantMessage = await this.answer(conversationId, userMessage, run);
      return { userMessage, assistantMessage };
    });
  }

  async regenerate(conversationId: string, messageId: string): Promise<{ assistantMessage: Message }> {
    const conv = this.d.store.get(conversationId);
    const m = find(conv, messageId);
    if (m.role !== 'assistant') throw new ServiceError('E_ARGS', 'only an assistant message can be regenerated');
    const user = m.parentId ? find(conv, m.parentId) : null;
    if (!user || user.role !== 'user') throw new ServiceError('E_ARGS', 'this answer has no user message before it to answer again');
    this.d.modelName();
    return this.exclusive(conversationId, async (run) => ({ assistantMessage: await this.answer(conversationId, user, run) }));
  }

  async edit(conversationId: string, messageId: string, content: string): Promise<{ message: Message; assistantMessage: Message | null }> {
    const conv = this.d.store.get(conversationId);
    const m = find(conv, messageId);
    if (m.role === 'user') this.d.modelName();
    return this.exclusive(conversationId, async (run) => {
      const message = await this.d.store.addMessage(conversationId, {
        parentId: m.parentId, role: m.role, content, status: 'done', ...(m.model ? { model: m.model } : {}),
      });
      this.d.hub.emit('message.updated', { conversationId, message });
      if (m.role !== 'user') { run.stream = null; return { message, assistantMessage: null }; }
      return { message, assistantMessage: await this.answer(conversationId, message, run) };
    });
  }

  /** Stops the conversation's answer; the partial text is kept (finishReason 'cancelled'). */
  async stop(conversationId: string): Promise<boolean> {
    const r = this.running.get(conversationId);
    if (!r) return false;
    r.stopRequested = true;
    try { await hostCall(this.d.engine, 'cancel', { requestId: r.requestId }); } catch { /* the host died: the answer ends as interrupted */ }
    return true;
  }

  /** Stops it and waits until its final state is stored (delete, shutdown). */
  async stopAndWait(conversationId: string): Promise<void> {
    const r = this.running.get(conversationId);
    if (!r) return;
    await this.stop(conversationId);
    await r.done;
  }

  /** Every answer stopped and stored. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.stopAndWait(id)));
    this.off();
  }

  async fork(conversationId: string, messageId: string): Promise<ConversationDetail> {
    const conv = this.d.store.get(conversationId);
    const at = find(conv, messageId);
    if (at.status === 'streaming') throw new ServiceError('E_BUSY', 'this answer is still being written: fork once it is done');
    const branch = this.d.store.path(conversationId, messageId);
    const fork = await this.d.store.create({ title: `${conv.title} (fork)`.slice(0, 200), settings: conv.settings });
    let parentId: string | null = null;
    for (const m of branch) {
      const copy = await this.d.store.addMessage(fork.id, {
        parentId, role: m.role, content: m.content, status: m.status === 'streaming' ? 'interrupted' : m.status, ...(m.model ? { model: m.model } : {}),
      });
      if (m.finishReason || m.stats || m.error) {
        await this.d.store.updateMessage(fork.id, copy.id, {
          ...(m.finishReason ? { finishReason: m.finishReason } : {}), ...(m.stats ? { stats: m.stats } : {}), ...(m.error ? { error: m.error } : {}),
        });
      }
      parentId = copy.id;
    }
    try {
      const { forked } = await hostCall(this.d.engine, 'fork', { from: conversationId, to: fork.id, messages: hostMessages(conv.settings, branch), settings: conv.settings });
      if (forked) this.d.kv.touch(fork.id);
    } catch (e) {
      // the host's copy is an optimization: the fork's first turn prefills instead
      console.error(`cairn: host fork of ${conversationId} failed (${toApiError(e).message}); the fork will prefill`);
    }
    return this.d.store.get(fork.id);
  }

  /** Runs `body` holding the conversation's one generation slot (E_BUSY when taken). */
  private async exclusive<T>(conversationId: string, body: (run: Running) => Promise<T>): Promise<T> {
    if (this.running.has(conversationId)) throw new ServiceError('E_BUSY', 'an answer is being written in this conversation: stop it first');
    let settle!: () => void;
    const run: Running = { requestId: randomUUID(), stream: null, stopRequested: false, done: new Promise<void>((r) => { settle = r; }) };
    this.running.set(conversationId, run);
    this.setBusy(conversationId, true);
    let started = false;
    try {
      const out = await body(run);
      started = run.stream !== null;
      if (started) void this.generate(conversationId, run).finally(() => { this.release(conversationId, run); settle(); });
      return out;
    } finally {
      if (!started) { this.release(conversationId, run); settle(); }
    }
  }

  /** Frees the conversation's slot if `run` still holds it. */
  private release(conversationId: string, run: Running): void {
    if (this.running.get(conversationId) !== run) return;
    this.running.delete(conversationId);
    this.setBusy(conversationId, false);
  }

  private setBusy(conversationId: string, busy: boolean): void {
    try { this.d.store.setBusy(conversationId, busy); } catch { /* deleted meanwhile */ }
    this.d.hub.emit('conversations.changed', { conversations: this.d.store.list() });
  }

  /** Creates the streaming assistant message under `user` (the generation starts once it returns). */
  private async answer(conversationId: string, user: Message, run: Running): Promise<Message> {
    const model = this.d.modelName();
    const assistant = await this.d.store.addMessage(conversationId, { parentId: user.id, role: 'assistant', content: '', status: 'streaming', model });
    this.d.hub.emit('message.updated', { conversationId, message: assistant });
    run.stream = new AnswerStream(this.d.store, this.d.hub, conversationId, assistant.id);
    return assistant;
  }

  private async generate(conversationId: string, run: Running): Promise<void> {
    const stream = run.stream!;
    const free = () => this.release(conversationId, run);
    const t0 = performance.now();
    this.byRequest.set(run.requestId, stream);
    this.d.stats.begin(conversationId, stream.messageId);
    try {
      if (run.stopRequested) { await stream.finish({ status: 'done', finishReason: 'cancelled' }, free); return; }
      const conv = this.d.store.get(conversationId);
      const branch = this.d.store.path(conversationId, stream.messageId).slice(0, -1);
      const r = await hostCall(this.d.engine, 'generate', {
        requestId: run.requestId, conversationId, settings: conv.settings,
        messages: hostMessages(conv.settings, branch), snapshotPath: this.d.store.kvPath(conversationId),
      });
      const stats = messageStats(r, performance.now() - t0);
      await stream.finish({ content: r.text, status: 'done', finishReason: r.reason, stats }, free);
      if (r.restore?.path === 'reprefilled' && r.restore.reason) {
        this.d.hub.emit('notice', { level: 'info', message: `The conversation was re-read by the model (${r.restore.reason}).` });
      }
      this.d.kv.touch(conversationId);
      await this.d.stats.answered(stream.messageId, stats, stream.latenciesMs);
    } catch (e) {
      const err = toApiError(e);
      const died = err.code === 'E_ENGINE';
      await stream.finish({
        content: stream.text, status: died || stream.text ? 'interrupted' : 'error',
        finishReason: died ? 'interrupted' : 'error', error: err.message,
      }, free).catch((e2) => console.error(`cairn: final state of ${stream.messageId} not stored:`, e2));
      if (died) this.d.hub.emit('notice', { level: 'warning', message: 'The engine stopped during an answer; the text so far is kept. It restarts on its own: send again to continue.' });
    } finally {
      this.byRequest.delete(run.requestId);
    }
  }
}

function find(conv: ConversationDetail, messageId: string): Message {
  const m = conv.messages.find((x) => x.id === messageId);
  if (!m) throw new ServiceError('E_NOT_FOUND', `no message ${messageId} in conversation ${conv.id}`);
  return m;
}

function titleOf(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= TITLE_CHARS ? line || UNTITLED : `${line.slice(0, TITLE_CHARS - 1)}…`;
}
