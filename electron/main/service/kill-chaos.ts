// kill-chaos.ts — the engine host killed with SIGKILL at random points while answers stream, and the
// checks that nothing acknowledged was lost: every acknowledged user message stored as sent, every
// answer stored with (at least) the text it had streamed before its last checkpoint and exactly the
// text received when it ended (interrupted or done), the store's integrity check clean, the next
// answer complete. Shared by host-kill.test.ts and scripts/soak-app.mjs.
import type { Message } from '../../common/schemas.js';
import { EventLog, unwrap, type TestApp } from './testing.js';

export interface ChaosReport { kills: number; turns: number; interrupted: number; done: number; problems: string[] }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `kills` rounds: a turn is sent in one of `conversations` conversations (several answer at
 *  once), the host is killed after a random delay (0..maxDelayMs), every answer is awaited and checked. */
/** `rotateEvery`: rounds after which new conversations replace the current ones (a long transcript
 *  makes every restart re-read more of it: the kills, not the prefills, are what is tested). */
export async function killWhileStreaming(app: TestApp, o: { kills: number; conversations?: number; maxDelayMs?: number; seed?: number; rotateEvery?: number; onRound?: (i: number) => void }): Promise<ChaosReport> {
  const { service, store, engine } = app;
  const log = new EventLog(service);
  const report: ChaosReport = { kills: 0, turns: 0, interrupted: 0, done: 0, problems: [] };
  let rng = o.seed ?? 1;
  const rand = () => { rng = (Math.imul(rng, 1103515245) + 12345) >>> 0; return rng / 2 ** 32; };
  const nConv = o.conversations ?? 3;
  let convs: string[] = [];
  const fresh = async (round: number) => {
    convs = [];
    for (let i = 0; i < nConv; i++) {
      convs.push(unwrap(await service.call('conversations.create', { title: `chaos ${round}.${i}`, settings: { maxTokens: 64 + i * 64, temperature: 1, seed: round + i + 1 } })).id);
    }
  };
  const acked: { conversationId: string; user: Message; assistantId: string }[] = [];
  try {
    for (let k = 0; k < o.kills; k++) {
      o.onRound?.(k);
      if (k % (o.rotateEvery ?? 10) === 0) await fresh(k);
      // one or more conversations answer at once
      const active = convs.filter(() => rand() < 0.6);
      if (!active.length) active.push(convs[k % nConv]);
      const round: typeof acked = [];
      for (const id of active) {
        const r = await service.call('chat.send', { conversationId: id, text: `round ${k}: tell me something` });
        if (!r.ok) { report.problems.push(`send failed in round ${k}: ${r.error.code} ${r.error.message}`); continue; }
        round.push({ conversationId: id, user: r.value.userMessage, assistantId: r.value.assistantMessage.id });
      }
      acked.push(...round);
      report.turns += round.length;
      // kill while answering (never during the model's reload after the last kill: a model whose load
      // dies twice is quarantined, by design): once the round's first tokens arrived, after a random delay
      if (!round.length) continue;
      await Promise.race(round.map((t) => log.until('message.delta', (p) => p.messageId === t.assistantId).catch(() => {})).concat(round.map((t) => log.done(t.assistantId).then(() => {}))));
      await sleep(Math.floor(rand() * (o.maxDelayMs ?? 400)));
      const pid = engine.status().pid;
      if (pid) { try { process.kill(pid, 'SIGKILL'); report.kills++; } catch { /* it had just exited */ } }
      for (const t of round) {
        const m = await log.done(t.assistantId, 120_000);
        if (m.status === 'interrupted') report.interrupted++;
        else if (m.status === 'done') report.done++;
        else report.problems.push(`answer ${m.id} ended ${m.status}: ${m.error ?? ''}`);
        const streamed = log.deltas(m.id);
        if (m.content !== streamed) report.problems.push(`answer ${m.id} stored ${m.content.length} chars, ${streamed.length} streamed`);
      }
    }
    // everything acknowledged is stored as it was sent
    for (const t of acked) {
      const d = store.get(t.conversationId);
      const u = d.messages.find((m) => m.id === t.user.id);
      if (!u || u.content !== t.user.content) report.problems.push(`user message ${t.user.id} lost or changed`);
      if (!d.messages.some((m) => m.id === t.assistantId)) report.problems.push(`answer ${t.assistantId} lost`);
    }
    const check = await store.check();
    if (!check.ok) report.problems.push(`store check: ${check.problems.join('; ')}`);
    // the next answer works in every conversation
    for (const id of convs) {
      const r = unwrap(await service.call('chat.send', { conversationId: id, text: 'one more' }));
      const m = await log.done(r.assistantMessage.id, 120_000);
      if (m.status !== 'done' || !m.content) report.problems.push(`the answer after the kills ended ${m.status} (${m.error ?? ''})`);
    }
  } finally { log.close(); }
  return report;
}
