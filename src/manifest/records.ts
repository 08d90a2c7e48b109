/**
 * The records the manifest stores, and their mapping to and from table rows.
 *
 * Times are microseconds since the Unix epoch, as `number` (exact up to year 2255).
 * u64 values are `bigint` here and fixed-width decimal TEXT in the tables (`values.ts`).
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import { textToU64, u64ToText } from './values.ts';
import type { ConfigValue } from './values.ts';

/** One partition: the events with `min <= id <= max`, and its live file. */
export interface PartitionRecord {
  /** Lowest id of the range (inclusive); names the partition. */
  min: bigint;
  /** Highest id of the range (inclusive); `max >= min`. */
  max: bigint;
  /** Name of the storage that holds the file. */
  storage: string;
  /** Generation of the live partition file; 0 = no file yet. */
  file: number;
  /** Highest WAL lsn whose events are in the file (0 if none). */
  lsn: bigint;
  /** Events in the file. */
  events: number;
  /** Regions in the file. */
  regions: number;
  /** File size in bytes. */
  size: number;
  /** Sum of the regions' sizes before compression, in bytes. */
  sizeUncompressed: number;
  /** When the partition was created (µs since the epoch). */
  created: number;
  /** When its file was last written by a refresh (µs since the epoch; 0 = never). */
  refreshed: number;
  /** How many refreshes wrote a file. */
  refreshes: number;
  /** Whether the file is on its storage's folder (false: only on the cloud). */
  onStorage: boolean;
  /** Whether the file is on its storage's cloud, as an object. */
  onCloud: boolean;
}

/** A storage: a named directory for partition files, with its options. */
export interface StorageRecord {
  /** Unique name (`main` is the base directory). */
  name: string;
  /** Unique, never changes, even across renames. */
  uuid: string;
  /** Directory of its partition files. */
  path: string;
  /** Settings (compression, encryption, region size, cloud, ...); types round-trip. */
  options: Record<string, ConfigValue>;
  /** When it was created (µs since the epoch). */
  created: number;
}

/** An in-flight file change, recorded before the new file is written. */
export interface OperationRecord {
  /** Assigned by `Manifest.insertOperation`; never reused. */
  id: number;
  /** What the change is (`refresh`, `move`, `upload`, `drop`, ... : the engine's words). */
  kind: string;
  /** `min` of the partition the change is about. */
  partition: bigint;
  /** Storage the new file is written to. */
  storage: string;
  /** Generation of the new file (0 if the change writes none). */
  file: number;
  /** Generation of the file it replaces (0 if none). */
  oldFile: number;
  /** When the change started (µs since the epoch). */
  started: number;
  /** Free text for the engine (e.g. JSON), '' if nothing. */
  detail: string;
}

/** A row of `partitions`. */
export interface PartitionRow {
  min: string;
  max: string;
  storage: string;
  file: number;
  lsn: string;
  events: number;
  regions: number;
  size: number;
  size_uncompressed: number;
  created: number;
  refreshed: number;
  refreshes: number;
  on_storage: number;
  on_cloud: number;
}

/** A row of `operations`. */
export interface OperationRow {
  id: number;
  kind: string;
  partition: string;
  storage: string;
  file: number;
  old_file: number;
  started: number;
  detail: string;
}

/**
 * Checks that `v` is a safe integer >= 0.
 * @throws StrataError `INVALID_INPUT` naming `what`.
 */
export function checkCount(v: number, operation: string, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new StrataError('INVALID_INPUT', `manifest: ${operation}: ${what} ${String(v)} is not an integer >= 0`);
  }
  return v;
}

/**
 * The row for `p`.
 * @throws StrataError `INVALID_INPUT` if a bound is not a u64, `max < min`, or a count
 *   or time is not an integer >= 0.
 */
export function partitionToRow(p: PartitionRecord, operation: string): PartitionRow {
  const row: PartitionRow = {
    min: u64ToText(p.min, operation, 'min'),
    max: u64ToText(p.max, operation, 'max'),
    storage: p.storage,
    file: checkCount(p.file, operation, 'file'),
    lsn: u64ToText(p.lsn, operation, 'lsn'),
    events: checkCount(p.events, operation, 'events'),
    regions: checkCount(p.regions, operation, 'regions'),
    size: checkCount(p.size, operation, 'size'),
    size_uncompressed: checkCount(p.sizeUncompressed, operation, 'sizeUncompressed'),
    created: checkCount(p.created, operation, 'created'),
    refreshed: checkCount(p.refreshed, operation, 'refreshed'),
    refreshes: checkCount(p.refreshes, operation, 'refreshes'),
    on_storage: p.onStorage ? 1 : 0,
    on_cloud: p.onCloud ? 1 : 0,
  };
  if (p.max < p.min) {
    throw new StrataError('INVALID_INPUT', `manifest: ${operation}: max ${p.max} is below min ${p.min}`);
  }
  return row;
}

/** The record of a `partitions` row. */
export function rowToPartition(r: PartitionRow): PartitionRecord {
  return {
    min: textToU64(r.min),
    max: textToU64(r.max),
    storage: r.storage,
    file: r.file,
    lsn: textToU64(r.lsn),
    events: r.events,
    regions: r.regions,
    size: r.size,
    sizeUncompressed: r.size_uncompressed,
    created: r.created,
    refreshed: r.refreshed,
    refreshes: r.refreshes,
    onStorage: r.on_storage === 1,
    onCloud: r.on_cloud === 1,
  };
}

/**
 * The row for `op` (without its id).
 * @throws StrataError `INVALID_INPUT` if `partition` is not a u64 or a number is not an
 *   integer >= 0.
 */
export function operationToRow(op: Omit<OperationRecord, 'id'>, operation: string): Omit<OperationRow, 'id'> {
  return {
    kind: op.kind,
    partition: u64ToText(op.partition, operation, 'partition'),
    storage: op.storage,
    file: checkCount(op.file, operation, 'file'),
    old_file: checkCount(op.oldFile, operation, 'oldFile'),
    started: checkCount(op.started, operation, 'started'),
    detail: op.detail,
  };
}

/** The record of an `operations` row. */
export function rowToOperation(r: OperationRow): OperationRecord {
  return {
    id: r.id,
    kind: r.kind,
    partition: textToU64(r.partition),
    storage: r.storage,
    file: r.file,
    oldFile: r.old_file,
    started: r.started,
    detail: r.detail,
  };
}

/** One tier of the pipeline as the manifest records it; null limits do not apply. */
export interface PipelineRecord {
  /** The tier's storage. */
  storage: string;
  partitions: number | null;
  /** Bytes. */
  size: number | null;
  events: number | null;
  /** Microseconds. */
  duration: bigint | null;
}

/**
 * A tombstone of a dropped partition: WAL records before `lsn` hold events of
 * `[min, max]` that must not come back on replay.
 */
export interface DroppedRange {
  min: bigint;
  max: bigint;
  lsn: bigint;
}

/**
 * An object of a cloud's bucket that no partition refers to, or soon will not: the
 * object of an upload in flight (recorded before the upload starts, removed from this
 * list when the switch commits) or the object a switch replaced (recorded in the
 * switch's transaction). The engine deletes the object, then the row; open() deletes
 * what an interrupted operation left.
 */
export interface CloudDelete {
  /** Assigned by `Manifest.insertCloudDelete`. */
  id: number;
  /** The cloud's name when recorded (for messages; the bucket and key locate it). */
  cloud: string;
  bucket: string;
  key: string;
  /** Microseconds since the epoch. */
  created: number;
}

/** A cloud: a named S3-compatible endpoint. Options are strings and booleans. */
export interface CloudRecord {
  name: string;
  /** `s3`. */
  type: string;
  options: Record<string, string | boolean>;
  /** Microseconds since the epoch. */
  created: number;
}
