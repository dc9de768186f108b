// openai.ts — the OpenAI-compatible API of `cairn serve`: GET /v1/models and POST /v1/chat/completions
// (streamed as `chat.completion.chunk` server-sent events ending in `data: [DONE]`, or one
// `chat.completion`), with `usage`, `stop`, `max_tokens`, `temperature`, `top_p`, `seed`.
// Each request is an ephemeral conversation in the engine host: it never appears in the app's
// conversation list and is dropped from the host once answered. Bad requests get OpenAI error
// objects with 4xx codes.
import { randomInt, randomUUID } from 'node:crypto';
import { basename } from 'node:path';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { GenerateResult, HostMessage } from '../common/host-protocol.js';
import type { ConversationSettings, ModelInfo } from '../common/schemas.js';
import { toApiError } from '../main/service/errors.js';
import type { CairnService } from '../main/service/service.js';
import type { Guard } from './guard.js';
import { ChatCompletionRequest, contentText, openAiError } from './openai-schema.js';
import { StopMatcher } from './stop-matcher.js';

export const OPENAI_BODY_LIMIT = 8 * 1024 * 1024;

/** The id a model has in the OpenAI API: its file name without `.gguf`. */
export const openAiModelId = (m: ModelInfo): string => basename(m.path).replace(/\.gguf$/i, '');

const finishReason = (r: GenerateResult['reason'], stoppedBySequence: boolean): 'stop' | 'length' =>
  stoppedBySequence || r === 'stop' || r === 'cancelled' ? 'stop' : 'length';

const statusOf = (code: string): ContentfulStatusCode =>
  code === 'E_BUSY' ? 429 : code === 'E_ENGINE' || code === 'E_MODEL' ? 503 : code === 'E_ARGS' ? 400 : 500;

export function openAiRoutes(app: Hono, service: CairnService, guard: Guard): void {
  const err = (c: Context, status: ContentfulStatusCode, message: string, param: string | null = null, code: string | null = null, type?: string) =>
    c.json(openAiError(message, type ?? (status >= 500 ? 'server_error' : 'invalid_request_error'), param, code), status);

  app.use('/v1/*', async (c, next) => {
    // loopback: open to local programs (Host and Origin are checked for every request); bound to
    // another address: the per-launch token as the API key
    if (!guard.loopback && !guard.bearerOk(c.req.header('authorization'))) return err(c, 401, 'a wrong or missing API key: use the token cairn serve printed', null, 'invalid_api_key');
    return next();
  });

  app.get('/v1/models', (c) => {
    const m = service.models.current;
    const created = Math.floor(Date.now() / 1000);
    return c.json({ object: 'list', data: m ? [{ id: openAiModelId(m), object: 'model', created, owned_by: 'cairn' }] : [] });
  });

  app.post('/v1/chat/completions', bodyLimit({
    maxSize: OPENAI_BODY_LIMIT, onError: (c) => err(c, 413, `the request body is over ${OPENAI_BODY_LIMIT} bytes`, null, 'request_too_large'),
  }), async (c) => {
    let body: unknown;
    try { body = await c.req.json(); } catch { return err(c, 400, 'the request body is not valid JSON'); }
    const parsed = ChatCompletionRequest.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const param = issue?.path.join('.') || null;
      return err(c, 400, `${param ?? 'request'}: ${issue?.message ?? 'invalid'}`, param, 'invalid_value');
    }
    const req = parsed.data;
    const model = service.models.current;
    if (!model) return err(c, 503, 'no model is loaded', 'model', null);
    if (req.model !== openAiModelId(model) && req.model !== model.name && req.model !== model.id) {
      return err(c, 404, `The model '${req.model}' does not exist (loaded: '${openAiModelId(model)}')`, 'model', 'model_not_found');
    }
    const messages: HostMessage[] = req.messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: contentText(m.content) }));
    if (messages[messages.length - 1].role !== 'user') return err(c, 400, 'messages: the last message must be from the user', 'messages');
    const defaults = service.settings.get().defaults;
    const settings: Partial<ConversationSettings> = {
      temperature: req.top_p === 0 ? 0 : req.temperature ?? 1, topP: req.top_p ? req.top_p : 1, topK: 0, minP: 0, repeatPenalty: 1,
      seed: req.seed != null ? ((req.seed % 2 ** 32) + 2 ** 32) % 2 ** 32 : randomInt(2 ** 32 - 1),
      maxTokens: req.max_completion_tokens ?? req.max_tokens ?? defaults.maxTokens, systemPrompt: '', contextOverflow: 'stop',
    };
    const stops = req.stop == null ? [] : typeof req.stop === 'string' ? [req.stop] : req.stop;
    const id = `chatcmpl-${randomUUID().replace(/-/g, '')}`;
    const created = Math.floor(Date.now() / 1000);
    const modelId = openAiModelId(model);
    const usage = (r: GenerateResult) => ({ prompt_tokens: r.promptTokens, completion_tokens: r.tokens, total_tokens: r.promptTokens + r.tokens });

    if (!req.stream) {
      const matcher = new StopMatcher(stops);
      const ac = new AbortController();
      c.req.raw.signal.addEventListener('abort', () => ac.abort(), { once: true }); // the client went away
      let text = '';
      try {
        const { result } = await service.complete({
          messages, settings, signal: ac.signal,
          onText: (t) => { text += matcher.push(t); if (matcher.stopped) ac.abort(); },
        });
        text += matcher.flush();
        return c.json({
          id, object: 'chat.completion', created, model: modelId, system_fingerprint: null,
          choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: finishReason(result.reason, matcher.stopped) }],
          usage: usage(result),
        });
      } catch (e) {
        const a = toApiError(e);
        return err(c, statusOf(a.code), a.message, null, a.code);
      }
    }

    const includeUsage = req.stream_options?.include_usage === true;
    return streamSSE(c, async (stream) => {
      const ac = new AbortController();
      stream.onAbort(() => ac.abort());
      const matcher = new StopMatcher(stops);
      const chunk = (delta: object, finish: string | null) => ({
        id, object: 'chat.completion.chunk', created, model: modelId, system_fingerprint: null,
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}),
      });
      let writes = stream.writeSSE({ data: JSON.stringify(chunk({ role: 'assistant', content: '' }, null)) });
      const send = (obj: object) => { writes = writes.then(() => stream.writeSSE({ data: JSON.stringify(obj) })); };
      try {
        const { result } = await service.complete({
          messages, settings, signal: ac.signal,
          onText: (t) => {
            const out = matcher.push(t);
            if (matcher.stopped) ac.abort();
            if (out) send(chunk({ content: out }, null));
          },
        });
        const rest = matcher.flush();
        if (rest) send(chunk({ content: rest }, null));
        send(chunk({}, finishReason(result.reason, matcher.stopped)));
        if (includeUsage) send({ id, object: 'chat.completion.chunk', created, model: modelId, system_fingerprint: null, choices: [], usage: usage(result) });
      } catch (e) {
        const a = toApiError(e);
        send(openAiError(a.message, 'server_error', null, a.code));
      }
      await writes;
      await stream.writeSSE({ data: '[DONE]' });
    });
  });
}
