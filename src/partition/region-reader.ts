/**
 * What reading a partition file takes, wherever its bytes come from: parsing the
 * footer and the region index, finding the region of an id, and decoding one region's
 * stored bytes (crc32 check, decryption, decompression). A local file
 * ({@link PartitionFile}) reads its bytes with pread; a file kept as a cloud object
 * ({@link RemoteFile}) gets them by ranged GETs. Both decode the same way.
 *
 * @module
 */
import { Codec, crc32, decompress, decompressInto, decryptRegion } from '../codec/index.ts';
import { isStrataError, StrataError } from '../errors.ts';
import {
  checkHeader, corruption, decodeIndex, HEADER_SIZE, hex32, INDEX_AAD, regionAad, type RegionIndex,
} from './file-format.ts';
import { decodeFooter, type Footer, footerSize, MAX_FOOTER_SIZE } from './file-footer.ts';
import type { RegionBuffers } from './region-buffers.ts';
import { isParquetFile, readParquet } from './parquet-file.ts';

const OPEN = 'open partition file';
const READ = 'read region';

/** The regions of a partition file, as a {@link FileIterator} reads them. */
export interface RegionReader {
  /** Number of regions. */
  readonly regions: number;
  /** Number of events in region `i`. REQUIRES: 0 <= i < regions. */
  regionEvents(i: number): number;
  /** Index of the first region whose last id is >= `(hi, lo)`; `regions` if none. */
  seek(hi: number, lo: number): number;
  /**
   * The decoded records of region `i`. Without `buffers`, in a new buffer the caller
   * owns. With `buffers`, the stored bytes are read into its read buffer and decoded
   * into one of its decode buffers (`take`), which the caller retires when done; a
   * region that cannot be decoded in place (decrypted without compression, lz4) comes
   * in a new buffer, which `retire` ignores.
   */
  readRegion(i: number, buffers?: RegionBuffers): Uint8Array;
  /**
   * Whether region `i` can be read now; absent for a local file (always). A remote
   * reader answers false for a region not fetched yet: the iterator stalls on it.
   */
  has?(i: number): boolean;
}

/**
 * Reads and checks the footer of a file of `size` bytes (either version), then that
 * the index lies between the header and the footer, then the header (when `header`:
 * magic, the footer's version, flags). Reads nothing else and needs no key.
 * `read(pos, len)` returns the file's bytes [pos, pos + len).
 * @throws StrataError `CORRUPTION` naming `path` and the fault.
 */
export function readFooter(
  path: string,
  size: number,
  read: (pos: number, len: number) => Uint8Array,
  header: boolean,
): Footer {
  // the largest footer of any version, or the whole file when it is smaller: one read
  // (decodeFooter checks the size first: a file shorter than any is truncated)
  if (isParquetFile(size, read)) return readParquet(path, size, read, header);
  const n = Math.min(size, MAX_FOOTER_SIZE);
  const footer = decodeFooter(read(size - n, n), size, path);
  const end = size - footerSize(footer.version)!;
  const { indexOffset, indexSize } = footer;
  if (indexOffset < HEADER_SIZE || indexOffset + indexSize !== end) {
    throw corruption(OPEN, path, `index (offset ${indexOffset}, size ${indexSize}) does not end where the footer starts (${end}); truncated or damaged`);
  }
  if (header) checkHeader(read(0, HEADER_SIZE), path, footer.version);
  return footer;
}

/**
 * Reads and checks the footer and the index of a file of `size` bytes, in this order:
 * footer, index bounds, header (when `header`), key, index crc, index decryption and
 * parse. `read(pos, len)` returns the file's bytes [pos, pos + len).
 * @throws StrataError `CORRUPTION` naming `path` and the fault; `INVALID_INPUT` when
 *   the file is encrypted and `key` is null.
 */
export function readIndex(
  path: string,
  size: number,
  read: (pos: number, len: number) => Uint8Array,
  key: Uint8Array | null,
  header: boolean,
): { footer: Footer; index: RegionIndex } {
  const footer = readFooter(path, size, read, header);
  if (footer.parquet !== undefined) return { footer, index: footer.parquet.index };
  if (footer.encryption !== 0 && key === null) {
    throw new StrataError('INVALID_INPUT', `${OPEN}: ${path} is encrypted and no key was given`);
  }
  const { indexOffset, indexSize } = footer;
  const bytes = read(indexOffset, indexSize);
  const crc = crc32(bytes);
  if (crc !== footer.indexCrc) {
    throw corruption(OPEN, path, `index crc mismatch (stored ${hex32(footer.indexCrc)}, computed ${hex32(crc)})`);
  }
  let index: Uint8Array = bytes;
  if (footer.encryption !== 0) {
    try {
      index = decryptRegion(key!, INDEX_AAD, bytes);
    } catch (e) {
      if (!isStrataError(e)) throw e;
      throw corruption(OPEN, path, `index: ${e.message}`, e);
    }
  }
  return { footer, index: decodeIndex(index, footer, path) };
}

/**
 * Decodes region `i` from its `stored` bytes: crc32 check (when `verifyCrc`), then
 * decryption (when `key`), then decompression. Without `buffers` the result is a new
 * buffer (or `stored` itself for an unencrypted region without compression). With
 * `buffers` a zstd region is decompressed into `buffers.take()`, which the caller
 * retires; an lz4 region comes in a new buffer (lz4-napi cannot decode into a given
 * one), and an uncompressed one as is (`stored`, or its decryption), so a caller that
 * wants it in a decode buffer reads it into `buffers.take()` first.
 * @throws StrataError `CORRUPTION` naming `path`, the region and both checksums, or the
 *   region when decryption or decompression fails.
 */
export function decodeRegion(
  path: string,
  index: RegionIndex,
  i: number,
  stored: Uint8Array,
  codec: number,
  key: Uint8Array | null,
  verifyCrc: boolean,
  buffers: RegionBuffers | null = null,
): Uint8Array {
  const crc = verifyCrc ? crc32(stored) : index.crcs[i]!;
  if (crc !== index.crcs[i]) {
    throw corruption(READ, path, `region ${i} crc mismatch (stored ${hex32(index.crcs[i]!)}, computed ${hex32(crc)})`);
  }
  try {
    const data = key === null ? stored : decryptRegion(key, regionAad(i), stored);
    const size = index.sizesUncompressed[i]!;
    // only zstd decodes into a given buffer (lz4-napi has no such call; `none` is as is)
    if (buffers === null || codec !== Codec.zstd) return decompress(codec, data, size);
    const out = buffers.take(size);
    try {
      decompressInto(codec, data, out);
    } catch (e) {
      buffers.retire(out);
      throw e;
    }
    return out;
  } catch (e) {
    if (!isStrataError(e)) throw e;
    throw corruption(READ, path, `region ${i}: ${e.message}`, e);
  }
}

/** Index of the first region whose last id is >= `(hi, lo)`: `regions` when every id is smaller. */
export function seekRegion(index: RegionIndex, hi: number, lo: number): number {
  const { maxHi, maxLo } = index;
  let a = 0;
  let b = maxHi.length;
  while (a < b) {
    const m = (a + b) >>> 1;
    const h = maxHi[m]!;
    if (h < hi || (h === hi && maxLo[m]! < lo)) a = m + 1;
    else b = m;
  }
  return a;
}
