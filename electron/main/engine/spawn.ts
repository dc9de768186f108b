// spawn.ts — how main starts the engine host: one small interface, two implementations.
// Under Node (`cairn serve`, tests) `nodeSpawner` forks a child process with 'advanced' (structured
// clone) serialization; the Electron app passes a spawner built on utilityProcess.fork with the same
// shape (written in electron/main/electron/, the only place that imports 'electron'):
//
//   const child = utilityProcess.fork(entry, [], { env, serviceName: 'Cairn engine', stdio: 'inherit' });
//   return { get pid() { return child.pid }, send: (m) => child.postMessage(m),
//            onMessage: (fn) => child.on('message', fn), onExit: (fn) => child.on('exit', (code) => fn(code, null)),
//            kill: () => { child.kill() } };
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HostInbound, HostOutbound } from '../../common/host-protocol.js';

/** A started engine host process. */
export interface HostProcess {
  /** OS process id (undefined until known, or if the start failed). */
  readonly pid: number | undefined;
  /** Posts one message (structured clone); a host that is gone drops it (its exit is reported). */
  send(msg: HostInbound): void;
  onMessage(fn: (msg: HostOutbound) => void): void;
  /** Called once when the process has ended (or could not start: code null, signal null); at once
   *  when it already has. */
  onExit(fn: (code: number | null, signal: string | null) => void): void;
  /** Ends the process at once (SIGKILL where there are signals). */
  kill(): void;
}

export type HostSpawner = (entry: string, o: { env: Record<string, string | undefined> }) => HostProcess;

/** A Node child process over IPC with structured-clone serialization. */
export const nodeSpawner: HostSpawner = (entry, o) => {
  const child = fork(entry, [], { serialization: 'advanced', env: o.env, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let exited: [number | null, string | null] | undefined;
  const exitFns: ((code: number | null, signal: string | null) => void)[] = [];
  const exit = (code: number | null, signal: string | null) => {
    if (exited) return;
    exited = [code, signal];
    for (const fn of exitFns) fn(code, signal);
  };
  child.on('exit', (code, signal) => exit(code, signal));
  child.on('error', () => { if (child.exitCode !== null || child.pid === undefined) exit(child.exitCode, null); });
  return {
    get pid() { return child.pid; },
    send: (msg) => {
      if (!child.connected) return;
      try { child.send(msg); } catch { /* the channel closed meanwhile: 'exit' follows */ }
    },
    onMessage: (fn) => child.on('message', (m) => fn(m as HostOutbound)),
    onExit: (fn) => { if (exited) fn(...exited); else exitFns.push(fn); },
    kill: () => { child.kill('SIGKILL'); },
  };
};

/** The compiled host entry: dist/electron/engine/host/host-main.js (main never imports the engine;
 *  it starts this file). Found beside this file once compiled, else under the repository's dist/. */
export function hostEntry(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const sibling = join(here, '..', '..', 'engine', 'host', 'host-main.js');
  if (existsSync(sibling)) return sibling;
  let dir = here;
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'dist', 'electron', 'engine', 'host', 'host-main.js');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error('engine host entry dist/electron/engine/host/host-main.js not found: run "npm run build"');
}
