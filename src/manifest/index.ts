/**
 * The manifest layer: the SQLite database (better-sqlite3) that records config,
 * storages, partitions and in-flight operations, and is the single source of truth for
 * which partition files are live. See docs/manifest.md.
 *
 * @module
 */
export { Manifest } from './manifest.ts';
export type { CloudDelete, CloudRecord, DroppedRange, OperationRecord, PartitionRecord, PipelineRecord, StorageRecord } from './records.ts';
export type { ConfigValue } from './values.ts';
export { MIGRATIONS, SCHEMA_VERSION } from './schema.ts';
export type { Migration } from './schema.ts';
export { lockFile, type FileLock, type LockAttempt } from './lock-file.ts';
