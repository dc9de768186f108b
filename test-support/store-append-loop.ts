// store-append-loop.ts — a writer for store.kill.test.ts: opens the store in argv[2] and appends to it
// forever (three concurrent writers: user messages, streaming answers checkpointed and finished, now
// and then a new conversation), printing one line per change AFTER the store acknowledged it:
//   C <conversationId>                 created
//   A <conversationId> <messageId> <n> message added with text(n)
//   U <conversationId> <messageId> <n> streaming text checkpointed to text(n)
//   D <conversationId> <messageId> <n> answer finished (status done) with text(n)
// The parent SIGKILLs it at a random moment and checks that every acknowledged change survived.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openStore } from '../electron/main/store/store.js';
import { defaultConversationSettings } from '../electron/main/store/settings.js';

/** The text every message holds: a prefix of one fixed sequence, so any length can be checked. */
export const text = (n: number) => 'The quick brown fox jumps over the lazy dog. 0123456789 ✓ '.repeat(Math.ceil(n / 58) + 1).slice(0, n);

const say = (line: string) => process.stdout.write(line + '\n'); // a pipe: synchronous on POSIX
const rnd = (n: number) => Math.floor(Math.random() * n);

async function main() {
  const store = await openStore(process.argv[2]);
  const convs = store.list().map((c) => c.id);
  while (convs.length < 2) { const c = await store.create({ settings: defaultConversationSettings }); convs.push(c.id); say(`C ${c.id}`); }
  say('ready');
  const worker = async () => {
    let streaming: { cid: string; mid: string; n: number } | null = null;
    for (;;) {
      const roll = rnd(100);
      if (roll < 3) {
        const c = await store.create({ settings: defaultConversationSettings });
        convs.push(c.id);
        say(`C ${c.id}`);
      } else if (streaming && roll < 85) {
        const s: { cid: string; mid: string; n: number } = streaming;
        s.n += 1 + rnd(300);
        if (roll < 75) {
          await store.updateMessage(s.cid, s.mid, { content: text(s.n) });
          say(`U ${s.cid} ${s.mid} ${s.n}`);
        } else {
          await store.updateMessage(s.cid, s.mid, { content: text(s.n), status: 'done', finishReason: 'stop' });
          say(`D ${s.cid} ${s.mid} ${s.n}`);
          streaming = null;
        }
      } else {
        const cid = convs[rnd(convs.length)];
        const leaf = store.get(cid).currentLeafId;
        const n = rnd(2000);
        const u = await store.addMessage(cid, { parentId: leaf, role: 'user', content: text(n), status: 'done' });
        say(`A ${cid} ${u.id} ${n}`);
        if (!streaming) {
          const a = await store.addMessage(cid, { parentId: u.id, role: 'assistant', content: '', status: 'streaming' });
          say(`A ${cid} ${a.id} 0`);
          streaming = { cid, mid: a.id, n: 0 };
        }
      }
    }
  };
  await Promise.all([worker(), worker(), worker()]);
}

const isEntry = process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (isEntry) main().catch((e) => { process.stderr.write(`store-append-loop: ${(e as Error).stack}\n`); process.exit(1); });
