// Export of a conversation branch: only the current branch, in order; Markdown that a user's own
// text cannot break out of where it matters (system prompt fence); JSON that reads back; safe names.
import { describe, expect, test } from 'vitest';
import type { ConversationDetail, Message } from '../../common/schemas.js';
import { ConversationDetail as DetailSchema } from '../../common/schemas.js';
import { defaultConversationSettings } from '../store/settings.js';
import { branchOf, exportConversation, exportFilename } from './export.js';

const msg = (id: string, parentId: string | null, role: Message['role'], content: string, extra: Partial<Message> = {}): Message =>
  ({ id, parentId, role, content, status: 'done', createdAt: 1_700_000_000_000, ...extra });

const conv: ConversationDetail = DetailSchema.parse({
  id: 'c1', title: 'Ünïcode / plans: "2026"?', createdAt: 1_700_000_000_000, updatedAt: 1_700_000_100_000, messageCount: 5, busy: false,
  settings: { ...defaultConversationSettings, systemPrompt: 'Answer with ``` fences ```' },
  messages: [
    msg('u1', null, 'user', 'Plan a trip'),
    msg('a1', 'u1', 'assistant', 'Old answer'),
    msg('a2', 'u1', 'assistant', 'Go to **Lisbon**', { model: 'demo-14m', finishReason: 'stop' }),
    msg('u2', 'a2', 'user', 'And then?'),
    msg('a3', 'u2', 'assistant', 'Then Por', { status: 'interrupted', finishReason: 'interrupted' }),
  ],
  currentLeafId: 'a3',
});

describe('export', () => {
  test('the branch is root → current leaf, siblings left out', () => {
    expect(branchOf(conv).map((m) => m.id)).toEqual(['u1', 'a2', 'u2', 'a3']);
    expect(branchOf(conv, 'a1').map((m) => m.id)).toEqual(['u1', 'a1']);
    expect(branchOf({ ...conv, currentLeafId: null })).toEqual([]);
  });

  test('Markdown: title, system prompt fenced beyond its own backticks, one section per message, notes', () => {
    const f = exportConversation(conv, 'markdown');
    expect(f).toMatchObject({ filename: 'Unicode-plans-2026.md', mime: 'text/markdown; charset=utf-8' });
    expect(f.content).toBe([
      '# Ünïcode / plans: "2026"?', '', '_Created 2023-11-14T22:13:20.000Z; exported from Cairn._', '',
      '## System prompt', '', '````text', 'Answer with ``` fences ```', '````', '',
      '## User', '', 'Plan a trip', '',
      '## Assistant (demo-14m)', '', 'Go to **Lisbon**', '',
      '## User', '', 'And then?', '',
      '## Assistant', '', 'Then Por', '', '_(interrupted: the engine stopped before this answer finished)_', '',
    ].join('\n'));
    expect(f.content).not.toContain('Old answer');
  });

  test('JSON: the branch with statuses and settings; parses back; deterministic', () => {
    const f = exportConversation(conv, 'json');
    expect(f).toMatchObject({ filename: 'Unicode-plans-2026.json', mime: 'application/json' });
    const j = JSON.parse(f.content);
    expect(j).toMatchObject({ format: 'cairn-conversation', version: 1, id: 'c1', title: conv.title, settings: conv.settings });
    expect(j.messages.map((m: Message) => [m.id, m.role, m.status])).toEqual([
      ['u1', 'user', 'done'], ['a2', 'assistant', 'done'], ['u2', 'user', 'done'], ['a3', 'assistant', 'interrupted'],
    ]);
    expect(j.messages[1]).toEqual({ id: 'a2', role: 'assistant', content: 'Go to **Lisbon**', status: 'done', finishReason: 'stop', createdAt: 1_700_000_000_000, model: 'demo-14m' });
    expect(exportConversation(conv, 'json').content).toBe(f.content);
  });

  test('file names are safe whatever the title', () => {
    expect(exportFilename('../../etc/passwd', 'md')).toBe('etc-passwd.md');
    expect(exportFilename('   ', 'json')).toBe('conversation.json');
    expect(exportFilename('日本語', 'md')).toBe('conversation.md');
    expect(exportFilename('a'.repeat(300), 'md')).toBe('a'.repeat(80) + '.md');
  });
});
