// ESLint flat config: TypeScript rules plus the import layering of DESIGN.md as an allow-list
// (scripts/import-layers.mjs; VS Code's code-import-patterns is the model): every layer names what
// its files may import, the first matching entry wins, anything not named is an error.
import tseslint from 'typescript-eslint';
import { importLayers } from './scripts/import-layers.mjs';

const TESTS = ['vitest', 'test-support/**']; // what a layer's *.test.ts files add
const COMMON = ['electron/common/**', 'zod'];
const ENGINE = ['!electron/engine/host/**', 'electron/engine/**', ...COMMON, 'node:*', '@huggingface/jinja'];
const MAIN = ['electron/main/**', ...COMMON, 'node:*'];
const SERVER = ['electron/server/**', ...MAIN, 'hono', '@hono/node-server', 'ws'];
// the renderer's libraries: browser code only (add one here when the renderer takes it)
const RENDERER = ['renderer/**', ...COMMON, 'react', 'react-dom', 'react-markdown', 'react-virtuoso', 'remark-*', 'rehype-*',
  'zustand', 'shiki', '@shikijs/*', 'uplot', 'birpc'];

export const LAYERS = [
  { target: 'electron/common/**/*.test.ts', allow: [...COMMON, 'vitest'], why: 'electron/common is shared by every process: zod and itself only' },
  { target: 'electron/common/**', allow: COMMON, why: 'electron/common is shared by every process: zod and itself only' },

  { target: 'electron/engine/native.ts', allow: [...ENGINE, 'koffi'], why: 'native.ts is the engine\'s one koffi file' },
  { target: 'electron/engine/host/**', allow: ['electron/engine/**', ...COMMON, 'node:*'],
    why: 'the engine host process runs the engine and talks to main through electron/common\'s messages' },
  { target: 'electron/engine/**/*.test.ts', allow: [...ENGINE, ...TESTS, 'typescript'],
    why: 'engine tests use the engine, common, node and test-support (koffi only through native.ts or test-support)' },
  { target: 'electron/engine/**', allow: ENGINE,
    why: 'the engine imports only itself, electron/common and node (koffi only in native.ts; never main, server, preload, renderer, cli, bench or test-support)' },

  { target: 'electron/main/electron/**/*.test.ts', allow: [...MAIN, ...TESTS, 'electron'], why: 'main tests: main, common, node and test-support (Electron itself only where it runs)' },
  { target: 'electron/main/electron/**', allow: [...MAIN, 'electron'],
    why: 'electron/main/electron/ is main\'s one door to Electron; never the engine or koffi (it talks to the engine host)' },
  { target: 'electron/main/**/*.test.ts', allow: [...MAIN, ...TESTS], why: 'main tests: main, common, node and test-support' },
  { target: 'electron/main/**', allow: MAIN,
    why: 'main imports electron/common and node (electron only in electron/main/electron/; never the engine or koffi)' },

  { target: 'electron/preload/**/*.test.ts', allow: ['electron/preload/**', ...COMMON, ...TESTS, 'node:*'],
    why: 'preload tests load the preload in a VM context' },
  { target: 'electron/preload/**', allow: ['electron/preload/**', ...COMMON, 'electron'], why: 'the preload imports only electron/common and electron' },

  { target: 'electron/server/**/*.test.ts', allow: [...SERVER, ...TESTS, 'openai', 'eventsource-parser'], why: 'server tests: the server\'s imports and test-support' },
  { target: 'electron/server/**', allow: SERVER, why: 'the server imports common, main, node, hono and ws; never the engine' },

  { target: 'electron/cli/commands/doctor.ts', allow: ['electron/cli/**', 'electron/engine/**', 'test-support/llama/cpu-variant.ts', ...SERVER],
    why: '`cairn doctor` reports the test oracle\'s CPU builds (test-support/llama/cpu-variant.ts) beside the engine' },
  { target: 'electron/cli/commands/bench.ts', allow: ['electron/cli/**', 'electron/engine/**', 'bench/**', ...COMMON, 'node:*'],
    why: '`cairn bench` runs the benchmark (bench/)' },
  { target: 'electron/cli/**/*.test.ts', allow: ['electron/cli/**', 'electron/engine/**', ...SERVER, ...TESTS],
    why: 'CLI tests: the CLI\'s imports and test-support' },
  { target: 'electron/cli/**', allow: ['electron/cli/**', 'electron/engine/**', ...SERVER],
    why: 'the CLI imports the engine, common, server and main' },

  { target: ['renderer/*.config.ts', 'renderer/*.config.mjs'], allow: ['renderer/**', 'vite', '@vitejs/*', 'node:*'],
    why: 'renderer build configuration' },
  { target: ['renderer/**/*.test.ts', 'renderer/**/*.test.tsx', 'renderer/src/testing/**'], allow: [...RENDERER, 'vitest', '@testing-library/*', 'jsdom'],
    why: 'renderer tests: the renderer\'s imports and a DOM' },
  { target: 'renderer/**', allow: RENDERER,
    why: 'the renderer imports only itself, electron/common and browser libraries (no node, electron or koffi)' },

  { target: 'bench/**', allow: ['bench/**', 'electron/engine/**', 'electron/cli/args.ts', 'electron/cli/commands/eval.ts', 'test-support/**', 'e2e/support/**', ...SERVER, 'node:*', 'vitest', 'playwright-core'],
    why: 'the benchmark drives the engine (and its own llama.cpp harness) on test-support\'s models, and the app (main, server) as a client would' },
  { target: 'model/**', allow: ['model/**', 'electron/engine/**', 'test-support/**', 'node:*'],
    why: 'the built-in model\'s pipeline uses the engine (tokenizer, GGUF writer) and test-support\'s quantizers and metadata' },
  { target: 'test-support/**', allow: ['test-support/**', 'electron/engine/**', ...MAIN, 'koffi', 'vitest'],
    why: 'test-support serves tests: the engine, main (the store\'s kill-test writer), node, koffi (the llama.cpp oracle)' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'test-support/llama/node_modules/**', 'renderer/dist/**', 'electron/actor/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { cairn: importLayers },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // external buffers are forbidden under Electron's memory cage: pass TypedArrays to C instead
      'no-restricted-properties': ['error', { object: 'koffi', property: 'view', message: 'koffi.view creates external buffers, which Electron forbids' }],
      'cairn/import-layers': ['error', ...LAYERS],
    },
  },
);
