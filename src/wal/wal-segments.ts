/**
 * File-system work on WAL segment files: list, create, cut a torn tail, remove, and
 * the async sync calls of group commit. Every failure is an `IO` {@link StrataError}
 * naming the file.
 *
 * @module
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ioError } from '../errors.ts';
import { encodeSegmentHeader, parseWalSegmentName, walSegmentName } from './wal-format.ts';

/** A segment file of the log: its name, first lsn and size in bytes (as last known). */
export interface WalSegment {
  readonly name: string;
  readonly firstLsn: bigint;
  size: number;
}

/** The segment files of `dir` in lsn order; other files are ignored. Throws `IO`. */
export function listSegments(dir: string): WalSegment[] {
  const segs: WalSegment[] = [];
  try {
    for (const name of fs.readdirSync(dir)) {
      const firstLsn = parseWalSegmentName(name);
      if (firstLsn === null) continue;
      const st = fs.statSync(join(dir, name));
      if (st.isFile()) segs.push({ name, firstLsn, size: st.size });
    }
  } catch (e) {
    throw ioError('wal open', dir, e);
  }
  return segs.sort((a, b) => (a.firstLsn < b.firstLsn ? -1 : a.firstLsn > b.firstLsn ? 1 : 0));
}

/**
 * Creates the segment of first lsn `firstLsn` in `dir` (it must not exist; mode 0600,
 * private to the owner) and writes its header. Returns the open file descriptor, positioned by the caller at 16.
 * Nothing is synced: the caller's next flush syncs the file and the directory.
 * On failure removes what it created and throws `IO`.
 */
export function createSegment(dir: string, firstLsn: bigint): number {
  const path = join(dir, walSegmentName(firstLsn));
  let fd = -1;
  try {
    fd = fs.openSync(path, 'wx', 0o600);
    const header = encodeSegmentHeader(firstLsn);
    if (fs.writeSync(fd, header, 0, header.length, 0) !== header.length) throw new Error('short write of the segment header');
    return fd;
  } catch (e) {
    if (fd >= 0) {
      closeQuietly(fd);
      try {
        fs.unlinkSync(path);
      } catch {
        // the segment was never used; a leftover is a torn creation for replay
      }
    }
    throw ioError('wal create segment', path, e);
  }
}

/** Truncates the file at `path` to `offset` bytes and fsyncs it. Throws `IO`. */
export function cutSegment(path: string, offset: number): void {
  let fd = -1;
  try {
    fd = fs.openSync(path, 'r+');
    fs.ftruncateSync(fd, offset);
    fs.fsyncSync(fd);
  } catch (e) {
    throw ioError('wal replay: cut torn tail', path, e);
  } finally {
    if (fd >= 0) closeQuietly(fd);
  }
}

/** Deletes the segment `name` of `dir` (a missing file counts as deleted). Throws `IO`. */
export function removeSegment(dir: string, name: string, operation: string): void {
  const path = join(dir, name);
  try {
    fs.unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError(operation, path, e);
  }
}

/** Fsyncs the directory `dir`, making creations and deletions in it durable. Throws `IO`. */
export function syncDir(dir: string, operation: string): void {
  let fd = -1;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    throw ioError(operation, dir, e);
  } finally {
    if (fd >= 0) closeQuietly(fd);
  }
}

/** `fdatasync(fd)` on the libuv thread pool: does not block the event loop. */
export function fdatasyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (e) => (e ? reject(e) : resolve())));
}

/** `fsync(fd)` on the libuv thread pool (used for the directory). */
export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (e) => (e ? reject(e) : resolve())));
}

/** Closes `fd`, ignoring errors (for clean-up paths where the data is already safe or lost). */
export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // nothing more to do
  }
}
