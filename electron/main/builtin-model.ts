// builtin-model.ts — where the built-in model is: the first .gguf (by name) of assets/models, found
// above this file in a checkout, in the app's resources when packaged (electron/main/electron/paths.ts
// names that folder), or in $CAIRN_BUILTIN_MODELS (tests). The one finder the CLI, main, the server,
// the tests and the bench use.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The first .gguf (by name) in `dir`, if any. */
export function builtinModelIn(dir: string): string | undefined {
  const first = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.gguf')).sort()[0] : undefined;
  return first ? join(dir, first) : undefined;
}

/** The built-in model of this checkout (assets/models above this file), or $CAIRN_BUILTIN_MODELS's. */
export function builtinModel(): string | undefined {
  if (process.env.CAIRN_BUILTIN_MODELS) return builtinModelIn(process.env.CAIRN_BUILTIN_MODELS);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const found = builtinModelIn(join(dir, 'assets', 'models'));
    if (found) return found;
    dir = dirname(dir);
  }
  return undefined;
}
