/**
 * Reads a partition file (`docs/partition-format.md`): the footer and the region
 * index are read and checked once at open and kept in memory; regions are read one
 * at a time, checked against their crc32, decrypted (if the file is encrypted) and
 * decompressed.
 *
 * @module
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ioError, StrataError } from '../errors.ts';
import { checkKey, Codec } from '../codec/index.ts';
import { corruption, type RegionIndex } from './file-format.ts';
import type { FileFormat, FileIdentity, Footer } from './file-footer.ts';
import { decodeParquetRegion } from './parquet-file.ts';
import { decodeRegion, readIndex, type RegionReader, seekRegion } from './region-reader.ts';
import type { RegionBuffers } from './region-buffers.ts';

const OPEN = 'open partition file';
const READ = 'read region';

/**
 * An open, immutable partition file. Holds its file descriptor until closed.
 *
 * Lifetime: {@link close} requests the close; the descriptor is released at once if
 * nobody holds a reference, else at the last {@link unref}. Holders (cursors) call
 * {@link ref} while the file is open and {@link unref} when done, so the engine can
 * swap in a new file and close the old one while scans still run on it.
 */
export class PartitionFile implements RegionReader {
  /** The file's path, as given to {@link open}. */
  readonly path: string;
  /** The file's format: Strata's own or Parquet (the storage option `format` it was written with). */
  readonly format: FileFormat;
  /** The format version of the file: 1 or 2 (writers write 2; a Parquet file says 2). */
  readonly version: number;
  /**
   * Which partition the file is (range, generation, lsn), as its version-2 footer
   * records it (checked at open: `min <= max`, generation >= 1, the events inside the
   * range); null for a version-1 file, which does not record it.
   */
  readonly identity: FileIdentity | null;
  /** Number of regions. */
  readonly regions: number;
  /** Number of events. */
  readonly events: number;
  /** File size in bytes. */
  readonly size: number;
  /** Sum of the regions' uncompressed sizes. */
  readonly sizeUncompressed: number;
  /** Compression codec id of every region. */
  readonly codec: number;
  /** Encryption id of every region (0 none, 1 aes). */
  readonly encryption: number;
  /** Id halves of the first event; 0 when the file is empty. */
  readonly minHi: number;
  readonly minLo: number;
  /** Id halves of the last event; 0 when the file is empty. */
  readonly maxHi: number;
  readonly maxLo: number;
  /** The region index (checked at open). Read-only for callers. */
  readonly index: RegionIndex;
  private fd: number;
  private refs = 0;
  private closing = false;
  /** The key of an encrypted file (a copy of the caller's); null if not encrypted. */
  private readonly key: Uint8Array | null;

  /**
   * Whether `readRegion` checks each region's crc32 (the storage option `crc`, on by
   * default). The footer and the index are always checked; an encrypted region is
   * always authenticated.
   */
  verifyCrc = true;

  /** The footer, kept for a Parquet file (its row groups decode with it); null for a Strata file. */
  private readonly parquet: Footer | null;

  private constructor(path: string, fd: number, size: number, f: Footer, index: RegionIndex, key: Uint8Array | null) {
    this.path = path;
    this.format = f.format;
    this.parquet = f.parquet === undefined ? null : f;
    this.fd = fd;
    this.size = size;
    this.version = f.version;
    this.identity = f.identity;
    this.regions = f.regions;
    this.events = f.events;
    this.sizeUncompressed = f.sizeUncompressed;
    this.codec = f.codec;
    this.encryption = f.encryption;
    this.key = f.encryption === 0 || key === null ? null : Uint8Array.from(key);
    this.minHi = f.minHi;
    this.minLo = f.minLo;
    this.maxHi = f.maxHi;
    this.maxLo = f.maxLo;
    this.index = index;
  }

  /**
   * Opens the file at `path`, reads and checks its header, footer and index. `key` is
   * the 32-byte key of an encrypted file (copied); it is ignored when the file is not
   * encrypted; a wrong key fails here, as the sealed index does not authenticate.
   * Reads files of version 1 and 2.
   * @throws StrataError `CORRUPTION` (naming the file and the fault) when the file is
   *   shorter than header and footer, has a bad magic, an unknown version, a footer
   *   or index crc mismatch, a version-2 identity that does not hold (range, generation,
   *   events outside the range), an index that lies outside the file or does not parse
   *   (or decrypt);
   *   `INVALID_INPUT` when `key` is given but is not 32 bytes, or the file is
   *   encrypted and no key was given; `IO` when the file cannot be opened or read.
   *   Nothing stays open on error.
   */
  static open(path: string, key: Uint8Array | null = null): PartitionFile {
    if (key !== null) checkKey(key, `${OPEN}: ${path}`);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (e) {
      throw ioError(OPEN, path, e);
    }
    try {
      return PartitionFile.load(path, fd, key);
    } catch (e) {
      try {
        closeSync(fd);
      } catch {
        // the first error is the one to report
      }
      throw e;
    }
  }

  private static load(path: string, fd: number, key: Uint8Array | null): PartitionFile {
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (e) {
      throw ioError(OPEN, path, e);
    }
    const { footer, index } = readIndex(path, size, (pos, len) => readAt(fd, path, OPEN, pos, len), key, true);
    return new PartitionFile(path, fd, size, footer, index, key);
  }

  /**
   * Whether `key` is the key the file is read with: the same 32 bytes, or null for a
   * file that is not encrypted. (A writer appending to the file checks it.)
   */
  sameKey(key: Uint8Array | null): boolean {
    const mine = this.key;
    if (mine === null || key === null) return mine === key;
    return key.length === mine.length && Buffer.compare(Buffer.from(key.buffer, key.byteOffset, key.length), Buffer.from(mine.buffer, mine.byteOffset, mine.length)) === 0;
  }

  /** Number of events in region `i`. REQUIRES: 0 <= i < regions. */
  regionEvents(i: number): number {
    return this.index.events[i]!;
  }

  /**
   * Reads region `i`: one read, one crc32 check, one decrypt (if encrypted), one
   * decompress. Without `buffers`, returns a new buffer holding the region's records,
   * owned by the caller (views into it stay valid). With `buffers`, reads into its read
   * buffer and decodes into one of its decode buffers (an unencrypted region without
   * compression is read straight into one), which the caller retires when done; see
   * {@link RegionReader.readRegion}. Works after {@link close} while references are held.
   * @throws StrataError `CORRUPTION` naming the file, the region and both checksums when
   *   the stored bytes are damaged (other regions stay readable), or naming the file
   *   and the region when decryption fails (wrong key) or the data does not decompress;
   *   `IO` on a read error; `CLOSED` when the file is closed; `INTERNAL` when `i` is
   *   out of range.
   */
  readRegion(i: number, buffers?: RegionBuffers): Uint8Array {
    if (this.fd < 0) throw new StrataError('CLOSED', `${READ}: ${this.path}: file is closed`);
    if (!(i >= 0 && i < this.regions && Number.isInteger(i))) {
      throw new StrataError('INTERNAL', `${READ}: ${this.path}: region ${i} is outside 0..${this.regions - 1}`);
    }
    const size = this.index.sizes[i]!;
    if (buffers === undefined) {
      const stored = readAt(this.fd, this.path, READ, this.index.offsets[i]!, size, `region ${i}: `);
      if (this.parquet !== null) return decodeParquetRegion(this.path, this.parquet, i, stored, this.verifyCrc, null);
      return decodeRegion(this.path, this.index, i, stored, this.codec, this.key, this.verifyCrc);
    }
    // stored bytes that are the records themselves go straight into a decode buffer
    const direct = this.codec === Codec.none && this.key === null && this.parquet === null;
    const into = direct ? buffers.take(size) : buffers.read(size);
    try {
      readAt(this.fd, this.path, READ, this.index.offsets[i]!, size, `region ${i}: `, into);
      if (this.parquet !== null) return decodeParquetRegion(this.path, this.parquet, i, into, this.verifyCrc, buffers);
      return decodeRegion(this.path, this.index, i, into, this.codec, this.key, this.verifyCrc, buffers);
    } catch (e) {
      if (direct) buffers.retire(into);
      throw e;
    }
  }

  /**
   * Index of the first region whose last id is >= the id `(hi, lo)`: the region where
   * a scan from that id starts. `regions` when every id in the file is smaller.
   */
  seek(hi: number, lo: number): number {
    return seekRegion(this.index, hi, lo);
  }

  /** Takes a reference: the descriptor stays open until the matching {@link unref}. */
  ref(): void {
    if (this.fd < 0) throw new StrataError('CLOSED', `${READ}: ${this.path}: file is closed`);
    this.refs++;
  }

  /** Drops a reference; closes the file if it was the last and {@link close} was requested. */
  unref(): void {
    if (this.refs <= 0) throw new StrataError('INTERNAL', `close partition file: ${this.path}: unref without ref`);
    this.refs--;
    if (this.refs === 0 && this.closing) this.release();
  }

  /** Requests the close: now if no reference is held, else at the last {@link unref}. Idempotent. */
  close(): void {
    this.closing = true;
    if (this.refs === 0) this.release();
  }

  /** Whether the descriptor is still open (false once really closed). */
  get isOpen(): boolean {
    return this.fd >= 0;
  }

  private release(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      closeSync(fd);
    } catch (e) {
      throw ioError('close partition file', this.path, e);
    }
  }
}

/**
 * Reads exactly `size` bytes at `pos` of `fd` into `into` (at least `size` bytes long)
 * or, without it, a new buffer; a short read means the file shrank (`CORRUPTION`); a
 * failed read is `IO`. Messages start with `op` and `path`.
 */
export function readAt(fd: number, path: string, op: string, pos: number, size: number, what = '', into?: Uint8Array): Uint8Array {
  const buf = into ?? Buffer.allocUnsafe(size);
  let done = 0;
  try {
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, pos + done);
      if (n === 0) break;
      done += n;
    }
  } catch (e) {
    throw ioError(op, path, e);
  }
  if (done < size) throw corruption(op, path, `${what}short read at ${pos} (${done} of ${size} bytes); the file shrank`);
  return buf;
}
