/**
 * A partition file kept as a cloud object: its footer and region index, parsed from
 * the object's tail (fetched once by the engine with a ranged GET), and the byte range
 * and decoding of each region. It does no I/O itself: the engine fetches bytes with
 * the cloud client and hands them here, so this layer never sees the cloud.
 *
 * @module
 */
import { checkKey } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import { ENTRY_FIXED, type RegionIndex } from './file-format.ts';
import { decodeFooter, type FileFormat, type FileIdentity, type Footer, MAX_FOOTER_SIZE } from './file-footer.ts';
import { isParquetTail, parquetFooterStart } from '../parquet/index.ts';
import { decodeParquetRegion } from './parquet-file.ts';
import type { RegionBuffers } from './region-buffers.ts';
import { decodeRegion, readIndex, seekRegion } from './region-reader.ts';

/** Guessed bytes of index per region (fixed part plus two short keys). */
const ENTRY_GUESS = ENTRY_FIXED + 32;
/** Guessed bytes of a Parquet footer: its fixed part (schema, Strata's entry), then per row group. */
const PARQUET_GUESS_FIXED = 1024;
const PARQUET_GUESS_GROUP = 224;

/** The parsed index of a partition file held remotely. Immutable; shared by readers. */
export class RemoteFile {
  readonly regions: number;
  readonly events: number;
  readonly codec: number;
  /** The object's format: Strata's own or Parquet. */
  readonly format: FileFormat;
  /** The format version of the object: 1 or 2. */
  readonly version: number;
  /** Which partition the object is, from its version-2 footer; null for version 1. */
  readonly identity: FileIdentity | null;
  private readonly key: Uint8Array | null;

  private constructor(
    /** The object's name, for messages (`cloud:bucket/key`). */
    readonly name: string,
    /** The object's size in bytes. */
    readonly size: number,
    readonly footer: Footer,
    readonly index: RegionIndex,
    key: Uint8Array | null,
    /** Whether regions are checked against their crc32. */
    readonly verifyCrc: boolean,
  ) {
    this.regions = footer.regions;
    this.events = footer.events;
    this.codec = footer.codec;
    this.version = footer.version;
    this.format = footer.format;
    this.identity = footer.identity;
    this.key = footer.encryption === 0 || key === null ? null : Uint8Array.from(key);
  }

  /**
   * How many bytes from the end of an object of `size` bytes and `regions` regions a
   * first ranged GET should fetch: the footer and, most often, the whole index. The
   * footer counted is the largest of any version (112 bytes), so that an object of
   * either version is read with this one GET whenever its index is not longer than
   * guessed. A Parquet file's footer is larger per region (its row group's metadata,
   * and Strata's entry): with `format` 'parquet' the guess is that footer's.
   */
  static tailGuess(size: number, regions: number, format: FileFormat = 'strata'): number {
    if (format === 'parquet') return Math.min(size, PARQUET_GUESS_FIXED + regions * PARQUET_GUESS_GROUP);
    return Math.min(size, MAX_FOOTER_SIZE + regions * ENTRY_GUESS + 64);
  }

  /**
   * Where the index starts, read from the footer at the end of `tail` (the object's
   * last bytes, at least `min(size, 112)` of them): a tail that starts after that needs
   * the bytes before it too.
   * @throws StrataError `CORRUPTION` when the object is too short for a footer of its
   *   version or the footer is damaged; `INTERNAL` when `tail` is too short.
   */
  static indexStart(name: string, size: number, tail: Uint8Array): number {
    if (size >= 12 && isParquetTail(tail)) return parquetFooterStart(name, size, tail);
    return Math.min(decodeFooter(tail, size, name).indexOffset, size);
  }

  /**
   * Parses the footer and index from `tail`, the object's bytes [`size - tail.length`,
   * `size`), which must start at or before {@link indexStart}.
   * @throws StrataError `CORRUPTION` as {@link PartitionFile.open} does; `INVALID_INPUT`
   *   for a bad key.
   */
  static open(name: string, size: number, tail: Uint8Array, key: Uint8Array | null, verifyCrc: boolean): RemoteFile {
    if (key !== null) checkKey(key, `open partition file: ${name}`);
    const start = size - tail.length;
    const read = (pos: number, len: number): Uint8Array => {
      if (pos < start || pos + len > size) {
        throw new StrataError('INTERNAL', `open partition file: ${name}: bytes [${pos}, ${pos + len}) are outside the fetched tail [${start}, ${size})`);
      }
      return tail.subarray(pos - start, pos - start + len);
    };
    const { footer, index } = readIndex(name, size, read, key, false);
    return new RemoteFile(name, size, footer, index, key, verifyCrc);
  }

  /** Number of events in region `i`. */
  regionEvents(i: number): number {
    return this.index.events[i]!;
  }

  /** Index of the first region whose last id is >= `(hi, lo)`. */
  seek(hi: number, lo: number): number {
    return seekRegion(this.index, hi, lo);
  }

  /** Byte range [start, end) of region `i`'s stored bytes in the object. */
  span(i: number): [number, number] {
    const start = this.index.offsets[i]!;
    return [start, start + this.index.sizes[i]!];
  }

  /**
   * Decodes region `i` from its stored bytes (as {@link span} locates them): into a new
   * buffer, or with `buffers` into one of its decode buffers as
   * `RegionReader.readRegion` says (a region without compression or encryption
   * is `stored` itself).
   * @throws StrataError `CORRUPTION` naming the object, the region and the checksums.
   */
  decode(i: number, stored: Uint8Array, buffers?: RegionBuffers): Uint8Array {
    if (this.footer.parquet !== undefined) return decodeParquetRegion(this.name, this.footer, i, stored, this.verifyCrc, buffers ?? null);
    return decodeRegion(this.name, this.index, i, stored, this.codec, this.key, this.verifyCrc, buffers ?? null);
  }
}
