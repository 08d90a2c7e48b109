/**
 * The layout of a partition file in Parquet (`docs/parquet-format.md`): the schema,
 * the key-value metadata Strata adds, and what a reader of this layer gets back. The
 * page and footer bytes are Parquet's own (Apache Parquet format 2, Thrift compact
 * protocol), written by hyparquet-writer and read with hyparquet; this file fixes what
 * Strata puts in them.
 *
 * @module
 */

/** The 4 bytes a Parquet file starts and ends with: `PAR1`. */
export const PARQUET_MAGIC = 0x31524150;

/** Name of the key-value metadata entry that holds {@link StrataParquetMeta} as JSON. */
export const META_KEY = 'strata';

/** Version of {@link StrataParquetMeta}: a reader refuses a larger one. */
export const META_VERSION = 1;

/**
 * The Parquet schema of a partition: three required columns. `id` is INT64 annotated
 * UINT_64 (the converted type: see docs/decisions.md, "Parquet ids"), `key` and `value`
 * plain BYTE_ARRAY (bytes, not strings).
 */
export const PARTITION_SCHEMA = [
  { name: 'strata_partition', num_children: 3 },
  { name: 'id', type: 'INT64', repetition_type: 'REQUIRED', converted_type: 'UINT_64' },
  { name: 'key', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' },
  { name: 'value', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' },
] as const;

/**
 * What Strata records in the file's key-value metadata under {@link META_KEY}, as
 * JSON: which partition the file is (as a Strata footer's identity does), and per row
 * group (region) the crc32 of its stored bytes and the size of its events in Strata's
 * record layout. Ids are decimal strings (they exceed 2^53).
 */
export interface StrataParquetMeta {
  /** {@link META_VERSION}. */
  readonly version: number;
  /** The partition's range `[min, max]`, decimal. */
  readonly min: string;
  readonly max: string;
  /** The file's generation (the number in its name). */
  readonly generation: number;
  /** The highest WAL lsn whose events the file holds, decimal. */
  readonly lsn: string;
  /** crc32 of each row group's bytes (its three column chunks, back to back). */
  readonly crcs: readonly number[];
  /** Bytes of each row group's events in the record layout (what a reader decodes it to). */
  readonly sizes: readonly number[];
}

/** Which partition a Parquet file is (the same fields as a Strata footer's identity). */
export interface ParquetIdentity {
  readonly min: bigint;
  readonly max: bigint;
  readonly generation: number;
  readonly lsn: bigint;
}

/**
 * The row groups of a Parquet partition file, as {@link readParquetIndex} parses and
 * checks them: one slot per row group (a region), in file order. The first eleven
 * fields have the shape of a Strata file's region index, so the partition layer reads
 * either the same way; `chunks` says where each column chunk starts inside its row
 * group's bytes.
 */
export interface ParquetIndex {
  /** File offset of each row group's first byte. */
  readonly offsets: Float64Array;
  /** Bytes of each row group (its three column chunks). */
  readonly sizes: Uint32Array;
  /** Bytes of each row group's events in the record layout. */
  readonly sizesUncompressed: Uint32Array;
  /** Rows (events) of each row group, at least 1. */
  readonly events: Uint32Array;
  /** crc32 of each row group's bytes. */
  readonly crcs: Uint32Array;
  /** Id halves of each row group's first and last event (its `id` statistics). */
  readonly minHi: Uint32Array;
  readonly minLo: Uint32Array;
  readonly maxHi: Uint32Array;
  readonly maxLo: Uint32Array;
  /** Empty keys: a Parquet file does not record its row groups' first and last keys. */
  readonly minKeys: readonly Uint8Array[];
  readonly maxKeys: readonly Uint8Array[];
  /**
   * Start of each column chunk inside its row group's bytes, three per row group
   * (`id`, `key`, `value`); the `value` chunk ends where the row group does.
   */
  readonly chunks: Uint32Array;
}

/** A Parquet partition file's footer, parsed: totals, identity and the row groups. */
export interface ParquetFooter {
  readonly regions: number;
  readonly events: number;
  readonly sizeUncompressed: number;
  /** Parquet's codec of every column chunk: `ZSTD` or `UNCOMPRESSED`. */
  readonly compressed: boolean;
  /** Id halves of the first and last event (0 when empty). */
  readonly minHi: number;
  readonly minLo: number;
  readonly maxHi: number;
  readonly maxLo: number;
  readonly identity: ParquetIdentity;
  readonly index: ParquetIndex;
  /** Where the footer (Thrift metadata, length, magic) starts: the end of the last row group. */
  readonly footerStart: number;
}
