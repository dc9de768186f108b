import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['electron/**/*.test.ts', 'bench/**/*.test.ts', 'test-support/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    // tests (and the CLI processes they start) keep their model-identity cache out of the user's
    env: { CAIRN_CACHE_DIR: join(tmpdir(), `cairn-test-cache-${process.pid}`) },
  },
});
