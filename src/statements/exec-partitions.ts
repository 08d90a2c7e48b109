/**
 * `CREATE PARTITION`, `DROP PARTITION(S)` (whole, or one copy), `REFRESH PARTITION(S)`,
 * `UPLOAD / DOWNLOAD PARTITION(S)`, `SHOW PARTITION(S)`.
 * A statement on one partition names it by any id inside its range (its `min`, or
 * another); a statement on several takes the partitions whose `min` is in a range, and
 * stops between partitions when its caller's signal fires (`CANCELLED`).
 *
 * @module
 */
import type { IdRange, StatementOf } from '../../grammar/index.ts';
import { StrataError } from '../errors.ts';
import { StepCounter } from '../engine/core/cancel.ts';
import type { EngineContext } from '../engine/core/context.ts';
import { createPartition } from '../engine/lifecycle/partition-create.ts';
import { dropPartition } from '../engine/lifecycle/partition-drop.ts';
import type { PartitionState } from '../engine/core/partition-state.ts';
import { refreshPartition } from '../engine/lifecycle/refresh.ts';
import { checkCloud, checkDropCopy, downloadPartition, dropCopy, uploadPartition } from '../engine/lifecycle/cloud-transfer.ts';
import { type PartitionInfo, partitionInfo } from './show.ts';

/**
 * The partition that holds `id` (its min, or any id inside its range, as monotone's
 * statements take); undefined when none does and `ifExists`.
 * @throws StrataError `NOT_FOUND` when none does and not `ifExists`.
 */
export function partitionNamed(ctx: EngineContext, op: string, id: bigint, ifExists: boolean): PartitionState | undefined {
  const p = ctx.partitions.find(Number(id >> 32n), Number(id & 0xffffffffn));
  if (p === undefined && !ifExists) {
    throw new StrataError('NOT_FOUND', `${op}: no partition holds id ${id}; SHOW PARTITIONS lists them`);
  }
  return p;
}

/**
 * The partitions whose min falls in `range`, in order.
 * @throws StrataError `INVALID_INPUT` when the range is empty (min above max).
 */
export function partitionsIn(ctx: EngineContext, op: string, range: IdRange): PartitionState[] {
  if (range.min > range.max) throw new StrataError('INVALID_INPUT', `${op}: the range ${range.min}..${range.max} is empty (min above max)`);
  return ctx.partitions.withMinIn(range.min, range.max);
}

/** CREATE PARTITION min max. */
export function executeCreatePartition(ctx: EngineContext, s: StatementOf<'create_partition'>): null {
  createPartition(ctx, s.min, s.max);
  return null;
}

/** DROP PARTITION [IF EXISTS] id [ON STORAGE | ON CLOUD]. */
export async function executeDropPartition(ctx: EngineContext, s: StatementOf<'drop_partition'>): Promise<null> {
  const op = 'drop partition';
  const p = partitionNamed(ctx, op, s.id, s.ifExists);
  if (p === undefined) return null;
  if (s.on === null) await dropPartition(ctx, p);
  else await dropCopy(ctx, p, s.on, op);
  return null;
}

/**
 * DROP PARTITIONS range [ON STORAGE | ON CLOUD]. With ON, every partition is checked
 * first: if one would lose its only copy, nothing changes.
 */
export async function executeDropPartitions(ctx: EngineContext, s: StatementOf<'drop_partitions'>, signal?: AbortSignal): Promise<null> {
  const op = 'drop partitions';
  const list = partitionsIn(ctx, op, s.range);
  const on = s.on;
  if (on !== null) for (const p of list) checkDropCopy(p, on, op);
  await oneByOne(new StepCounter(op, list.length, signal), list, (p) => (on === null ? dropPartition(ctx, p) : dropCopy(ctx, p, on, op)));
  return null;
}

/**
 * Runs `fn` on every partition of `list` in order, checking `counter` before each.
 * @throws StrataError `CANCELLED` once its signal has fired; else what `fn` throws.
 */
export async function oneByOne(counter: StepCounter, list: readonly PartitionState[], fn: (p: PartitionState) => Promise<unknown>): Promise<void> {
  for (const p of list) {
    counter.check();
    await fn(p);
    counter.done++;
  }
}

/** UPLOAD PARTITION [IF EXISTS] id [IF CLOUD]. */
export async function executeUploadPartition(ctx: EngineContext, s: StatementOf<'upload_partition'>): Promise<null> {
  const p = partitionNamed(ctx, 'upload partition', s.id, s.ifExists);
  if (p !== undefined) await uploadPartition(ctx, p, 'upload partition', s.ifCloud);
  return null;
}

/** UPLOAD PARTITIONS range [IF CLOUD]: checks every partition has a cloud (unless IF CLOUD) before the first upload. */
export async function executeUploadPartitions(ctx: EngineContext, s: StatementOf<'upload_partitions'>, signal?: AbortSignal): Promise<null> {
  const op = 'upload partitions';
  const list = partitionsIn(ctx, op, s.range);
  for (const p of list) checkCloud(ctx, p, op, s.ifCloud);
  await inParallel(Math.max(1, ctx.config.workers_upload), new StepCounter(op, list.length, signal), list, (p) => uploadPartition(ctx, p, op, s.ifCloud));
  return null;
}

/** DOWNLOAD PARTITION [IF EXISTS] id [IF CLOUD]. */
export async function executeDownloadPartition(ctx: EngineContext, s: StatementOf<'download_partition'>): Promise<null> {
  const p = partitionNamed(ctx, 'download partition', s.id, s.ifExists);
  if (p !== undefined) await downloadPartition(ctx, p, 'download partition', s.ifCloud);
  return null;
}

/** DOWNLOAD PARTITIONS range [IF CLOUD]. */
export async function executeDownloadPartitions(ctx: EngineContext, s: StatementOf<'download_partitions'>, signal?: AbortSignal): Promise<null> {
  const op = 'download partitions';
  const list = partitionsIn(ctx, op, s.range);
  for (const p of list) checkCloud(ctx, p, op, s.ifCloud);
  await inParallel(Math.max(1, ctx.config.workers_upload), new StepCounter(op, list.length, signal), list, (p) => downloadPartition(ctx, p, op, s.ifCloud));
  return null;
}

/**
 * Runs `fn` on every partition, at most `width` at a time; no partition is started
 * once `counter`'s signal has fired. Waits for those started.
 * @throws the first failure; else StrataError `CANCELLED` when some were not started.
 */
async function inParallel(width: number, counter: StepCounter, list: readonly PartitionState[], fn: (p: PartitionState) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown = null;
  const lane = async (): Promise<void> => {
    while (next < list.length && !counter.cancelled) {
      const p = list[next++]!;
      try {
        await fn(p);
      } catch (e) {
        failure ??= e;
      }
      counter.done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, list.length) }, lane));
  if (failure !== null) throw failure;
  if (counter.done < counter.total) throw counter.error();
}

/** REFRESH PARTITION [IF EXISTS] id. */
export async function executeRefreshPartition(ctx: EngineContext, s: StatementOf<'refresh_partition'>): Promise<null> {
  const p = partitionNamed(ctx, 'refresh partition', s.id, s.ifExists);
  if (p !== undefined) await refreshPartition(ctx, p);
  return null;
}

/** REFRESH PARTITIONS range. */
export async function executeRefreshPartitions(ctx: EngineContext, s: StatementOf<'refresh_partitions'>, signal?: AbortSignal): Promise<null> {
  const op = 'refresh partitions';
  const list = partitionsIn(ctx, op, s.range);
  // as many at a time as there are worker threads to run them (inline: one)
  await inParallel(Math.max(1, ctx.config.workers), new StepCounter(op, list.length, signal), list, (p) => refreshPartition(ctx, p));
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
