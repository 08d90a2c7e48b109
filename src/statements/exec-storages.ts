/**
 * `CREATE / ALTER / DROP STORAGE`, `ALTER PIPELINE`, `MOVE PARTITION(S)`,
 * `REBALANCE` and `EXPLAIN REBALANCE`.
 *
 * @module
 */
import type { StatementOf } from '../../grammar/index.ts';
import { StrataError } from '../errors.ts';
import { StepCounter } from '../engine/core/cancel.ts';
import type { EngineContext } from '../engine/core/context.ts';
import { plan, rebalance } from '../engine/lifecycle/rebalance.ts';
import { movePartition } from '../engine/lifecycle/refresh.ts';
import { MAIN, type PlanStep, type Storage, type StorageOption, savePipeline } from '../tiering/index.ts';
import { oneByOne, partitionNamed, partitionsIn } from './exec-partitions.ts';
import { storageOptions, tierSpecs } from './options.ts';

/** Partitions on `storage`, counting moves into it that are in flight. */
function holds(ctx: EngineContext, storage: string): number {
  const moving = ctx.operations.list().filter((op) => op.destination === storage && op.source !== storage).length;
  return ctx.partitions.all.filter((p) => p.record.storage === storage).length + moving;
}

/**
 * Checks the `cloud` option of `list`, if given: the cloud must exist, and the
 * storage's cloud can change only while none of its partitions is on the cloud.
 */
function checkCloudOption(ctx: EngineContext, op: string, list: readonly StorageOption[], storage: Storage | undefined): void {
  const o = list.find((x) => x.name === 'cloud');
  if (o === undefined || typeof o.value !== 'string') return;
  if (o.value !== '') ctx.clouds.get(op, o.value);
  if (storage === undefined) return;
  const was = storage.record.options.cloud ?? '';
  if (was === o.value) return;
  const onCloud = ctx.partitions.all.filter((p) => p.record.storage === storage.name && (p.record.onCloud || p.refreshing !== null)).length;
  if (onCloud > 0) {
    throw new StrataError('INVALID_INPUT', `${op}: storage '${storage.name}' has ${onCloud} partition(s) on its cloud or in transfer; its cloud can change only when none is: DOWNLOAD PARTITIONS and DROP PARTITIONS ... ON CLOUD first`);
  }
}

/**
 * Checks the `format` option of `list`, if given: a Parquet storage with partitions on
 * its cloud keeps its live listing for outside engines (docs/scale-out.md), so its
 * format cannot go back to `strata` until none is there.
 */
function checkFormatOption(ctx: EngineContext, op: string, list: readonly StorageOption[], storage: Storage): void {
  const o = list.find((x) => x.name === 'format');
  if (o === undefined || o.value === 'parquet' || storage.effective(ctx.config).format !== 'parquet') return;
  if (typeof storage.record.options.cloud !== 'string') return;
  const onCloud = ctx.partitions.all.filter((p) => p.record.storage === storage.name && (p.record.onCloud || p.refreshing !== null)).length;
  if (onCloud > 0) {
    throw new StrataError('INVALID_INPUT', `${op}: storage '${storage.name}' has ${onCloud} partition(s) on its cloud, listed in its live listing for engines outside Strata; its format can leave 'parquet' only when none is: DOWNLOAD PARTITIONS and DROP PARTITIONS ... ON CLOUD first`);
  }
}

/** CREATE STORAGE [IF NOT EXISTS] name [(options)]. */
export function executeCreateStorage(ctx: EngineContext, s: StatementOf<'create_storage'>): null {
  // IF NOT EXISTS of a storage that exists: nothing, its options unchecked
  if (s.ifNotExists && ctx.storages.find(s.name) !== undefined) return null;
  const options = storageOptions('create storage', s.options);
  if (ctx.storages.find(s.name) === undefined) checkCloudOption(ctx, 'create storage', options, undefined);
  ctx.storages.create('create storage', s.name, options, s.ifNotExists);
  return null;
}

/** ALTER STORAGE [IF EXISTS] name SET (options) | SET option TO value. */
export function executeAlterStorageSet(ctx: EngineContext, s: StatementOf<'alter_storage_set'>): null {
  const storage = s.ifExists ? ctx.storages.find(s.name) : ctx.storages.get('alter storage', s.name);
  if (storage === undefined) return null;
  const options = storageOptions('alter storage', s.options);
  checkCloudOption(ctx, 'alter storage', options, storage);
  checkFormatOption(ctx, 'alter storage', options, storage);
  ctx.storages.alter('alter storage', storage, options, holds(ctx, storage.name) === 0);
  // files already open follow the checksum setting; the others apply at the next refresh or move
  const crc = ctx.storages.get('alter storage', s.name).effective(ctx.config).crc;
  for (const p of ctx.partitions.all) if (p.record.storage === s.name && p.file !== null) p.file.verifyCrc = crc;
  return null;
}

/** ALTER STORAGE [IF EXISTS] name RENAME TO new. */
export function executeAlterStorageRename(ctx: EngineContext, s: StatementOf<'alter_storage_rename'>): null {
  const storage = s.ifExists ? ctx.storages.find(s.name) : ctx.storages.get('alter storage', s.name);
  if (storage === undefined) return null;
  ctx.storages.rename('alter storage', storage, s.to);
  // partitions and the pipeline follow in the manifest (ON UPDATE CASCADE); in memory too
  for (const p of ctx.partitions.all) if (p.record.storage === s.name) p.record = { ...p.record, storage: s.to };
  ctx.pipeline = ctx.pipeline.map((t) => (t.storage === s.name ? { ...t, storage: s.to } : t));
  return null;
}

/** DROP STORAGE [IF EXISTS] name. */
export function executeDropStorage(ctx: EngineContext, s: StatementOf<'drop_storage'>): null {
  const op = 'drop storage';
  if (s.name === MAIN) throw new StrataError('INVALID_INPUT', `${op}: main cannot be dropped`);
  const storage = s.ifExists ? ctx.storages.find(s.name) : ctx.storages.get(op, s.name);
  if (storage === undefined) return null;
  const n = holds(ctx, storage.name);
  if (n > 0) throw new StrataError('INVALID_INPUT', `${op}: storage '${s.name}' holds ${n} partition(s); move or drop them first`);
  if (ctx.pipeline.some((t) => t.storage === storage.name)) {
    throw new StrataError('INVALID_INPUT', `${op}: storage '${s.name}' is in the pipeline; change the pipeline first (ALTER PIPELINE)`);
  }
  ctx.storages.drop(op, storage);
  return null;
}

/** ALTER PIPELINE [SET] tiers | ALTER PIPELINE RESET. */
export function executeAlterPipeline(ctx: EngineContext, s: StatementOf<'alter_pipeline'> | StatementOf<'alter_pipeline_reset'>): null {
  ctx.pipeline = savePipeline(ctx.manifest, ctx.storages, s.kind === 'alter_pipeline' ? tierSpecs(s.tiers) : []);
  return null;
}

/** MOVE PARTITION [IF EXISTS] id INTO storage. */
export async function executeMovePartition(ctx: EngineContext, s: StatementOf<'move_partition'>): Promise<null> {
  const dest = ctx.storages.get('move partition', s.storage);
  const p = partitionNamed(ctx, 'move partition', s.id, s.ifExists);
  if (p !== undefined) await movePartition(ctx, p, dest);
  return null;
}

/** MOVE PARTITIONS range INTO storage: the partitions whose min falls in the range. */
export async function executeMovePartitions(ctx: EngineContext, s: StatementOf<'move_partitions'>, signal?: AbortSignal): Promise<null> {
  const op = 'move partitions';
  const dest = ctx.storages.get(op, s.storage);
  const list = partitionsIn(ctx, op, s.range);
  await oneByOne(new StepCounter(op, list.length, signal), list, (p) => movePartition(ctx, p, dest));
  return null;
}

/** REBALANCE | EXPLAIN REBALANCE. */
export async function executeRebalance(ctx: EngineContext, s: StatementOf<'rebalance'>, signal?: AbortSignal): Promise<PlanStep[] | null> {
  if (s.explain) return plan(ctx);
  await rebalance(ctx, signal);
  return null;
}
