/**
 * Iterator over a partition file: decodes one region at a time and walks its
 * records in place (views into the region buffer, no copies).
 *
 * @module
 */
import { compareRecs, recIdHi, recIdLo, recSize } from '../codec/index.ts';
import { type EventSource, NO_BYTES } from './event-source.ts';
import type { PartitionFile } from './file-reader.ts';

/** Forward iterator over a {@link PartitionFile}. */
export class FileIterator implements EventSource {
  valid = false;
  buf: Uint8Array = NO_BYTES;
  off = 0;
  private r = -1;
  private end = 0;
  /** Regions decoded so far (for statistics and tests). */
  regionsRead = 0;

  constructor(private readonly file: PartitionFile) {}


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
