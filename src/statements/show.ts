/**
 * The partition view of `SHOW PARTITION(S)`. Field names are stable
 * (docs/sql/show.md): tools parse them.
 *
 * @module
 */
import type { EngineContext } from '../engine/core/context.ts';
import type { OperationInfo } from '../engine/core/operations.ts';
import type { PartitionState } from '../engine/core/partition-state.ts';

/** One partition as `SHOW PARTITIONS` describes it. */
export interface PartitionInfo {
  readonly min: bigint;
  readonly max: bigint;
  /** Events in the partition file. */
  readonly events: number;
  /** Events (and delete markers) in memory, not yet refreshed. */
  readonly events_heap: number;
  readonly regions: number;
  /** Bytes of the partition file. */
  readonly size: number;
  /** Bytes of the file's events before compression. */
  readonly size_uncompressed: number;
  /** Bytes of the events in memory. */
  readonly size_heap: number;
  /** Microseconds since the epoch. */
  readonly created: number;
  /** Microseconds since the epoch of the last refresh (0: never). */
  readonly refreshed: number;
  readonly refreshes: number;
  /** Whether the partition has a file in its storage's folder. */
  readonly on_storage: boolean;
  /** Whether the partition's file is on its storage's cloud. */
  readonly on_cloud: boolean;
  readonly storage: string;
  /** The last failed cloud transfer of the partition (null: none since the last success); retried in the background. */
  readonly cloud_error: string | null;
}

/** The `SHOW PARTITION` view of `p`. */
export function partitionInfo(p: PartitionState): PartitionInfo {
  const r = p.record;
  return {
    min: r.min,
    max: r.max,
    events: r.events,
    events_heap: p.eventsInMemory,
    regions: r.regions,
    size: r.size,
    size_uncompressed: r.sizeUncompressed,
    size_heap: p.bytesInMemory,
    created: r.created,
    refreshed: r.refreshed,
    refreshes: r.refreshes,
    on_storage: r.file !== 0 && r.onStorage,
    on_cloud: r.file !== 0 && r.onCloud,
    storage: r.storage,
    cloud_error: p.cloudError,
  };
}

/** The `SHOW PARTITIONS` view. */
export function showPartitions(ctx: EngineContext): PartitionInfo[] {
  return ctx.partitions.all.map(partitionInfo);
}

/** One row of `SHOW OPERATIONS`: an operation in flight, or a cloud transfer that failed and waits to be retried. */
export interface OperationRow extends OperationInfo {
  /** `running`, or `failed` (retried in the background, or by the statement again). */
  readonly state: 'running' | 'failed';
  /** Why it failed (`failed` rows), else null. */
  readonly error: string | null;
}

/** The `SHOW OPERATIONS` view: operations in flight, then the partitions whose last cloud transfer failed. */
export function operationsView(ctx: EngineContext): OperationRow[] {
  const rows: OperationRow[] = ctx.operations.list().map((op) => ({ ...op, state: 'running', error: null }));
  for (const p of ctx.partitions.all) {
    const f = p.cloudFailure;
    if (f === null) continue;
    rows.push({ kind: f.kind, partition: p.min, source: f.source, destination: f.destination, bytes_done: 0, bytes_total: p.record.size, started: 0, state: 'failed', error: f.error });
  }
  return rows;
}
