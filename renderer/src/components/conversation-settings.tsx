// conversation-settings.tsx — the open conversation's system prompt, sampling, context size and
// what happens when the context is full.
import { useApp } from '../store/index.js';
import { Modal } from './modal.js';
import { NumberField, numberOf } from './number-field.js';

export function ConversationSettings() {
  const open = useApp((s) => s.panels.conversationSettings);
  const settings = useApp((s) => s.conversationSettings);
  const save = useApp((s) => s.saveConversationSettings);
  const togglePanel = useApp((s) => s.togglePanel);
  if (!open || !settings) return null;
  const close = () => togglePanel('conversationSettings', false);
  return (
    <Modal title="Conversation settings" onClose={close} testId="conversation-settings">
      <form className="settings-form" onSubmit={(e) => {
        e.preventDefault();
        const f = new FormData(e.currentTarget);
        void save({
          systemPrompt: String(f.get('systemPrompt') ?? ''),
          temperature: numberOf(f, 'temperature'), topK: numberOf(f, 'topK'), topP: numberOf(f, 'topP'), minP: numberOf(f, 'minP'),
          repeatPenalty: numberOf(f, 'repeatPenalty'), seed: numberOf(f, 'seed'), maxTokens: numberOf(f, 'maxTokens'), nCtx: numberOf(f, 'nCtx'),
          contextOverflow: f.get('contextOverflow') === 'stop' ? 'stop' : 'shift',
        }).then(close);
      }}>
        <label className="field wide">
          <span>System prompt</span>
          <textarea name="systemPrompt" defaultValue={settings.systemPrompt} rows={4} data-testid="system-prompt" />
        </label>
        <NumberField name="temperature" label="Temperature" value={settings.temperature} min={0} max={5} step={0.05} />
        <NumberField name="topK" label="Top-k" value={settings.topK} min={0} max={100000} step={1} />
        <NumberField name="topP" label="Top-p" value={settings.topP} min={0.01} max={1} step={0.01} />
        <NumberField name="minP" label="Min-p" value={settings.minP} min={0} max={1} step={0.01} />
        <NumberField name="repeatPenalty" label="Repeat penalty" value={settings.repeatPenalty} min={0.5} max={2} step={0.01} />
        <NumberField name="seed" label="Seed" value={settings.seed} min={0} max={4294967295} step={1} />
        <NumberField name="maxTokens" label="Max tokens per answer" value={settings.maxTokens} min={1} max={131072} step={1} />
        <NumberField name="nCtx" label="Context size (tokens)" value={settings.nCtx} min={256} max={131072} step={256} />
        <label className="field">
          <span>When the context is full</span>
          <select name="contextOverflow" defaultValue={settings.contextOverflow}>
            <option value="shift">Drop the oldest turns</option>
            <option value="stop">Stop the answer</option>
          </select>
        </label>
        <div className="form-actions">
          <button type="button" className="button" onClick={close}>Cancel</button>
          <button type="submit" className="button primary" data-testid="settings-save">Save</button>
        </div>
      </form>
    </Modal>
  );
}
