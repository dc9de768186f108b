// ESLint flat config: TypeScript rules plus the import-layering rule of DESIGN.md
// (renderer → common; preload → common; main → common; engine → common, native).
import tseslint from 'typescript-eslint';

// bare module names ('electron', 'koffi') are matched exactly: as an ignore-style pattern, 'electron'
// would also match the folder in '../../electron/common/…'
const bare = (name) => !/[/*]/.test(name);
const layer = (files, forbidden, why) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', {
      paths: forbidden.filter(bare).map((name) => ({ name, message: why })),
      patterns: forbidden.filter((n) => !bare(n)).map((group) => ({ group: [group], message: why })),
    }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'test-support/llama/node_modules/**', 'renderer/dist/**', 'electron/actor/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // external buffers are forbidden under Electron's memory cage: pass TypedArrays to C instead
      'no-restricted-properties': ['error', { object: 'koffi', property: 'view', message: 'koffi.view creates external buffers, which Electron forbids' }],
    },
  },
  layer(['electron/common/**'], ['**/main/**', '**/engine/**', '**/preload/**', '**/renderer/**', '**/cli/**', '**/server/**', 'electron', 'node:*', 'koffi'],
    'electron/common is shared by every process: it imports nothing process-specific'),
  layer(['renderer/**'], ['**/electron/main/**', '**/electron/engine/**', '**/electron/preload/**', 'electron', 'node:*', 'koffi'],
    'the renderer imports only electron/common (no Node, no Electron, no engine)'),
  layer(['electron/preload/**'], ['**/main/**', '**/engine/**', '**/renderer/**', 'koffi'],
    'the preload imports only electron/common'),
  // electron/main/engine/ is main's client of the engine host (allowed); electron/engine/ is not
  { ...layer(['electron/main/**'], ['../../engine/**', '../../../engine/**', '**/electron/engine/**', '**/renderer/**', 'koffi'],
    'main never loads native code or the engine in-process: it talks to the engine host'), ignores: ['**/*.test.ts'] },
  // main's tests may build model files with the project's GGUF writer (moving to test-support/)
  {
    files: ['electron/main/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{
        group: ['../../engine/**', '../../../engine/**', '!../../engine/llama-builder.js', '**/renderer/**', 'koffi'],
        message: 'main never loads native code or the engine in-process (its tests may use the GGUF builder)',
      }] }],
    },
  },
  layer(['electron/engine/**'], ['**/main/**', '**/renderer/**', '**/preload/**', 'electron'],
    'the engine imports only common and native'),
);
