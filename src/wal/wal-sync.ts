/**
 * Group commit for the WAL: one async fdatasync at a time, shared by every caller that
 * it covers, plus the segments retired by rotation and the directory entries.
 *
 * @module
 */
import { openSync } from 'node:fs';
import { StrataError, ioError } from '../errors.ts';
import { closeQuietly, fdatasyncAsync, fsyncAsync } from './wal-segments.ts';

interface Waiters {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

const noop = (): void => {};

/**
 * Tracks appends by a counter and makes them durable in flushes. A flush covers the
 * appends counted before it started: it fdatasyncs the retired segments (then closes
 * them), the current segment, and the directory if a segment was created or deleted.
 * While a flush runs, later callers wait for the next single flush.
 *
 * An fd handed to this class is closed by it, never while a flush may use it.
 */
export class WalSync {
  /** Set by the first failed flush; every later sync rejects with it. */
  failure: StrataError | null = null;
  private current = -1;
  private dirFd = -1;
  private dirDirty = false;
  private retired: number[] = [];
  private writes = 0;
  private synced = 0;
  private target = 0;
  private flushing: Promise<void> | null = null;
  private waiting: Waiters | null = null;

  /**
   * @param dir the WAL directory
   * @param onSync told how long each successful flush took, in seconds
   */
  constructor(
    private readonly dir: string,
    private readonly onSync?: (seconds: number) => void,
  ) {}

  /** Opens the directory for fsync. Throws `IO`. */
  start(): void {
    if (this.dirFd >= 0) return;
    try {
      this.dirFd = openSync(this.dir, 'r');
    } catch (e) {
      throw ioError('wal begin', this.dir, e);
    }
  }

  /** A new segment `fd` is now current; its directory entry needs a sync. */
  segmentCreated(fd: number): void {
    this.current = fd;
    this.dirDirty = true;
  }

  /** A segment was deleted. */
  dirChanged(): void {
    this.dirDirty = true;
  }

  /** One more append was written to the current segment. */
  written(): void {
    this.writes++;
  }

  /**
   * The segment `fd` is no longer current. If it is `synced` and no flush may be using
   * it, it is closed now; otherwise the next flush (started now if none runs) syncs and
   * closes it.
   */
  retire(fd: number, synced: boolean): void {
    if (synced && this.flushing === null) {
      closeQuietly(fd);
      return;
    }
    this.retired.push(fd);
    if (this.flushing === null) void this.flush().catch(noop);
  }

  /** Records a failed fdatasync `e` as the permanent failure and returns it. */
  fail(e: unknown): StrataError {
    const detail = e instanceof Error ? e.message : String(e);
    this.failure ??= new StrataError(
      'IO',
      `wal sync: fdatasync failed in ${this.dir} (${detail}); writes since the last sync may be lost, reopen the database`,
      { cause: e },
    );
    return this.failure;
  }

  /** Resolves when every append counted before the call is durable; see {@link WalSync}. */
  sync(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.flushing !== null) {
      if (this.target >= this.writes) return this.flushing;
      this.waiting ??= waiters();
      return this.waiting.promise;
    }
    if (this.synced >= this.writes) return Promise.resolve();
    return this.flush();
  }

  /** Waits for the flushes in flight and closes the retired segments and the directory. */
  async stop(): Promise<void> {
    while (this.flushing !== null) await this.flushing.catch(noop);
    for (const fd of this.retired) closeQuietly(fd);
    this.retired = [];
    if (this.dirFd >= 0) closeQuietly(this.dirFd);
    this.dirFd = -1;
    this.current = -1;
  }

  private flush(): Promise<void> {
    const target = this.writes;
    const fds = this.retired;
    const current = this.current;
    const dirFd = this.dirDirty ? this.dirFd : -1;
    this.retired = [];
    this.dirDirty = false;
    this.target = target;
    const run = async (): Promise<void> => {
      const t0 = performance.now();
      try {
        await Promise.all(fds.map(fdatasyncAsync));
        if (current >= 0) await fdatasyncAsync(current);
        if (dirFd >= 0) await fsyncAsync(dirFd);
        if (target > this.synced) this.synced = target;
        this.onSync?.((performance.now() - t0) / 1000);
      } catch (e) {
        throw this.fail(e);
      } finally {
        for (const fd of fds) closeQuietly(fd);
      }
    };
    const p = run().finally(() => {
      this.flushing = null;
      this.next();
    });
    p.catch(noop); // a background flush has no caller; its failure is kept in `failure`
    this.flushing = p;
    return p;
  }

  /** After a flush: start the one the waiters wait for, or one for retired segments. */
  private next(): void {
    const w = this.waiting;
    this.waiting = null;
    if (w !== null) {
      if (this.failure !== null) w.reject(this.failure);
      else this.flush().then(w.resolve, w.reject);
    } else if (this.retired.length > 0 && this.failure === null) {
      void this.flush().catch(noop);
    }
  }
}

function waiters(): Waiters {
  let resolve = noop;
  let reject: (e: unknown) => void = noop;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
