/**
 * Partition files in Parquet, as the partition layer reads them: the footer of a
 * Parquet file turned into a {@link Footer} and a region index (one region per row
 * group), so that a local file, a cloud object, the iterators and the merge read it
 * as they read a Strata file; and a row group decoded into the record layout.
 *
 * @module
 */
import { Codec, crc32 } from '../codec/index.ts';
import { decodeRowGroup, isParquetTail, PARQUET_TAIL, parquetFooterStart, readParquetFooter } from '../parquet/index.ts';
import { StrataError } from '../errors.ts';
import { corruption } from './file-format.ts';
import { checkRecorded, type Footer } from './file-footer.ts';
import type { RegionBuffers } from './region-buffers.ts';

const OPEN = 'open partition file';

/** The smallest Parquet file: the leading magic, an (empty) footer, its length and the magic. */
const MIN_PARQUET = 4 + PARQUET_TAIL;

/**
 * Whether the file of `size` bytes is in Parquet: its last 4 bytes are Parquet's magic
 * (a Strata file ends with `STRP`). `read(pos, len)` returns the file's bytes.
 */
export function isParquetFile(size: number, read: (pos: number, len: number) => Uint8Array): boolean {
  return size >= MIN_PARQUET && isParquetTail(read(size - 4, 4));
}

/**
 * Reads and checks the footer of the Parquet file of `size` bytes (two reads: its
 * length, then the footer) and, when `header`, its leading magic; the result has the
 * row groups as regions in `parquet`.
 * @throws StrataError `CORRUPTION` naming `path` and the fault.
 */
export function readParquet(path: string, size: number, read: (pos: number, len: number) => Uint8Array, header: boolean): Footer {
  const start = parquetFooterStart(path, size, read(size - PARQUET_TAIL, PARQUET_TAIL));
  const p = readParquetFooter(path, size, read(start, size - start));
  if (header && !isParquetTail(read(0, 4))) throw corruption(OPEN, path, 'the file does not start with Parquet\'s magic PAR1');
  const { min, max, generation, lsn } = p.identity;
  if (!Number.isSafeInteger(generation)) throw corruption(OPEN, path, `footer generation ${String(generation)} is not an integer`);
  checkRecorded(path, min, max, BigInt(generation), p.events, p.minHi, p.minLo, p.maxHi, p.maxLo);
  return {
    format: 'parquet',
    version: 2,
    indexOffset: start,
    indexSize: size - start,
    indexCrc: 0,
    regions: p.regions,
    events: p.events,
    minHi: p.minHi,
    minLo: p.minLo,
    maxHi: p.maxHi,
    maxLo: p.maxLo,
    sizeUncompressed: p.sizeUncompressed,
    codec: p.compressed ? Codec.zstd : Codec.none,
    encryption: 0,
    identity: { min, max, generation, lsn },
    parquet: p,
  };
}

/**
 * Decodes row group `i` of the Parquet file whose footer is `footer` from its stored
 * bytes: into a new buffer, or into `buffers.take()` (retired here on failure).
 * @throws StrataError `CORRUPTION` as decodeRowGroup says.
 */
export function decodeParquetRegion(path: string, footer: Footer, i: number, stored: Uint8Array, verifyCrc: boolean, buffers: RegionBuffers | null): Uint8Array {
  const p = footer.parquet;
  if (p === undefined) throw new StrataError('INTERNAL', `read region: ${path} is not a Parquet file`);
  const out = buffers?.take(p.index.sizesUncompressed[i]!);
  try {
    return decodeRowGroup(path, p.index, i, stored, p.compressed, verifyCrc, crc32, out);
  } catch (e) {
    if (out !== undefined) buffers!.retire(out);
    throw e;
  }
}
