// special.ts — split text around special tokens before the model tokenizer sees it
// (a port of llama.cpp's tokenizer_st_partition).
//
// Special tokens are the CONTROL, USER_DEFINED and UNKNOWN ones, longest first. Each in turn cuts every
// raw fragment where its text occurs. CONTROL and UNKNOWN tokens are only recognised when the caller
// allows it (`parseSpecial`): user text can never inject `<|eot_id|>`; USER_DEFINED tokens always are.

export const ATTR_UNDEFINED = 0;
export const ATTR_UNKNOWN = 1 << 0;
export const ATTR_UNUSED = 1 << 1;
export const ATTR_NORMAL = 1 << 2;
export const ATTR_CONTROL = 1 << 3;
export const ATTR_USER_DEFINED = 1 << 4;
export const ATTR_BYTE = 1 << 5;
export const ATTR_NORMALIZED = 1 << 6;
export const ATTR_LSTRIP = 1 << 7;
export const ATTR_RSTRIP = 1 << 8;

/** A fragment: raw text still to tokenize, or a token id already decided. */
export type Fragment = string | number;

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13); // C isspace in the "C" locale

/**
 * @param specials ids sorted longest text first (see Vocab.specialTokens)
 * @param texts token texts, attrs token attributes (ATTR_*)
 */
export function partitionSpecial(text: string, specials: readonly number[], texts: readonly string[], attrs: Uint16Array, parseSpecial: boolean): Fragment[] {
  let frags: Fragment[] = text.length ? [text] : [];
  if (!frags.length) return frags;
  for (const id of specials) {
    const attr = attrs[id];
    if (!parseSpecial && attr & (ATTR_CONTROL | ATTR_UNKNOWN)) continue;
    const tok = texts[id];
    if (!tok) continue;
    let changed = false;
    const next: Fragment[] = [];
    for (const f of frags) {
      if (typeof f !== 'string' || f.indexOf(tok) < 0) { next.push(f); continue; }
      changed = true;
      let from = 0;
      const end = f.length;
      for (;;) {
        const at = f.indexOf(tok, from);
        if (at < 0 || at + tok.length > end) { if (from < end) next.push(f.slice(from, end)); break; }
        let leftEnd = at;
        if (attr & ATTR_LSTRIP) while (leftEnd > from && isSpace(f.charCodeAt(leftEnd - 1))) leftEnd--;
        if (leftEnd > from) next.push(f.slice(from, leftEnd));
        next.push(id);
        from = at + tok.length;
        if (attr & ATTR_RSTRIP) while (from < end && isSpace(f.charCodeAt(from))) from++;
        if (from >= end) break;
      }
    }
    if (changed) frags = next;
  }
  return frags;
}
