/**
 * The memtable: a partition's events not yet in its file, sorted by `(id, key)`.
 *
 * Event bytes live in arena slabs (see arena.ts); the memtable keeps only where each
 * event is, in pages of parallel typed arrays (id halves, slab number, offset), so
 * there is no object per event. Pages hold up to {@link PAGE_CAP} entries; writes in
 * id order append to the last page, other writes binary-search the page and shift
 * within it (splitting a full page in two).
 *
 * Writing an event whose `(id, key)` is already present replaces it; a delete is kept
 * as a marker (it must hide the event in the partition file until the next refresh).
 * `version` counts changes, so an iterator notices that it has to seek again.
 *
 * Lifetime: a memtable holds each slab it has a record in (one hold per slab, taken
 * at its first record there), its pages, and the buffer of its last run. It is itself held: by its partition from
 * its creation until {@link Memtable.discard}, and by each cursor and refresh job
 * reading it ({@link Memtable.retain} and {@link Memtable.release}, once per reader,
 * never per event). When the last hold goes, its pages and slabs go back to the arena
 * for reuse: nothing can read them any more.
 *
 * @module
 */
import { FLAG_DELETE, REC_FLAGS, compareRecKeys, recIdHi, recIdLo, recSize } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import type { Arena } from './arena.ts';
import { ENTRY_BYTES, type MemPage, PAGE_CAP } from './mem-page.ts';

/** The sorted entries of a memtable, flattened: what a refresh job receives. */
export interface MemtableRun {
  /** The slabs the entries point into (SharedArrayBuffer-backed). */
  readonly slabs: Uint8Array[];
  /** Slab number of each entry, in `(id, key)` order (on shared memory of the arena). */
  readonly slab: Uint32Array;
  /** Offset of each entry's record in its slab (on shared memory of the arena). */
  readonly off: Uint32Array;
}

/**
 * Bytes held by a set of memtables (a database's memory use): each entry's record and
 * its {@link ENTRY_BYTES} in a page.
 */
export interface MemoryCounter {
  bytes: number;
}

/** A partition's sorted in-memory events. */
export class Memtable {
  /** Slabs referred to by entries (slab numbers index this array). */
  readonly slabs: Uint8Array[] = [];
  /** The sorted pages. */
  readonly pages: MemPage[] = [];
  /** Entries, delete markers included. */
  count = 0;
  /** Delete markers among the entries. */
  deletes = 0;
  /**
   * Bytes this memtable holds: the records its entries refer to, plus {@link ENTRY_BYTES}
   * per entry for its place in a page (with 0-byte values the pages are half the memory).
   */
  bytes = 0;
  /** Changes so far; iterators compare it to know when to seek again. */
  version = 0;
  /** Lowest and highest WAL lsn of the writes in this memtable (0 when empty or no WAL). */
  minLsn = 0;
  maxLsn = 0;
  /** Set by a refresh: a frozen memtable takes no more writes. */
  frozen = false;
  private lastSlab: Uint8Array | undefined;
  private lastSlabNo = 0;
  /** Holds: the partition's (until discarded), each reader's. */
  private holds = 1;
  private discarded = false;
  /** Set when a reader may keep views of this memtable's records past its release. */
  /** The shared buffer of the last {@link run}, and the version it was made at. */
  private runBuf: Uint8Array | null = null;
  private runVersion = -1;

  /**
   * @param arena where its pages come from and its slabs are held.
   * @param counter shared counter this memtable adds its bytes to (and removes them from).
   */
  constructor(
    private readonly arena: Arena,
    private readonly counter: MemoryCounter = { bytes: 0 },
  ) {}

  /**
   * The partition lets go of this memtable: its bytes leave the shared counter, and its
   * memory goes back to the arena once no reader holds it.
   * @throws StrataError `INTERNAL` when called twice.
   */
  discard(): void {
    if (this.discarded) throw new StrataError('INTERNAL', 'memtable discard: discarded already');
    this.discarded = true;
    this.counter.bytes -= this.bytes;
    this.release();
  }

  /**
   * A reader (a cursor, a refresh job) takes a hold: the memtable's pages and the slab
   * bytes of its records stay unchanged until the matching {@link release}. A reader
   * that hands out views meant to outlive its hold (the iterators) copies the bytes
   * out first.
   * REQUIRES: the memtable is still held (by its partition or another reader).
   */
  retain(): void {
    if (this.holds <= 0) throw new StrataError('INTERNAL', 'memtable retain: the memtable was freed');
    this.holds++;
  }

  /**
   * Gives back a hold taken by {@link retain}; the last one frees the memtable.
   * @throws StrataError `INTERNAL` if no hold is left.
   */
  release(): void {
    if (this.holds <= 0) throw new StrataError('INTERNAL', 'memtable release: not held');
    if (--this.holds > 0) return;
    // nothing can read it any more: pages and slabs go back to the arena
    this.frozen = true;
    for (const p of this.pages) this.arena.givePage(p);
    for (const slab of this.slabs) this.arena.release(slab);
    if (this.runBuf !== null) this.arena.release(this.runBuf);
    this.runBuf = null;
    this.pages.length = 0;
    this.slabs.length = 0;
    this.lastSlab = undefined;
    this.count = 0;
    this.deletes = 0;
    this.version++;
  }

  /** Notes that writes of WAL record `lsn` go into this memtable. */
  noteLsn(lsn: number): void {
    if (this.minLsn === 0 || lsn < this.minLsn) this.minLsn = lsn;
    if (lsn > this.maxLsn) this.maxLsn = lsn;
  }

  /**
   * Adds the record at `slab[off]` (which must stay unchanged for the memtable's life),
   * replacing an entry with the same `(id, key)`.
   * REQUIRES: the memtable is not frozen.
   */
  insert(slab: Uint8Array, off: number): void {
    if (this.frozen) throw new StrataError('INTERNAL', 'memtable insert: the memtable is frozen');
    const hi = recIdHi(slab, off);
    const lo = recIdLo(slab, off);
    const s = this.slabNo(slab);
    const pages = this.pages;
    this.version++;
    let last = pages[pages.length - 1];
    // fast path: in order, append to the last page
    if (last === undefined || this.cmpEntry(last, last.n - 1, hi, lo, slab, off) < 0) {
      if (last === undefined || last.n === PAGE_CAP) {
        last = this.arena.takePage();
        pages.push(last);
      }
      this.put(last, last.n++, hi, lo, s, off);
      this.added(slab, off);
      return;
    }
    const pi = this.findPage(hi, lo, slab, off);
    const page = pages[pi]!;
    const i = this.findInPage(page, hi, lo, slab, off);
    if (i < page.n && this.cmpEntry(page, i, hi, lo, slab, off) === 0) {
      this.removed(this.slabs[page.slab[i]!]!, page.off[i]!);
      page.slab[i] = s;
      page.off[i] = off;
      this.count--;
      this.added(slab, off);
      return;
    }
    if (page.n === PAGE_CAP) {
      const right = this.split(pi);
      if (i > page.n) {
        this.insertAt(right, i - page.n, hi, lo, s, off);
      } else {
        this.insertAt(page, i, hi, lo, s, off);
      }
    } else {
      this.insertAt(page, i, hi, lo, s, off);
    }
    this.added(slab, off);
  }

  /**
   * Compares entry `i` of `page` with the record `(hi, lo, key of buf[off])`:
   * negative if the entry sorts first.
   */
  cmpEntry(page: MemPage, i: number, hi: number, lo: number, buf: Uint8Array, off: number): number {
    const eh = page.hi[i]!;
    if (eh !== hi) return eh < hi ? -1 : 1;
    const el = page.lo[i]!;
    if (el !== lo) return el < lo ? -1 : 1;
    return compareRecKeys(this.slabs[page.slab[i]!]!, page.off[i]!, buf, off);
  }

  /** Index of the first page whose last entry is >= the record; pages.length if none. */
  findPage(hi: number, lo: number, buf: Uint8Array, off: number): number {
    const pages = this.pages;
    let a = 0;
    let b = pages.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      const p = pages[m]!;
      if (this.cmpEntry(p, p.n - 1, hi, lo, buf, off) < 0) a = m + 1;
      else b = m;
    }
    return a;
  }

  /** Index of the first entry of `page` that is >= the record. */
  findInPage(page: MemPage, hi: number, lo: number, buf: Uint8Array, off: number): number {
    let a = 0;
    let b = page.n;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (this.cmpEntry(page, m, hi, lo, buf, off) < 0) a = m + 1;
      else b = m;
    }
    return a;
  }

  /**
   * The entries in order, flattened for a refresh job. Everything in the run is on
   * shared memory that the memtable holds (its slabs, and a buffer of the arena for the
   * two columns), so a worker gets it without a copy: hold the memtable
   * ({@link retain}) while the job reads it.
   */
  run(): MemtableRun {
    const count = this.count;
    if (this.runBuf === null || this.runVersion !== this.version) {
      // on shared memory, so that a worker reads it without a copy; kept while the
      // memtable is unchanged (a frozen one never changes: a retried refresh reuses it)
      if (this.runBuf !== null) this.arena.release(this.runBuf);
      const buf = this.arena.takeBuffer(count * 8);
      const slab = new Uint32Array(buf.buffer, 0, count);
      const off = new Uint32Array(buf.buffer, count * 4, count);
      let n = 0;
      for (const p of this.pages) {
        slab.set(p.slab.subarray(0, p.n), n);
        off.set(p.off.subarray(0, p.n), n);
        n += p.n;
      }
      this.runBuf = buf;
      this.runVersion = this.version;
    }
    const buf = this.runBuf;
    return { slabs: this.slabs.slice(), slab: new Uint32Array(buf.buffer, 0, count), off: new Uint32Array(buf.buffer, count * 4, count) };
  }

  private slabNo(slab: Uint8Array): number {
    if (slab === this.lastSlab) return this.lastSlabNo;
    let s = this.slabs.lastIndexOf(slab);
    if (s < 0) {
      // the first record in this slab: hold it for the memtable's life
      this.arena.retain(slab);
      s = this.slabs.push(slab) - 1;
    }
    this.lastSlab = slab;
    this.lastSlabNo = s;
    return s;
  }

  private put(page: MemPage, i: number, hi: number, lo: number, s: number, off: number): void {
    page.hi[i] = hi;
    page.lo[i] = lo;
    page.slab[i] = s;
    page.off[i] = off;
  }

  private insertAt(page: MemPage, i: number, hi: number, lo: number, s: number, off: number): void {
    const n = page.n;
    if (i < n) {
      page.hi.copyWithin(i + 1, i, n);
      page.lo.copyWithin(i + 1, i, n);
      page.slab.copyWithin(i + 1, i, n);
      page.off.copyWithin(i + 1, i, n);
    }
    this.put(page, i, hi, lo, s, off);
    page.n = n + 1;
  }

  /** Moves the upper half of page `pi` into a new page after it; returns the new page. */
  private split(pi: number): MemPage {
    const page = this.pages[pi]!;
    const half = page.n >>> 1;
    const right = this.arena.takePage();
    right.hi.set(page.hi.subarray(half, page.n));
    right.lo.set(page.lo.subarray(half, page.n));
    right.slab.set(page.slab.subarray(half, page.n));
    right.off.set(page.off.subarray(half, page.n));
    right.n = page.n - half;
    page.n = half;
    this.pages.splice(pi + 1, 0, right);
    return right;
  }

  private added(slab: Uint8Array, off: number): void {
    const n = recSize(slab, off) + ENTRY_BYTES;
    this.count++;
    this.bytes += n;
    this.counter.bytes += n;
    if ((slab[off + REC_FLAGS]! & FLAG_DELETE) !== 0) this.deletes++;
  }

  private removed(slab: Uint8Array, off: number): void {
    const n = recSize(slab, off) + ENTRY_BYTES;
    this.bytes -= n;
    this.counter.bytes -= n;
    if ((slab[off + REC_FLAGS]! & FLAG_DELETE) !== 0) this.deletes--;
  }
}
