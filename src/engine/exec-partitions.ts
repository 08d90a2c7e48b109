/**
 * `CREATE PARTITION`, `DROP PARTITION(S)`, `REFRESH PARTITION(S)`, `SHOW PARTITION(S)`.
 * A partition is named by its `min`.
 *
 * @module
 */
import type { IdRange, StatementOf } from '../../grammar/index.ts';
import { StrataError } from '../errors.ts';
import type { EngineContext } from './context.ts';
import { createPartition } from './partition-create.ts';
import { dropPartition } from './partition-drop.ts';
import type { PartitionState } from './partition-state.ts';
import { refreshPartition } from './refresh.ts';
import { type PartitionInfo, partitionInfo } from './show.ts';

/** The partition whose min is `id`; undefined when none is and `ifExists`. */
function partitionNamed(ctx: EngineContext, op: string, id: bigint, ifExists: boolean): PartitionState | undefined {
  const p = ctx.partitions.all.find((q) => q.min === id);
  if (p === undefined && !ifExists) {
    throw new StrataError('NOT_FOUND', `${op}: no partition ${id} (a partition is named by its min); SHOW PARTITIONS lists them`);
  }
  return p;
}

/** The partitions whose min falls in `range`. */
function partitionsIn(ctx: EngineContext, op: string, range: IdRange): PartitionState[] {
  if (range.min > range.max) throw new StrataError('INVALID_INPUT', `${op}: the range ${range.min}..${range.max} is empty (min above max)`);
  return ctx.partitions.all.filter((p) => p.min >= range.min && p.min <= range.max);
}

function noCopies(op: string, on: 'storage' | 'cloud' | null): void {
  if (on !== null) {
    throw new StrataError('NOT_SUPPORTED', `${op} on ${on}: a partition has one copy until the cloud tier lands; drop it without ON`);
  }
}

/** CREATE PARTITION min max. */
export function executeCreatePartition(ctx: EngineContext, s: StatementOf<'create_partition'>): null {
  createPartition(ctx, s.min, s.max);
  return null;
}

/** DROP PARTITION [IF EXISTS] id. */
export async function executeDropPartition(ctx: EngineContext, s: StatementOf<'drop_partition'>): Promise<null> {
  noCopies('drop partition', s.on);
  const p = partitionNamed(ctx, 'drop partition', s.id, s.ifExists);
  if (p !== undefined) await dropPartition(ctx, p);
  return null;
}

/** DROP PARTITIONS range. */
export async function executeDropPartitions(ctx: EngineContext, s: StatementOf<'drop_partitions'>): Promise<null> {
  noCopies('drop partitions', s.on);
  for (const p of partitionsIn(ctx, 'drop partitions', s.range)) await dropPartition(ctx, p);
  return null;
}

/** REFRESH PARTITION [IF EXISTS] id. */
export async function executeRefreshPartition(ctx: EngineContext, s: StatementOf<'refresh_partition'>): Promise<null> {
  const p = partitionNamed(ctx, 'refresh partition', s.id, s.ifExists);
  if (p !== undefined) await refreshPartition(ctx, p);
  return null;
}

/** REFRESH PARTITIONS range. */
export async function executeRefreshPartitions(ctx: EngineContext, s: StatementOf<'refresh_partitions'>): Promise<null> {
  await Promise.all(partitionsIn(ctx, 'refresh partitions', s.range).map((p) => refreshPartition(ctx, p)));
  return null;
}

/** SHOW PARTITION id. */
export function executeShowPartition(ctx: EngineContext, s: StatementOf<'show_partition'>): PartitionInfo {
  return partitionInfo(partitionNamed(ctx, 'show partition', s.id, false)!);
}

/** SHOW PARTITIONS [storage]. */
export function executeShowPartitions(ctx: EngineContext, s: StatementOf<'show_partitions'>): PartitionInfo[] {
  if (s.storage === null) return ctx.partitions.all.map(partitionInfo);
  const storage = ctx.storages.get('show partitions', s.storage);
  return ctx.partitions.all.filter((p) => p.record.storage === storage.name).map(partitionInfo);
}
