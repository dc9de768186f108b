// cairn template <file.gguf> --messages messages.json [--no-generation-prompt] [--builtin NAME]
//                [--date YYYY-MM-DD] [--tokens] [--json]
// Renders a conversation (a JSON array of {role, content}) with the file's chat template, or the
// built-in fallback for its family, and prints the prompt; --tokens also prints the prompt's ids
// (BOS added once, special tokens parsed) and the stop tokens.
import { readFileSync } from 'node:fs';
import { parseArgs, UsageError } from '../args.js';
import { GgufFile } from '../../engine/gguf.js';
import { EngineError } from '../../engine/native.js';
import { Tokenizer, BUILTIN_TEMPLATES, type BuiltinTemplateName, type ChatMessage } from '../../engine/tokenizer/index.js';

export const usage = 'template <file.gguf> --messages messages.json [--no-generation-prompt] [--builtin llama3|llama2|chatml|mistral|gemma|phi3] [--date YYYY-MM-DD] [--tokens] [--json]';

function readMessages(path: string): ChatMessage[] {
  let v: unknown;
  try { v = JSON.parse(readFileSync(path, 'utf8')); } catch (e) { throw new UsageError(`--messages: ${(e as Error).message}`); }
  const list = Array.isArray(v) ? v : (v as { messages?: unknown })?.messages;
  if (!Array.isArray(list) || !list.every((m) => m && typeof m.role === 'string' && typeof m.content === 'string')) {
    throw new UsageError('--messages must be a JSON array of {"role": string, "content": string} (or {"messages": [...]})');
  }
  return list as ChatMessage[];
}

export async function run(argv: string[]): Promise<number> {
  try {
    const { positional, opts } = parseArgs(argv, ['messages', 'builtin', 'date']);
    if (positional.length !== 1 || typeof opts.messages !== 'string') throw new UsageError(`usage: cairn ${usage}`);
    const messages = readMessages(opts.messages);
    let builtin: BuiltinTemplateName | undefined;
    if (opts.builtin !== undefined) {
      if (typeof opts.builtin !== 'string' || !(opts.builtin in BUILTIN_TEMPLATES)) throw new UsageError(`--builtin must be one of ${Object.keys(BUILTIN_TEMPLATES).join(', ')}`);
      builtin = opts.builtin as BuiltinTemplateName;
    }
    let date: Date | undefined;
    if (opts.date !== undefined) {
      if (typeof opts.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new UsageError('--date must be YYYY-MM-DD');
      const [y, m, d] = opts.date.split('-').map(Number);
      date = new Date(y, m - 1, d);
    }
    const file = GgufFile.open(positional[0]);
    let tok: Tokenizer;
    try { tok = Tokenizer.fromGguf(file); } finally { file.close(); }
    const r = tok.renderChat(messages, { addGenerationPrompt: !opts['no-generation-prompt'], builtin, date });
    const ids = opts.tokens || opts.json ? tok.encodePrompt(r.text) : undefined;
    if (opts.json) {
      console.log(JSON.stringify({ template: r.template, fallbackReason: r.fallbackReason ?? null, text: r.text, ids, stopTokens: tok.stopTokens }, null, 2));
      return 0;
    }
    process.stdout.write(r.text);
    if (!r.text.endsWith('\n')) process.stdout.write('\n');
    console.error(`[template: ${r.template === 'gguf' ? "the file's tokenizer.chat_template" : `built-in ${r.template}`}${r.fallbackReason ? ` — ${r.fallbackReason}` : ''}]`);
    if (ids) {
      console.error(`[${ids.length} tokens] ${ids.join(',')}`);
      console.error(`[stop tokens] ${tok.stopTokens.map((id) => `${id} ${JSON.stringify(tok.tokenText(id))}`).join(', ')}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof EngineError) { console.error(`cairn template: ${e.message}`); return 1; }
    if (e instanceof Error && /tokenizer|pre-tokenizer/.test(e.message)) { console.error(`cairn template: ${e.message}`); return 1; }
    throw e;
  }
}
