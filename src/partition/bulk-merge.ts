/**
 * The merge of a refresh job: a partition file and frozen memtable runs, oldest
 * first, into a {@link PartitionFileWriter}, in stretches rather than record by
 * record. A stretch is a run of records of one source that lie back to back in one
 * buffer (a region of the file, an arena slab), hold no delete marker, sort before the
 * current record of every other source, and fit in the room left in the writer's
 * region: it goes to the writer as a whole (`addRun`: one copy; or `addRegion` when it
 * fills a region of its own: compressed where it lies, no copy). Sources are compared
 * record by record only where they interleave. On equal `(id, key)` the newest source
 * wins; delete markers hide the event and are not written.
 *
 * @module
 */
import { compareRecKeys, compareRecs, FLAG_DELETE, recIdHi, recIdLo, recSize, REC_FLAGS } from '../codec/index.ts';
import type { PartitionFileWriter } from './file-writer.ts';
import type { MemtableRun } from './memtable.ts';
import type { RegionReader } from './region-reader.ts';
import { NO_BYTES } from './event-source.ts';

/** A sorted source of a merge, positioned on one record at a time. */
export interface BulkSource {
  /** Whether the source is on a record. */
  readonly valid: boolean;
  /** Buffer and offset of the current record (meaningful only while `valid`). */
  readonly buf: Uint8Array;
  readonly off: number;
  /** Moves to the next record. REQUIRES: `valid`. */
  next(): void;
  /**
   * Measures the stretch that starts at the current record: the records after it
   * that follow it back to back in `buf`, up to the first delete marker, the first
   * record that does not sort after the one before it (the writer then refuses it),
   * the first record not below the record `bound[boundOff]` (when `bound` is not
   * null), the end of the buffer, or the first record that would take the stretch past
   * `room` bytes (then {@link full} is set). Returns the offset in `buf` where the stretch ends and
   * sets {@link count} and {@link last}. REQUIRES: `valid`; the current record is no
   * delete and sorts below the bound. The stretch is empty when the current record
   * alone is more than `room`.
   */
  stretch(bound: Uint8Array | null, boundOff: number, room: number): number;
  /** Records in the stretch last measured. */
  readonly count: number;
  /** Offset in `buf` of the last record of the stretch last measured. */
  readonly last: number;
  /** Whether the stretch last measured ended at a record that did not fit in `room`. */
  readonly full: boolean;
  /** Moves past the stretch last measured. */
  skip(): void;
}

/** Whether the record at `off` in `b`, whose id halves are `hi`, `lo`, sorts below the record at `bo` in `bound`. */
function below(b: Uint8Array, off: number, hi: number, lo: number, bound: Uint8Array, bo: number): boolean {
  const bh = recIdHi(bound, bo);
  if (hi !== bh) return hi < bh;
  const bl = recIdLo(bound, bo);
  if (lo !== bl) return lo < bl;
  return compareRecKeys(b, off, bound, bo) < 0;
}

/**
 * Whether a stretch takes the record at `pos` in `b` after the one at `prev` (-1: it
 * is the first): no delete marker, strictly after `prev` (so a stretch is in order
 * record by record, and the writer checks where stretches meet), below the bound.
 */
function takes(b: Uint8Array, pos: number, prev: number, bound: Uint8Array | null, boundOff: number): boolean {
  if ((b[pos + REC_FLAGS]! & FLAG_DELETE) !== 0) return false;
  const hi = recIdHi(b, pos);
  const lo = recIdLo(b, pos);
  if (prev >= 0) {
    const ph = recIdHi(b, prev);
    if (hi < ph) return false;
    if (hi === ph) {
      const pl = recIdLo(b, prev);
      if (lo < pl || (lo === pl && compareRecKeys(b, prev, b, pos) >= 0)) return false;
    }
  }
  return bound === null || below(b, pos, hi, lo, bound, boundOff);
}

/** A frozen memtable's run as a merge source (its delete markers included). */
export class RunSource implements BulkSource {
  valid = false;
  buf: Uint8Array = NO_BYTES;
  off = 0;
  count = 0;
  last = 0;
  full = false;
  private i = 0;
  /** The entry after the stretch last measured. */
  private after = 0;

  constructor(private readonly run: MemtableRun) {
    this.load(0);
  }

  next(): void {
    this.load(this.i + 1);
  }

  stretch(bound: Uint8Array | null, boundOff: number, room: number): number {
    const { slab, off, slabs } = this.run;
    const n = slab.length;
    const s = slab[this.i]!;
    const b = slabs[s]!;
    let k = this.i;
    let pos = off[k]!;
    const limit = pos + room;
    let last = -1;
    this.full = false;
    // entries of one slab whose records follow each other: one batch written in order
    while (k < n && slab[k] === s && off[k] === pos) {
      if (!takes(b, pos, last, bound, boundOff)) break;
      const next = pos + recSize(b, pos);
      if (next > limit) {
        this.full = true;
        break;
      }
      last = pos;
      pos = next;
      k++;
    }
    this.after = k;
    this.count = k - this.i;
    this.last = last < 0 ? pos : last;
    return pos;
  }

  skip(): void {
    this.load(this.after);
  }

  private load(i: number): void {
    const run = this.run;
    this.i = i;
    if (i >= run.slab.length) {
      this.valid = false;
      this.buf = NO_BYTES;
      return;
    }
    this.valid = true;
    this.buf = run.slabs[run.slab[i]!]!;
    this.off = run.off[i]!;
  }
}

/** A partition file as a merge source: one decoded region at a time. */
export class FileSource implements BulkSource {
  valid = false;
  buf: Uint8Array = NO_BYTES;
  off = 0;
  count = 0;
  last = 0;
  full = false;
  private r = -1;
  private end = 0;
  private after = 0;

  /** @param first the region to start from (the first by default) */
  constructor(private readonly file: RegionReader, first = 0) {
    this.load(first);
  }

  next(): void {
    this.off += recSize(this.buf, this.off);
    if (this.off >= this.end) this.load(this.r + 1);
  }

  stretch(bound: Uint8Array | null, boundOff: number, room: number): number {
    const b = this.buf;
    const end = this.end;
    let pos = this.off;
    const limit = pos + room;
    let last = -1;
    let n = 0;
    this.full = false;
    // a file holds no delete markers; one found (damage) ends the stretch and the merge
    // drops it as it always has; a record that runs past the region ends it too, and
    // the writer refuses it
    while (pos < end) {
      if (!takes(b, pos, last, bound, boundOff)) break;
      const next = pos + recSize(b, pos);
      if (next > end) break;
      if (next > limit) {
        this.full = true;
        break;
      }
      last = pos;
      pos = next;
      n++;
    }
    this.after = pos;
    this.count = n;
    this.last = last < 0 ? pos : last;
    return pos;
  }

  skip(): void {
    this.off = this.after;
    if (this.off >= this.end) this.load(this.r + 1);
  }

  private load(r: number): void {
    const file = this.file;
    // skip regions without events (the writer never makes them, but be safe)
    while (r < file.regions && file.regionEvents(r) === 0) r++;
    this.r = r;
    if (r >= file.regions) {
      this.valid = false;
      this.buf = NO_BYTES;
      this.off = 0;
      this.end = 0;
      return;
    }
    this.buf = file.readRegion(r);
    this.off = 0;
    this.end = this.buf.length;
    this.valid = true;
  }
}

/**
 * Merges `sources` (oldest first) into the writer that `open` returns, which is
 * called once, at the first record to write; returns that writer, or null when no
 * record was left to write (every event deleted). The writer is neither finished nor
 * aborted here.
 * @throws what the sources and the writer throw (a record out of order, a region that
 *   does not decode); the caller aborts the writer.
 */
export function mergeInto(sources: readonly BulkSource[], open: () => PartitionFileWriter): PartitionFileWriter | null {
  const n = sources.length;
  let writer: PartitionFileWriter | null = null;
  for (;;) {
    // the smallest current record; on equal keys the newer source wins and the older
    // one's record, hidden, is passed over
    let best: BulkSource | null = null;
    for (let i = 0; i < n; i++) {
      const s = sources[i]!;
      if (!s.valid) continue;
      if (best === null) {
        best = s;
        continue;
      }
      const c = compareRecs(s.buf, s.off, best.buf, best.off);
      if (c <= 0) {
        if (c === 0) best.next();
        best = s;
      }
    }
    if (best === null) return writer;
    if ((best.buf[best.off + REC_FLAGS]! & FLAG_DELETE) !== 0) {
      best.next();
      continue;
    }
    // the stretch ends before the smallest current record of the other sources
    let bound: Uint8Array | null = null;
    let boundOff = 0;
    for (let i = 0; i < n; i++) {
      const s = sources[i]!;
      if (s === best || !s.valid) continue;
      if (bound === null || compareRecs(s.buf, s.off, bound, boundOff) < 0) {
        bound = s.buf;
        boundOff = s.off;
      }
    }
    writer ??= open();
    const end = best.stretch(bound, boundOff, writer.room);
    if (best.count === 0 && best.full && !writer.regionEmpty) {
      // the record does not fit in what is left of the region: end it, so that the
      // next stretch may fill a region of its own
      writer.endRegion();
      continue;
    }
    if (best.count <= 1) {
      // one record, or one that does not fit what is left of the region (add() cuts
      // it), or one the stretch would not take (the writer says why)
      writer.add(best.buf, best.off);
      best.next();
    } else {
      if (best.full && writer.regionEmpty) writer.addRegion(best.buf, best.off, end, best.count, best.last);
      else writer.addRun(best.buf, best.off, end, best.count, best.last);
      best.skip();
    }
  }
}
