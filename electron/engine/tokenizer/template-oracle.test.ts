// Template oracle: the built-in fallbacks against llama.cpp's own llama_chat_apply_template (libllama
// from node-llama-cpp, called through koffi), and the Llama 3.2 Jinja template against both
// @huggingface/jinja and llama.cpp, with the difference between the two spelled out.
//
// llama_chat_apply_template is llama.cpp's C-API template engine: it does not run Jinja; it detects
// the family from the template text and writes a hard-coded format. For Llama 3.x that format has
// no BOS and no "Cutting Knowledge Date / Today Date" system block, which the template's own Jinja
// writes. Cairn follows the Jinja (what the model was trained with, and what llama-server --jinja
// renders); the test pins the exact difference.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureOracleInstalled } from '../../../test-support/llama/oracle.js';
import { llamaChatApplyTemplate, type ChatMsg } from '../../../test-support/llama/chat-template.js';
import { BUILTIN_TEMPLATES, LLAMA_CPP_NAMES, detectFromTemplate, type BuiltinTemplateName } from './templates-builtin.js';
import { renderChat } from './chat-template.js';
import { llama32VocabData, llamaCppTemplate } from '../../../test-support/tokenizer/fixtures.js';

type Msg = ChatMsg;
let apply: (tmpl: string, msgs: Msg[], add: boolean) => string;

beforeAll(() => {
  ensureOracleInstalled();
  apply = llamaChatApplyTemplate();
});

const CONVERSATIONS: Msg[][] = [
  [{ role: 'user', content: 'Hi' }],
  [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'What is 2+2?' }],
  [{ role: 'system', content: '  padded system  ' }, { role: 'user', content: ' hello\n' }, { role: 'assistant', content: 'Hello! ' }, { role: 'user', content: 'Tell me a joke 🎉 — 日本語' }],
  [{ role: 'user', content: 'one' }, { role: 'assistant', content: 'two' }, { role: 'user', content: 'three' }, { role: 'assistant', content: 'four' }],
];

describe('built-in fallbacks = llama.cpp llama_chat_apply_template', () => {
  it.each(Object.keys(BUILTIN_TEMPLATES) as BuiltinTemplateName[])('%s', (name) => {
    for (const msgs of CONVERSATIONS) {
      for (const add of [true, false]) {
        expect(BUILTIN_TEMPLATES[name](msgs, add)).toBe(apply(LLAMA_CPP_NAMES[name], msgs, add));
      }
    }
  });
});

describe('Llama 3.2 template', () => {
  const d = llama32VocabData();
  const src = { template: d.chatTemplate, bosToken: '<|begin_of_text|>', eosToken: '<|eot_id|>', hasToken: () => true, vocabType: 'bpe' as const };
  const date = new Date(2024, 6, 26);
  const header = 'Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n';

  it('Jinja rendering = llama.cpp format plus BOS and the dated system block (the one difference)', () => {
    for (const msgs of CONVERSATIONS) {
      for (const add of [true, false]) {
        const ours = renderChat(msgs, src, { addGenerationPrompt: add, date });
        expect(ours.template).toBe('gguf');
        // llama.cpp, given the same system block as content (it trims each message, as the Jinja does)
        const sys = msgs[0].role === 'system' ? msgs[0].content.trim() : '';
        const rest = msgs[0].role === 'system' ? msgs.slice(1) : msgs;
        const llama = apply(d.chatTemplate!, [{ role: 'system', content: header + sys }, ...rest], add);
        if (sys) expect(ours.text).toBe('<|begin_of_text|>' + llama);
        // with no system message the Jinja keeps the "\n\n" after the date; llama.cpp's trim() drops it
        else expect(ours.text).toBe('<|begin_of_text|>' + llama.replace('Today Date: 26 Jul 2024<|eot_id|>', 'Today Date: 26 Jul 2024\n\n<|eot_id|>'));
        // and what llama.cpp writes for the messages as given: no BOS, no dated system block
        const plain = apply(d.chatTemplate!, msgs, add);
        expect(plain.startsWith('<|begin_of_text|>')).toBe(false);
        expect(plain.includes('Cutting Knowledge Date')).toBe(false);
      }
    }
  });

  it("detects the same family as llama.cpp for real templates in llama.cpp's repository", () => {
    const cases: [string, BuiltinTemplateName][] = [
      ['meta-llama-Llama-3.2-3B-Instruct', 'llama3'], ['meta-llama-Llama-3.1-8B-Instruct', 'llama3'],
      ['google-gemma-2-2b-it', 'gemma'], ['microsoft-Phi-3.5-mini-instruct', 'phi3'], ['Qwen-Qwen2.5-7B-Instruct', 'chatml'],
    ];
    const msgs = CONVERSATIONS[3];
    for (const [file, family] of cases) {
      const t = llamaCppTemplate(file);
      expect(detectFromTemplate(t)).toBe(family);
      expect(BUILTIN_TEMPLATES[family](msgs, true)).toBe(apply(t, msgs, true));
      // and the real Jinja renders with @huggingface/jinja
      expect(renderChat(msgs, { ...src, template: t }, { date }).template).toBe('gguf');
    }
  });
});
