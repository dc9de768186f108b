// playwright.config.ts — the Chromium end-to-end specs (e2e/*.spec.ts) against a real `cairn serve`
// (each spec file starts its own on a free port with a temp data folder and the built-in model; see
// support/serve.ts). Debian's Chromium with the flags ENVIRONMENT.md lists; CAIRN_CHROMIUM names
// another binary. The Electron specs (e2e/electron/) have their own config.
import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './support/chromium.js';

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  testIgnore: ['electron/**'],
  outputDir: '../test-results/e2e',
  timeout: 240_000,
  expect: { timeout: 60_000 },
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
    viewport: { width: 1280, height: 800 },
    trace: 'retain-on-failure',
    actionTimeout: 30_000,
  },
});
