// port.ts — the engine host's one link to its parent, whichever process model started it:
//   - Electron utilityProcess: `process.parentPort` (MessagePort semantics: postMessage / 'message' { data })
//   - Node child_process.fork(…, { serialization: 'advanced' }): process.send / process.on('message')
// Both carry structured-clone messages (no JSON re-encoding). When the parent goes away the host exits.
import type { HostInbound, HostOutbound } from '../../common/host-protocol.js';

export interface HostPort {
  send(msg: HostOutbound): void;
  onMessage(fn: (msg: HostInbound) => void): void;
}

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', fn: (e: { data: unknown }) => void): void;
}

/** The port of this process: Electron's parentPort when present, else Node's IPC channel. */
export function hostPort(): HostPort {
  const parent = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (parent) {
    return {
      send: (msg) => parent.postMessage(msg),
      onMessage: (fn) => parent.on('message', (e) => fn(e.data as HostInbound)),
    };
  }
  if (!process.send) throw new Error('the engine host must be started by its supervisor (no IPC channel)');
  process.on('disconnect', () => process.exit(0)); // the parent is gone: nobody to answer
  return {
    // (a closed channel throws ERR_IPC_CHANNEL_CLOSED synchronously; the 'disconnect' handler exits)
    send: (msg) => { if (process.connected) process.send?.(msg); },
    onMessage: (fn) => process.on('message', (m) => fn(m as HostInbound)),
  };
}
