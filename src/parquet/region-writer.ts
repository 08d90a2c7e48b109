/**
 * Writes a partition file in Parquet, one row group per region: the partition layer
 * cuts the events into regions as it does for a Strata file and hands each region's
 * records here (`docs/parquet-format.md`). hyparquet-writer encodes the column chunks
 * (PLAIN, one data page v2 per chunk, zstd through zstd-napi) and the footer; this
 * class feeds it the columns of each region, writes its bytes to the file as each row
 * group ends, and records what Strata adds to the footer (identity, crc32 and decoded
 * size of each row group).
 *
 * @module
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { Codec, compress, crc32, RECORD_HEADER, REC_KEY_LEN } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import { META_KEY, META_VERSION, PARTITION_SCHEMA, type ParquetIdentity, type StrataParquetMeta } from './layout.ts';

/** Writes `bytes` at file offset `pos` (the caller's file). */
export type WriteAt = (bytes: Uint8Array, pos: number) => void;

/** How a {@link ParquetRegionWriter} compresses: zstd at `level`, or not at all. */
export interface ParquetWriteOptions {
  readonly compressed: boolean;
  /** zstd level (used when `compressed`). */
  readonly level: number;
}

/**
 * hyparquet-writer's byte buffer, emptied into the file after each row group (and at
 * the end) instead of growing with the whole file. `offset` stays the absolute file
 * position, as the writer's offsets need.
 */
class FileSink extends ByteWriter {
  /** File offset of `buffer[0]`. */
  private base = 0;
  /** Where the row group being written starts (set before each one). */
  groupStart = 0;
  /** crc32 of the last row group's bytes, set when it is flushed. */
  groupCrc = 0;

  constructor(private readonly writeAt: WriteAt) {
    super(1 << 16);
  }

  flush(): void {
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    this.groupCrc = crc32(bytes.subarray(this.groupStart - this.base));
    this.writeAt(bytes, this.base);
    this.base += this.index;
    this.index = 0;
  }

  override finish(): void {
    if (this.index === 0) return;
    this.writeAt(new Uint8Array(this.buffer, 0, this.index), this.base);
    this.base += this.index;
    this.index = 0;
  }
}

/**
 * One Parquet partition file being written. Not reusable: call {@link writeRegion} for
 * each region in order, then {@link finish} once. Synchronous (run it in a worker for
 * big files, as the refresh job does).
 */
export class ParquetRegionWriter {
  private readonly sink: FileSink;
  private readonly pw: ParquetWriter;
  private readonly crcs: number[] = [];
  private readonly sizes: number[] = [];

  /** Starts the file: writes its leading magic through `writeAt` at offset 0. */
  constructor(writeAt: WriteAt, options: ParquetWriteOptions) {
    this.sink = new FileSink(writeAt);
    const level = options.level;
    this.pw = new ParquetWriter({
      writer: this.sink,
      schema: PARTITION_SCHEMA.map((e) => ({ ...e })),
      codec: options.compressed ? 'ZSTD' : 'UNCOMPRESSED',
      compressors: { ZSTD: (b: Uint8Array) => compress(Codec.zstd, level, b) },
      statistics: false,
      createdBy: 'strata',
    });
  }

  /** Bytes written so far (the file offset where the next row group starts). */
  get size(): number {
    return this.sink.offset;
  }

  /**
   * Writes one region's events as one row group. `data` holds `events` records in the
   * record layout, in ascending `(id, key)` order, none a delete (the caller checked).
   */
  writeRegion(data: Uint8Array, events: number): void {
    const ids = new BigUint64Array(events);
    const keys = new Array<Uint8Array>(events);
    const values = new Array<Uint8Array>(events);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let off = 0;
    for (let i = 0; i < events; i++) {
      ids[i] = view.getBigUint64(off, true);
      const k = data[off + REC_KEY_LEN]!;
      const v = view.getUint32(off + 8, true);
      const at = off + RECORD_HEADER;
      keys[i] = data.subarray(at, at + k);
      values[i] = data.subarray(at + k, at + k + v);
      off = at + k + v;
    }
    if (off !== data.length) {
      throw new StrataError('INTERNAL', `write parquet row group: ${events} records end at ${off}, the region has ${data.length} bytes`);
    }
    this.sink.groupStart = this.sink.offset;
    // one page per chunk: no chunk holds more than the region's bytes
    const pageSize = 2 * data.length + 64;
    void this.pw.write({
      columnData: [
        { name: 'id', data: ids, encoding: 'PLAIN', statistics: true, offsetIndex: false },
        { name: 'key', data: keys, encoding: 'PLAIN', offsetIndex: false },
        { name: 'value', data: values, encoding: 'PLAIN', offsetIndex: false },
      ],
      rowGroupSize: events,
      pageSize,
    });
    this.crcs.push(this.sink.groupCrc);
    this.sizes.push(data.length);
  }

  /** Writes the footer (the Thrift metadata with Strata's entry, its length, the magic); returns the file's size. */
  finish(identity: ParquetIdentity): number {
    const meta: StrataParquetMeta = {
      version: META_VERSION,
      min: identity.min.toString(),
      max: identity.max.toString(),
      generation: identity.generation,
      lsn: identity.lsn.toString(),
      crcs: this.crcs,
      sizes: this.sizes,
    };
    this.pw.kvMetadata = [{ key: META_KEY, value: JSON.stringify(meta) }];
    void this.pw.finish();
    return this.sink.offset;
  }
}
