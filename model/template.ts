// template.ts — the chat format of the built-in model: Llama 3's (without Llama 3.1+'s date block).
export const SPECIAL_TOKENS = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'] as const;

/** Llama 3 (8B Instruct) chat template, as llama.cpp detects it ("llama3"). */
export const CHAT_TEMPLATE =
  "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";

export interface ChatMsg { role: string; content: string }

/** The template rendered by hand, in pieces: [text, isAssistantContent] (for loss masks). */
export function renderPieces(messages: readonly ChatMsg[], addGenerationPrompt: boolean): { text: string; target: boolean }[] {
  const out: { text: string; target: boolean }[] = [{ text: '<|begin_of_text|>', target: false }];
  for (const m of messages) {
    out.push({ text: `<|start_header_id|>${m.role}<|end_header_id|>\n\n`, target: false });
    const a = m.role === 'assistant';
    out.push({ text: m.content.trim(), target: a }, { text: '<|eot_id|>', target: a });
  }
  if (addGenerationPrompt) out.push({ text: '<|start_header_id|>assistant<|end_header_id|>\n\n', target: false });
  return out;
}
