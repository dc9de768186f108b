// app-settings.tsx — preferences: theme, engine threads, and the defaults a new chat starts with.
import { useApp } from '../store/index.js';
import { Modal } from './modal.js';
import { NumberField, numberOf } from './number-field.js';

export function AppSettingsDialog() {
  const open = useApp((s) => s.panels.appSettings);
  const settings = useApp((s) => s.appSettings);
  const save = useApp((s) => s.saveAppSettings);
  const togglePanel = useApp((s) => s.togglePanel);
  if (!open || !settings) return null;
  const close = () => togglePanel('appSettings', false);
  const d = settings.defaults;
  return (
    <Modal title="Preferences" onClose={close} testId="app-settings">
      <form className="settings-form" onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        const theme = f.get('theme');
        void save({
          theme: theme === 'light' || theme === 'dark' ? theme : 'system',
          threads: numberOf(f, 'threads'),
          defaults: { ...d, systemPrompt: String(f.get('systemPrompt') ?? ''), temperature: numberOf(f, 'temperature'), nCtx: numberOf(f, 'nCtx') },
        }).then(close);
      }}>
        <label className="field">
          <span>Theme</span>
          <select name="theme" defaultValue={settings.theme} data-testid="theme-select">
            <option value="system">Follow the system</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </label>
        <NumberField name="threads" label="Engine threads (0 = automatic)" value={settings.threads} min={0} max={512} step={1} />
        <label className="field wide">
          <span>Default system prompt</span>
          <textarea name="systemPrompt" defaultValue={d.systemPrompt} rows={3} />
        </label>
        <NumberField name="temperature" label="Default temperature" value={d.temperature} min={0} max={5} step={0.05} />
        <NumberField name="nCtx" label="Default context size" value={d.nCtx} min={256} max={131072} step={256} />
        <div className="form-actions">
          <button type="button" className="button" onClick={close}>Cancel</button>
          <button type="submit" className="button primary">Save</button>
        </div>
      </form>
    </Modal>
  );
}
