/**
 * The iterator contract shared by memtables, partition files and their merge.
 *
 * A source is positioned on one record at a time, given as `(buf, off)`: the record
 * of codec/record.ts at `buf[off]`. The bytes of the record a source stood on stay as
 * they are while the source steps on (a merge reads the record it returned while its
 * sources move), but not for ever: a file iterator with reused region buffers retires
 * a region's buffer when it leaves it, and its owner reuses it at its next move
 * (partition/region-buffers.ts). Copy what must outlive that.
 *
 * @module
 */

/** A forward iterator over sorted event records. */
export interface EventSource {
  /** Whether the source is positioned on a record. */
  valid: boolean;
  /** Buffer of the current record (meaningful only while `valid`). */
  buf: Uint8Array;
  /** Offset of the current record in `buf`. */
  off: number;
  /**
   * Positions on the first record >= the record `probe[probeOff]` by `(id, key)`, or
   * the first record > it when `strict`.
   */
  seek(probe: Uint8Array, probeOff: number, strict: boolean): void;
  /** Moves to the next record. REQUIRES: `valid`. */
  next(): void;
  /**
   * Called before each step of a merge: a source whose data changed under it since
   * its last move (a memtable that took writes) seeks again strictly after the
   * record `last[lastOff]` (at or after it when `strict` is false). Returns true if it did.
   */
  revalidate(last: Uint8Array, lastOff: number, strict?: boolean): boolean;
  /**
   * Whether the source stopped because the region it needs is not fetched yet (a
   * file kept on the cloud): it is then not `valid`, and not at its end either. Once
   * the region is there, {@link resume} finishes the move that stopped.
   */
  readonly stalled: boolean;
  /** Finishes the seek or step that stalled. A no-op when not stalled. */
  resume(): void;
}

/** An empty buffer for sources that are not positioned. */
export const NO_BYTES = new Uint8Array(0);
