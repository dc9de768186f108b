// app-settings.ts — the app's settings as the service holds them: read once at start from
// `<data>/settings.json` (../store/settings.ts: validated, defaults filled in, an unreadable file
// moved aside and said so), changed by patches written atomically before they take effect.
import type { AppSettings } from '../../common/schemas.js';
import { loadAppSettings, saveAppSettings } from '../store/settings.js';

export class AppSettingsFile {
  private constructor(private readonly dataDir: string, private value: AppSettings) {}

  static async open(dataDir: string, onProblem: (message: string) => void): Promise<AppSettingsFile> {
    const { settings, problem } = await loadAppSettings(dataDir);
    if (problem) onProblem(problem);
    return new AppSettingsFile(dataDir, settings);
  }

  get(): AppSettings { return structuredClone(this.value); }

  /** Applies a patch (checked by the contract); `defaults` merges field by field. */
  async set(patch: Partial<AppSettings>): Promise<AppSettings> {
    this.value = await saveAppSettings(this.dataDir, { ...this.value, ...patch, defaults: { ...this.value.defaults, ...patch.defaults } });
    return this.get();
  }
}
