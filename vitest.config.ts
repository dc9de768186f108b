import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // tests (and the CLI processes they start) keep their model-identity cache out of the user's
    env: { CAIRN_CACHE_DIR: join(tmpdir(), `cairn-test-cache-${process.pid}`) },
    projects: [
      { extends: true, test: { name: 'node', include: ['electron/**/*.test.ts', 'bench/**/*.test.ts', 'test-support/**/*.test.ts', 'scripts/**/*.test.ts'] } },
      // the renderer's store and component tests run in a DOM (happy-dom)
      { extends: true, test: { name: 'renderer', include: ['renderer/**/*.test.{ts,tsx}'], environment: 'happy-dom' } },
    ],
  },
});
