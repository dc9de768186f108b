// The service across starts: conversations and their KV come back from the data folder (the next
// answer restores the kv.cairn written at shutdown instead of re-reading the transcript); a
// quarantined built-in model is not loaded at start, and the user is told.
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinModel } from '../../cli/commands/chat.js';
import { EventLog, openTestApp, unwrap } from './testing.js';

const builtin = builtinModel()!;
const dirs: string[] = [];
const tempDir = () => { const d = mkdtempSync(join(tmpdir(), 'cairn-start-')); dirs.push(d); return d; };
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('service start and shutdown', () => {
  it('reopens conversations; the next answer restores the KV snapshot written at shutdown', async () => {
    const dataDir = tempDir();
    const first = await openTestApp(builtin, { dataDir, kvIdleMs: 60_000 }); // (only the shutdown writes it)
    const log = new EventLog(first.service);
    const c = unwrap(await first.service.call('conversations.create', { settings: { maxTokens: 16, temperature: 0 } }));
    const r = unwrap(await first.service.call('chat.send', { conversationId: c.id, text: 'Remember this' }));
    const a = await log.done(r.assistantMessage.id);
    log.close();
    await first.dispose();

    const second = await openTestApp(builtin, { dataDir });
    try {
      const log2 = new EventLog(second.service);
      const d = unwrap(await second.service.call('conversations.get', { id: c.id }));
      expect(d.messages.map((m) => m.content)).toEqual(['Remember this', a.content]);
      const r2 = unwrap(await second.service.call('chat.send', { conversationId: c.id, text: 'What was it?' }));
      const a2 = await log2.done(r2.assistantMessage.id);
      expect(a2.status).toBe('done');
      expect(a2.stats?.restore?.path).toBe('restored');
      expect(a2.stats!.reusedTokens).toBeGreaterThan(0);
      log2.close();
    } finally { await second.dispose(); }
  });

  it('does not load a quarantined built-in model at start, and says why', async () => {
    const dataDir = tempDir();
    const id = realpathSync(builtin);
    writeFileSync(join(dataDir, 'quarantine.json'), JSON.stringify({ version: 1, models: [{ id, reason: 'crashed the engine twice while loading' }] }));
    const app = await openTestApp(builtin, { dataDir });
    try {
      const m = unwrap(await app.service.call('models.list', {}));
      expect(m.current).toBeNull();
      expect(m.quarantined.map((q) => q.id)).toEqual([id]);
      const e = await app.service.call('models.load', { path: builtin });
      expect(!e.ok && e.error.code).toBe('E_QUARANTINED');
      const c = unwrap(await app.service.call('conversations.create', {}));
      const s = await app.service.call('chat.send', { conversationId: c.id, text: 'hi' });
      expect(!s.ok && s.error.code).toBe('E_MODEL');
    } finally { await app.dispose(); }
  });
});
