/**
 * Messages between a {@link WorkerPool} and its threads.
 *
 * @module
 */
import { type ErrorCode, StrataError } from '../errors.ts';

/** A job sent to a worker. */
export interface JobRequest {
  readonly id: number;
  readonly fn: string;
  readonly arg: unknown;
}

/** An error as it crosses a thread boundary. */
export interface SerializedError {
  readonly message: string;
  readonly code?: ErrorCode;
  readonly retryable?: boolean;
  readonly stack?: string;
}

/** A worker's answer to a {@link JobRequest}. */
export type JobResponse =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** Turns any thrown value into a {@link SerializedError}. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof StrataError) return { message: e.message, code: e.code, retryable: e.retryable, stack: e.stack };
  if (e instanceof Error) return { message: e.message, stack: e.stack };
  return { message: String(e) };
}

/** Rebuilds the error of a {@link SerializedError}: a StrataError keeps its code. */
export function deserializeError(e: SerializedError): Error {
  const err =
    e.code === undefined
      ? new StrataError('INTERNAL', `worker: ${e.message}`)
      : new StrataError(e.code, e.message, { retryable: e.retryable ?? false });
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}
