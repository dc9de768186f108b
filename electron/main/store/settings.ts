// settings.ts — the app's settings file (<data>/settings.json): replaced atomically, validated with
// the AppSettings schema. Fields a newer or older app version lacks take their defaults; a file that
// cannot be read at all is moved aside (settings.json.corrupt-<time>) and the defaults are used, so a
// bad file never stops the app from starting.
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { AppSettings, ConversationSettings } from '../../common/schemas.js';
import { writeFileAtomic } from './atomic.js';

export const defaultConversationSettings: ConversationSettings = {
  temperature: 0.7, topK: 40, topP: 0.95, minP: 0.05, repeatPenalty: 1.1, seed: 0, maxTokens: 1024,
  systemPrompt: '', contextOverflow: 'shift', nCtx: 4096,
};
export const defaultAppSettings: AppSettings = { defaults: defaultConversationSettings, threads: 0, theme: 'system' };

export const settingsPath = (dataDir: string) => join(dataDir, 'settings.json');

export interface LoadedSettings {
  settings: AppSettings;
  /** Set when the file was unreadable: why, and where it was moved. */
  problem?: string;
}

/** Fills what `raw` lacks from the defaults (one level into `defaults`), then validates. */
export function completeSettings(raw: unknown): ReturnType<typeof AppSettings.safeParse> {
  const r = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw as Record<string, unknown> : {};
  const d = r.defaults !== null && typeof r.defaults === 'object' && !Array.isArray(r.defaults) ? r.defaults as Record<string, unknown> : {};
  return AppSettings.safeParse({ ...defaultAppSettings, ...r, defaults: { ...defaultConversationSettings, ...d } });
}

export async function loadAppSettings(dataDir: string): Promise<LoadedSettings> {
  const file = settingsPath(dataDir);
  let text: string;
  try { text = await readFile(file, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { settings: structuredClone(defaultAppSettings) };
    throw e;
  }
  let why: string;
  try {
    const parsed = completeSettings(JSON.parse(text));
    if (parsed.success) return { settings: parsed.data };
    const issue = parsed.error.issues[0];
    why = `${issue?.path.join('.') || 'settings'}: ${issue?.message}`;
  } catch (e) { why = `not JSON (${(e as Error).message})`; }
  const aside = `${file}.corrupt-${Date.now()}`;
  await rename(file, aside);
  return { settings: structuredClone(defaultAppSettings), problem: `settings.json was unreadable (${why}); defaults used, the file was kept as ${aside}` };
}

/** Validates and writes the settings atomically; returns what was written. */
export async function saveAppSettings(dataDir: string, settings: AppSettings): Promise<AppSettings> {
  const valid = AppSettings.parse(settings);
  await writeFileAtomic(settingsPath(dataDir), JSON.stringify(valid, null, 2) + '\n');
  return valid;
}
