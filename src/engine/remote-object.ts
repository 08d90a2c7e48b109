/**
 * Reading partitions whose file is only on the cloud. A {@link RemoteObject} stands for
 * one object (one generation of one partition): it fetches the footer and region index
 * once, with one ranged GET (two when the index is larger than guessed), and keeps
 * them. A {@link RegionWindow} is one cursor's view of it: it fetches regions with one
 * ranged GET each, as the cursor asks, and holds each until the cursor takes it; with
 * read-ahead it keeps up to that many further regions in flight.
 *
 * Like a local file, an object is retired, not deleted, while cursors read it: the
 * deletion runs when the last reader lets go.
 *
 * @module
 */
import { type RegionBuffers, RemoteFile, type RegionReader } from '../partition/index.ts';
import { StrataError } from '../errors.ts';
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
    let tail = await this.link.client.getRange(this.key, size - RemoteFile.tailGuess(size, this.regions), size);
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

  /** Fetches the stored bytes of region `i` (decoded by the reader). REQUIRES: the index is loaded. */
  async fetchRegion(i: number): Promise<Uint8Array> {
    const f = this.index!;
    const [start, end] = f.span(i);
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

/**
 * One cursor's regions of one {@link RemoteObject}, as a {@link RegionReader}:
 * `readRegion` hands out regions already fetched; the cursor calls {@link fetch}
 * first for a region it will need ({@link has} tells).
 */
export class RegionWindow implements RegionReader {
  readonly regions: number;
  private readonly ready = new Map<number, Uint8Array>();
  private readonly inFlight = new Map<number, Promise<void>>();
  private readonly file: RemoteFile;

  /** REQUIRES: `object`'s index is loaded. `readAhead`: further regions to keep in flight. */
  constructor(readonly object: RemoteObject, private readonly readAhead: number) {
    this.file = object.file!;
    this.regions = this.file.regions;
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
    this.prefetch(i + 1);
    return out;
  }

  /** Fetches region `i` (and, with read-ahead, the regions after it). */
  async fetch(i: number): Promise<void> {
    const p = this.start(i);
    this.prefetch(i + 1);
    await p;
  }

  private prefetch(from: number): void {
    for (let j = from; j < Math.min(this.regions, from + this.readAhead); j++) {
      if (!this.ready.has(j) && !this.inFlight.has(j)) void this.start(j).catch(() => undefined);
    }
  }

  private start(i: number): Promise<void> {
    if (this.ready.has(i)) return Promise.resolve();
    let p = this.inFlight.get(i);
    if (p === undefined) {
      p = this.object
        .fetchRegion(i)
        .then((b) => void this.ready.set(i, b))
        .finally(() => this.inFlight.delete(i));
      this.inFlight.set(i, p);
    }
    return p;
  }
}
