/**
 * Reading partitions whose file is only on the cloud. A {@link RemoteObject} stands for
 * one object (one generation of one partition): it fetches the footer and region index
 * once, with one ranged GET (two when the index is larger than guessed), and keeps
 * them. A {@link RegionWindow} is one cursor's view of it: it fetches the regions the
 * cursor asks for and reads ahead of it, several adjacent regions per ranged GET, and
 * holds each region's stored bytes until the cursor decodes it.
 *
 * Like a local file, an object is retired, not deleted, while cursors read it: the
 * deletion runs when the last reader lets go.
 *
 * @module
 */
import { type FileFormat, type RegionBuffers, RemoteFile, type RegionReader } from '../../partition/index.ts';
import { StrataError } from '../../errors.ts';
import type { StorageCloud } from './cloud-link.ts';

/** One object holding a partition file, and its index once fetched. */
export class RemoteObject {
  private index: RemoteFile | null = null;
  private loading: Promise<RemoteFile> | null = null;
  private refs = 0;
  private retired: (() => void) | null = null;

  constructor(
    /** How to reach the object: replaced by {@link relink} when its cloud's options change. */
    public link: StorageCloud,
    readonly key: string,
    /** The object's size (the manifest's record of the file). */
    readonly size: number,
    private readonly regions: number,
    private readonly fileKey: Uint8Array | null,
    private readonly verifyCrc: boolean,
    /** The format its storage writes: how much of its tail the first GET fetches (either format is read). */
    private readonly format: FileFormat = 'strata',
  ) {}

  /** The parsed index, or null before {@link load} resolved. */
  get file(): RemoteFile | null {
    return this.index;
  }

  /** Fetches and parses the footer and index (once; a failure is retried by the next call). */
  load(): Promise<RemoteFile> {
    if (this.index !== null) return Promise.resolve(this.index);
    this.loading ??= this.fetchIndex().then(
      (f) => (this.index = f),
      (e: unknown) => {
        this.loading = null;
        throw e;
      },
    );
    return this.loading;
  }

  private async fetchIndex(): Promise<RemoteFile> {
    const name = this.link.where(this.key);
    const size = this.size;
    let tail = await this.link.client.getRange(this.key, size - RemoteFile.tailGuess(size, this.regions, this.format), size);
    const start = RemoteFile.indexStart(name, size, tail);
    if (start < size - tail.length) {
      const more = await this.link.client.getRange(this.key, start, size - tail.length);
      const all = new Uint8Array(more.length + tail.length);
      all.set(more, 0);
      all.set(tail, more.length);
      tail = all;
    }
    return RemoteFile.open(name, size, tail, this.fileKey, this.verifyCrc);
  }

  /** Fetches the object's bytes [start, end) (stored regions, decoded by the reader): one ranged GET. */
  fetchRange(start: number, end: number): Promise<Uint8Array> {
    return this.link.client.getRange(this.key, start, end);
  }

  /**
   * Reaches the object through `link` from now on (its cloud was altered or renamed):
   * the same object, so readers and a pending retirement stay as they are.
   */
  relink(link: StorageCloud): void {
    this.link = link;
  }

  /** Readers holding a reference. */
  get readers(): number {
    return this.refs;
  }

  /** A reader takes a reference: a retirement waits for it. */
  ref(): void {
    this.refs++;
  }

  /** Drops a reference; runs the retirement if it was the last. */
  unref(): void {
    this.refs--;
    if (this.refs === 0 && this.retired !== null) this.finish();
  }

  /** Runs `done` (deleting the object) now if nobody reads it, else at the last {@link unref}. */
  retire(done: () => void): void {
    this.retired = done;
    if (this.refs === 0) this.finish();
  }

  private finish(): void {
    const done = this.retired!;
    this.retired = null;
    done();
  }
}

/** How far a cursor reads ahead in a cloud partition: at most `regions` regions and `bytes` stored bytes. */
export interface ReadAhead {
  readonly regions: number;
  readonly bytes: number;
}

/**
 * One cursor's regions of one {@link RemoteObject}, as a {@link RegionReader}:
 * `readRegion` hands out regions already fetched; the cursor calls {@link fetch}
 * first for a region it will need ({@link has} tells).
 *
 * Read-ahead, for sequential scans: the first region a cursor reads is fetched alone
 * (a lookup or a short scan fetches what it reads). Once the cursor reads on past it,
 * the window keeps fetching the regions after the one being read, several adjacent
 * regions per ranged GET, so that up to `ahead.regions` regions and `ahead.bytes`
 * stored bytes are fetched or in flight ahead of the reader (at least one region,
 * whatever its size), never past the region that holds the scan's last id. Requests
 * are a quarter of the window each (at least 4 regions), so several are in flight and
 * the next starts once a quarter of the window has been read. The window starts at 4
 * regions and grows fourfold with each round of requests. With `ahead.regions` 0 the
 * window fetches only what the cursor waits for, one region per request.
 */
export class RegionWindow implements RegionReader {
  readonly regions: number;
  /** Stored bytes of regions fetched and not read yet. */
  private readonly ready = new Map<number, Uint8Array>();
  /** The request in flight for each region it covers. */
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly file: RemoteFile;
  /** The last region the scan may need. */
  private readonly last: number;
  /** Regions the window may hold now (grows to `ahead.regions`). */
  private target: number;
  /** The first region after the reader that no read-ahead request covers yet. */
  private next = 0;
  /** The most regions and stored bytes held ahead of the reader so far (statistics, tests). */
  readonly highWater = { regions: 0, bytes: 0 };
  /** Set once the cursor has read a region, and once it asks for another after it. */
  private reading = false;
  private sequential = false;

  /**
   * REQUIRES: `object`'s index is loaded. `(toHi, toLo)`: the scan's last id (regions
   * after the one that holds it are never read ahead).
   */
  constructor(
    readonly object: RemoteObject,
    private readonly ahead: ReadAhead,
    toHi = 0xffffffff,
    toLo = 0xffffffff,
  ) {
    this.file = object.file!;
    this.regions = this.file.regions;
    this.last = Math.min(this.regions - 1, this.file.seek(toHi, toLo));
    this.target = Math.min(4, ahead.regions);
  }

  regionEvents(i: number): number {
    return this.file.regionEvents(i);
  }

  seek(hi: number, lo: number): number {
    return this.file.seek(hi, lo);
  }

  /** Whether region `i` is fetched. */
  has(i: number): boolean {
    return this.ready.has(i);
  }

  readRegion(i: number, buffers?: RegionBuffers): Uint8Array {
    const r = this.ready.get(i);
    if (r === undefined) throw new StrataError('INTERNAL', `read region: ${this.object.link.where(this.object.key)}: region ${i} was not fetched first`);
    // decoded here, into the reader's buffers; kept until then, so a failure can be retried
    const out = this.file.decode(i, r, buffers);
    this.ready.delete(i);
    if (this.sequential) this.prefetch(i);
    this.reading = true;
    return out;
  }

  /**
   * Fetches region `i`: alone, for the first region the cursor reads (a lookup or a
   * short scan fetches no more than it reads); with the regions after it, read ahead,
   * once the cursor reads on past its first region. Rejects with the request's `CLOUD`
   * error; a later call requests the region again.
   */
  async fetch(i: number): Promise<void> {
    if (this.reading && !this.sequential) this.sequential = true;
    let p = this.inFlight.get(i);
    if (p === undefined && !this.ready.has(i)) {
      if (this.sequential && this.target > 0) this.prefetch(i - 1);
      p = this.inFlight.get(i) ?? this.request(i, 1);
    }
    if (p !== undefined) await p;
  }

  /**
   * Reads ahead of region `k` (the one being read): fills the window with requests of
   * a quarter of it each (in regions and in bytes), so that several are in flight and
   * one starts as soon as a quarter of the window has been read; a request smaller than
   * that is made only when nothing is held ahead, or at the scan's last region.
   */
  private prefetch(k: number): void {
    const target = this.target;
    if (target === 0) return;
    const f = this.file;
    const sizes = f.index.sizes;
    const maxBytes = this.ahead.bytes;
    const chunkRegions = Math.max(Math.min(target, 4), Math.ceil(target / 4));
    const chunkBytes = maxBytes / 4;
    if (this.next <= k) this.next = k + 1;
    let issued = false;
    for (;;) {
      // regions (k, next) are fetched or in flight (next steps over those a request
      // made after a failed one already covers)
      let j = this.next;
      while (j <= this.last && (this.ready.has(j) || this.inFlight.has(j))) j++;
      this.next = j;
      if (j > this.last) break;
      const held = j - k - 1;
      const bytes = held === 0 ? 0 : f.span(j - 1)[1] - f.span(k + 1)[0];
      // the next request: a chunk, within the window (at least one region when none is held)
      let n = 0;
      let add = 0;
      let full = false;
      while (j + n <= this.last && !this.ready.has(j + n) && !this.inFlight.has(j + n)) {
        const size = sizes[j + n]!;
        if (held + n > 0 && (held + n >= target || bytes + add + size > maxBytes)) break;
        if (n > 0 && (n >= chunkRegions || add + size > chunkBytes)) {
          full = true;
          break;
        }
        add += size;
        n++;
      }
      if (n === 0 || !(full || held === 0 || j + n > this.last || n >= chunkRegions)) break;
      this.request(j, n);
      this.next = j + n;
      issued = true;
      if (held + n > this.highWater.regions) this.highWater.regions = held + n;
      if (bytes + add > this.highWater.bytes) this.highWater.bytes = bytes + add;
    }
    // a scan that goes on reading ahead is sequential: widen the window
    if (issued) this.target = Math.min(this.ahead.regions, 4 * target);
  }

  /** One ranged GET for regions [first, first + n), which lie back to back in the object. */
  private request(first: number, n: number): Promise<void> {
    const f = this.file;
    const start = f.span(first)[0];
    const end = f.span(first + n - 1)[1];
    const p = this.object.fetchRange(start, end).then(
      (bytes) => {
        for (let j = first; j < first + n; j++) {
          const [a, b] = f.span(j);
          this.inFlight.delete(j);
          this.ready.set(j, bytes.subarray(a - start, b - start));
        }
      },
      (e: unknown) => {
        for (let j = first; j < first + n; j++) this.inFlight.delete(j);
        // requested again by the next read-ahead, or by the reader's fetch
        if (first < this.next) this.next = first;
        throw e;
      },
    );
    // a read-ahead that fails is requested again when the reader needs it
    p.catch(() => undefined);
    for (let j = first; j < first + n; j++) this.inFlight.set(j, p);
    return p;
  }
}
