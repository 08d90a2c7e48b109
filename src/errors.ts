/**
 * The one error type of Strata.
 *
 * Every failure that reaches a caller is a {@link StrataError}. Its `code` says what
 * kind of failure it is (stable: programs may switch on it), its message starts with
 * the operation that failed and says what to do, `retryable` says whether trying the
 * same call again can help, and `cause` carries the underlying error, if any.
 *
 * @module
 */

/** The kinds of failure. Stable: part of the public API. */
export type ErrorCode =
  /** A statement could not be parsed. Never retryable. */
  | 'SYNTAX'
  /** An argument or a batch is malformed or out of range. Nothing was changed. */
  | 'INVALID_INPUT'
  /** A named object (partition, storage, cloud, setting) does not exist. */
  | 'NOT_FOUND'
  /** An object of that name already exists. */
  | 'ALREADY_EXISTS'
  /** Stored data failed a check (checksum, magic, length). The file is named. */
  | 'CORRUPTION'
  /** The file system refused an operation. */
  | 'IO'
  /** The cloud (S3) refused an operation. */
  | 'CLOUD'
  /** The memory limit is reached and `mm_limit_behaviour` is `error`. Retryable. */
  | 'OVERLOADED'
  /** The database is closed (or was never opened). */
  | 'CLOSED'
  /** Another process (or another handle in this process) owns the directory. */
  | 'LOCKED'
  /** The statement parses but its engine support has not landed yet. */
  | 'NOT_SUPPORTED'
  /** A Strata server refused a request without its bearer token (HTTP 401). */
  | 'UNAUTHORIZED'
  /** A request body is over a Strata server's limit (HTTP 413). */
  | 'TOO_LARGE'
  /**
   * A statement stopped because its caller's `AbortSignal` fired: between partitions
   * of a statement over several (the ones done stay done, the others were not
   * started), or between the statements of a script.
   */
  | 'CANCELLED'
  /** A broken invariant inside Strata: a bug. Please report it. */
  | 'INTERNAL';

/** Options of a {@link StrataError}. */
export interface StrataErrorOptions {
  /** The underlying error. */
  readonly cause?: unknown;
  /** Whether repeating the same call may succeed. Default: false. */
  readonly retryable?: boolean;
}

/**
 * The error thrown (or rejected with) by every Strata API.
 *
 * Messages have the form `operation: what went wrong[, what to do]`, for example
 * `write: batch record 3 runs past the end of the buffer (offset 120, length 40, size 150)`.
 */
export class StrataError extends Error {
  /** What kind of failure this is. */
  readonly code: ErrorCode;
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: StrataErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StrataError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Whether `e` is a {@link StrataError}, optionally of the given code. */
export function isStrataError(e: unknown, code?: ErrorCode): e is StrataError {
  return e instanceof StrataError && (code === undefined || e.code === code);
}

/**
 * Wraps a file-system error as an `IO` {@link StrataError} whose message starts with
 * `operation` and names `path`.
 */
export function ioError(operation: string, path: string, cause: unknown): StrataError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new StrataError('IO', `${operation}: ${path}: ${detail}`, { cause, retryable: true });
}
