// app.tsx — the window: sidebar | conversation (header, progress, messages or the empty state,
// composer) | stats panel; plus the drop overlay, notices and dialogs.
import { useApp } from '../store/index.js';
import { useTheme } from '../use-theme.js';
import { AppSettingsDialog } from './app-settings.js';
import { ChatHeader } from './chat-header.js';
import { Composer } from './composer.js';
import { ConversationSettings } from './conversation-settings.js';
import { DropZone } from './drop-zone.js';
import { EmptyState } from './empty-state.js';
import { MessageList } from './message-list.js';
import { ModelCard } from './model-card.js';
import { Notices } from './notices.js';
import { ProgressList } from './progress-list.js';
import { RestoreBanner } from './restore-banner.js';
import { ShortcutsDialog, useShortcuts } from './shortcuts.js';
import { Sidebar } from './sidebar.js';
import { StatsPanel } from './stats-panel.js';

function LinkBanner() {
  const link = useApp((s) => s.link);
  if (link === 'open') return null;
  return <p className="link-banner" role="alert" data-testid="link-banner">Connection to Cairn lost; reconnecting…</p>;
}

export function App() {
  useShortcuts();
  useTheme();
  const empty = useApp((s) => s.path.length === 0);
  const send = useApp((s) => s.send);
  return (
    <div className="app">
      <Sidebar />
      <main className="chat" aria-label="Chat">
        <ChatHeader />
        <LinkBanner />
        <ProgressList />
        <RestoreBanner />
        <div className="chat-body">
          {empty ? <EmptyState onExample={(t) => void send(t)} /> : <MessageList />}
        </div>
        <Composer />
      </main>
      <StatsPanel />
      <DropZone />
      <Notices />
      <ModelCard />
      <ConversationSettings />
      <AppSettingsDialog />
      <ShortcutsDialog />
    </div>
  );
}
