/**
 * Iterator over a partition file: decodes one region at a time and walks its
 * records in place (views into the region buffer, no copies).
 *
 * With {@link RegionBuffers} it reads and decodes into reused memory: the buffer of a
 * region it leaves is retired, and stays as it is until the owner of the buffers
 * releases them (the cursor, at its next move). Without, each region gets a new buffer
 * that is never reused.
 *
 * @module
 */
import { compareRecs, recIdHi, recIdLo, recSize } from '../codec/index.ts';
import { type EventSource, NO_BYTES } from './event-source.ts';
import type { RegionBuffers } from './region-buffers.ts';
import type { RegionReader } from './region-reader.ts';

/** Forward iterator over the regions of a partition file (local or remote). */
export class FileIterator implements EventSource {
  valid = false;
  buf: Uint8Array = NO_BYTES;
  off = 0;
  private r = -1;
  /** End of the records in `buf` (its length): a batch reader walks up to it. */
  end = 0;
  /** Regions decoded so far (for statistics and tests). */
  regionsRead = 0;

  constructor(
    private readonly file: RegionReader,
    private readonly buffers: RegionBuffers | null = null,
  ) {}

  /** Set when the region to load next is not fetched yet: the region it waits for, else -1. */
  private waiting = -1;
  /** The seek in progress while stalled in a seek, else null. */
  private seekProbe: Uint8Array | null = null;
  private seekOff = 0;
  private seekStrict = false;

  get stalled(): boolean {
    return this.waiting >= 0;
  }

  /** The region a stalled iterator waits for (-1 when not stalled). */
  get waitingFor(): number {
    return this.waiting;
  }

  seek(probe: Uint8Array, probeOff: number, strict: boolean): void {
    this.seekProbe = probe;
    this.seekOff = probeOff;
    this.seekStrict = strict;
    this.load(this.file.seek(recIdHi(probe, probeOff), recIdLo(probe, probeOff)));
    this.finishSeek();
  }

  next(): void {
    this.off += recSize(this.buf, this.off);
    if (this.off >= this.end) this.load(this.r + 1);
  }

  revalidate(): boolean {
    return false;
  }

  resume(): void {
    if (this.waiting < 0) return;
    const r = this.waiting;
    this.waiting = -1;
    try {
      this.load(r);
    } catch (e) {
      // a region that fails to decode: still stalled on it, so a retry reads it again
      this.waiting = r;
      throw e;
    }
    if (this.seekProbe !== null) this.finishSeek();
  }

  /** Steps over the records below the seek's probe (possibly into further regions). */
  private finishSeek(): void {
    const probe = this.seekProbe!;
    while (this.valid) {
      const c = compareRecs(this.buf, this.off, probe, this.seekOff);
      if (c > 0 || (c === 0 && !this.seekStrict)) break;
      this.next();
    }
    if (this.waiting < 0) this.seekProbe = null;
  }

  private load(r: number): void {
    const file = this.file;
    if (this.buffers !== null && this.buf !== NO_BYTES) this.buffers.retire(this.buf);
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
    if (file.has !== undefined && !file.has(r)) {
      // a remote region not fetched yet: stall until resume()
      this.waiting = r;
      this.valid = false;
      this.buf = NO_BYTES;
      this.off = 0;
      this.end = 0;
      return;
    }
    // not positioned until the region is read: a read that throws leaves nothing stale
    this.valid = false;
    this.buf = NO_BYTES;
    this.off = 0;
    this.end = 0;
    this.buf = this.buffers === null ? file.readRegion(r) : file.readRegion(r, this.buffers);
    this.regionsRead++;
    this.end = this.buf.length;
    this.valid = true;
  }
}
