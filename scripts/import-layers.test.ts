// The layering rule (scripts/import-layers.mjs with eslint.config.js's table), run through ESLint's API
// on virtual files: per layer, imports it may make pass and imports it may not fail with the rule's error.
import { describe, expect, test } from 'vitest';
import { ESLint } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const eslint = new ESLint({ cwd: root });

/** The import-layers errors of a one-line file at `path` importing `spec` (an empty list: allowed). */
async function denied(path: string, spec: string, dynamic = false): Promise<string[]> {
  const code = dynamic ? `export const m = () => import('${spec}');\n` : `import * as m from '${spec}';\nexport { m };\n`;
  const [r] = await eslint.lintText(code, { filePath: join(root, path), warnIgnored: true });
  if (r.messages.some((m) => m.ruleId === null)) throw new Error(`${path} was not linted: ${r.messages.map((m) => m.message).join('; ')}`);
  return r.messages.filter((m) => m.ruleId === 'cairn/import-layers').map((m) => m.message);
}

// [file, specifier, allowed]
const CASES: [string, string, boolean][] = [
  ['electron/common/schema.ts', 'zod', true],
  ['electron/common/schema.ts', './ids.js', true],
  ['electron/common/schema.ts', 'node:fs', false],
  ['electron/common/schema.ts', '../engine/model.js', false],
  ['electron/common/schema.ts', 'react', false],

  ['electron/engine/native.ts', 'koffi', true],
  ['electron/engine/model.ts', 'koffi', false],
  ['electron/engine/model.ts', './native.js', true],
  ['electron/engine/model.ts', 'node:fs', true],
  ['electron/engine/model.ts', 'fs', true], // a builtin without "node:" is node:fs
  ['electron/engine/model.ts', '../common/messages.js', true],
  ['electron/engine/tokenizer/chat-template.ts', '@huggingface/jinja', true],
  ['electron/engine/model.ts', '../cli/args.js', false],
  ['electron/engine/model.ts', '../../bench/stats.js', false],
  ['electron/engine/model.ts', '../../test-support/llama-builder.js', false],
  ['electron/engine/model.ts', '../main/main.js', false],
  ['electron/engine/model.ts', '../server/app.js', false],
  ['electron/engine/model.ts', './host/main.js', false],
  ['electron/engine/model.ts', 'electron', false],
  ['electron/engine/model.test.ts', '../../test-support/llama-builder.js', true],
  ['electron/engine/model.test.ts', 'koffi', false],
  ['electron/engine/host/main.ts', '../conversation.js', true],
  ['electron/engine/host/main.ts', '../../common/messages.js', true],
  ['electron/engine/host/main.ts', '../../main/main.js', false],

  ['electron/main/electron/main.ts', 'electron', true],
  ['electron/main/electron/ipc.ts', 'electron', true],
  ['electron/main/windows.ts', 'electron', false],
  ['electron/main/windows.ts', 'node:child_process', true],
  ['electron/main/windows.ts', '../common/messages.js', true],
  ['electron/main/windows.ts', '../engine/model.js', false],
  ['electron/main/windows.ts', 'koffi', false],

  ['electron/preload/preload.ts', 'electron', true],
  ['electron/preload/preload.ts', '../common/messages.js', true],
  ['electron/preload/preload.ts', 'node:fs', false],
  ['electron/preload/preload.ts', '../main/main.js', false],

  ['electron/server/app.ts', 'hono', true],
  ['electron/server/app.ts', 'hono/streaming', true],
  ['electron/server/app.ts', '@hono/node-server', true],
  ['electron/server/app.ts', 'ws', true],
  ['electron/server/app.ts', '../main/engine-client.js', true],
  ['electron/server/app.ts', '../engine/conversation.js', false],
  ['electron/server/app.ts', 'koffi', false],

  ['electron/cli/commands/chat.ts', '../../engine/conversation.js', true],
  ['electron/cli/commands/serve.ts', '../../server/app.js', true],
  ['electron/cli/commands/chat.ts', '../../../bench/compare.js', false],
  ['electron/cli/commands/bench.ts', '../../../bench/compare.js', true],
  ['electron/cli/commands/chat.ts', '../../../test-support/llama-builder.js', false],
  ['electron/cli/commands/chat.ts', 'koffi', false],

  ['renderer/src/App.tsx', 'react', true],
  ['renderer/src/App.tsx', 'react-dom/client', true],
  ['renderer/src/App.tsx', 'electron', false],
  ['renderer/src/store.ts', 'zustand', true],
  ['renderer/src/Markdown.tsx', 'remark-gfm', true],
  ['renderer/src/api.ts', '../../electron/common/messages.js', true],
  ['renderer/src/api.ts', 'node:fs', false],
  ['renderer/src/api.ts', 'path', false],
  ['renderer/src/api.ts', 'electron', false],
  ['renderer/src/api.ts', 'koffi', false],
  ['renderer/src/api.ts', '../../electron/main/main.js', false],
  ['renderer/src/api.ts', '../../electron/engine/model.js', false],

  ['bench/compare.ts', '../electron/engine/model.js', true],
  ['bench/compare.ts', '../test-support/llama-builder.js', true],
  ['bench/compare.ts', '../renderer/src/api.js', false],
  ['model/export.ts', '../test-support/quantize.js', true],
  ['model/export.ts', '../electron/server/app.js', false],
  ['test-support/llama/chat-template.ts', 'koffi', true],
  ['test-support/store-append-loop.ts', '../electron/main/store/store.js', true],
  ['test-support/llama-builder.ts', '../electron/server/server.js', false],
  ['test-support/llama-builder.ts', '../renderer/src/api.js', false],
];

describe('import layers', () => {
  test.each(CASES)('%s importing %s: allowed %s', async (file, spec, ok) => {
    const errors = await denied(file, spec);
    if (ok) expect(errors).toEqual([]);
    else expect(errors).toEqual([expect.stringContaining(`may not import "${spec}"`)]);
  });

  test('a dynamic import() with a literal is checked like a static one', async () => {
    expect(await denied('electron/engine/model.ts', '../cli/main.js', true)).toHaveLength(1);
    expect(await denied('electron/cli/commands/bench.ts', '../../../bench/compare.js', true)).toEqual([]);
  });

  test('the error names the file, its layer, the import and why', async () => {
    expect(await denied('electron/engine/model.ts', 'koffi')).toEqual([
      'electron/engine/model.ts (electron/engine/**) may not import "koffi": the engine imports only itself, electron/common and node ' +
        '(koffi only in native.ts; never main, server, preload, renderer, cli, bench or test-support)',
    ]);
  });

  test('the repository as it is passes', async () => {
    const results = await eslint.lintFiles(['electron', 'bench', 'model', 'test-support']);
    const layering = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'cairn/import-layers').map((m) => `${r.filePath}: ${m.message}`));
    expect(layering).toEqual([]);
  });
});
