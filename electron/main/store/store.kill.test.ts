// A writer process SIGKILLed at random moments while it appends (hundreds of times, on the ordinary
// disk): every change it acknowledged (printed after the store's promise resolved, i.e. after
// fdatasync) is there after reopening, the store passes check(), nothing is quarantined. Runs the
// writer from dist/ (built by `npm test` first). CAIRN_KILL_ROUNDS sets the number of kills.
import { describe, expect, test } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openStore } from './store.js';
import { text } from '../../../test-support/store-append-loop.js';

const root = join(import.meta.dirname, '..', '..', '..');
const writer = join(root, 'dist', 'test-support', 'store-append-loop.js');
const ROUNDS = Number(process.env.CAIRN_KILL_ROUNDS ?? 100);

/** Runs the writer until it has acknowledged `acks` changes (and a little more), then SIGKILLs it;
 *  returns the acknowledged lines. */
function runAndKill(dir: string, acks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    let ready = false, killed = false;
    child.stderr.on('data', (d) => { stderr += d; });
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line === 'ready') ready = true;
      else if (ready && !killed && --acks <= 0) { killed = true; child.kill('SIGKILL'); }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(lines);
      else reject(new Error(`writer exited by itself (code ${code}): ${stderr}`));
    });
  });
}

describe('store under SIGKILL', () => {
  test('dist/ holds the writer (npm test builds it first)', () => {
    expect(existsSync(writer)).toBe(true);
  });

  test(`${ROUNDS} writers killed mid-append lose no acknowledged change`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-kill-'));
    const convs = new Set<string>();
    const msgs = new Map<string, { cid: string; n: number; done: boolean }>();
    let acked = 0, tornTails = 0, interrupted = 0, checks = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const lines = await runAndKill(dir, 1 + Math.floor(Math.random() * 12));
      for (const line of lines) {
        const [kind, cid, mid, n] = line.split(' ');
        if (kind === 'ready') continue;
        acked++;
        convs.add(cid);
        if (kind === 'A') msgs.set(mid, { cid, n: Number(n), done: false });
        if (kind === 'U' || kind === 'D') msgs.set(mid, { cid, n: Number(n), done: kind === 'D' });
      }
      // the next writer's open recovers what this kill left; the parent checks every 20 kills and
      // at the end (each check covers every change acknowledged so far)
      if (round % 20 !== 19 && round !== ROUNDS - 1) continue;
      const s = await openStore(dir);
      tornTails += s.recovery.tornTails.length;
      interrupted += s.recovery.interrupted.length;
      expect(s.quarantined()).toEqual([]);
      const listed = new Set(s.list().map((c) => c.id));
      for (const cid of convs) expect(listed.has(cid), `conversation ${cid}`).toBe(true);
      for (const [mid, want] of msgs) {
        const m = s.get(want.cid).messages.find((x) => x.id === mid);
        expect(m, `message ${mid}`).toBeDefined();
        expect(m!.content.length).toBeGreaterThanOrEqual(want.n);
        expect(m!.content === text(m!.content.length), `message ${mid} text`).toBe(true);
        if (want.done) expect(m!.status).toBe('done');
        else expect(m!.status).not.toBe('streaming');
      }
      const report = await s.check();
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      await s.close();
      checks++;
    }
    expect(checks).toBe(Math.ceil(ROUNDS / 20));
    console.log(`store kill: ${ROUNDS} kills, ${acked} acknowledged changes checked, ${msgs.size} messages, ${convs.size} conversations, ${tornTails} torn tails cut, ${interrupted} answers interrupted (seen by the parent's ${checks} checks)`);
  }, 1_800_000);
});
