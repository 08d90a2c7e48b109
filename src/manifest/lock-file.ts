/**
 * An exclusive lock that the operating system releases when its process ends, however
 * it ends (`kill -9` included). Node has no `flock`; SQLite has portable file locks, so
 * the lock file is a tiny SQLite database held by one connection in
 * `locking_mode = EXCLUSIVE` with a write transaction open (`BEGIN EXCLUSIVE`) until
 * {@link FileLock.release}. A second connection, in another process, gets
 * `SQLITE_BUSY` at once (`timeout: 0`; a few retries within milliseconds let one of two
 * processes that arrive together win). The owner's pid is stored as the database's
 * `user_version` (bytes 60..63 of the file, big-endian), so a contender can name it
 * without a lock.
 *
 * The file is never deleted: deleting a lock file that another process is opening
 * would let two processes lock two different files. A file that is not a SQLite
 * database (the `pid\n` text lock of older Strata versions, or a damaged lock database)
 * is emptied in place: locks belong to the file, not to its bytes, so this never frees
 * a lock another process holds.
 *
 * POSIX file locks belong to a process: closing *any* descriptor of the file in the
 * owning process drops them. So this module answers a second attempt in the same
 * process itself, before it opens the file (a registry on `globalThis`, shared by every
 * copy of this module in the process's main thread), and nothing else may open a held
 * lock file.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import Database from 'better-sqlite3';
import { StrataError, ioError } from '../errors.ts';
import { sqliteCode } from './sqlite-error.ts';

/** The 16 bytes every SQLite database file starts with. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
/** Offset of `user_version` in a SQLite database header: the owner's pid. */
const OWNER_OFFSET = 60;

/** A held lock. */
export interface FileLock {
  /** The lock file. */
  readonly path: string;
  /** Gives the lock up (the file stays). Idempotent. */
  release(): void;
}

/**
 * What {@link lockFile} got: the lock; or, when it is held, by whom: this process
 * (`inProcess`), or another one whose recorded pid is `owner` (null if not known).
 */
export type LockAttempt =
  | { readonly lock: FileLock }
  | { readonly lock: null; readonly inProcess: true }
  | { readonly lock: null; readonly inProcess: false; readonly owner: number | null };

/**
 * Lock files held by this process (real paths) and their connections, shared by every
 * copy of this module. Holding the connection here also keeps the garbage collector
 * from closing it (which would drop the lock) while the lock is not released.
 */
const held: Map<string, Database.Database> = ((globalThis as Record<symbol, unknown>)[Symbol.for('strata.held-lock-files')] ??= new Map()) as Map<string, Database.Database>;

/**
 * Takes the lock of the file `path` (created, mode 0600, if absent; an existing one is
 * made 0600) without waiting. Its folder must exist. When the lock is held, returns
 * `lock: null` and who holds it. `operation` starts the messages of errors.
 * @throws StrataError `IO` naming the file when it cannot be created, read or locked
 *   for another reason than a holder (retryable).
 */
export function lockFile(path: string, operation: string): LockAttempt {
  let key: string;
  try {
    key = nodePath.join(fs.realpathSync(nodePath.dirname(path)), nodePath.basename(path));
  } catch (e) {
    throw ioError(`${operation}: lock`, path, e);
  }
  if (held.has(key)) return { lock: null, inProcess: true };
  prepare(path, operation);
  let damaged = 0;
  for (let busy = 0; ; ) {
    const got = tryLock(path, operation);
    if (got === 'damaged') {
      // a damaged lock database that nobody holds (a holder makes SQLite busy before
      // it reads a byte): empty it and take it; an empty file cannot be damaged
      if (damaged++ > 0) throw new StrataError('IO', `${operation}: lock: ${path} is not a lock database even once emptied; check the file system`);
      empty(path, operation);
      continue;
    }
    if (got === 'busy') {
      // two processes that arrive together can each make the other's escalation from
      // a shared to the exclusive lock fail: a few short, jittered retries let one win
      if (++busy < BUSY_TRIES) {
        pause(1 + Math.random() * 2 ** busy);
        continue;
      }
      return { lock: null, inProcess: false, owner: readOwner(path) };
    }
    held.set(key, got);
    return { lock: new HeldLock(path, key, got) };
  }
}

/** Attempts at the lock while another connection holds it (see {@link lockFile}). */
const BUSY_TRIES = 5;

/**
 * One attempt: a connection holding the lock, `busy`, or `damaged` (the file is not a
 * lock database). Nothing stays open unless it succeeds.
 */
function tryLock(path: string, operation: string): Database.Database | 'busy' | 'damaged' {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: 0 });
    // no journal file beside the lock: the one write (the pid) needs no rollback. Set
    // before the exclusive mode, which would keep the shared lock this read takes
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.pragma(`user_version = ${process.pid}`);
    db.exec('COMMIT');
    // the exclusive locking mode keeps the lock after a commit; a write transaction
    // held open keeps it whatever the mode
    db.exec('BEGIN EXCLUSIVE');
    return db;
  } catch (e) {
    db?.close();
    const code = sqliteCode(e);
    if (code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) return 'busy';
    if (code === 'SQLITE_NOTADB' || code?.startsWith('SQLITE_CORRUPT') === true) return 'damaged';
    throw ioError(`${operation}: lock`, path, e);
  }
}

/** Sleeps `ms` milliseconds, blocking (the lock is taken synchronously, at open). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

class HeldLock implements FileLock {
  constructor(readonly path: string, private readonly key: string, private db: Database.Database | null) {}

  release(): void {
    const db = this.db;
    if (db === null) return;
    this.db = null;
    // closing rolls the open transaction back (it changed nothing) and drops the lock
    try {
      db.close();
    } finally {
      held.delete(this.key);
    }
  }
}

/**
 * Creates the lock file (0600) if absent, makes an existing one 0600, and empties a file
 * that is not a SQLite database (an older Strata's text lock).
 */
function prepare(path: string, operation: string): void {
  try {
    try {
      fs.closeSync(fs.openSync(path, 'wx', 0o600));
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    fs.chmodSync(path, 0o600);
    const head = readHead(path, SQLITE_MAGIC.length);
    if (head.length > 0 && !head.equals(SQLITE_MAGIC)) empty(path, operation);
  } catch (e) {
    throw e instanceof StrataError ? e : ioError(`${operation}: lock`, path, e);
  }
}

/** Truncates the lock file to nothing (SQLite takes an empty file for a new database). */
function empty(path: string, operation: string): void {
  try {
    fs.truncateSync(path, 0);
  } catch (e) {
    throw ioError(`${operation}: lock`, path, e);
  }
}

/** The first `n` bytes of `path` (fewer if it is shorter). */
function readHead(path: string, n: number): Buffer {
  const fd = fs.openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, fs.readSync(fd, buf, 0, n, 0));
  } finally {
    fs.closeSync(fd);
  }
}

/** The pid the holder recorded, or null (not yet written, or unreadable). */
function readOwner(path: string): number | null {
  try {
    const head = readHead(path, OWNER_OFFSET + 4);
    if (head.length < OWNER_OFFSET + 4 || !head.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return null;
    const pid = head.readUInt32BE(OWNER_OFFSET);
    return pid > 0 ? pid : null;
  } catch {
    return null;
  }
}
