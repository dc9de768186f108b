// cairn tokenize <file.gguf> --text "…" [--special] [--bos] [--json]
// Tokenizes text with the vocabulary of a GGUF file (read from its metadata, as llama.cpp would).
// --special recognises control tokens such as <|eot_id|> in the text; --bos adds BOS/EOS as the
// file asks. Prints one line per token (id, text, piece), or JSON with --json.
import { parseArgs, UsageError } from '../args.js';
import { GgufFile } from '../../engine/gguf.js';
import { EngineError } from '../../engine/native.js';
import { Tokenizer } from '../../engine/tokenizer/index.js';

export const usage = 'tokenize <file.gguf> --text "…" [--special] [--bos] [--json]';

export async function run(argv: string[]): Promise<number> {
  try {
    const { positional, opts } = parseArgs(argv, ['text']);
    if (positional.length !== 1 || typeof opts.text !== 'string') throw new UsageError(`usage: cairn ${usage}`);
    const file = GgufFile.open(positional[0]);
    let tok: Tokenizer;
    try { tok = Tokenizer.fromGguf(file); } finally { file.close(); }
    const t0 = performance.now();
    const ids = tok.encode(opts.text, { parseSpecial: !!opts.special, addSpecial: !!opts.bos });
    const ms = performance.now() - t0;
    const dec = new TextDecoder('utf-8');
    const rows = ids.map((id) => ({ id, token: tok.tokenText(id), piece: dec.decode(tok.piece(id, true)) }));
    if (opts.json) {
      console.log(JSON.stringify({ model: tok.vocab.type === 'bpe' ? 'gpt2' : 'llama', pre: tok.vocab.pre ?? null, count: ids.length, ids, tokens: rows }, null, 2));
    } else {
      for (const r of rows) console.log(`${String(r.id).padStart(7)}  ${JSON.stringify(r.token).padEnd(24)} ${JSON.stringify(r.piece)}`);
      console.log(`${ids.length} tokens (${tok.vocab.type === 'bpe' ? `gpt2/${tok.vocab.pre ?? 'default'}` : 'llama/spm'}, ${ms.toFixed(2)} ms)`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof EngineError) { console.error(`cairn tokenize: ${e.message}`); return 1; }
    if (e instanceof Error && /tokenizer|pre-tokenizer/.test(e.message)) { console.error(`cairn tokenize: ${e.message}`); return 1; }
    throw e;
  }
}
