// openai-schema.ts — the part of OpenAI's chat completions request Cairn honours, as a zod schema
// (unknown fields are ignored, as OpenAI-compatible servers do), and OpenAI's error object.
import { z } from 'zod';

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const Content = z.union([z.string(), z.array(TextPart)]);

export const ChatMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant']),
  content: Content.nullable().optional(),
});

export const ChatCompletionRequest = z.object({
  model: z.string().min(1).max(500),
  messages: z.array(ChatMessage).min(1).max(10_000),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: z.number().int().min(1).max(131_072).nullable().optional(),
  max_completion_tokens: z.number().int().min(1).max(131_072).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().min(Number.MIN_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  stop: z.union([z.string().min(1).max(500), z.array(z.string().min(1).max(500)).max(4)]).nullable().optional(),
  n: z.literal(1).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  tools: z.array(z.unknown()).max(0, 'tools are not supported').nullable().optional(),
  user: z.string().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export interface OpenAiError { error: { message: string; type: string; param: string | null; code: string | null } }

export const openAiError = (message: string, type = 'invalid_request_error', param: string | null = null, code: string | null = null): OpenAiError =>
  ({ error: { message, type, param, code } });

/** The text of a message's content (text parts joined). */
export const contentText = (c: z.infer<typeof Content> | null | undefined): string =>
  c == null ? '' : typeof c === 'string' ? c : c.map((p) => p.text).join('');
