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
 * A holder may also {@link RegionBuffers.give} a decode buffer away (a scan in Arrow's
 * view layout hands the decoded region to its record batch instead of copying it):
 * the pool then forgets it, and never writes into it again. A holder that gives away
 * every region it reads calls {@link RegionBuffers.giveAll} first: regions are then
 * decoded one after the other into shared slabs of a few MiB, never reused, so that
 * the garbage collector frees one slab rather than dozens of region buffers.
 *
 * Decode buffers are allocated uninitialised (a decode overwrites every byte of the
 * region it is taken for, and nothing reads past it): zeroing 128 KiB costs more than
 * decoding into it.
 *
 * @module
 */
import { Buffer } from 'node:buffer';

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
  /** Decode buffers taken and not yet retired: an iterator stands in them. */
  private readonly held = new WeakSet<ArrayBuffer>();
  /** Decode buffers given away (and not restored). */
  private readonly given = new WeakSet<ArrayBuffer>();
  /** In give-all mode, the slab regions are decoded into, and where the next one goes. */
  private slab: ArrayBuffer | null = null;
  private slabAt = 0;
  private giving = false;

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
    if (this.giving) return this.carve(size);
    let b = this.free.pop();
    while (b !== undefined && b.byteLength < size) {
      this.own.delete(b);
      b = this.free.pop();
    }
    if (b === undefined) {
      b = Buffer.allocUnsafeSlow(roundUp(size)).buffer;
      this.own.add(b);
    }
    this.held.add(b);
    return new Uint8Array(b, 0, size);
  }

  /**
   * Gives the decode buffer under `buf` away: the pool forgets it (its {@link retire}
   * and {@link release} leave it alone), so its bytes stay as they are for as long as
   * anyone holds them. False, and nothing changes, when the pool did not make it (a
   * memtable's slab, a batch's own copy): the caller must copy what it keeps.
   */
  give(buf: Uint8Array): boolean {
    const b = buf.buffer as ArrayBuffer;
    if (this.own.delete(b)) {
      this.given.add(b);
      return true;
    }
    return this.given.has(b) || (this.giving && this.slabs.has(b));
  }

  /**
   * Takes back a buffer {@link give} gave away, once nothing reads it any more: it is
   * reused like any of the pool's (at once, or when the iterator standing in it
   * retires it). For a holder that lends what it was given for a while (a scan whose
   * record batches are valid until the next one). Restored buffers are all kept, not
   * only {@link KEEP}: the holder restores about as many as it keeps at a time.
   */
  restore(buf: Uint8Array): void {
    const b = buf.buffer as ArrayBuffer;
    if (!this.given.delete(b)) return;
    this.own.add(b);
    if (!this.held.has(b)) this.free.push(b);
  }

  /**
   * From now on every decode buffer is carved from a slab and never reused, and
   * {@link give} of one is always true: for a holder that keeps every region it reads.
   */
  giveAll(): void {
    this.giving = true;
  }

  /** The slabs carved so far (held weakly: a slab lives as long as a region in it). */
  private readonly slabs = new WeakSet<ArrayBuffer>();

  private carve(size: number): Uint8Array {
    if (this.slab === null || this.slabAt + size > this.slab.byteLength) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB, size)).buffer;
      this.slabs.add(this.slab);
      this.slabAt = 0;
    }
    const b = new Uint8Array(this.slab, this.slabAt, size);
    this.slabAt += (size + 7) & ~7;
    return b;
  }

  /**
   * The holder no longer positions in `buf`: it becomes reusable at the next
   * {@link release}. A buffer the pool did not make (a decrypted or lz4-decoded region)
   * is left to the garbage collector.
   */
  retire(buf: Uint8Array): void {
    const b = buf.buffer as ArrayBuffer;
    this.held.delete(b);
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

/** Bytes of a give-all slab. */
const SLAB = 4 * 1024 * 1024;

function roundUp(size: number): number {
  return Math.max(GRAIN, Math.ceil(size / GRAIN) * GRAIN);
}
