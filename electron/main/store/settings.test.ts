// App settings file: defaults, atomic round trip, forward/backward compatible fields, a corrupt
// file kept aside.
import { describe, expect, test } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultAppSettings, loadAppSettings, saveAppSettings } from './settings.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'cairn-settings-'));

describe('app settings', () => {
  test('no file: the defaults; saved settings read back; the defaults validate', async () => {
    const dir = tmp();
    expect(await loadAppSettings(dir)).toEqual({ settings: defaultAppSettings });
    const s = { ...defaultAppSettings, threads: 4, theme: 'dark' as const };
    await saveAppSettings(dir, s);
    expect((await loadAppSettings(dir)).settings).toEqual(s);
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  test('invalid settings are refused before anything is written', async () => {
    const dir = tmp();
    await expect(saveAppSettings(dir, { ...defaultAppSettings, threads: -1 })).rejects.toThrow();
    expect(readdirSync(dir)).toEqual([]);
  });

  test('a field the file lacks takes its default; unknown fields are dropped', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ threads: 2, future: true, defaults: { temperature: 0.1 } }));
    const { settings, problem } = await loadAppSettings(dir);
    expect(problem).toBeUndefined();
    expect(settings).toEqual({ ...defaultAppSettings, threads: 2, defaults: { ...defaultAppSettings.defaults, temperature: 0.1 } });
  });

  test.each([['not JSON', '{"threads": 2'], ['out of range', '{"threads": 100000}'], ['wrong type', '[]x'], ['bad nested', '{"defaults": {"topP": 0}}']])(
    'a corrupt file (%s) falls back to the defaults and is kept aside', async (_why, text) => {
      const dir = tmp();
      writeFileSync(join(dir, 'settings.json'), text);
      const { settings, problem } = await loadAppSettings(dir);
      expect(settings).toEqual(defaultAppSettings);
      expect(problem).toMatch(/settings\.json was unreadable .*kept as .*settings\.json\.corrupt-\d+/);
      const aside = readdirSync(dir);
      expect(aside).toHaveLength(1);
      expect(readFileSync(join(dir, aside[0]), 'utf8')).toBe(text);
    });
});
