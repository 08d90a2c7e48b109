/**
 * The write-ahead log: append records to the current segment, rotate at a size
 * watermark, make appends durable by group commit, replay after a crash, release
 * segments whose records are all in partition files.
 *
 * Life cycle: {@link Wal.open}, then {@link Wal.replay} (optional), then
 * {@link Wal.begin}, then appends and syncs, then {@link Wal.close}.
 *
 * @module
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { StrataError, ioError, isStrataError } from '../errors.ts';
import { RecordHeaderWriter, WAL_BATCH, WAL_MAX_PAYLOAD, WAL_RECORD_HEADER, WAL_SEGMENT_HEADER, walSegmentName } from './wal-format.ts';
import { replaySegments, type WalReplayFn, type WalReplayReport } from './wal-replay.ts';
import type { WalRecovery } from './wal-recovery.ts';
import { WalSync } from './wal-sync.ts';
import { closeQuietly, createSegment, listSegments, removeSegment, type WalSegment } from './wal-segments.ts';

/** Settings of a {@link Wal}. */

/** Bytes written between background write-back kicks (with syncOnRotate/syncOnWrite). */
const SYNC_KICK = 8 * 1024 * 1024;
export interface WalConfig {
  /** The WAL directory (created if missing). It holds the segments and nothing else of Strata. */
  dir: string;
  /** Segment size, in bytes, at which the log moves to a new segment. */
  rotateWm: number;
  /** Writes are acknowledged after {@link Wal.sync}; also implies {@link WalConfig.syncOnRotate}. */
  syncOnWrite: boolean;
  /**
   * Fdatasync a segment, synchronously, when the log moves past it, so that a crash can
   * only tear the last segment. Otherwise a flush started by the rotation syncs it in
   * the background (a crash before that flush ends can leave it short: CORRUPTION).
   */
  syncOnRotate: boolean;
  /** Store a crc32 in every record (replay checks it). */
  crc: boolean;
  /** Told how long each sync (fdatasync of the segments and directory) took. */
  onSync?: (seconds: number) => void;
}

/** Size and lsn range of a {@link Wal}. */
export interface WalStats {
  /** Segment files, the current one included. */
  segments: number;
  /** Bytes in all segment files. */
  bytes: number;
  /** First lsn of the oldest segment (0 if there is none). */
  firstLsn: bigint;
  /** The last lsn appended (or replayed, before any append). */
  lastLsn: bigint;
}

type State = 'open' | 'begun' | 'closing' | 'closed';

const U64_MAX = 0xffff_ffff_ffff_ffffn;
const EMPTY = new Uint8Array(0);
const noop = (): void => {};

/**
 * A write-ahead log in one directory. Not safe for use by two processes at once (the
 * engine's directory lock guards that).
 *
 * Durability: a record is durable once a {@link Wal.sync} called after its
 * {@link Wal.append} has resolved (or {@link Wal.close} has). A record that was not
 * synced may be lost by a crash, together with every later record; replay never
 * returns a record without all the records before it.
 */
export class Wal {
  private readonly header = new RecordHeaderWriter();
  private readonly iov: Uint8Array[] = [this.header.bytes, EMPTY];
  private readonly syncer: WalSync;
  private state: State = 'open';
  private replayed = false;
  private last = 0n;
  private fd = -1;
  private pos = 0;
  /** Segment position at the last background write-back kick. */
  private kicked = 0;
  private records = 0; // records in the current segment
  private failure: StrataError | null = null;
  private damage: StrataError | null = null; // the CORRUPTION of the last replay
  private closing: Promise<void> | null = null;
  /** Unlinks of released segments in flight, and the first that failed. */
  private readonly unlinking = new Set<Promise<void>>();
  private unlinkFailure: StrataError | null = null;

  private constructor(
    private readonly config: WalConfig,
    private readonly segs: WalSegment[],
  ) {
    this.syncer = new WalSync(config.dir, config.onSync);
  }

  /**
   * Opens the log in `config.dir`: creates the directory if needed (mode 0700) and lists
   * the segments. Writes nothing. Throws `INVALID_INPUT` for a bad config, `IO`.
   */
  static open(config: WalConfig): Wal {
    if (!(config.rotateWm > 0) || !Number.isSafeInteger(config.rotateWm)) {
      throw new StrataError('INVALID_INPUT', `wal open: rotateWm must be a positive integer, not ${config.rotateWm}`);
    }
    try {
      fs.mkdirSync(config.dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw ioError('wal open', config.dir, e);
    }
    return new Wal(config, listSegments(config.dir));
  }

  /** The lsn of the last record appended, or replayed before the first append (0: none). */
  get lastLsn(): bigint {
    return this.last;
  }

  /**
   * Reads the log and calls `fn` for every valid record with lsn >= `fromLsn`, in lsn
   * order (see {@link WalReplayFn} for the payload's lifetime). Cuts a torn tail: damage
   * that no valid record follows (later segments deleted, the damaged one truncated and
   * fsynced; a segment with a torn header is deleted). Damage that valid records
   * follow is handled as `recovery` says ({@link WalRecovery}; see
   * {@link replaySegments}). Only before {@link Wal.begin}. Throws `CORRUPTION` for
   * damage with valid records after it in `tail` mode (nothing changed; `isWalDamage`
   * tells it apart), `IO`, `CLOSED`, `INVALID_INPUT` for an unknown mode, `INTERNAL`
   * after begin, and whatever `fn` throws.
   */
  replay(fromLsn: bigint, fn: WalReplayFn, recovery: WalRecovery = 'tail'): WalReplayReport {
    this.check('wal replay', 'open');
    let report: WalReplayReport;
    try {
      report = replaySegments(this.config.dir, this.segs, fromLsn, fn, recovery);
    } catch (e) {
      if (isStrataError(e, 'CORRUPTION')) this.damage = e;
      throw e;
    }
    this.damage = null;
    this.replayed = true;
    this.last = report.lastLsn;
    return report;
  }

  /**
   * Starts a new segment whose first lsn is max(`afterLsn`, last replayed lsn) + 1;
   * appends are allowed from now on. Without a prior replay, checks (and cuts) the
   * tail of the last segment first. Throws `IO`, `CORRUPTION` (also when the last replay
   * threw it), `CLOSED`, `INTERNAL` if called twice.
   */
  begin(afterLsn: bigint): void {
    this.check('wal begin', 'open');
    if (this.damage !== null) throw this.damage;
    if (!this.replayed) this.replay(U64_MAX, noop);
    const first = (afterLsn > this.last ? afterLsn : this.last) + 1n;
    const tail = this.segs[this.segs.length - 1];
    if (tail !== undefined && tail.firstLsn === first) {
      // the tail segment holds no record (its first lsn is past the last one): replace it
      removeSegment(this.config.dir, tail.name, 'wal begin');
      this.segs.pop();
    }
    this.syncer.start();
    this.startSegment(first);
    this.last = first - 1n;
    this.state = 'begun';
  }

  /**
   * Appends one record and returns its lsn (the last lsn + 1). One `writev` of header
   * and payload at the end of the current segment; the record is in the OS cache, not
   * yet durable: see {@link Wal.sync}. Rotates afterwards when the segment reaches
   * `rotateWm`. The payload is not retained. Throws `INVALID_INPUT` (a type other than
   * `WAL_BATCH`, a count or length that does not fit a u32: nothing written), `CLOSED`,
   * `INTERNAL` before begin, and `IO`; after a failed write the log refuses every
   * further append (its tail is unknown).
   */
  append(type: number, payload: Uint8Array, count: number): bigint {
    this.check('wal append', 'begun');
    if (this.failure !== null || this.syncer.failure !== null) throw this.refused('wal append');
    if (type !== WAL_BATCH) {
      throw new StrataError('INVALID_INPUT', `wal append: record type ${type} is not one the log writes (${WAL_BATCH}, a batch)`);
    }
    if (!(count >= 0 && count <= 0xffff_ffff && Number.isInteger(count)) || payload.length > WAL_MAX_PAYLOAD) {
      throw new StrataError('INVALID_INPUT', `wal append: count ${count} or length ${payload.length} does not fit a u32`);
    }
    if (this.pos >= this.config.rotateWm) this.rotate(); // an earlier rotation failed: retry before writing
    const lsn = this.last + 1n;
    const total = WAL_RECORD_HEADER + payload.length;
    this.header.fill(lsn, type, payload, count, this.config.crc);
    this.iov[1] = payload;
    try {
      const n = fs.writevSync(this.fd, this.iov, this.pos);
      if (n < total) this.writeRest(n, payload);
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      this.failure = new StrataError('IO', `wal append: ${this.segmentPath()}: ${detail}; the WAL refuses further appends, reopen the database`, {
        cause: e,
      });
      throw this.failure;
    } finally {
      this.iov[1] = EMPTY;
    }
    this.pos += total;
    this.segs[this.segs.length - 1]!.size = this.pos;
    this.last = lsn;
    this.records++;
    this.syncer.written();
    if (this.pos - this.kicked >= SYNC_KICK && (this.config.syncOnRotate || this.config.syncOnWrite)) {
      // write back in the background as the segment fills, so that the fdatasync at
      // rotation has little left to flush and the event loop barely waits on it
      this.kicked = this.pos;
      this.syncer.sync().catch(() => undefined);
    }
    if (this.pos >= this.config.rotateWm) {
      try {
        this.rotate();
      } catch {
        // the record is written; the rotation is retried by the next append, which reports it
      }
    }
    return lsn;
  }

  /**
   * Group commit: resolves once an fdatasync covering every append made before the call
   * has completed (on the thread pool; the event loop is not blocked). Callers share
   * flushes. Rejects with `IO` if a flush failed (then and ever after: the log must be
   * reopened), `CLOSED` after close.
   */
  sync(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(this.closedError('wal sync'));
    return this.syncer.sync();
  }

  /**
   * Moves to a new segment starting at the next lsn (a no-op while the current one holds
   * no record). With `syncOnRotate` or `syncOnWrite` the old segment is fdatasynced
   * first, synchronously; otherwise the next flush syncs it. Throws `IO` (if creating the
   * new segment fails the log stays on the old one), `CLOSED`, `INTERNAL` before begin.
   */
  rotate(): void {
    this.check('wal rotate', 'begun');
    if (this.failure !== null || this.syncer.failure !== null) throw this.refused('wal rotate');
    if (this.records === 0) return;
    const old = this.fd;
    const synced = this.config.syncOnRotate || this.config.syncOnWrite;
    if (synced) {
      try {
        fs.fdatasyncSync(old);
      } catch (e) {
        throw this.syncer.fail(e);
      }
    }
    this.startSegment(this.last + 1n);
    this.syncer.retire(old, synced);
  }

  /**
   * Deletes the segments, never the current one, whose records all have lsn < `neededLsn`
   * and returns how many. The files are unlinked on the thread pool (unlinking a large
   * file can take milliseconds: not on the event loop); {@link Wal.released} resolves
   * when they are gone, and {@link Wal.close} waits for them. The deletions become
   * durable with the next flush after that; a segment that survives a crash is
   * harmless. A failed unlink leaves the file (the next open releases it again) and is
   * kept for {@link Wal.released}. Throws `CLOSED`.
   */
  release(neededLsn: bigint): number {
    if (this.state === 'closing' || this.state === 'closed') throw this.closedError('wal release');
    let n = 0;
    while (this.segs.length >= 2 && this.segs[1]!.firstLsn - 1n < neededLsn) {
      this.unlink(this.segs[0]!.name);
      this.segs.shift();
      n++;
    }
    return n;
  }

  /** Resolves once every segment released so far is unlinked; rejects with `IO` if one could not be. */
  async released(): Promise<void> {
    while (this.unlinking.size > 0) await Promise.all(this.unlinking);
    if (this.unlinkFailure !== null) throw this.unlinkFailure;
  }

  private unlink(name: string): void {
    const path = join(this.config.dir, name);
    const p: Promise<void> = fs.promises.unlink(path).then(
      () => this.syncer.dirChanged(),
      (e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.unlinkFailure = ioError('wal release', path, e);
      },
    );
    this.unlinking.add(p);
    void p.finally(() => this.unlinking.delete(p));
  }

  /** The names of the segment files, oldest first. Never throws. */
  files(): string[] {
    return this.segs.map((s) => s.name);
  }

  /** Segment count, bytes and lsn range. Never throws. */
  stats(): WalStats {
    let bytes = 0;
    for (const s of this.segs) bytes += s.size;
    return { segments: this.segs.length, bytes, firstLsn: this.segs[0]?.firstLsn ?? 0n, lastLsn: this.last };
  }

  /**
   * Syncs every append (as {@link Wal.sync}) and closes the files. Idempotent: a second
   * call returns the first one's promise. The files are closed even if the final sync
   * fails; then it rejects with `IO`. Appends after close throw `CLOSED`.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    try {
      // released segments are gone (and their deletion synced) before close returns
      while (this.unlinking.size > 0) await Promise.all(this.unlinking);
      await this.syncer.sync();
    } finally {
      await this.syncer.stop();
      if (this.fd >= 0) closeQuietly(this.fd);
      this.fd = -1;
      this.state = 'closed';
    }
  }

  /** Creates the segment of first lsn `first` and makes it current. */
  private startSegment(first: bigint): void {
    const fd = createSegment(this.config.dir, first);
    this.segs.push({ name: walSegmentName(first), firstLsn: first, size: WAL_SEGMENT_HEADER });
    this.fd = fd;
    this.pos = WAL_SEGMENT_HEADER;
    this.kicked = 0;
    this.records = 0;
    this.syncer.segmentCreated(fd);
  }

  /** Finishes a partial writev, piece by piece. */
  private writeRest(done: number, payload: Uint8Array): void {
    const total = WAL_RECORD_HEADER + payload.length;
    while (done < total) {
      const [buf, off] = done < WAL_RECORD_HEADER ? [this.header.bytes, done] : [payload, done - WAL_RECORD_HEADER];
      const n = fs.writeSync(this.fd, buf, off, buf.length - off, this.pos + done);
      if (n <= 0) throw new Error(`write made no progress at offset ${this.pos + done}`);
      done += n;
    }
  }

  private check(operation: string, needed: State): void {
    if (this.state === needed) return;
    if (this.state === 'closing' || this.state === 'closed') throw this.closedError(operation);
    const why = needed === 'open' ? 'must come before begin()' : 'needs begin() first';
    throw new StrataError('INTERNAL', `${operation}: ${why}`);
  }

  private closedError(operation: string): StrataError {
    return new StrataError('CLOSED', `${operation}: the WAL is closed`);
  }

  private refused(operation: string): StrataError {
    const cause = this.failure ?? this.syncer.failure;
    return new StrataError('IO', `${operation}: the WAL refuses writes after an earlier failure (${cause?.message}); reopen the database`, {
      cause,
    });
  }

  private segmentPath(): string {
    return join(this.config.dir, this.segs[this.segs.length - 1]!.name);
  }
}
