/**
 * Iterator over a memtable, safe against concurrent writes: when the memtable's
 * version moved since the iterator last looked, `revalidate` seeks again by key.
 *
 * @module
 */
import { recIdHi, recIdLo } from '../codec/index.ts';
import { type EventSource, NO_BYTES } from './event-source.ts';
import type { MemPage } from './mem-page.ts';
import type { Memtable } from './memtable.ts';

/** Forward iterator over a {@link Memtable}, delete markers included. */
export class MemtableIterator implements EventSource {
  valid = false;
  buf: Uint8Array = NO_BYTES;
  off = 0;
  private pi = 0;
  private i = 0;
  private page: MemPage | undefined;
  private version = -1;

  constructor(private readonly mt: Memtable) {}

  seek(probe: Uint8Array, probeOff: number, strict: boolean): void {
    const mt = this.mt;
    const hi = recIdHi(probe, probeOff);
    const lo = recIdLo(probe, probeOff);
    this.version = mt.version;
    let pi = mt.findPage(hi, lo, probe, probeOff);
    let page = mt.pages[pi];
    let i = page === undefined ? 0 : mt.findInPage(page, hi, lo, probe, probeOff);
    if (strict && page !== undefined && i < page.n && mt.cmpEntry(page, i, hi, lo, probe, probeOff) === 0) i++;
    if (page !== undefined && i >= page.n) {
      pi++;
      i = 0;
      page = mt.pages[pi];
    }
    this.pi = pi;
    this.i = i;
    this.page = page;
    this.load();
  }

  next(): void {
    const page = this.page!;
    if (++this.i >= page.n) {
      this.i = 0;
      this.page = this.mt.pages[++this.pi];
    }
    this.load();
  }

  /** A memtable is in memory: it never stalls. */
  readonly stalled = false;

  resume(): void {}

  revalidate(last: Uint8Array, lastOff: number, strict = true): boolean {
    if (this.version === this.mt.version) return false;
    this.seek(last, lastOff, strict);
    return true;
  }

  private load(): void {
    const page = this.page;
    if (page === undefined || this.i >= page.n) {
      this.valid = false;
      this.buf = NO_BYTES;
      return;
    }
    this.valid = true;
    this.buf = this.mt.slabs[page.slab[this.i]!]!;
    this.off = page.off[this.i]!;
  }
}
