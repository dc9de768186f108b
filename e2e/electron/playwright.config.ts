// playwright.config.ts — the Electron specs: the real app (package.json "main") launched through
// Playwright's `_electron` where an Electron binary exists (the CI workflow); elsewhere every spec
// skips and global-setup.ts says why in one line. Run: npx playwright test -c e2e/electron
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  globalSetup: './global-setup.ts',
  outputDir: '../../test-results/e2e-electron',
  timeout: 240_000,
  expect: { timeout: 60_000 },
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: { trace: 'retain-on-failure' },
});
