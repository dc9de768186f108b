// chat-template.ts — render a conversation into a prompt with the GGUF file's own Jinja template
// (`tokenizer.chat_template`, through @huggingface/jinja), falling back to a built-in format of the
// model's family when the file has no template or its template fails to render.

import { Template } from '@huggingface/jinja';
import { BUILTIN_TEMPLATES, detectFromTemplate, detectFromVocab, type BuiltinTemplateName, type Message } from './templates-builtin.js';

export interface ChatMessage { role: 'system' | 'user' | 'assistant' | 'tool' | string; content: string }

export interface RenderOptions {
  /** End with the assistant header, so the model answers. Default true. */
  addGenerationPrompt?: boolean;
  /** The date templates see as `date_string` ("26 Jul 2024"). Default: now. (A template's own
   *  `strftime_now()` is @huggingface/jinja's and always reads the clock.) */
  date?: Date;
  /** Use this built-in format instead of the file's template. */
  builtin?: BuiltinTemplateName;
  /** More variables for the template (e.g. tools). */
  extra?: Record<string, unknown>;
}

export interface TemplateSource {
  template?: string;
  bosToken: string;
  eosToken: string;
  hasToken: (t: string) => boolean;
  vocabType: 'bpe' | 'spm';
  modelName?: string;
}

export interface RenderResult {
  text: string;
  /** 'gguf' when the file's template rendered, else the built-in used. */
  template: 'gguf' | BuiltinTemplateName;
  /** Why the file's template was not used (absent when it was). */
  fallbackReason?: string;
}

const parsed = new Map<string, Template>();

export function renderChat(messages: readonly ChatMessage[], src: TemplateSource, o: RenderOptions = {}): RenderResult {
  const add = o.addGenerationPrompt ?? true;
  const date = o.date ?? new Date();
  const msgs: Message[] = messages.map((m) => ({ role: m.role, content: m.content }));
  if (o.builtin) return { text: BUILTIN_TEMPLATES[o.builtin](msgs, add), template: o.builtin };
  let reason = 'the file has no tokenizer.chat_template';
  if (src.template) {
    try {
      let t = parsed.get(src.template);
      if (!t) { t = new Template(src.template); parsed.set(src.template, t); }
      const text = t.render({
        messages: msgs,
        add_generation_prompt: add,
        bos_token: src.bosToken,
        eos_token: src.eosToken,
        date_string: strftime(date, '%d %b %Y'),
        ...o.extra,
      });
      return { text, template: 'gguf' };
    } catch (e) {
      reason = `the file's template failed to render: ${(e as Error).message}`;
    }
  }
  const family = (src.template && detectFromTemplate(src.template)) || detectFromVocab(src.hasToken, src.vocabType, src.modelName);
  return { text: BUILTIN_TEMPLATES[family](msgs, add), template: family, fallbackReason: reason };
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The strftime subset chat templates use (%d %b %B %Y %y %m %H %M %S %a %A %j %p %I %%), local time. */
export function strftime(d: Date, fmt: string): string {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return fmt.replace(/%([a-zA-Z%])/g, (_, c: string) => {
    switch (c) {
      case 'd': return p2(d.getDate());
      case 'e': return String(d.getDate()).padStart(2, ' ');
      case 'b': return MONTHS[d.getMonth()].slice(0, 3);
      case 'B': return MONTHS[d.getMonth()];
      case 'Y': return String(d.getFullYear());
      case 'y': return p2(d.getFullYear() % 100);
      case 'm': return p2(d.getMonth() + 1);
      case 'H': return p2(d.getHours());
      case 'I': return p2(d.getHours() % 12 || 12);
      case 'p': return d.getHours() < 12 ? 'AM' : 'PM';
      case 'M': return p2(d.getMinutes());
      case 'S': return p2(d.getSeconds());
      case 'a': return DAYS[d.getDay()].slice(0, 3);
      case 'A': return DAYS[d.getDay()];
      case 'j': return String(Math.floor((d.getTime() - new Date(d.getFullYear(), 0, 1).getTime()) / 864e5) + 1).padStart(3, '0');
      case '%': return '%';
      default: return `%${c}`;
    }
  });
}
