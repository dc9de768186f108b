// chat-template.ts — llama.cpp's C-API template engine, llama_chat_apply_template, called in libllama
// (from node-llama-cpp, installed by ensureOracleInstalled) through koffi: the oracle for the built-in
// template fallbacks (electron/engine/tokenizer/template-oracle.test.ts).
import koffi from 'koffi';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ORACLE_DIR } from './oracle.js';

export type ChatMsg = { role: string; content: string };

/** Binds llama_chat_apply_template; the returned function renders messages with a template (or a
 *  llama.cpp template name), adding the assistant header when `add`. Linux x64 only. */
export function llamaChatApplyTemplate(): (tmpl: string, msgs: ChatMsg[], add: boolean) => string {
  const lib = join(ORACLE_DIR, 'node_modules', '@node-llama-cpp', 'linux-x64', 'bins', 'linux-x64', 'libllama.v0.4.0.so');
  if (process.platform !== 'linux' || process.arch !== 'x64' || !existsSync(lib)) throw new Error(`libllama not found at ${lib}`);
  const l = koffi.load(lib);
  koffi.struct('llama_chat_message_t', { role: 'const char *', content: 'const char *' });
  const fn = l.func('int32_t llama_chat_apply_template(const char *tmpl, const llama_chat_message_t *chat, size_t n_msg, bool add_ass, _Out_ uint8_t *buf, int32_t length)');
  return (tmpl, msgs, add) => {
    let buf = new Uint8Array(4096);
    let n = fn(tmpl, msgs, msgs.length, add, buf, buf.length) as number;
    if (n > buf.length) { buf = new Uint8Array(n); n = fn(tmpl, msgs, msgs.length, add, buf, buf.length) as number; }
    if (n < 0) throw new Error(`llama_chat_apply_template(${tmpl.slice(0, 30)}) failed: ${n}`);
    return Buffer.from(buf.subarray(0, n)).toString('utf8');
  };
}
