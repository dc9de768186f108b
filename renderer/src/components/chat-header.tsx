// chat-header.tsx — above the conversation: its title, the model (opens the model card), and the
// conversation's commands: settings, save snapshot, export, open a file, the stats panel.
import { useApp } from '../store/index.js';
import { ExportMenu } from './export-menu.js';
import { OpenFileButton } from './open-file-button.js';

export function ChatHeader() {
  const title = useApp((s) => s.conversations.find((c) => c.id === s.activeId)?.title ?? (s.activeId ? 'Conversation' : 'New chat'));
  const activeId = useApp((s) => s.activeId);
  const model = useApp((s) => s.currentModel);
  const togglePanel = useApp((s) => s.togglePanel);
  const statsOpen = useApp((s) => s.panels.stats);
  const saveSnapshot = useApp((s) => s.saveSnapshot);
  return (
    <header className="chat-header">
      <h2 className="chat-title" data-testid="chat-title">{title}</h2>
      <div className="toolbar" role="toolbar" aria-label="Conversation">
        <button type="button" className="button model-chip" onClick={() => togglePanel('modelCard', true)} data-testid="model-chip"
          title="Model card">{model ? model.name : 'No model'}</button>
        <OpenFileButton />
        <button type="button" className="button" onClick={() => togglePanel('conversationSettings', true)} disabled={!activeId}
          data-testid="conversation-settings-button">Settings</button>
        <button type="button" className="button" onClick={() => void saveSnapshot()} disabled={!activeId} data-testid="save-snapshot" title="Save a snapshot (.cairn) of this conversation">Snapshot</button>
        <ExportMenu disabled={!activeId} />
        <button type="button" className="button" aria-pressed={statsOpen} onClick={() => togglePanel('stats')} data-testid="stats-toggle">Stats</button>
      </div>
    </header>
  );
}
