/**
 * Turns SQLite failures into {@link StrataError}s whose message starts with `manifest:`.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import type { StorageRecord } from './records.ts';

/** The extended result code of a better-sqlite3 `SqliteError`, if `e` is one. */
export function sqliteCode(e: unknown): string | undefined {
  if (e instanceof Error && e.name === 'SqliteError') {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}

/** The {@link ErrorCode} and retryability for a SQLite result code. */
function classify(code: string | undefined): [ErrorCode, boolean] {
  if (code === undefined) return ['INTERNAL', false];
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return ['CORRUPTION', false];
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return ['LOCKED', true];
  if (code.startsWith('SQLITE_CONSTRAINT')) return ['INVALID_INPUT', false];
  if (
    code.startsWith('SQLITE_IOERR') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_READONLY') ||
    code === 'SQLITE_FULL' ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_NOLFS'
  ) {
    return ['IO', true];
  }
  return ['INTERNAL', false];
}

/**
 * Wraps `e` (a SQLite or better-sqlite3 failure) as a StrataError. A StrataError is
 * returned unchanged. The message is `manifest: <operation>: <detail>`, and names
 * `path` for corruption and I/O failures; `e` becomes the `cause`.
 */
export function sqliteError(operation: string, e: unknown, path?: string): StrataError {
  if (e instanceof StrataError) return e;
  const [code, retryable] = classify(sqliteCode(e));
  const detail = e instanceof Error ? e.message : String(e);
  const where = path !== undefined && (code === 'CORRUPTION' || code === 'IO') ? ` (${path})` : '';
  return new StrataError(code, `manifest: ${operation}: ${detail}${where}`, { cause: e, retryable });
}

/** Maps a uniqueness failure on `storages` to `ALREADY_EXISTS`. */
export function storageConflict(op: string, s: StorageRecord, e: unknown): unknown {
  const code = sqliteCode(e);
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new StrataError('ALREADY_EXISTS', `manifest: ${op}: storage '${s.name}' already exists`, { cause: e });
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return new StrataError('ALREADY_EXISTS', `manifest: ${op}: a storage with uuid ${s.uuid} already exists`, { cause: e });
  }
  return e;
}

/** Maps a foreign-key failure on `partitions.storage` to `NOT_FOUND`. */
export function missingStorage(op: string, storage: string, e: unknown): unknown {
  if (sqliteCode(e) === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return new StrataError('NOT_FOUND', `manifest: ${op}: storage '${storage}' not found`, { cause: e });
  }
  return e;
}
