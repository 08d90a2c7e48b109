/**
 * Partition files in Parquet (`docs/parquet-format.md`): a writer that takes regions
 * of records and writes one row group each, a footer reader, and a row-group decoder
 * back to the record layout. The only layer that imports hyparquet and
 * hyparquet-writer; it knows the record layout (codec/) and nothing of partitions.
 *
 * @module
 */
export { ParquetRegionWriter, type ParquetWriteOptions, type WriteAt } from './region-writer.ts';
export { isParquetTail, parquetFooterStart, PARQUET_TAIL, readParquetFooter } from './footer.ts';
export { decodeRowGroup } from './row-group.ts';
export { type ParquetFooter, type ParquetIdentity, type ParquetIndex, PARTITION_SCHEMA, META_KEY, type StrataParquetMeta } from './layout.ts';
