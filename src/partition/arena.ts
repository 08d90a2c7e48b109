/**
 * The arena: the memory of memtables, reused rather than allocated afresh.
 *
 * - **Slabs** hold the bytes of events: a write copies its whole batch body into the
 *   current slab with one copy, and memtable entries point into it. Slabs are
 *   `SharedArrayBuffer`-backed, so a refresh hands them to a worker thread without a
 *   copy. A slab is filled append-only; it is reused only once nothing can read it.
 * - **Pages** hold memtable entries (mem-page.ts).
 *
 * Who holds a slab: the arena while it fills it, and every memtable with a record in
 * it (one hold per memtable, taken at its first record there, given back when the
 * memtable is freed: memtable.ts). Memtables are in turn held by their partition, by
 * cursors reading them and by refresh jobs merging them, so a slab is free once no
 * memtable that refers to it can be read. A freed slab goes to the free list, and
 * the next slab comes from there before any new allocation: fresh memory costs a page
 * fault per 4 KiB on first touch, reused memory none. The free lists (slabs and
 * pages together) are bounded by `cacheLimit()`: memory freed beyond it goes back to
 * the garbage collector. A batch larger than
 * a slab gets a slab of a larger size class (the slab size times a power of two),
 * pooled with the slabs of its class.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import { type MemPage, PAGE_BYTES, newPage } from './mem-page.ts';

/** Default slab size: 4 MiB. */
export const SLAB_SIZE = 4 * 1024 * 1024;

/** Smallest buffer {@link Arena.takeBuffer} hands out. */
const MIN_BUFFER = 64 * 1024;

/** Where {@link Arena.copy} put the bytes. */
export interface ArenaSpan {
  slab: Uint8Array;
  off: number;
}

/** Settings of an {@link Arena}. */
export interface ArenaOptions {
  /** Slab size, bytes (default {@link SLAB_SIZE}). */
  readonly slabSize?: number;
  /**
   * Bytes of free slabs and pages kept for reuse, read at each release (default: no
   * bound). 0: nothing is reused, as with a plain allocator.
   */
  readonly cacheLimit?: () => number;
}

/** Bytes of slabs and of pages, as `SHOW MEMORY` reports them. */
export interface ArenaStats {
  /** Slabs held (by memtables, or being filled). */
  readonly slabsUsed: number;
  /** Slabs in the free list. */
  readonly slabsFree: number;
  /** Slabs allocated since the arena was made (a running total). */
  readonly slabsAllocated: number;
  /** Pages held by memtables. */
  readonly pagesUsed: number;
  /** Pages in the free list. */
  readonly pagesFree: number;
  /** Pages allocated since the arena was made (a running total). */
  readonly pagesAllocated: number;
}

/** A slab in use: its holds. */
interface SlabState {
  refs: number;
}

/** The memory of a database's memtables. Not for use by two threads. */
export class Arena {
  private readonly slabSize: number;
  private readonly cacheLimit: () => number;
  /** Slabs in use (held at least once). Weak: a leaked holder does not leak its slabs. */
  private readonly inUse = new WeakMap<Uint8Array, SlabState>();
  /** Free slabs by size (the slab size, and its power-of-two multiples for large batches). */
  private readonly freeSlabs = new Map<number, Uint8Array[]>();
  private readonly freePages: MemPage[] = [];
  /** The slab being filled (held by the arena), and where the next copy goes. */
  private slab: Uint8Array | null = null;
  private pos = 0;
  private slabsUsed = 0;
  private slabsFree = 0;
  private slabsAllocated = 0;
  private pagesUsed = 0;
  private pagesAllocated = 0;

  constructor(options: ArenaOptions | number = {}) {
    const o = typeof options === 'number' ? { slabSize: options } : options;
    this.slabSize = o.slabSize ?? SLAB_SIZE;
    this.cacheLimit = o.cacheLimit ?? (() => Infinity);
  }

  /**
   * Copies `src[start, end)` into the arena and returns where it went. The span is
   * contiguous: a copy larger than the room left starts a new slab (a copy larger than
   * a slab gets one of the slab size times the next power of two that holds it; the
   * next copies fill the rest). The bytes stay unchanged while the slab is held: a
   * memtable that inserts a record of the span holds it (`retain`); until then only
   * the arena does, and only until it starts the next slab.
   */
  copy(src: Uint8Array, start: number, end: number): ArenaSpan {
    const n = end - start;
    let slab = this.slab;
    if (slab === null || this.pos + n > slab.length) {
      if (slab !== null) this.release(slab);
      slab = this.takeSlab(n);
      this.slab = slab;
      this.pos = 0;
    }
    const off = this.pos;
    slab.set(src.subarray(start, end), off);
    this.pos = off + n;
    return { slab, off };
  }

  /**
   * Takes one more hold on `slab`: it is not reused until every hold is released.
   * @throws StrataError `INTERNAL` if `slab` is not a slab of this arena in use.
   */
  retain(slab: Uint8Array): void {
    const s = this.inUse.get(slab);
    if (s === undefined) throw new StrataError('INTERNAL', 'arena retain: not a slab of this arena in use');
    s.refs++;
  }

  /**
   * Gives back one hold on `slab`; the last one puts it on the free list.
   * @throws StrataError `INTERNAL` if `slab` is not held.
   */
  release(slab: Uint8Array): void {
    const s = this.inUse.get(slab);
    if (s === undefined || s.refs <= 0) throw new StrataError('INTERNAL', 'arena release: the slab is not held');
    if (--s.refs > 0) return;
    this.inUse.delete(slab);
    this.slabsUsed -= slab.length;
    let list = this.freeSlabs.get(slab.length);
    if (list === undefined) this.freeSlabs.set(slab.length, (list = []));
    list.push(slab);
    this.slabsFree += slab.length;
    this.trim(list);
  }

  /**
   * A shared buffer of at least `n` bytes, held once by the caller (give it back with
   * {@link release}): from the free list of its size class (64 KiB times a power of
   * two, or the slab classes) when it has one. For data a worker reads without a copy.
   */
  takeBuffer(n: number): Uint8Array {
    return this.takeSlab(n, Math.min(MIN_BUFFER, this.slabSize));
  }

  /** An empty page for a memtable (from the free list when it has one). */
  takePage(): MemPage {
    this.pagesUsed += PAGE_BYTES;
    const page = this.freePages.pop();
    if (page !== undefined) return page;
    this.pagesAllocated += PAGE_BYTES;
    return newPage();
  }

  /** Gives back a page that nothing reads any more. */
  givePage(page: MemPage): void {
    this.pagesUsed -= PAGE_BYTES;
    page.n = 0;
    this.freePages.push(page);
    this.trim(null);
  }

  /** Bytes of slabs and pages in use, free and allocated. */
  stats(): ArenaStats {
    return {
      slabsUsed: this.slabsUsed,
      slabsFree: this.slabsFree,
      slabsAllocated: this.slabsAllocated,
      pagesUsed: this.pagesUsed,
      pagesFree: this.freePages.length * PAGE_BYTES,
      pagesAllocated: this.pagesAllocated,
    };
  }

  /**
   * Hands free memory beyond the cache limit to the garbage collector: first of the
   * list just added to (`null`: pages), then of the others (the limit may have been
   * lowered meanwhile).
   */
  private trim(first: Uint8Array[] | null): void {
    const limit = this.cacheLimit();
    while (this.slabsFree + this.freePages.length * PAGE_BYTES > limit) {
      if (first === null && this.freePages.length > 0) {
        this.freePages.pop();
        continue;
      }
      const list = first !== null && first.length > 0 ? first : [...this.freeSlabs.values()].find((l) => l.length > 0);
      if (list === undefined) this.freePages.pop();
      else this.slabsFree -= list.pop()!.length;
    }
  }

  /** A slab for `n` bytes: a free one of its size class (`min` times a power of two), or a new one. */
  private takeSlab(n: number, min = this.slabSize): Uint8Array {
    let size = min;
    while (size < n) size *= 2;
    let slab = this.freeSlabs.get(size)?.pop();
    if (slab !== undefined) {
      this.slabsFree -= size;
    } else {
      this.slabsAllocated += size;
      slab = new Uint8Array(new SharedArrayBuffer(size));
    }
    this.slabsUsed += size;
    this.inUse.set(slab, { refs: 1 });
    return slab;
  }
}
