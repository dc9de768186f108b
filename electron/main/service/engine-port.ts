// engine-port.ts — what the service uses of main's engine host client (../engine/engine-client.ts):
// typed requests of the host protocol answered as Result, its events (the host's tokens and progress,
// the supervisor's state, model and quarantine changes), its status and quarantine list. The service
// speaks only the host protocol (electron/common/host-protocol.ts); it never imports the engine.
import type { HostOpName, HostOps } from '../../common/host-protocol.js';
import type { EngineClient } from '../engine/engine-client.js';
import { ServiceError } from './errors.js';

export type { EngineEvent } from '../engine/engine-client.js';
export type EnginePort = Pick<EngineClient, 'request' | 'subscribe' | 'status' | 'quarantined'>;

/** One host request; a failure is thrown as a ServiceError carrying the host's code (E_ENGINE when
 *  the host died or missed its deadline while the request was pending). */
export async function hostCall<K extends HostOpName>(engine: EnginePort, op: K, args: HostOps[K][0]): Promise<HostOps[K][1]> {
  const r = await engine.request(op, args);
  if (!r.ok) throw new ServiceError(r.error.code, r.error.message);
  return r.value;
}
