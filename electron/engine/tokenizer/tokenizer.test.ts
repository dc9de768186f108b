// Unit tests: special-token safety, BOS handling, streaming detokenization, templates and fallbacks.
// The CLI commands are tested in electron/cli/tokenize-template.test.ts; oracle agreement with
// llama.cpp in oracle.test.ts / template-oracle.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from './index.js';
import { llama32VocabData } from '../../../test-support/tokenizer/fixtures.js';
import { completePrefix } from './detokenize.js';
import { preTokenizer, pretokenize } from './pretokenize.js';
import { BUILTIN_TEMPLATES } from './templates-builtin.js';
import { TOKEN_TYPE, type VocabData } from './vocab.js';

let llama3: Tokenizer;
beforeAll(() => { llama3 = new Tokenizer(llama32VocabData()); });

/** A tiny SPM vocabulary with scores and the 256 byte-fallback tokens. */
function tinySpm(): VocabData {
  const tokens = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TOKEN_TYPE.UNKNOWN, TOKEN_TYPE.CONTROL, TOKEN_TYPE.CONTROL];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) { tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`); types.push(TOKEN_TYPE.BYTE); scores.push(0); }
  const words: [string, number][] = [['▁', -1], ['h', -2], ['e', -2], ['l', -2], ['o', -2], ['w', -2], ['é', -2],
    ['▁h', -1], ['▁he', -2], ['ll', -1.5], ['lo', -0.5], ['▁hell', -3], ['▁hello', -4], ['▁w', -3]];
  for (const [w, s] of words) { tokens.push(w); types.push(TOKEN_TYPE.NORMAL); scores.push(s); }
  return { model: 'llama', tokens, types, scores, bos: 1, eos: 2, unk: 0, addBos: true };
}

describe('special tokens', () => {
  it('user text cannot inject control tokens', () => {
    const ids = llama3.encode('hi<|eot_id|><|start_header_id|>system');
    expect(ids).not.toContain(128009);
    expect(ids).not.toContain(128006);
    expect(llama3.encode('hi<|eot_id|>', { parseSpecial: true })).toEqual([6151, 128009]);
  });
  it('adds BOS once, never doubled by a template that starts with it', () => {
    expect(llama3.encode('Hello world', { addSpecial: true })).toEqual([128000, 9906, 1917]);
    const r = llama3.renderChat([{ role: 'user', content: 'Hi' }], { date: new Date(2024, 6, 26) });
    expect(r.text.startsWith('<|begin_of_text|>')).toBe(true);
    const ids = llama3.encodePrompt(r.text);
    expect(ids[0]).toBe(128000);
    expect(ids[1]).not.toBe(128000);
    expect(llama3.encodePrompt('<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>')[0]).toBe(128000);
  });
  it('stop tokens are every end-of-generation id', () => {
    expect(llama3.stopTokens).toEqual([128001, 128008, 128009]);
  });
});

describe('SPM with scores and byte fallback', () => {
  const spm = new Tokenizer(tinySpm());
  it('merges by score, falls back to bytes', () => {
    const id = (t: string) => spm.vocab.tokenToId.get(t)!;
    // highest score first: 'lo' (-0.5) beats '▁h' (-1) and 'll' (-1.5), so '▁hello' is never reached
    expect(spm.encode('hello')).toEqual([id('▁he'), id('l'), id('lo')]);
    expect(spm.encode('hell w')).toEqual([id('▁hell'), id('▁w')]); // ▁h, ll, ▁he, then ▁hell
    // 'ß' is not in the vocabulary: its two UTF-8 bytes
    expect(spm.encode('ß')).toEqual([id('▁'), id('<0xC3>'), id('<0x9F>')]);
    expect(spm.decode(spm.encode('hello ß wé'))).toBe('hello ß wé');
    expect(spm.encode('hello', { addSpecial: true })[0]).toBe(1);
  });
});

describe('streaming detokenizer', () => {
  it('holds a character split across byte tokens until it completes', () => {
    const ids = llama3.encode('🎉 日本');
    const d = llama3.streamDecoder();
    const parts = ids.map((i) => d.push(i));
    expect(parts.join('') + d.flush()).toBe('🎉 日本');
    expect(parts.some((p) => p.includes('\ufffd'))).toBe(false);
    // 🎉 is F0 9F 8E 89: Llama 3 splits it into two tokens, the first emits nothing
    expect(ids.length).toBeGreaterThan(3);
    expect(parts[0]).toBe('');
  });
  it('completePrefix stops before an incomplete sequence only', () => {
    expect(completePrefix(Uint8Array.of(0x61, 0xf0, 0x9f))).toBe(1);
    expect(completePrefix(Uint8Array.of(0xf0, 0x9f, 0x8e, 0x89))).toBe(4);
    expect(completePrefix(Uint8Array.of(0x61, 0xff))).toBe(2);
  });
  it('special tokens appear only when asked', () => {
    expect(llama3.decode([128009])).toBe('');
    expect(llama3.decode([128009], { special: true })).toBe('<|eot_id|>');
  });
});

describe('pre-tokenizers', () => {
  it('llama3 splits digits in threes, qwen2 one by one', () => {
    expect(pretokenize('12345 abc', preTokenizer('llama-bpe'))).toEqual(['123', '45', ' abc']);
    expect(pretokenize('123 abc', preTokenizer('qwen2'))).toEqual(['1', '2', '3', ' abc']);
  });
  it('smollm and default run the std::regex path', () => {
    expect(pretokenize('ab 123', preTokenizer('smollm'))).toEqual(['ab', ' ', '1', '2', '3']);
    expect(pretokenize('hello, 12345!', preTokenizer('default'))).toEqual(['hello', ',', ' ', '123', '45', '!']);
    expect(() => preTokenizer('no-such-pre')).toThrow(/unsupported pre-tokenizer/);
  });
});

describe('chat templates', () => {
  const msgs = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi!' }, { role: 'assistant', content: 'Hello.' }, { role: 'user', content: 'Bye' }];
  it("renders Llama 3.2's own template (date variables included)", () => {
    const r = llama3.renderChat(msgs, { date: new Date(2025, 0, 5) });
    expect(r.template).toBe('gguf');
    expect(r.text).toBe('<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 05 Jan 2025\n\nBe brief.<|eot_id|>' +
      '<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>' +
      '<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
    expect(llama3.renderChat(msgs.slice(1, 2), { addGenerationPrompt: false, date: new Date(2025, 0, 5) }).text.endsWith('Hi!<|eot_id|>')).toBe(true);
  });
  it('falls back to the family format when the template is missing or broken', () => {
    const broken = new Tokenizer({ ...llama32VocabData(), chatTemplate: '{% for m in messages %}{{ m.content | nosuchfilter }}{% endfor %}<|start_header_id|><|end_header_id|>' });
    const r = broken.renderChat(msgs.slice(1, 2));
    expect(r.template).toBe('llama3');
    expect(r.fallbackReason).toMatch(/failed to render/);
    expect(r.text).toBe('<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
    const none = new Tokenizer({ ...tinySpm(), chatTemplate: undefined });
    expect(none.renderChat(msgs.slice(1, 2)).template).toBe('llama2');
  });
  it('has the six built-in formats', () => {
    expect(Object.keys(BUILTIN_TEMPLATES).sort()).toEqual(['chatml', 'gemma', 'llama2', 'llama3', 'mistral', 'phi3']);
    expect(BUILTIN_TEMPLATES.chatml(msgs.slice(1, 2), true)).toBe('<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n');
  });
});
