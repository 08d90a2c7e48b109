/**
 * The Parquet export of the facade: a scan of `[from, to]` written as one Parquet file
 * in the layout of Strata's Parquet partition files (src/parquet/layout.ts): columns
 * `id` (INT64, converted type UINT_64), `key` and `value` (BYTE_ARRAY), zstd, one row
 * group per region of about `region_size` bytes of events with min/max statistics of
 * `id`, and Strata's `strata` metadata entry. An export is no partition: its entry
 * names the range asked for as `min` and `max`, generation 1 and lsn 0
 * (docs/arrow.md#parquet).
 *
 * The events are cut into regions as a partition file cuts them
 * (src/partition/file-writer.ts): a region ends before the event that would take it
 * past the region size, and an event larger than that is a region alone.
 *
 * @module
 */
import type { Writable } from 'node:stream';
import { MAX_ID, putU32, RECORD_HEADER, recSetId, REC_FLAGS, REC_KEY_LEN, REC_VALUE_LEN, toId } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import type { Config } from '../engine/core/config.ts';
import { ParquetRegionWriter } from '../parquet/index.ts';
import type { Cursor, CursorOptions } from './cursor.ts';
import type { EventBatch } from './event-batch.ts';
import { type ExportSink, openSink } from './parquet-sink.ts';

const OP = 'exportParquet';

/** The range of `region_size`, the setting: the bounds of {@link ParquetExportOptions.regionSize}. */
const MIN_REGION = 1024;
const MAX_REGION = 64 * 1024 * 1024;

/** Events asked of the cursor at a time. */
const CURSOR_BATCH = 65536;

/** Keys and values up to this many bytes are copied byte by byte (a `subarray` costs more). */
const SHORT_COPY = 64;

/** What `exportParquet` reads, how it cuts row groups, and whom it tells how far it is. */
export interface ParquetExportOptions extends CursorOptions {
  /**
   * Bytes of events per row group, counted in Strata's record layout (14 bytes of
   * header, the key, the value), 1024..64 MiB; default: the setting `region_size`
   * (128 KiB unless changed). A row group ends before the event that would take it
   * past this size; an event larger than this is a row group of its own.
   */
  readonly regionSize?: number;
  /** Called after each row group is written, with the totals so far. */
  readonly onRowGroup?: (sofar: ParquetExportResult) => void;
}

/** What `exportParquet` wrote. */
export interface ParquetExportResult {
  /** Row groups written (0 for an empty range). */
  readonly rowGroups: number;
  /** Rows (events) written. */
  readonly rows: number;
  /** Bytes written: once the export ends, the size of the Parquet file. */
  readonly bytes: number;
}

/** What the facade lends this module: its settings and its cursors. */
export interface ParquetHost {
  readonly config: Readonly<Pick<Config, 'region_size' | 'compression_level'>>;
  cursor(options: CursorOptions): Cursor;
}

/**
 * Writes `[from, to]` as one Parquet file to `target`: a path (the file is created, or
 * replaced, with mode 0600, fsynced with its directory before this resolves, and
 * removed if the export fails) or a `Writable` (written in order, waiting for it to
 * drain after each row group; not ended). Deletes are never written (the cursor
 * applies them).
 * @throws StrataError `INVALID_INPUT` for bad options or `from` after `to` (nothing
 *   written); `IO` when the file or the stream fails; what a cursor throws.
 */
export async function exportParquet(host: ParquetHost, target: string | Writable, options: ParquetExportOptions): Promise<ParquetExportResult> {
  const from = options.from === undefined ? 0n : toId(options.from, OP, 'from');
  const to = options.to === undefined ? MAX_ID : toId(options.to, OP, 'to');
  if (from > to) throw new StrataError('INVALID_INPUT', `${OP}: from ${from} is after to ${to}; give a range with from <= to`);
  const regionSize = options.regionSize ?? host.config.region_size;
  if (!(Number.isSafeInteger(regionSize) && regionSize >= MIN_REGION && regionSize <= MAX_REGION)) {
    throw new StrataError('INVALID_INPUT', `${OP}: regionSize is an integer in ${MIN_REGION}..${MAX_REGION}, got ${String(regionSize)}`);
  }
  const onRowGroup = options.onRowGroup;
  if (onRowGroup !== undefined && typeof onRowGroup !== 'function') throw new StrataError('INVALID_INPUT', `${OP}: onRowGroup is a function`);
  const cursor = host.cursor(options);
  let sink: ExportSink;
  try {
    sink = openSink(target);
  } catch (e) {
    cursor.close();
    throw e;
  }
  try {
    const writer = new ParquetRegionWriter((bytes, pos) => sink.writeAt(bytes, pos), { compressed: true, level: host.config.compression_level });
    let rowGroups = 0;
    let rows = 0;
    const put = async (data: Uint8Array, events: number): Promise<void> => {
      writer.writeRegion(data, events);
      rowGroups++;
      rows += events;
      await sink.settle();
      onRowGroup?.({ rowGroups, rows, bytes: writer.size });
    };
    const region = new Uint8Array(regionSize);
    let len = 0;
    let events = 0;
    while (cursor.nextBatch(CURSOR_BATCH) || (await cursor.nextBatchAsync(CURSOR_BATCH))) {
      // the batch stays valid while the cursor does not move: across the awaits below
      const b = cursor.batch;
      for (let i = 0; i < b.length; i++) {
        const size = RECORD_HEADER + b.keyLengths[i]! + b.valueLengths[i]!;
        if (len > 0 && len + size > regionSize) {
          await put(region.subarray(0, len), events);
          len = 0;
          events = 0;
        }
        if (size > regionSize) {
          const alone = new Uint8Array(size);
          putRecord(alone, 0, b, i);
          await put(alone, 1);
        } else {
          len = putRecord(region, len, b, i);
          events++;
        }
      }
    }
    if (len > 0) await put(region.subarray(0, len), events);
    const bytes = writer.finish({ min: from, max: to, generation: 1, lsn: 0n });
    await sink.finish();
    return { rowGroups, rows, bytes };
  } catch (e) {
    sink.abort();
    throw e;
  } finally {
    cursor.close();
  }
}

/** Writes event `i` of `b` into `dst` at `at` in the record layout (no flags); returns the offset after it. */
function putRecord(dst: Uint8Array, at: number, b: EventBatch, i: number): number {
  const k = b.keyLengths[i]!;
  const v = b.valueLengths[i]!;
  recSetId(dst, at, b.idHi[i]!, b.idLo[i]!);
  putU32(dst, at + REC_VALUE_LEN, v);
  dst[at + REC_KEY_LEN] = k;
  dst[at + REC_FLAGS] = 0;
  const keyAt = at + RECORD_HEADER;
  copy(b.buffer, b.keyOffsets[i]!, k, dst, keyAt);
  copy(b.buffer, b.valueOffsets[i]!, v, dst, keyAt + k);
  return keyAt + k + v;
}

function copy(src: Uint8Array, from: number, n: number, dst: Uint8Array, at: number): void {
  if (n <= SHORT_COPY) for (let j = 0; j < n; j++) dst[at + j] = src[from + j]!;
  else dst.set(src.subarray(from, from + n), at);
}
