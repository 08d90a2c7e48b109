/**
 * Creating partitions: by a write into a range no partition covers, or by hand
 * (`CREATE PARTITION min max`).
 *
 * @module
 */
import { idJoin } from '../../codec/index.ts';
import { StrataError } from '../../errors.ts';
import type { PartitionRecord } from '../../manifest/index.ts';
import { type EngineContext, nowMicros } from '../core/context.ts';
import { PartitionState } from '../core/partition-state.ts';

/**
 * Creates the partition `[min, max]` on the main storage and records it in the
 * manifest. @throws StrataError `ALREADY_EXISTS` if it overlaps a partition.
 */
export function createPartition(ctx: EngineContext, min: bigint, max: bigint): PartitionState {
  if (min > max) throw new StrataError('INVALID_INPUT', `create partition: min ${min} is above max ${max}`);
  const clash = ctx.partitions.overlaps(min, max);
  if (clash !== undefined) {
    throw new StrataError('ALREADY_EXISTS', `create partition: [${min}, ${max}] overlaps partition ${clash.min} [${clash.min}, ${clash.max}]`);
  }
  const now = nowMicros();
  const record: PartitionRecord = {
    min,
    max,
    storage: ctx.pipeline[0]?.storage ?? ctx.storages.main.name,
    file: 0,
    lsn: 0n,
    events: 0,
    regions: 0,
    size: 0,
    sizeUncompressed: 0,
    created: now,
    refreshed: 0,
    refreshes: 0,
    onStorage: true,
    onCloud: false,
  };
  ctx.manifest.insertPartition(record);
  const p = new PartitionState(record, null, ctx.memory, ctx.arena);
  ctx.partitions.insert(p);
  return p;
}

/**
 * The partition holding id `(hi, lo)`, created (aligned to `interval`) if none does;
 * a created partition is also pushed on `created` when given.
 */
export function partitionFor(ctx: EngineContext, hi: number, lo: number, created?: PartitionState[]): PartitionState {
  const p = ctx.partitions.find(hi, lo);
  if (p !== undefined) return p;
  const [min, max] = ctx.partitions.rangeFor(idJoin(hi, lo), ctx.config.interval);
  const made = createPartition(ctx, min, max);
  created?.push(made);
  return made;
}

/** Undoes the creation of partitions that are still empty (a write that failed). */
export function forgetEmptyPartitions(ctx: EngineContext, created: readonly PartitionState[]): void {
  for (const p of created) {
    if (p.file !== null || p.eventsInMemory > 0) continue;
    ctx.manifest.deletePartition(p.min);
    ctx.partitions.remove(p);
  }
}
