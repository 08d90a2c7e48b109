/**
 * Iterator over a partition file: decodes one region at a time and walks its
 * records in place (views into the region buffer, no copies).
 *
 * @module
 */
import { compareRecs, recIdHi, recIdLo, recSize } from '../codec/index.ts';
import { type EventSource, NO_BYTES } from './event-source.ts';
import type { RegionReader } from './region-reader.ts';

/** Forward iterator over the regions of a partition file (local or remote). */
export class FileIterator implements EventSource {
  valid = false;
  buf: Uint8Array = NO_BYTES;
  off = 0;
  private r = -1;
  private end = 0;
  /** Regions decoded so far (for statistics and tests). */
  regionsRead = 0;

  constructor(private readonly file: RegionReader) {}


  seek(probe: Uint8Array, probeOff: number, strict: boolean): void {
    this.load(this.file.seek(recIdHi(probe, probeOff), recIdLo(probe, probeOff)));
    while (this.valid) {
      const c = compareRecs(this.buf, this.off, probe, probeOff);
      if (c > 0 || (c === 0 && !strict)) return;
      this.next();
    }
  }

  next(): void {
    this.off += recSize(this.buf, this.off);
    if (this.off >= this.end) this.load(this.r + 1);
  }

  revalidate(): boolean {
    return false;
  }

  /**
   * The region the next {@link next} would load: the next region with events when the
   * iterator sits on the last record of its region, else -1 (also at the end).
   * Lets a reader of a remote file fetch that region before it is needed.
   */
  get nextLoad(): number {
    if (!this.valid || this.off + recSize(this.buf, this.off) < this.end) return -1;
    let r = this.r + 1;
    while (r < this.file.regions && this.file.regionEvents(r) === 0) r++;
    return r < this.file.regions ? r : -1;
  }

  /** The region {@link seek} to `(hi, lo)` would load first, or -1 when none would be. */
  seekLoad(hi: number, lo: number): number {
    let r = this.file.seek(hi, lo);
    while (r < this.file.regions && this.file.regionEvents(r) === 0) r++;
    return r < this.file.regions ? r : -1;
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
    this.regionsRead++;
    this.off = 0;
    this.end = this.buf.length;
    this.valid = true;
  }
}
