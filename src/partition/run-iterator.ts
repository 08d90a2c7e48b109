/**
 * Iterator over a {@link MemtableRun}: the flattened entries of a frozen memtable,
 * as a refresh job receives them (possibly in a worker thread).
 *
 * @module
 */
import { compareRecs } from '../codec/index.ts';
import { type EventSource, NO_BYTES } from './event-source.ts';
import type { MemtableRun } from './memtable.ts';

/** Forward iterator over a {@link MemtableRun}, delete markers included. */
export class RunIterator implements EventSource {
  valid = false;
  buf: Uint8Array = NO_BYTES;
  off = 0;
  private i = -1;

  constructor(private readonly run: MemtableRun) {}


  seek(probe: Uint8Array, probeOff: number, strict: boolean): void {
    // binary search over the flattened entries
    const { slab, off, slabs } = this.run;
    let a = 0;
    let b = slab.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      const c = compareRecs(slabs[slab[m]!]!, off[m]!, probe, probeOff);
      if (c < 0 || (c === 0 && strict)) a = m + 1;
      else b = m;
    }
    this.load(a);
  }

  next(): void {
    this.load(this.i + 1);
  }

  /** A run is in memory: it never stalls. */
  readonly stalled = false;

  resume(): void {}

  revalidate(): boolean {
    return false;
  }

  private load(i: number): void {
    this.i = i;
    const run = this.run;
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
