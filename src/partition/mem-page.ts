/**
 * A memtable page: up to {@link PAGE_CAP} sorted entries as parallel `Uint32Array`
 * columns in one `ArrayBuffer`, so there is no object per event. Pages come from the
 * arena's free list (arena.ts) and go back to it when their memtable is freed.
 *
 * @module
 */

/** Entries per page. */
export const PAGE_CAP = 1024;

/** Bytes of one page: four u32 columns. */
export const PAGE_BYTES = PAGE_CAP * 16;

/** Bytes of one entry in a page (four u32 columns): what an event costs a memtable besides its record. */
export const ENTRY_BYTES = PAGE_BYTES / PAGE_CAP;

/** One page of sorted entries. Exposed to iterators of this layer only. */
export interface MemPage {
  /** Entries in use, `[0, n)`. */
  n: number;
  /** High and low 32 bits of each entry's id. */
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  /** Slab number of each entry (an index into its memtable's `slabs`). */
  readonly slab: Uint32Array;
  /** Offset of each entry's record in its slab. */
  readonly off: Uint32Array;
}

/** A new, empty page (one allocation for the four columns). */
export function newPage(): MemPage {
  const mem = new ArrayBuffer(PAGE_BYTES);
  return {
    n: 0,
    hi: new Uint32Array(mem, 0, PAGE_CAP),
    lo: new Uint32Array(mem, PAGE_CAP * 4, PAGE_CAP),
    slab: new Uint32Array(mem, PAGE_CAP * 8, PAGE_CAP),
    off: new Uint32Array(mem, PAGE_CAP * 12, PAGE_CAP),
  };
}
