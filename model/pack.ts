// pack.ts — tokenizes the training conversations with Cairn's own tokenizer and packs them into rows.
//
//   node dist/model/pack.js [--corpus build/corpus/train.jsonl] [--tokenizer build/tokenizer/tokenizer.json] [--ctx 512] [--out build/data]
//
// Each row holds whole conversations (each starting with <|begin_of_text|>), ctx+1 tokens, padded
// with <|end_of_text|>. mask[j] = 1 where token j is a training target (assistant answers and their
// <|eot_id|>). Writes tokens.npy (uint16 [rows, ctx+1]), mask.npy (uint8 [rows, ctx+1]), meta.json.
// Tokenization is checked against the chat template rendered by the engine's Jinja renderer.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Tokenizer, type VocabData } from '../electron/engine/tokenizer/index.js';
import { Rng } from '../test-support/quantize.js';
import { CHAT_TEMPLATE, renderPieces, type ChatMsg } from './template.js';
import type { TrainedTokenizer } from './tokenizer-train.js';

export function vocabData(t: TrainedTokenizer): VocabData {
  return { model: 'gpt2', pre: 'llama-bpe', tokens: t.tokens, types: t.types, merges: t.merges, bos: t.bos, eos: t.eos, eot: t.eot, addBos: true, chatTemplate: CHAT_TEMPLATE, name: 'cairn-demo' };
}

/** ids and target mask of one conversation (the template's token stream). */
export function encodeConversation(tok: Tokenizer, msgs: readonly ChatMsg[]): { ids: number[]; mask: number[] } {
  const ids: number[] = [], mask: number[] = [];
  const nl = tok.encode('\n\n');
  let pendingHeader = false;
  for (const p of renderPieces(msgs, false)) {
    // specials are whole pieces or prefixes of pieces; encode with parseSpecial, the text after a
    // header joins the following content in one fragment, as partitionSpecial does on the whole text
    if (p.text.endsWith('<|end_header_id|>\n\n')) {
      const head = tok.encode(p.text.slice(0, -2), { parseSpecial: true });
      ids.push(...head); mask.push(...head.map(() => 0));
      pendingHeader = true;
      continue;
    }
    if (pendingHeader) {
      const frag = tok.encode('\n\n' + p.text);
      for (let i = 0; i < nl.length; i++) if (frag[i] !== nl[i]) throw new Error(`"\\n\\n" does not tokenize apart from ${JSON.stringify(p.text)}`);
      ids.push(...frag); mask.push(...frag.map((_, i) => (i >= nl.length && p.target ? 1 : 0)));
      pendingHeader = false;
      continue;
    }
    const e = tok.encode(p.text, { parseSpecial: true });
    ids.push(...e); mask.push(...e.map(() => (p.target ? 1 : 0)));
  }
  return { ids, mask };
}

export function npy(data: Uint8Array | Uint16Array, shape: number[]): Buffer {
  const descr = data instanceof Uint16Array ? '<u2' : '|u1';
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1'); h[6] = 1; h[7] = 0; h.writeUInt16LE(header.length, 8);
  return Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

function arg(name: string, def: string): string { const i = process.argv.indexOf(name); return i > 0 ? process.argv[i + 1] : def; }

function main() {
  const corpus = resolve(arg('--corpus', 'build/corpus/train.jsonl'));
  const trained = JSON.parse(readFileSync(resolve(arg('--tokenizer', 'build/tokenizer/tokenizer.json')), 'utf8')) as TrainedTokenizer;
  const ctx = Number(arg('--ctx', '512'));
  const out = resolve(arg('--out', 'build/data'));
  const tok = new Tokenizer(vocabData(trained));
  const pad = trained.tokens.indexOf('<|end_of_text|>');
  const convs = readFileSync(corpus, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { messages: ChatMsg[] }).messages);

  const encoded = convs.map((m, i) => {
    const e = encodeConversation(tok, m);
    if (i < 300) { // the same ids as the engine's template renderer + encodePrompt
      const ref = tok.encodePrompt(tok.renderChat(m, { addGenerationPrompt: false }).text);
      if (ref.join(',') !== e.ids.join(',')) throw new Error(`conversation ${i}: hand-rendered ids differ from the template's`);
    }
    return e;
  }).filter((e) => e.ids.length <= ctx + 1);
  // first-fit packing in a seeded shuffled order
  const rng = new Rng(7);
  for (let i = encoded.length - 1; i > 0; i--) { const j = Math.floor(rng.float() * (i + 1)); [encoded[i], encoded[j]] = [encoded[j], encoded[i]]; }
  const rows: { ids: number[]; mask: number[] }[] = [];
  const open: number[] = []; // indexes of rows with room
  for (const e of encoded) {
    let placed = false;
    for (let k = 0; k < open.length; k++) {
      const r = rows[open[k]];
      if (r.ids.length + e.ids.length <= ctx + 1) {
        r.ids.push(...e.ids); r.mask.push(...e.mask); placed = true;
        if (r.ids.length > ctx + 1 - 12) open.splice(k, 1);
        break;
      }
    }
    if (!placed) { rows.push({ ids: [...e.ids], mask: [...e.mask] }); open.push(rows.length - 1); if (open.length > 64) open.shift(); }
  }
  const W = ctx + 1;
  const tokens = new Uint16Array(rows.length * W).fill(pad), mask = new Uint8Array(rows.length * W);
  let nTok = 0, nTarget = 0;
  rows.forEach((r, i) => { tokens.set(r.ids, i * W); mask.set(r.mask, i * W); nTok += r.ids.length; nTarget += r.mask.reduce((a, b) => a + b, 0); });
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'tokens.npy'), npy(tokens, [rows.length, W]));
  writeFileSync(join(out, 'mask.npy'), npy(mask, [rows.length, W]));
  const meta = { rows: rows.length, ctx, vocab: trained.tokens.length, conversations: encoded.length, tokens: nTok, targets: nTarget, fill: nTok / (rows.length * W), pad };
  writeFileSync(join(out, 'meta.json'), JSON.stringify(meta, null, 2));
  console.log(JSON.stringify(meta));
}

if (process.argv[1]?.endsWith('pack.js')) main();
