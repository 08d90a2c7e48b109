/**
 * The directory lock: one process, and one handle within it, owns a database
 * directory. The lock is `<dir>/strata.lock`, held through SQLite's file locks
 * ({@link lockFile}): the operating system releases it when the owning process ends,
 * however it ends, so a stale file never blocks and two processes never both hold it.
 * The file stays in the directory after release.
 *
 * @module
 */
import * as path from 'node:path';
import { StrataError } from '../../errors.ts';
import { type FileLock, lockFile } from '../../manifest/index.ts';
import { LOCK_FILE } from './paths.ts';

/** A held directory lock; {@link DirLock.release} gives it up. */
export class DirLock {
  private constructor(private readonly lock: FileLock) {}

  /**
   * Takes the lock of `dir` (which must exist) without waiting, for `operation`
   * (`open`, `repair`: the messages start with it).
   * @throws StrataError `LOCKED` if another process, or another handle of this
   *   process, holds it; `IO` if the lock file cannot be created or locked.
   */
  static acquire(dir: string, operation: string): DirLock {
    const got = lockFile(path.join(dir, LOCK_FILE), operation);
    if (got.lock !== null) return new DirLock(got.lock);
    if (got.inProcess) {
      throw new StrataError('LOCKED', `${operation}: ${dir} is already open in this process; close the other handle first`);
    }
    const by = got.owner !== null && got.owner !== process.pid && alive(got.owner) ? `process ${got.owner}` : 'another process';
    throw new StrataError('LOCKED', `${operation}: ${dir} is in use by ${by}; stop it or open another directory`, { retryable: true });
  }

  /** Gives the lock up; the lock file stays. Idempotent. */
  release(): void {
    this.lock.release();
  }
}

/** Whether a process `pid` exists (the recorded pid of a holder, checked before naming it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
