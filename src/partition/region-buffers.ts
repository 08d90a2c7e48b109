/**
 * Reused memory for reading regions: one buffer for a region's stored bytes and a
 * small pool of buffers that regions are decoded into. A scan that reads region after
 * region allocates nothing per region once the pool is warm (a fresh 128 KiB buffer
 * per region costs a page fault per 4 KiB and a share of the garbage collector's time).
 *
 * The rule that makes reuse safe: a decode buffer that an iterator leaves is
 * **retired**, not freed: its bytes stay as they are until the holder calls
 * {@link RegionBuffers.release}, which the cursor does at the start of its next move.
 * So the record a cursor returned stays valid until the cursor moves again, however
 * many regions one step crosses (a merge may skip several while it hides deleted
 * events), and a merge may still read the record it stands on while its sources step.
 *
 * @module
 */

/** Decode buffers kept for reuse beyond those in use (2 alternate in a plain scan). */
const KEEP = 4;
/** Buffers are allocated in multiples of this (a region's size varies a little). */
const GRAIN = 64 * 1024;

/** One holder's reused region memory (a cursor's; never shared between holders). */
export class RegionBuffers {
  private readBuf = new ArrayBuffer(0);
  private readonly free: ArrayBuffer[] = [];
  private readonly retiredList: ArrayBuffer[] = [];
  /** The decode buffers this pool made (those it may take back). */
  private readonly own = new Set<ArrayBuffer>();

  /** Number of buffers retired since the last {@link release}: 0 makes release a no-op. */
  get retired(): number {
    return this.retiredList.length;
  }

  /**
   * A buffer of `size` bytes for a region's stored bytes, overwritten by the next call:
   * its contents must be consumed (checked, decoded) before then.
   */
  read(size: number): Uint8Array {
    if (this.readBuf.byteLength < size) this.readBuf = new ArrayBuffer(roundUp(size));
    return new Uint8Array(this.readBuf, 0, size);
  }

  /**
   * A buffer of `size` bytes to decode a region into: a free one of the pool, else a
   * new one. Its bytes are the caller's until it {@link retire}s it.
   */
  take(size: number): Uint8Array {
    let b = this.free.pop();
    while (b !== undefined && b.byteLength < size) {
      this.own.delete(b);
      b = this.free.pop();
    }
    if (b === undefined) {
      b = new ArrayBuffer(roundUp(size));
      this.own.add(b);
    }
    return new Uint8Array(b, 0, size);
  }

  /**
   * The holder no longer positions in `buf`: it becomes reusable at the next
   * {@link release}. A buffer the pool did not make (a decrypted or lz4-decoded region)
   * is left to the garbage collector.
   */
  retire(buf: Uint8Array): void {
    const b = buf.buffer as ArrayBuffer;
    if (this.own.has(b)) this.retiredList.push(b);
  }

  /**
   * Every retired buffer becomes free for reuse: views the holder handed out into them
   * end here. Keeps at most a few free buffers; the rest go to the garbage collector.
   */
  release(): void {
    const r = this.retiredList;
    for (let i = 0; i < r.length; i++) {
      const b = r[i]!;
      if (this.free.length < KEEP) this.free.push(b);
      else this.own.delete(b);
    }
    r.length = 0;
  }
}

function roundUp(size: number): number {
  return Math.max(GRAIN, Math.ceil(size / GRAIN) * GRAIN);
}
