/**
 * The directory lock: one process (and one handle within it) owns a database
 * directory. The lock file holds the owner's pid; a lock whose owner is gone
 * (killed, crashed) is taken over.
 *
 * @module
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StrataError, ioError } from '../errors.ts';

/** Name of the lock file in the database directory. */
export const LOCK_FILE = 'strata.lock';

const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A held directory lock; {@link DirLock.release} gives it up. */
export class DirLock {
  private constructor(private readonly file: string, private readonly key: string) {}

  /**
   * Takes the lock of `dir` (which must exist).
   * @throws StrataError `LOCKED` if a live process, or another handle of this process,
   *   holds it.
   */
  static acquire(dir: string): DirLock {
    const key = fs.realpathSync(dir);
    const file = path.join(dir, LOCK_FILE);
    if (held.has(key)) {
      throw new StrataError('LOCKED', `open: ${dir} is already open in this process; close the other handle first`);
    }
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
        held.add(key);
        return new DirLock(file, key);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('open: lock', file, e);
      }
      const owner = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
        throw new StrataError('LOCKED', `open: ${dir} is in use by process ${owner}; stop it or open another directory`);
      }
      // the owner is gone: take the lock over
      fs.rmSync(file, { force: true });
    }
    throw new StrataError('LOCKED', `open: could not take the lock ${file}; another process is racing for it`);
  }

  /** Gives the lock up. Idempotent. */
  release(): void {
    if (!held.delete(this.key)) return;
    fs.rmSync(this.file, { force: true });
  }
}
