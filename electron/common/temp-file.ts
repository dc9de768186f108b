// temp-file.ts — the one naming of the temp files that writers put beside a target and rename over
// it (the conversation store, the engine's snapshot writer, the model-digest cache, the quarantine
// list), so a reader of the folder recognises, and removes, what a writer that died mid-write left:
// `.<name>.tmp-<pid>-<8 hex>`. No imports (electron/common is shared by every process); it is
// called from Node processes only.

/** A fresh temp path beside `path` (either separator). */
export function tempPathFor(path: string): string {
  const cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1;
  const hex = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${path.slice(0, cut)}.${path.slice(cut)}.tmp-${process.pid}-${hex}`;
}

/** True for the names tempPathFor gives. */
export const isTempName = (name: string): boolean => /^\..+\.tmp-\d+-[0-9a-f]{8}$/.test(name);
