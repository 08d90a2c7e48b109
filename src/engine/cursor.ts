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
 * @module
 */
import { MAX_ID, RECORD_HEADER, idHi, idLo, recIdHi, recIdLo, recSetId, toId, type IdLike } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import {
  type EventSource,
  FileIterator,
  MemtableIterator,
  MergeIterator,
  type PartitionFile,
} from '../partition/index.ts';
import type { EngineContext } from './context.ts';
import { EventView, type StrataEvent } from './event-view.ts';

/** Where a cursor starts and stops. */
export interface CursorOptions {
  /** First id (inclusive). Default 0. */
  readonly from?: IdLike;
  /** Last id (inclusive). Default 2^64-1. */
  readonly to?: IdLike;
  /** With `from`: start at the first event >= `(from, key)`. */
  readonly key?: Uint8Array | string;
}

/**
 * A forward scan. Two ways to read it:
 *
 * - fast path: `while (cursor.next()) use(cursor.event)`: `event` is one reused view,
 *   nothing is allocated per event;
 * - ergonomic: `for await (const e of cursor)`: one {@link StrataEvent} per event.
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
    if (from > to) this.done = true;
  }

  /**
   * Moves to the next event; false at the end (the cursor is then closed).
   * @throws StrataError `CLOSED` if the database was closed, `CORRUPTION` if a region
   *   fails its checksum (the cursor stays usable for other partitions only by reopening).
   */
  next(): boolean {
    if (this.done) return false;
    if (!this.isOpen()) {
      this.close();
      throw new StrataError('CLOSED', 'cursor: the database is closed');
    }
    for (;;) {
      let src = this.source;
      if (src === null) {
        src = this.enter();
        if (src === null) {
          this.close();
          return false;
        }
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
    this.done = true;
  }

  *[Symbol.iterator](): Iterator<StrataEvent> {
    try {
      while (this.next()) yield this.event.toEvent();
    } finally {
      this.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StrataEvent> {
    try {
      while (this.next()) yield this.event.toEvent();
    } finally {
      this.close();
    }
  }

  /** Opens the next partition in range; null when there is none. */
  private enter(): EventSource | null {
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
    this.partMax = p.max;
    const sources: EventSource[] = [];
    if (p.file !== null) {
      p.file.ref();
      this.file = p.file;
      sources.push(new FileIterator(p.file));
    }
    for (const m of p.frozen) if (m.count > 0) sources.push(new MemtableIterator(m));
    sources.push(new MemtableIterator(p.active));
    const src: EventSource = sources.length === 2 && p.active.count === 0 && p.file !== null ? sources[0]! : new MergeIterator(sources);
    if (this.first) {
      src.seek(this.probe, 0, false);
      this.first = false;
    } else {
      // from where the previous partition ended, never below it: a partition dropped
      // and created again meanwhile may start lower
      const start = new Uint8Array(RECORD_HEADER);
      if (p.min > next) recSetId(start, 0, p.minHi, p.minLo);
      else recSetId(start, 0, hi, lo);
      src.seek(start, 0, false);
    }
    this.source = src;
    this.pending = true;
    return src;
  }

  private leave(): void {
    this.source = null;
    if (this.file !== null) {
      this.file.unref();
      this.file = null;
    }
  }
}
