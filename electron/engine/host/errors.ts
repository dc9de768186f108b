// errors.ts — what the engine host answers when an operation fails: an ApiError {code, message}
// (errors cross processes as data), from the engine's own error types.
import type { ApiError, ErrorCode } from '../../common/schemas.js';
import { PoolError } from '../actor-pool.js';
import { EngineError } from '../native.js';
import { SnapshotError } from '../snapshot/format.js';

/** A failure the host reports with a given code. */
export class HostError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'HostError';
  }
}

const POOL_CODES: Record<string, ErrorCode> = { POOL_E_BUSY: 'E_BUSY', POOL_E_EXISTS: 'E_BUSY', POOL_E_UNKNOWN: 'E_NOT_FOUND', POOL_E_ARG: 'E_ARGS' };

/** The ApiError for anything an operation threw (the engine's message kept). */
export function toApiError(e: unknown): ApiError {
  if (e instanceof HostError) return { code: e.code, message: e.message };
  if (e instanceof EngineError) {
    const code: ErrorCode = e.code === 'CAIRN_E_NOMEM' ? 'E_MEMORY' : e.code === 'CAIRN_E_IO' ? 'E_FILE' : 'E_MODEL';
    return { code, message: `${e.code}: ${e.message}` };
  }
  if (e instanceof SnapshotError) return { code: 'E_SNAPSHOT', message: `${e.code}: ${e.message}` };
  if (e instanceof PoolError) return { code: POOL_CODES[e.code] ?? 'E_INTERNAL', message: e.message };
  return { code: 'E_INTERNAL', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
}
