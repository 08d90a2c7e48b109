/**
 * The state the engine's modules share: what `Strata.open` assembled.
 *
 * @module
 */
import type { Manifest } from '../manifest/index.ts';
import type { Arena, MemoryCounter } from '../partition/index.ts';
import type { Wal } from '../wal/index.ts';
import type { WorkerPool } from '../workers/index.ts';
import type { Config } from './config.ts';
import type { OperationRegistry } from './operations.ts';
import type { PartitionMap } from './partition-map.ts';
import type { PartitionState } from './partition-state.ts';
import type { SerialCounter } from './serial.ts';

/** A storage as the engine uses it. */
export interface StorageInfo {
  readonly name: string;
  readonly uuid: string;
  /** Absolute folder of its partition files. */
  readonly dir: string;
}

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
  readonly main: StorageInfo;
  readonly serial: SerialCounter;
  /** Background work in flight. */
  readonly operations: OperationRegistry;
  /** Bytes of events in every memtable. */
  readonly memory: MemoryCounter;
  /** Asks for a background refresh of `p` (no-op with `workers 0`). */
  scheduleRefresh: (p: PartitionState) => void;
}

/** Microseconds since the epoch. */
export function nowMicros(): number {
  return Date.now() * 1000;
}
