// errors.ts — how the service turns anything thrown below it (store, host, file checks) into the
// contract's ApiError, so every operation answers with data, never a thrown string.
import type { ApiError, ErrorCode } from '../../common/schemas.js';
import { ErrorCode as ErrorCodes } from '../../common/schemas.js';

/** An error the service raises on purpose: its code crosses the boundary as is. */
export class ServiceError extends Error {
  constructor(readonly code: ErrorCode, message: string) { super(message); this.name = 'ServiceError'; }
}

/** Any thrown value as an ApiError: a known `code` property (ServiceError, the store's and the
 *  engine client's errors) is kept; anything else is E_INTERNAL with its message. */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object') {
    const code = (e as { code?: unknown }).code;
    const message = (e as { message?: unknown }).message;
    const parsed = ErrorCodes.safeParse(code);
    if (parsed.success) return { code: parsed.data, message: typeof message === 'string' ? message : String(e) };
    if (typeof message === 'string') return { code: 'E_INTERNAL', message };
  }
  return { code: 'E_INTERNAL', message: String(e) };
}
