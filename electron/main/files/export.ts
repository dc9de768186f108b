// export.ts — a conversation's current branch (root → current leaf, or a given leaf) as Markdown or
// JSON: pure functions of a ConversationDetail (no clock, no file system), so the same conversation
// always exports to the same bytes.
import type { ConversationDetail, Message } from '../../common/schemas.js';
import { walkBranch } from '../store/tree.js';

export type ExportFormat = 'markdown' | 'json';
export interface ExportedFile { filename: string; mime: string; content: string }

export const EXPORT_FORMAT_ID = 'cairn-conversation';
export const EXPORT_VERSION = 1;

/** The messages root → `leafId` (default: the current leaf). */
export function branchOf(c: ConversationDetail, leafId: string | null = c.currentLeafId): Message[] {
  return walkBranch(new Map(c.messages.map((m) => [m.id, m])), leafId);
}

/** A file name from the title: letters, digits, '-' and '_' only, at most 80 characters. */
export function exportFilename(title: string, ext: string): string {
  const base = title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80).replace(/-+$/, '');
  return `${base || 'conversation'}.${ext}`;
}

const heading = (m: Message) => (m.role === 'user' ? 'User' : m.role === 'system' ? 'System' : m.model ? `Assistant (${m.model})` : 'Assistant');

function note(m: Message): string | null {
  if (m.status === 'interrupted') return '_(interrupted: the engine stopped before this answer finished)_';
  if (m.status === 'error') return `_(failed${m.error ? `: ${m.error}` : ''})_`;
  if (m.status === 'streaming') return '_(still being written when exported)_';
  if (m.finishReason === 'cancelled') return '_(stopped)_';
  if (m.finishReason === 'length') return '_(cut at the token limit)_';
  if (m.finishReason === 'context') return '_(cut: the context was full)_';
  return null;
}

/** A fence longer than any backtick run in `s`, so the text cannot close it. */
function fenced(s: string): string {
  const longest = Math.max(2, ...[...s.matchAll(/`+/g)].map((x) => x[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${s}\n${fence}`;
}

export function toMarkdown(c: ConversationDetail, leafId?: string): string {
  const lines: string[] = [`# ${c.title.replace(/\s+/g, ' ')}`, '', `_Created ${new Date(c.createdAt).toISOString()}; exported from Cairn._`, ''];
  if (c.settings.systemPrompt.trim() !== '') lines.push('## System prompt', '', fenced(c.settings.systemPrompt), '');
  for (const m of branchOf(c, leafId)) {
    lines.push(`## ${heading(m)}`, '', m.content);
    const n = note(m);
    if (n) lines.push('', n);
    lines.push('');
  }
  return lines.join('\n');
}

export function toJson(c: ConversationDetail, leafId?: string): string {
  const messages = branchOf(c, leafId).map((m) => ({
    id: m.id, role: m.role, content: m.content, status: m.status,
    ...(m.finishReason ? { finishReason: m.finishReason } : {}),
    ...(m.error ? { error: m.error } : {}),
    createdAt: m.createdAt,
    ...(m.model ? { model: m.model } : {}),
    ...(m.stats ? { stats: m.stats } : {}),
  }));
  return JSON.stringify({
    format: EXPORT_FORMAT_ID, version: EXPORT_VERSION,
    id: c.id, title: c.title, createdAt: c.createdAt, updatedAt: c.updatedAt, settings: c.settings, messages,
  }, null, 2) + '\n';
}

export function exportConversation(c: ConversationDetail, format: ExportFormat, leafId?: string): ExportedFile {
  return format === 'markdown'
    ? { filename: exportFilename(c.title, 'md'), mime: 'text/markdown; charset=utf-8', content: toMarkdown(c, leafId) }
    : { filename: exportFilename(c.title, 'json'), mime: 'application/json', content: toJson(c, leafId) };
}
