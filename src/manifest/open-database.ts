/**
 * Opening the manifest's SQLite file: header check, pragmas, migration.
 *
 * @module
 */
import { chmodSync, closeSync, openSync, readSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StrataError, ioError } from '../errors.ts';
import { migrate } from './schema.ts';
import { sqliteCode, sqliteError } from './sqlite-error.ts';

/** The 16 bytes every SQLite database file starts with. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Opens (creating if absent) the SQLite database at `path` with `journal_mode = WAL`,
 * `synchronous = FULL` and foreign keys on, and migrates its schema. The file, and its
 * `-wal` and `-shm`, are private to their owner (mode 0600, also when they existed: the
 * manifest holds secret keys). Returns the
 * connection and the schema version found (0: the database was new or empty).
 *
 * @throws StrataError `CORRUPTION` naming the path if the file is not a SQLite
 *   database or belongs to another application; `NOT_SUPPORTED` if its schema is newer
 *   than this code; `IO` if it cannot be read, created or put in WAL mode; `LOCKED` if
 *   another connection holds it.
 */
export function openDatabase(path: string): { db: Database.Database; version: number } {
  makePrivate(path);
  checkHeader(path);
  let db: Database.Database;
  try {
    db = new Database(path);
  } catch (e) {
    throw sqliteCode(e) === undefined ? ioError('manifest: open', path, e) : sqliteError(`open ${path}`, e, path);
  }
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new StrataError('IO', `manifest: open: ${path}: cannot use the WAL journal (journal_mode is ${String(mode)})`);
    }
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return { db, version: migrate(db, path) };
  } catch (e) {
    db.close();
    throw sqliteError(`open ${path}`, e, path);
  }
}

/**
 * Creates `path` empty with mode 0600 if it is absent (SQLite then takes it for a new
 * database, and gives the `-wal` and `-shm` it creates the same mode); else sets the
 * mode of it and of its `-wal` and `-shm`, where they exist, to 0600.
 * @throws StrataError `IO` naming the file.
 */
function makePrivate(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('manifest: open', path, e);
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (e) {
      if (file === path || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('manifest: open', file, e);
    }
  }
}

/**
 * Fails if `path` exists, is not empty, and does not start with the SQLite magic: SQLite
 * would take a file shorter than a page for an empty database and overwrite it.
 * @throws StrataError `CORRUPTION` naming the path; `IO` if it cannot be read.
 */
function checkHeader(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw ioError('manifest: open', path, e);
  }
  try {
    const head = Buffer.alloc(SQLITE_MAGIC.length);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n > 0 && (n < head.length || !head.equals(SQLITE_MAGIC))) {
      throw new StrataError(
        'CORRUPTION',
        `manifest: ${path} is not a SQLite database (bad header); restore it from a backup or move it away`,
      );
    }
  } catch (e) {
    throw e instanceof StrataError ? e : ioError('manifest: open', path, e);
  } finally {
    closeSync(fd);
  }
}
