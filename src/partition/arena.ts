/**
 * The arena: large slabs that hold the bytes of events in memtables.
 *
 * A write copies its whole batch body into the current slab with one copy; memtable
 * entries then point into the slab. Slabs are append-only and never change once
 * written, so views into them stay valid, and they are backed by SharedArrayBuffer
 * so a refresh can hand them to a worker thread without copying. A slab is freed by
 * the garbage collector once no memtable refers to it.
 *
 * @module
 */

/** Default slab size: 4 MiB. */
export const SLAB_SIZE = 4 * 1024 * 1024;

/** Where {@link Arena.copy} put the bytes. */
export interface ArenaSpan {
  slab: Uint8Array;
  off: number;
}

/** Allocator of slabs; one per database. */
export class Arena {
  private slab: Uint8Array;
  private pos = 0;
  private readonly slabSize: number;
  /** Bytes of all slabs ever allocated by this arena (a counter, not live memory). */
  allocated = 0;

  constructor(slabSize = SLAB_SIZE) {
    this.slabSize = slabSize;
    this.slab = this.newSlab(slabSize);
  }

  /**
   * Copies `src[start, end)` into the arena and returns where it went. The span is
   * contiguous: a copy larger than the room left starts a new slab (of its own size
   * if it is larger than a slab).
   */
  copy(src: Uint8Array, start: number, end: number): ArenaSpan {
    const n = end - start;
    if (this.pos + n > this.slab.length) {
      this.slab = this.newSlab(Math.max(this.slabSize, n));
      this.pos = 0;
    }
    const off = this.pos;
    this.slab.set(src.subarray(start, end), off);
    this.pos = off + n;
    return { slab: this.slab, off };
  }

  private newSlab(size: number): Uint8Array {
    this.allocated += size;
    return new Uint8Array(new SharedArrayBuffer(size));
  }
}
