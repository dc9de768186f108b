// records.ts — what meta.json and each journal record hold, as zod schemas (a record that passes its
// CRC but not its schema is corruption too: the conversation is quarantined, never half-read).
import { z } from 'zod';
import { ConversationSettings, FinishReason, Id, Message, MessageStats, MessageStatus } from '../../common/schemas.js';

export const FORMAT_VERSION = 1;

/** meta.json: the conversation's header, replaced atomically on rename / settings change.
 *  Settings are read leniently (a field added by a later version of the app gets its default). */
export const Meta = z.object({
  v: z.literal(FORMAT_VERSION),
  id: Id,
  title: z.string().max(200),
  createdAt: z.number(),
  updatedAt: z.number(),
  settings: ConversationSettings.partial(),
});
export type Meta = z.infer<typeof Meta>;

/**
 * Journal records. A message is written whole once ('msg'); while it streams, the store appends
 * only the new text ('add': a delta, so checkpointing a long answer every 250 ms costs the new bytes,
 * not the whole text again — the journal grows linearly, not quadratically); 'upd' replaces fields
 * (a content that is not an extension of the old one is written whole there); 'leaf' selects the
 * branch shown. Every record but 'msg' carries its time.
 */
export const JournalRecord = z.discriminatedUnion('t', [
  z.object({ t: z.literal('msg'), m: Message }),
  z.object({ t: z.literal('add'), id: Id, s: z.string(), at: z.number() }),
  z.object({
    t: z.literal('upd'), id: Id, at: z.number(),
    content: z.string().max(4_000_000).optional(), status: MessageStatus.optional(), finishReason: FinishReason.optional(),
    error: z.string().optional(), stats: MessageStats.optional(),
  }),
  z.object({ t: z.literal('leaf'), id: Id, at: z.number() }),
]);
export type JournalRecord = z.infer<typeof JournalRecord>;
