/**
 * Cursors: forward range scans in `(id, key)` order over every partition.
 *
 * Within a partition a cursor merges the file with the frozen and active memtables
 * (a newer source wins; deletes hide events). A partition with nothing in memory is
 * read straight from its file, one region at a time, with no merge step. A cursor
 * keeps the file it reads open (by reference) and the memtables it reads alive, so a
 * refresh or move of the partition does not disturb it; writes that land in a
 * memtable it reads show up if they sort after its position.
 *
 * A partition whose file is only on the cloud is read region by region, each region
 * one ranged GET (remote-object.ts). The fast path never waits: `next()` returns false
 * with {@link Cursor.blocked} set when the next region is not fetched yet, and
 * `nextAsync()` fetches it and goes on. The async iterator does this by itself.
 *
 * @module
 */
import { MAX_ID, RECORD_HEADER, idHi, idLo, recIdHi, recIdLo, recSetId, recSize, toId, type IdLike } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import {
  type EventSource,
  FileIterator,
  type Memtable,
  MemtableIterator,
  MergeIterator,
  type PartitionFile,
  RegionBuffers,
} from '../partition/index.ts';
import type { EngineContext } from '../engine/core/context.ts';
import { type ReadAhead, RegionWindow, type RemoteObject } from '../engine/cloud/remote-object.ts';
import { EventView, type StrataEvent } from './event-view.ts';
import { EventBatch } from './event-batch.ts';
import { AsyncEventIterator, SyncEventIterator } from './event-iterators.ts';

/** Where a cursor starts and stops. */
export interface CursorOptions {
  /** First id (inclusive). Default 0. */
  readonly from?: IdLike;
  /** Last id (inclusive). Default 2^64-1. */
  readonly to?: IdLike;
  /** With `from`: start at the first event >= `(from, key)`. */
  readonly key?: Uint8Array | string;
  /**
   * Read-ahead in a partition that is only on the cloud, once the cursor reads past its
   * first region there: at most this many regions fetched or in flight ahead of the one
   * being read, several adjacent regions per ranged GET (0..65536; default: the setting
   * `read_ahead`, 1024). 0: only the region the cursor waits for, one request at a time.
   */
  readonly readAhead?: number;
  /**
   * Read-ahead bound in stored bytes (0..2^40; default: the setting `read_ahead_size`,
   * 16 MiB). At least one region is always read ahead when `readAhead` > 0.
   */
  readonly readAheadSize?: number;
}

/** What `enter()` returns when the partition's next region must be fetched first. */
const BLOCKED = Symbol('blocked');

/** Events per batch when `nextBatch` is called without a count. */
const BATCH_DEFAULT = 1024;
/** Largest count `nextBatch` takes (its columns are allocated at that size). */
const BATCH_MAX = 1 << 20;
/**
 * A batch read from one buffer ends where the buffer does once it holds this many
 * events; a shorter one (interleaved sources) goes on in the batch's own buffer.
 */
const MIN_RUN = 32;

/**
 * A forward scan. Two ways to read it:
 *
 * - fast path: `while (cursor.next() || (await cursor.nextAsync())) use(cursor.event)`:
 *   `event` is one reused view, nothing is allocated per event, and `nextAsync` runs
 *   only when a cloud region must be fetched (`next()` alone stops there, with
 *   {@link blocked} set, so a database without clouds can use `while (cursor.next())`);
 * - batches: `while (cursor.nextBatch(n) || (await cursor.nextBatchAsync(n))) use(cursor.batch)`:
 *   columns of up to `n` events in one reused {@link EventBatch};
 * - ergonomic: `for await (const e of cursor)`: one {@link StrataEvent} per event.
 *
 * Ownership: a cursor holds the file (or cloud object) and the memtables of the
 * partition it reads until it leaves that partition or closes (their memory is not
 * reused meanwhile).
 *
 * Validity: what the fast path and batches hand out (`event`, `batch`, the bytes they
 * point to) is valid until the cursor's next move or its close: the cursor reads and
 * decodes regions into reused buffers. Copy what you keep. The events of the iterators
 * are the caller's to keep.
 *
 * Close a cursor that is not read to its end (the iterators close it themselves).
 */
export class Cursor implements AsyncIterable<StrataEvent>, Iterable<StrataEvent> {
  /** The current event, after `next()` returned true. */
  readonly event = new EventView();
  /** The current batch, after `nextBatch()` returned true. */
  readonly batch = new EventBatch();
  /** Reused read and decode buffers of the regions this cursor reads. */
  private readonly buffers = new RegionBuffers();
  /** The source when it is a partition's file alone (batches walk its regions in place). */
  private fileIter: FileIterator | null = null;
  /** Whether events of the current partition may lie past `to` (else no check per event). */
  private checkTo = true;
  /** An error met while filling a batch that returned the events before it: the next move throws it. */
  private failure: unknown = null;
  private readonly probe: Uint8Array;
  private readonly toHi: number;
  private readonly toLo: number;
  private source: EventSource | null = null;
  private file: PartitionFile | null = null;
  /** The partition being read: its max, or -1n before the first. */
  private partMax = -1n;
  private pending = false;
  private done = false;
  private first = true;
  /** Set while blocked: what fetches the data the cursor waits for. */
  private wait: (() => Promise<void>) | null = null;
  /** The cloud object being read (referenced), its regions for this cursor, and its iterator. */
  private remote: RemoteObject | null = null;
  private window: RegionWindow | null = null;
  private remoteIter: FileIterator | null = null;
  private readonly readAhead: ReadAhead;
  /** The memtables of the partition being read, held until the cursor leaves it. */
  private readonly held: Memtable[] = [];

  /** @internal use `db.cursor()`. */
  constructor(private readonly ctx: EngineContext, private readonly isOpen: () => boolean, options: CursorOptions = {}) {
    const from = options.from === undefined ? 0n : toId(options.from, 'cursor', 'from');
    const to = options.to === undefined ? MAX_ID : toId(options.to, 'cursor', 'to');
    if (options.key !== undefined && typeof options.key !== 'string' && !(options.key instanceof Uint8Array)) {
      throw new StrataError('INVALID_INPUT', 'cursor: key is a string or a Uint8Array');
    }
    const key = typeof options.key === 'string' ? new TextEncoder().encode(options.key) : options.key;
    if (key !== undefined && key.length > 255) throw new StrataError('INVALID_INPUT', 'cursor: key is longer than 255 bytes');
    this.probe = new Uint8Array(RECORD_HEADER + (key?.length ?? 0));
    recSetId(this.probe, 0, idHi(from), idLo(from));
    if (key !== undefined) {
      this.probe[12] = key.length;
      this.probe.set(key, RECORD_HEADER);
    }
    this.toHi = idHi(to);
    this.toLo = idLo(to);
    const regions = options.readAhead ?? ctx.config.read_ahead;
    if (!Number.isSafeInteger(regions) || regions < 0 || regions > 65536) throw new StrataError('INVALID_INPUT', `cursor: readAhead is an integer in 0..65536, got ${String(regions)}`);
    const bytes = options.readAheadSize ?? ctx.config.read_ahead_size;
    if (!Number.isSafeInteger(bytes) || bytes < 0 || bytes > 2 ** 40) throw new StrataError('INVALID_INPUT', `cursor: readAheadSize is an integer in 0..2^40, got ${String(bytes)}`);
    this.readAhead = { regions, bytes };
    if (from > to) this.done = true;
  }

  /**
   * Whether the last `next()` returned false because the cursor waits for a region of
   * a cloud partition (not at the end): call {@link nextAsync} to go on.
   */
  get blocked(): boolean {
    return this.wait !== null;
  }

  /**
   * Like `next()`, but first fetches what a blocked cursor waits for (one ranged GET,
   * or the index of a cloud partition and then a region). On a `CLOUD` error the cursor
   * stays where it was, still blocked: call again to retry, or close it.
   */
  async nextAsync(): Promise<boolean> {
    for (;;) {
      await this.unblock();
      if (this.next()) return true;
      if (this.wait === null) return false;
    }
  }

  /**
   * Moves to the next event; false at the end (the cursor is then closed) or when
   * blocked. The bytes of the previous event may be reused from here on.
   * @throws StrataError `CLOSED` if the database was closed, `CORRUPTION` if a region
   *   fails its checksum (the cursor stays usable for other partitions only by reopening).
   */
  next(): boolean {
    if (this.failure !== null) this.throwFailure();
    if (this.done || this.wait !== null) return false;
    if (!this.isOpen()) this.throwClosed();
    if (this.buffers.retired !== 0) this.buffers.release();
    if (!this.position()) return false;
    const src = this.source!;
    this.pending = false;
    this.event.buffer = src.buf;
    this.event.offset = src.off;
    return true;
  }

  /**
   * Fills {@link batch} with the next events, at most `max` (default 1024), and returns
   * true; false when there is none (at the end, the cursor is then closed, or when
   * blocked: see {@link blocked} and {@link nextBatchAsync}). A batch may hold fewer
   * than `max` events while more follow: it ends where a decoded region (or memtable
   * slab) ends, before a region of a cloud partition that is not fetched yet, and at
   * the end. The previous batch, and the previous event of `next()`, may be reused
   * from here on.
   * @throws StrataError `INVALID_INPUT` for a `max` outside 1..1048576; as `next()` otherwise.
   */
  nextBatch(max = BATCH_DEFAULT): boolean {
    const batch = this.batch;
    batch.length = 0;
    if (!(Number.isSafeInteger(max) && max >= 1 && max <= BATCH_MAX)) {
      throw new StrataError('INVALID_INPUT', `cursor: nextBatch takes a count in 1..${BATCH_MAX}, got ${String(max)}`);
    }
    if (this.failure !== null) this.throwFailure();
    if (this.done || this.wait !== null) return false;
    if (!this.isOpen()) this.throwClosed();
    if (this.buffers.retired !== 0) this.buffers.release();
    batch.begin(max);
    // the records taken so far form runs of contiguous bytes; while there is one run,
    // the batch points into its buffer; else (copying) each run is copied into the
    // batch's own buffer, where the next one lands at `at`
    let runBuf: Uint8Array | null = null;
    let runStart = 0;
    let runEnd = 0;
    let copying = false;
    let at = 0;
    try {
      while (batch.length < max && this.position()) {
        const src = this.source!;
        const b = src.buf;
        const o = src.off;
        if (runBuf === null) {
          runBuf = b;
          runStart = o;
        } else if (b !== runBuf || o !== runEnd) {
          if (!copying) {
            // one buffer ends: so does the batch, unless its run is short (interleaved sources)
            if (batch.length >= MIN_RUN) break;
            copying = true;
            batch.rebase(0, -runStart);
          }
          at = batch.copy(runBuf, runStart, runEnd, at);
          // copied: the regions left behind may be reused (the merge's current record is
          // in a region it stands in, never a retired one)
          if (this.buffers.retired !== 0) this.buffers.release();
          runBuf = b;
          runStart = o;
        }
        const base = copying ? at - runStart : 0;
        const fi = this.fileIter;
        if (src === fi) {
          // a file alone: take the region's records in place, up to its end (where the
          // batch ends: the next region is read by the next call)
          runEnd = batch.take(b, o, fi.end, max, base, this.checkTo, this.toHi, this.toLo);
          if (batch.pastTo) {
            this.close();
            break;
          }
          fi.off = batch.lastOff;
          this.pending = false;
          if (runEnd >= fi.end) break;
        } else {
          // a merge: one record (position() checked it against `to`)
          runEnd = batch.take(b, o, o + recSize(b, o), max, base, false, 0, 0);
          this.pending = false;
        }
      }
    } catch (e) {
      // the events taken before the failure are returned; the next move throws it
      if (runBuf === null) throw e;
      this.failure = e;
    }
    if (runBuf === null) return false;
    if (copying) {
      batch.copy(runBuf, runStart, runEnd, at);
      batch.buffer = batch.own;
    } else {
      batch.buffer = runBuf;
    }
    return true;
  }

  /**
   * @internal Keeps the current batch's buffer for the caller: true when it is a region
   * this cursor decoded, which the cursor then never writes into again (the caller may
   * hold it as long as it likes); false, and nothing changes, when it is memory the
   * cursor reuses (a memtable slab, the batch's own copy), which the caller must copy.
   */
  keepBatchBuffer(): boolean {
    return this.batch.length > 0 && this.buffers.give(this.batch.buffer);
  }

  /**
   * @internal Takes back buffers {@link keepBatchBuffer} kept, once the caller no longer
   * reads them: the cursor reuses them for regions it reads next.
   */
  restoreBatchBuffers(buffers: readonly Uint8Array[]): void {
    for (const b of buffers) this.buffers.restore(b);
  }

  /**
   * @internal Says, before the first move, that the caller will keep every batch's
   * buffer it can ({@link keepBatchBuffer}): regions are then decoded into shared
   * slabs rather than a reused pool.
   */
  keepAllBatchBuffers(): void {
    this.buffers.giveAll();
  }

  /**
   * Like {@link nextBatch}, but first fetches what a blocked cursor waits for, as
   * {@link nextAsync} does; resolves false only at the end.
   */
  async nextBatchAsync(max = BATCH_DEFAULT): Promise<boolean> {
    for (;;) {
      await this.unblock();
      if (this.nextBatch(max)) return true;
      if (this.wait === null) return false;
    }
  }

  /** Fetches what a blocked cursor waits for (nothing when not blocked). */
  private async unblock(): Promise<void> {
    const w = this.wait;
    if (w === null) return;
    if (!this.isOpen()) this.throwClosed();
    try {
      await w();
    } catch (e) {
      // between partitions the next call looks again (the object may have been
      // replaced meanwhile); inside one it retries the same region
      if (this.source === null) this.wait = null;
      throw e;
    }
    this.wait = null;
  }

  private throwFailure(): never {
    const e = this.failure;
    this.failure = null;
    throw e;
  }

  private throwClosed(): never {
    this.close();
    throw new StrataError('CLOSED', 'cursor: the database is closed');
  }

  /**
   * Positions the source on the next event not yet returned (stepping past the one
   * returned, unless `pending`), entering and leaving partitions as needed; true when
   * there is one, within `to`. False at the end (the cursor is then closed) or when
   * blocked. The event stays pending (returned by nobody) until the caller clears it.
   */
  private position(): boolean {
    const src = this.source;
    if (src !== null) {
      if (!this.pending) {
        src.next();
        this.pending = true;
      }
      if (src.valid && !this.checkTo) return true;
    }
    return this.positionSlow();
  }

  private positionSlow(): boolean {
    for (;;) {
      let src = this.source;
      if (src === null) {
        const entered = this.enter();
        if (entered === BLOCKED) return false;
        if (entered === null) {
          this.close();
          return false;
        }
        src = entered;
      } else if (!this.pending) {
        src.next();
      }
      this.pending = true;
      if (src.valid) {
        if (this.checkTo) {
          const b = src.buf;
          const o = src.off;
          // stop past `to`
          const hi = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
          if ((hi >>> 0) > this.toHi || ((hi >>> 0) === this.toHi && (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0 > this.toLo)) {
            this.close();
            return false;
          }
        }
        return true;
      }
      if (src.stalled) {
        // a region of a cloud partition must be fetched first: nextAsync() does it
        const w = this.window!;
        const r = this.remoteIter!.waitingFor;
        this.wait = async () => {
          await w.fetch(r);
          src.resume();
        };
        return false;
      }
      this.leave();
      if (this.partMax >= MAX_ID) {
        this.close();
        return false;
      }
    }
  }

  /** Releases what the cursor holds. Idempotent. */
  close(): void {
    this.leave();
    this.wait = null;
    this.done = true;
  }

  /**
   * Events one at a time, synchronously: one {@link StrataEvent} each, whose key and
   * value are the caller's to keep (copied in bulk, batch by batch, never reused).
   * Leaving the loop closes the cursor.
   * @throws StrataError `NOT_SUPPORTED` on reaching a partition that is only on the
   *   cloud: a synchronous loop cannot wait for it; use `for await`.
   */
  [Symbol.iterator](): Iterator<StrataEvent> {
    return new SyncEventIterator(this);
  }

  /**
   * Events one at a time, waiting for cloud regions as needed: one {@link StrataEvent}
   * each, as the synchronous iterator gives them. Leaving the loop closes the cursor.
   */
  [Symbol.asyncIterator](): AsyncIterator<StrataEvent> {
    return new AsyncEventIterator(this);
  }

  /**
   * Opens the next partition in range; null when there is none; BLOCKED (changing
   * nothing) when it is only on the cloud and its index must be fetched first. Its
   * seek may stall on a region (next() then blocks).
   */
  private enter(): EventSource | null | typeof BLOCKED {
    const parts = this.ctx.partitions;
    let hi: number;
    let lo: number;
    let next = 0n;
    if (this.first) {
      hi = recIdHi(this.probe, 0);
      lo = recIdLo(this.probe, 0);
    } else {
      next = this.partMax + 1n;
      hi = idHi(next);
      lo = idLo(next);
    }
    const i = parts.firstEndingAtOrAfter(hi, lo);
    const p = parts.all[i];
    if (p === undefined || p.minHi > this.toHi || (p.minHi === this.toHi && p.minLo > this.toLo)) return null;
    if (p.damage !== null) throw p.damage;
    // where the scan starts: from the probe, or where the previous partition ended,
    // never below it (a partition dropped and created again meanwhile may start lower)
    let start = this.probe;
    if (!this.first) {
      start = new Uint8Array(RECORD_HEADER);
      if (p.min > next) recSetId(start, 0, p.minHi, p.minLo);
      else recSetId(start, 0, hi, lo);
    }
    const remote = p.file === null ? p.remote : null;
    if (remote !== null && remote.file === null) {
      // its index first (once per object); then its regions, one by one as the scan
      // stalls on them. The wait loads the partition's object as it is when the wait
      // runs (a refresh meanwhile may have replaced it), held so that it is not deleted
      // under the request; next() then enters the partition again.
      this.wait = () => {
        const now = p.file === null && !p.dropped ? p.remote : null;
        if (now === null || now.file !== null) return Promise.resolve();
        now.ref();
        return now.load().then(
          () => now.unref(),
          (e: unknown) => {
            now.unref();
            throw e;
          },
        );
      };
      return BLOCKED;
    }
    this.partMax = p.max;
    this.checkTo = p.maxHi > this.toHi || (p.maxHi === this.toHi && p.maxLo > this.toLo);
    const sources: EventSource[] = [];
    if (p.file !== null) {
      p.file.ref();
      this.file = p.file;
      sources.push(new FileIterator(p.file, this.buffers));
    } else if (remote !== null) {
      remote.ref();
      this.remote = remote;
      this.window = new RegionWindow(remote, this.readAhead, this.toHi, this.toLo);
      this.remoteIter = new FileIterator(this.window, this.buffers);
      sources.push(this.remoteIter);
    }
    for (const m of p.frozen) if (m.count > 0) sources.push(new MemtableIterator(m));
    sources.push(new MemtableIterator(p.active));
    const alone = sources.length === 2 && p.active.count === 0 && (p.file !== null || remote !== null);
    if (!alone) {
      // the memtables' slabs are not reused while the cursor may point into them
      for (const m of p.frozen) if (m.count > 0) this.hold(m);
      this.hold(p.active);
    }
    const src: EventSource = alone ? sources[0]! : new MergeIterator(sources);
    if (alone) this.fileIter = sources[0] as FileIterator;
    src.seek(start, 0, false);
    this.first = false;
    this.source = src;
    this.pending = true;
    return src;
  }

  private hold(m: Memtable): void {
    m.retain();
    this.held.push(m);
  }

  private leave(): void {
    for (const m of this.held) m.release();
    this.held.length = 0;
    this.source = null;
    this.fileIter = null;
    this.remoteIter = null;
    this.window = null;
    if (this.remote !== null) {
      this.remote.unref();
      this.remote = null;
    }
    if (this.file !== null) {
      this.file.unref();
      this.file = null;
    }
  }
}
