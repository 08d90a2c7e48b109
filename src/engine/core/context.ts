/**
 * The state the engine's modules share: what `Strata.open` assembled.
 *
 * @module
 */
import * as path from 'node:path';
import type { Manifest } from '../../manifest/index.ts';
import type { Arena, MemoryCounter } from '../../partition/index.ts';
import type { Wal } from '../../wal/index.ts';
import type { WorkerPool } from '../../workers/index.ts';
import type { PipelineTier } from '../../tiering/index.ts';
import type { Config } from './config.ts';
import { partitionFileName } from './paths.ts';
import type { StorageRegistry } from '../../tiering/index.ts';
import type { CloudRegistry } from '../cloud/cloud-registry.ts';
import type { CloudLinks } from '../cloud/cloud-link.ts';
import type { FailedDeletes } from '../cloud/cloud-deletes.ts';
import type { LiveListings } from '../cloud/live-listing.ts';
import type { Observers } from './observers.ts';
import type { OperationRegistry } from './operations.ts';
import type { PartitionMap } from './partition-map.ts';
import type { PartitionState } from './partition-state.ts';
import type { Rollover } from './rollover.ts';
import type { SerialCounter } from './serial.ts';

/** The shared state of an open database. */
export interface EngineContext {
  readonly dir: string;
  readonly config: Config;
  readonly manifest: Manifest;
  /** The WAL, or null when `wal` is off. */
  wal: Wal | null;
  readonly partitions: PartitionMap;
  readonly arena: Arena;
  readonly pool: WorkerPool;
  readonly storages: StorageRegistry;
  readonly clouds: CloudRegistry;
  /** The S3 clients of the storages that have a cloud. */
  readonly links: CloudLinks;
  /** The pipeline's tiers (empty: every partition is created on main and kept). */
  pipeline: PipelineTier[];
  readonly serial: SerialCounter;
  /**
   * The generation the next new partition file gets: one counter for the database, so
   * that no file or object name is ever used twice while a reader may hold the old one
   * (a partition dropped and created again, a rewrite rolled back). Set at open above
   * every generation the manifest, the folders and `cloud_deletes` still name.
   */
  readonly generation: { next: number };
  /**
   * Deletions of cloud objects in flight, by `bucket\0key`: a put of the same key
   * waits for them (cloud-objects.ts, cloud-deletes.ts).
   */
  readonly deletions: Map<string, Promise<void>>;
  /** The `cloud_deletes` rows whose deletion failed, retried later (cloud-deletes.ts). */
  readonly failedDeletes: FailedDeletes;
  /** The live listings of the Parquet cloud storages (live-listing.ts). */
  readonly listings: LiveListings;
  /** The operations in flight, as `SHOW OPERATIONS` lists them (`db.operations` is a read-only view). */
  readonly operations: OperationRegistry;
  /** Who watches the engine (`db.observe`): told of writes, WAL syncs and operations' ends. */
  readonly observers: Observers;
  /**
   * What close() waits for: the operations of a partition in flight (exclusive.ts:
   * refreshes, moves, uploads, downloads, drops of one copy) and the deletions of
   * replaced objects that waited for their last reader (cloud-objects.ts).
   */
  readonly inflight: Set<Promise<void>>;
  /** Bytes of events in every memtable. */
  readonly memory: MemoryCounter;
  /** The write head and the partitions writes moved past: refresh at rollover (rollover.ts). */
  readonly rollover: Rollover;
  /** Asks for a background refresh of `p` (no-op with `workers 0`). */
  scheduleRefresh: (p: PartitionState) => void;
  /** Asks for a background rebalance (no-op with `workers 0` or no pipeline). */
  scheduleRebalance: () => void;
  /** Asks for background uploads of partitions waiting for their cloud (no-op with `workers_upload 0`). */
  scheduleUpload: () => void;
}

/** Microseconds since the epoch. */
export function nowMicros(): number {
  return Date.now() * 1000;
}

/** Path of generation `gen` of the file of partition `min` on storage `storage`. */
export function partitionPath(ctx: EngineContext, storage: string, min: bigint, gen: number): string {
  return path.join(ctx.storages.get('partition file', storage).dir, partitionFileName(min, gen));
}
