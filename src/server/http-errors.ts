/**
 * Errors as HTTP answers: the status a `StrataError` code maps to, and the JSON body
 * `{ "error": { "code", "message", ... } }` every failed request gets.
 *
 * @module
 */
import { isStrataError } from '../index.ts';

/** The HTTP status of an error code (docs/server.md#errors). */
export function statusOf(code: string): number {
  switch (code) {
    case 'SYNTAX':
    case 'INVALID_INPUT':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'ALREADY_EXISTS':
      return 409;
    case 'OVERLOADED':
      return 429;
    default:
      return 500;
  }
}

/** The body of a failed request. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly line?: number; readonly column?: number; readonly statement?: string };
}

/** The code and message of anything thrown (INTERNAL for what is not a StrataError). */
export function describe(e: unknown): { code: string; message: string } {
  if (isStrataError(e)) return { code: e.code, message: e.message };
  return { code: 'INTERNAL', message: `internal error: ${e instanceof Error ? e.message : String(e)}; please report it` };
}
