// templates-builtin.ts — chat formats used when a GGUF file has no `tokenizer.chat_template` or one
// that fails to render. Each reproduces, byte for byte, the format llama.cpp's own
// llama_chat_apply_template writes under the same name (src/llama-chat.cpp), so a model without a
// template is prompted as llama.cpp would prompt it. None writes BOS: the tokenizer adds it.

export interface Message { role: string; content: string }
export type BuiltinTemplateName = 'llama3' | 'llama2' | 'chatml' | 'mistral' | 'gemma' | 'phi3';

/** C isspace trim, as llama-chat.cpp's trim(). */
export function trimAscii(s: string): string {
  let a = 0, b = s.length;
  const sp = (c: number) => c === 32 || (c >= 9 && c <= 13);
  while (a < b && sp(s.charCodeAt(a))) a++;
  while (b > a && sp(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

type Format = (messages: readonly Message[], addAssistant: boolean) => string;

/** llama.cpp name for each built-in (what llama_chat_apply_template is given to compare). */
export const LLAMA_CPP_NAMES: Record<BuiltinTemplateName, string> = {
  llama3: 'llama3', llama2: 'llama2-sys-bos', chatml: 'chatml', mistral: 'mistral-v1', gemma: 'gemma', phi3: 'phi3',
};

export const BUILTIN_TEMPLATES: Record<BuiltinTemplateName, Format> = {
  llama3(ms, add) {
    let s = '';
    for (const m of ms) s += `<|start_header_id|>${m.role}<|end_header_id|>\n\n${trimAscii(m.content)}<|eot_id|>`;
    return add ? s + '<|start_header_id|>assistant<|end_header_id|>\n\n' : s;
  },
  // Llama 2 chat, system message in <<SYS>>, <s> before each later turn (llama.cpp: llama2-sys-bos)
  llama2(ms) {
    let s = '[INST] ';
    let inside = true;
    for (const m of ms) {
      if (!inside) { inside = true; s += '<s>[INST] '; }
      if (m.role === 'system') s += `<<SYS>>\n${m.content}\n<</SYS>>\n\n`;
      else if (m.role === 'user') s += `${m.content} [/INST]`;
      else { s += `${m.content}</s>`; inside = false; }
    }
    return s;
  },
  chatml(ms, add) {
    let s = '';
    for (const m of ms) s += `<|im_start|>${m.role}\n${m.content}<|im_end|>\n`;
    return add ? s + '<|im_start|>assistant\n' : s;
  },
  // Mistral Instruct v0.1/v0.2 (llama.cpp: mistral-v1)
  mistral(ms) {
    let s = '';
    let inside = false;
    for (const m of ms) {
      if (!inside) { s += ' [INST] '; inside = true; }
      if (m.role === 'system') s += `${m.content}\n\n`;
      else if (m.role === 'user') s += `${m.content} [/INST]`;
      else { s += ` ${m.content}</s>`; inside = false; }
    }
    return s;
  },
  // Gemma: no system role (merged into the next user turn), assistant is "model"
  gemma(ms, add) {
    let s = '', sys = '';
    for (const m of ms) {
      if (m.role === 'system') { sys += trimAscii(m.content); continue; }
      const role = m.role === 'assistant' ? 'model' : m.role;
      s += `<start_of_turn>${role}\n`;
      if (sys && role !== 'model') { s += `${sys}\n\n`; sys = ''; }
      s += `${trimAscii(m.content)}<end_of_turn>\n`;
    }
    return add ? s + '<start_of_turn>model\n' : s;
  },
  phi3(ms, add) {
    let s = '';
    for (const m of ms) s += `<|${m.role}|>\n${m.content}<|end|>\n`;
    return add ? s + '<|assistant|>\n' : s;
  },
};

/** The family a template text belongs to (llama.cpp's llm_chat_detect_template, for the six above). */
export function detectFromTemplate(t: string): BuiltinTemplateName | null {
  if (t.includes('<|im_start|>')) return 'chatml';
  if (t.startsWith('mistral') || t.includes('[INST]')) return t.includes('<<SYS>>') ? 'llama2' : 'mistral';
  if (t.includes('<|assistant|>') && t.includes('<|end|>')) return 'phi3';
  if (t.includes('<start_of_turn>')) return 'gemma';
  if (t.includes('<|start_header_id|>') && t.includes('<|end_header_id|>')) return 'llama3';
  return null;
}

/** The family a vocabulary belongs to, when the file has no template at all. */
export function detectFromVocab(has: (token: string) => boolean, vocabType: 'bpe' | 'spm', name = ''): BuiltinTemplateName {
  if (has('<|start_header_id|>') && has('<|eot_id|>')) return 'llama3';
  if (has('<|im_start|>') && has('<|im_end|>')) return 'chatml';
  if (has('<start_of_turn>') && has('<end_of_turn>')) return 'gemma';
  if (has('<|assistant|>') && has('<|end|>')) return 'phi3';
  if (vocabType === 'spm') return /mistral|mixtral/i.test(name) ? 'mistral' : 'llama2';
  return 'chatml';
}
