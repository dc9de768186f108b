// page.ts — what the specs do to the page: drop a file on the window (a synthetic DataTransfer
// holding a File with the given bytes, as a browser delivers a drag from the desktop), wait for an
// answer to finish, take a screenshot in light and dark.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Locator, type Page } from '@playwright/test';
import { repoRoot } from './serve.js';

export const screenshotDir = join(repoRoot, 'test-results', 'screenshots');

export async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  const b64 = Buffer.from(bytes).toString('base64');
  await page.evaluate(async ({ name, b64 }) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([data], name, { type: 'application/octet-stream' }));
    const target = document.querySelector('.chat') ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
    }
  }, { name, b64 });
}

/** The last assistant message, once it is no longer streaming. */
export async function finishedAnswer(page: Page): Promise<Locator> {
  const last = page.getByTestId('message-assistant').last();
  await expect(last).toHaveAttribute('data-status', /done|interrupted|error/);
  return last;
}

export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: join(screenshotDir, `${name}-${colorScheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}
