// chat.spec.ts — a new user's session against the real engine: the empty state, a first question
// to the built-in model, stop, regenerate, edit, fork, loading a model by dropping its file, a
// corrupt file, a snapshot saved and resumed (instantly) after a restart, the stats moving.
// Screenshots of the main states in light and dark go to test-results/screenshots/.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { electronBinary, launchBrowserApp, launchElectronApp, target, type AppUnderTest } from './support/app.js';
import { finishedAnswer, screenshots } from './support/page.js';
import { buildTinyModel } from './support/models.js';

test.describe.configure({ mode: 'serial' });

const missing = target === 'electron' ? electronBinary() : null;
test.skip(missing !== null && 'missing' in missing, `Electron target: ${missing && 'missing' in missing ? missing.missing : ''}`);

let app: AppUnderTest;
let page: Page;
const scratch = mkdtempSync(join(tmpdir(), 'cairn-e2e-files-'));

test.beforeAll(async ({ browser }) => {
  app = target === 'electron' ? await launchElectronApp() : await launchBrowserApp(browser);
  page = app.page;
});
test.afterAll(async () => { await app?.close(); });

async function ask(text: string) {
  const input = page.getByTestId('composer-input');
  await input.fill(text);
  await input.press('Enter');
}

test('a first-time user is told the built-in model is ready and how to bring their own', async () => {
  const empty = page.getByTestId('empty-state');
  await expect(empty.getByRole('heading')).toHaveText('Welcome to Cairn');
  await expect(page.getByTestId('empty-model')).toContainText('built-in model');
  await expect(empty).toContainText('drop a .gguf');
  await expect(page.getByTestId('composer-input')).toBeVisible();
  await screenshots(page, '01-empty');
});

test('chat with the built-in model; the answer and the stats show', async () => {
  await ask('What is the capital of France?');
  await expect(page.getByTestId('message-user').first()).toContainText('What is the capital of France?');
  const answer = await finishedAnswer(page);
  await expect(answer.getByTestId('message-body')).not.toHaveText('');
  await expect(answer.getByTestId('message-stats')).toContainText('TTFT');
  await expect(page.getByTestId('conversation-item')).toHaveCount(1);
  await expect(page.getByTestId('stat-ttft')).not.toHaveText('–');
  await expect(page.getByTestId('stat-decode')).toContainText('tok/s');
  await expect(page.getByTestId('stat-tokens')).not.toHaveText('0');
  await expect(page.getByTestId('stat-bytes-copied')).toHaveText('0');
  await expect(page.getByTestId('latency-chart')).toContainText(/over \d+ tokens/);
  await screenshots(page, '02-chat');
});

async function conversationSettings(values: Record<string, string>) {
  await page.getByTestId('conversation-settings-button').click();
  for (const [label, value] of Object.entries(values)) await page.getByLabel(label, { exact: true }).fill(value);
  await page.getByTestId('settings-save').click();
  await expect(page.getByTestId('conversation-settings')).toHaveCount(0);
}

test('stop keeps the partial answer', async () => {
  // at temperature 5 without top-k/top-p/min-p cuts sampling is near uniform, so the end token is rare:
  // the answer runs on until it is stopped
  await conversationSettings({ Temperature: '5', 'Top-k': '0', 'Top-p': '1', 'Min-p': '0', 'Max tokens per answer': '4000' });
  // a sampled answer can still end before Stop lands (the end token is rare, not impossible: the
  // built-in model's answers here end after a median of ~60 tokens, a third of them run past 100):
  // then ask again, up to eight times; one of them must be stopped with its text kept
  for (let attempt = 1; ; attempt++) {
    const before = await page.getByTestId('message-assistant').last().getAttribute('data-message-id');
    await ask('Tell me a very long story about the sea.');
    // every animation frame (expect's polls back off to 100 ms and more, as long as a whole answer
    // here takes), until the new answer streams text or has ended
    const seen = await page.waitForFunction((prev) => {
      const all = document.querySelectorAll('[data-testid="message-assistant"]');
      const a = all[all.length - 1];
      if (!a || a.getAttribute('data-message-id') === prev) return null;
      if (a.getAttribute('data-status') !== 'streaming') return 'ended';
      return /\S/.test(a.querySelector('.markdown')?.textContent ?? '') ? 'streaming' : null;
    }, before, { polling: 'raf' });
    if (await seen.jsonValue() === 'streaming') await page.getByTestId('stop-button').click({ timeout: 5000 }).catch(() => undefined);
    const answer = page.getByTestId('message-assistant').last();
    await expect(answer).not.toHaveAttribute('data-status', 'streaming');
    if ((await answer.getByTestId('message-stats').innerText()).includes('stopped')) {
      await expect(answer).toHaveAttribute('data-status', 'done');
      await expect(answer.locator('.markdown')).toHaveText(/\S/);
      await screenshots(page, '02b-stopped');
      break;
    }
    expect(attempt, 'each answer ended before Stop could land').toBeLessThan(8);
  }
  await expect(page.getByTestId('send-button')).toBeVisible();
  await conversationSettings({ Temperature: '0.7', 'Top-k': '40', 'Top-p': '0.95', 'Min-p': '0.05', 'Max tokens per answer': '256' });
});

test('regenerate gives a second version, and the first is still there', async () => {
  await page.getByTestId('message-assistant').last().getByTestId('regenerate-button').click();
  const answer = await finishedAnswer(page);
  await expect(answer.getByTestId('branch-switcher')).toContainText('2 / 2');
  await answer.getByRole('button', { name: 'Previous version' }).click();
  await expect(page.getByTestId('message-assistant').last().getByTestId('branch-switcher')).toContainText('1 / 2');
});

test('edit a question: it is answered anew on a new branch', async () => {
  const first = page.getByTestId('message-user').first();
  await first.hover();
  await first.getByTestId('edit-button').click();
  await page.getByTestId('edit-input').fill('What is the capital of Italy?');
  await page.getByTestId('edit-save').click();
  await expect(page.getByTestId('message-user').first()).toContainText('Italy');
  await expect(page.getByTestId('message-user').first().getByTestId('branch-switcher')).toContainText('2 / 2');
  await finishedAnswer(page);
  await expect(page.getByTestId('message-user')).toHaveCount(1);
});

test('fork at an answer: a new chat with the conversation up to there', async () => {
  const before = await page.getByTestId('conversation-item').count();
  await page.getByTestId('message-assistant').last().getByTestId('fork-button').click();
  await expect(page.getByTestId('conversation-item')).toHaveCount(before + 1);
  await expect(page.getByTestId('message-user')).toHaveCount(1);
  await expect(page.getByTestId('message-user').first()).toContainText('Italy');
  await ask('And of Spain?');
  await finishedAnswer(page);
  await expect(page.getByTestId('message-user')).toHaveCount(2);
});

test('drop a GGUF on the window: the model loads and its card shows', async () => {
  const path = buildTinyModel(join(scratch, 'tiny-e2e.gguf'));
  await app.openFile(path);
  await expect(page.getByTestId('model-chip')).toHaveText('tiny-e2e');
  await page.getByTestId('model-chip').click();
  const card = page.getByTestId('model-card');
  await expect(card).toContainText('llama');
  await expect(card).toContainText('Q8_0');
  await expect(page.getByTestId('card-memory')).toContainText('available');
  await screenshots(page, '03-model-card');
  await card.getByRole('button', { name: /Unload/ }).click();
  await expect(page.getByTestId('model-chip')).not.toHaveText('tiny-e2e');
});

test('a corrupt file gives a clear error, and the app still works', async () => {
  const bad = join(scratch, 'broken.gguf');
  writeFileSync(bad, Buffer.concat([Buffer.from('GGUF'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(64, 0xff)]));
  await app.openFile(bad);
  const alert = page.getByTestId('notice-error').last();
  await expect(alert).toContainText('Could not open broken.gguf');
  await screenshots(page, '04-corrupt-file');
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await page.getByTestId('new-chat').click();
  await ask('What is the capital of France?');
  const answer = await finishedAnswer(page);
  await expect(answer).toHaveAttribute('data-status', 'done');
});

test('save a snapshot, restart, and resume from it instantly', async () => {
  await page.getByTestId('save-snapshot').click();
  const saved = page.getByTestId('notice-info').filter({ hasText: 'Snapshot saved' });
  await expect(saved).toBeVisible();
  const path = /Snapshot saved: (.+?\.cairn)/.exec(await saved.innerText())?.[1];
  expect(path).toBeTruthy();
  const conversations = await page.getByTestId('conversation-item').count();

  page = await app.restart();
  await expect(page.getByTestId('conversation-item')).toHaveCount(conversations);
  await app.openFile(path!);
  const banner = page.getByTestId('restore-banner');
  await expect(banner).toHaveAttribute('data-path', 'restored');
  await expect(banner).toContainText('instantly');
  await expect(page.getByTestId('message-user').first()).toContainText('capital of France');
  await screenshots(page, '05-restored');
  await ask('Thank you!');
  const answer = await finishedAnswer(page);
  await expect(answer.getByTestId('message-stats')).toContainText('TTFT');
  await expect(page.getByTestId('stat-tokens')).not.toHaveText('0');
});
