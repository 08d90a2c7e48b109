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
import { MAX_ID, RECORD_HEADER, idHi, idLo, recIdHi, recIdLo, recSetId, toId, type IdLike } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import {
  type EventSource,
  FileIterator,
  type Memtable,
  MemtableIterator,
  MergeIterator,
  type PartitionFile,
} from '../partition/index.ts';
import type { EngineContext } from './context.ts';
import { RegionWindow, type RemoteObject } from './remote-object.ts';
import { EventView, type StrataEvent } from './event-view.ts';

/** Where a cursor starts and stops. */
export interface CursorOptions {
  /** First id (inclusive). Default 0. */
  readonly from?: IdLike;
  /** Last id (inclusive). Default 2^64-1. */
  readonly to?: IdLike;
  /** With `from`: start at the first event >= `(from, key)`. */
  readonly key?: Uint8Array | string;
  /**
   * Regions of a cloud partition to fetch ahead of the one being read (default 0:
   * never more than one request in flight).
   */
  readonly readAhead?: number;
}

/** What `enter()` returns when the partition's next region must be fetched first. */
const BLOCKED = Symbol('blocked');

/**
 * A forward scan. Two ways to read it:
 *
 * - fast path: `while (cursor.next() || (await cursor.nextAsync())) use(cursor.event)`:
 *   `event` is one reused view, nothing is allocated per event, and `nextAsync` runs
 *   only when a cloud region must be fetched (`next()` alone stops there, with
 *   {@link blocked} set, so a database without clouds can use `while (cursor.next())`).
 *   The bytes it points to are valid until the cursor moves again or closes;
 * - ergonomic: `for await (const e of cursor)`: one {@link StrataEvent} per event, its
 *   key and value valid for good (the memory of the memtables read is then never reused).
 *
 * Ownership: a cursor holds the file (or cloud object) and the memtables of the
 * partition it reads until it leaves that partition or closes.
 *
 * Close a cursor that is not read to its end (the async iterator closes it itself).
 */
export class Cursor implements AsyncIterable<StrataEvent>, Iterable<StrataEvent> {
  /** The current event, after `next()` returned true. */
  readonly event = new EventView();
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
  private readonly readAhead: number;
  /** The memtables of the partition being read, held until the cursor leaves it. */
  private readonly held: Memtable[] = [];
  /** Set by the iterators: the events they yield outlive the cursor's position. */
  private pins = false;

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
    const ahead = options.readAhead ?? 0;
    if (!Number.isSafeInteger(ahead) || ahead < 0 || ahead > 64) throw new StrataError('INVALID_INPUT', `cursor: readAhead is an integer in 0..64, got ${String(ahead)}`);
    this.readAhead = ahead;
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
      const w = this.wait;
      if (w !== null) {
        if (!this.isOpen()) {
          this.close();
          throw new StrataError('CLOSED', 'cursor: the database is closed');
        }
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
      if (this.next()) return true;
      if (this.wait === null) return false;
    }
  }

  /**
   * Moves to the next event; false at the end (the cursor is then closed).
   * @throws StrataError `CLOSED` if the database was closed, `CORRUPTION` if a region
   *   fails its checksum (the cursor stays usable for other partitions only by reopening).
   */
  next(): boolean {
    if (this.done || this.wait !== null) return false;
    if (!this.isOpen()) {
      this.close();
      throw new StrataError('CLOSED', 'cursor: the database is closed');
    }
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
      this.pending = false;
      if (src.valid) {
        const b = src.buf;
        const o = src.off;
        // stop past `to`
        const hi = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
        if ((hi >>> 0) > this.toHi || ((hi >>> 0) === this.toHi && (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0 > this.toLo)) {
          this.close();
          return false;
        }
        this.event.buffer = b;
        this.event.offset = o;
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
        this.pending = true;
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
   * Events one at a time, synchronously.
   * @throws StrataError `NOT_SUPPORTED` on reaching a partition that is only on the
   *   cloud: a synchronous loop cannot wait for it; use `for await`.
   */
  *[Symbol.iterator](): Iterator<StrataEvent> {
    this.pin();
    try {
      while (this.next()) yield this.event.toEvent();
      if (this.wait !== null) {
        throw new StrataError('NOT_SUPPORTED', 'cursor: the scan reached a partition that is only on the cloud, which a synchronous loop cannot wait for; use for await, or next() with nextAsync()');
      }
    } finally {
      this.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StrataEvent> {
    this.pin();
    try {
      while (this.next() || (await this.nextAsync())) yield this.event.toEvent();
    } finally {
      this.close();
    }
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
    const sources: EventSource[] = [];
    if (p.file !== null) {
      p.file.ref();
      this.file = p.file;
      sources.push(new FileIterator(p.file));
    } else if (remote !== null) {
      remote.ref();
      this.remote = remote;
      this.window = new RegionWindow(remote, this.readAhead);
      this.remoteIter = new FileIterator(this.window);
      sources.push(this.remoteIter);
    }
    for (const m of p.frozen) if (m.count > 0) sources.push(new MemtableIterator(m));
    sources.push(new MemtableIterator(p.active));
    const fileOnly = sources.length === 2 && p.active.count === 0 && (p.file !== null || remote !== null);
    if (!fileOnly) {
      // the memtables' slabs are not reused while the cursor may point into them
      for (const m of p.frozen) if (m.count > 0) this.hold(m);
      this.hold(p.active);
    }
    const src: EventSource = fileOnly ? sources[0]! : new MergeIterator(sources);
    src.seek(start, 0, false);
    this.first = false;
    this.source = src;
    this.pending = true;
    return src;
  }

  private hold(m: Memtable): void {
    m.retain(this.pins);
    this.held.push(m);
  }

  /**
   * The iterators yield events whose key and value must stay valid after the loop
   * moves on: the slabs of the memtables they read are then never reused.
   */
  private pin(): void {
    this.pins = true;
    for (const m of this.held) m.pin();
  }

  private leave(): void {
    for (const m of this.held) m.release();
    this.held.length = 0;
    this.source = null;
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
