// cairn tokenize and cairn template, called in process on the Llama 3.2 vocabulary fixture.
import { describe, expect, it, vi } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR, llama32Gguf } from '../../test-support/tokenizer/fixtures.js';

describe('CLI', () => {
  it('cairn tokenize --json and cairn template', async () => {
    const path = llama32Gguf();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const tokenize = await import('./commands/tokenize.js');
    expect(await tokenize.run([path, '--text', 'Hello world', '--json'])).toBe(0);
    expect(JSON.parse(log.mock.calls.at(-1)![0] as string).ids).toEqual([9906, 1917]);
    const mpath = join(FIXTURE_DIR, 'messages.json');
    writeFileSync(mpath, JSON.stringify([{ role: 'user', content: 'Hi' }]));
    const template = await import('./commands/template.js');
    expect(await template.run([path, '--messages', mpath, '--json', '--date', '2024-07-26'])).toBe(0);
    const out = JSON.parse(log.mock.calls.at(-1)![0] as string);
    expect(out.template).toBe('gguf');
    expect(out.text).toContain('Today Date: 26 Jul 2024');
    expect(out.ids[0]).toBe(128000);
    expect(out.stopTokens).toEqual([128001, 128008, 128009]);
    log.mockRestore();
    const err = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(await tokenize.run([path])).toBe(1);
    err.mockRestore();
  });
});
