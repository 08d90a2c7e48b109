/**
 * Statement execution: parse (grammar/), then run each statement by its `kind`.
 * The switch is exhaustive: a statement kind without a case does not compile.
 *
 * @module
 */
import type { Statement, StatementOf } from '../../grammar/index.ts';
import { StrataError } from '../errors.ts';
import type { CheckpointResult } from '../engine/db/checkpoint.ts';
import { dropOrphans, listOrphans } from '../engine/cloud/cloud-orphans.ts';
import { operationsView } from './show.ts';
import { StepCounter } from '../engine/core/cancel.ts';
import type { EngineContext } from '../engine/core/context.ts';
import { type DataTarget, executeDelete, executeInsert, executeSelect } from './exec-data.ts';
import {
  executeCreatePartition,
  executeDropPartition,
  executeDropPartitions,
  executeRefreshPartition,
  executeRefreshPartitions,
  executeUploadPartition,
  executeUploadPartitions,
  executeDownloadPartition,
  executeDownloadPartitions,
  executeShowPartition,
  executeShowPartitions,
} from './exec-partitions.ts';
import { executeSet, executeShowConfig, executeShowSettings } from './exec-settings.ts';
import { executeAlterCloudRename, executeAlterCloudSet, executeCreateCloud, executeDropCloud, executeShowCloud, executeShowClouds } from './exec-clouds.ts';
import {
  executeAlterPipeline,
  executeAlterStorageRename,
  executeAlterStorageSet,
  executeCreateStorage,
  executeDropStorage,
  executeMovePartition,
  executeMovePartitions,
  executeRebalance,
} from './exec-storages.ts';
import { memoryView, pipelineView, storageView, storagesView, walView } from './views.ts';

/** What statements need of the database besides its state. */
export interface StatementTarget extends DataTarget {
  checkpoint(): Promise<CheckpointResult>;
}

/** The result of one statement of a script. */
export interface StatementResult {
  /** The statement's text. */
  readonly statement: string;
  /** What it answered (null for statements that only act). */
  readonly result: unknown;
}

/**
 * Parses all of `sql` (a syntax error anywhere runs nothing), then runs the
 * statements in order, stopping at the first error. With `signal`, stops between
 * statements, and between the partitions of a statement over several, once it fires.
 * @throws StrataError `CANCELLED` then.
 */
export async function executeScript(ctx: EngineContext, db: StatementTarget, sql: string, signal?: AbortSignal): Promise<StatementResult[]> {
  // the grammar (chevrotain) is loaded on the first statement: a program that only
  // writes and reads never pays for it
  const { parse } = await import('../../grammar/index.ts');
  const statements = parse(sql);
  const out: StatementResult[] = [];
  const counter = new StepCounter('execute', statements.length, signal, 'statement');
  for (const s of statements) {
    counter.check();
    out.push({ statement: s.text, result: await executeStatement(ctx, db, s.statement, signal) });
    counter.done++;
  }
  return out;
}

/**
 * Runs one statement. A statement over several partitions (`MOVE`, `REFRESH`,
 * `UPLOAD`, `DOWNLOAD`, `DROP PARTITIONS`, `REBALANCE`) stops between partitions once
 * `signal` fires (`CANCELLED`); the others run to their end.
 */
export async function executeStatement(ctx: EngineContext, db: StatementTarget, s: Statement, signal?: AbortSignal): Promise<unknown> {
  switch (s.kind) {
    case 'set':
      return executeSet(ctx, s);
    case 'show_config':
      return executeShowConfig(ctx, s);
    case 'show_settings':
      return executeShowSettings(ctx, s);
    case 'show_storages':
      return storagesView(ctx);
    case 'show_storage':
      return storageView(ctx, s.name);
    case 'show_partitions':
      return executeShowPartitions(ctx, s);
    case 'show_partition':
      return executeShowPartition(ctx, s);
    case 'show_pipeline':
      return pipelineView(ctx);
    case 'show_clouds':
      return executeShowClouds(ctx);
    case 'show_cloud':
      return executeShowCloud(ctx, s);
    case 'show_memory':
      return memoryView(ctx);
    case 'show_wal':
      return walView(ctx);
    case 'show_operations':
      return operationsView(ctx);
    case 'show_orphans':
      return listOrphans(ctx);
    case 'show_many':
      return executeShowMany(ctx, db, s);
    case 'drop_orphans':
      return dropOrphans(ctx);
    case 'checkpoint':
      return db.checkpoint();
    case 'create_partition':
      return executeCreatePartition(ctx, s);
    case 'drop_partition':
      return executeDropPartition(ctx, s);
    case 'drop_partitions':
      return executeDropPartitions(ctx, s, signal);
    case 'refresh_partition':
      return executeRefreshPartition(ctx, s);
    case 'refresh_partitions':
      return executeRefreshPartitions(ctx, s, signal);
    case 'insert':
      return executeInsert(db, s);
    case 'delete':
      return executeDelete(db, s);
    case 'select':
      return executeSelect(db, s);
    case 'rebalance':
      return executeRebalance(ctx, s, signal);
    case 'alter_pipeline':
    case 'alter_pipeline_reset':
      return executeAlterPipeline(ctx, s);
    case 'create_storage':
      return executeCreateStorage(ctx, s);
    case 'alter_storage_rename':
      return executeAlterStorageRename(ctx, s);
    case 'alter_storage_set':
      return executeAlterStorageSet(ctx, s);
    case 'drop_storage':
      return executeDropStorage(ctx, s);
    case 'move_partition':
      return executeMovePartition(ctx, s);
    case 'move_partitions':
      return executeMovePartitions(ctx, s, signal);
    case 'create_cloud':
      return executeCreateCloud(ctx, s);
    case 'alter_cloud_rename':
      return executeAlterCloudRename(ctx, s);
    case 'alter_cloud_set':
      return executeAlterCloudSet(ctx, s);
    case 'drop_cloud':
      return executeDropCloud(ctx, s);
    case 'upload_partition':
      return executeUploadPartition(ctx, s);
    case 'upload_partitions':
      return executeUploadPartitions(ctx, s, signal);
    case 'download_partition':
      return executeDownloadPartition(ctx, s);
    case 'download_partitions':
      return executeDownloadPartitions(ctx, s, signal);
    default: {
      const never: never = s;
      throw new StrataError('INTERNAL', `execute: unknown statement ${JSON.stringify(never)}`);
    }
  }
}

/**
 * `SHOW a, b, ...` with a view among the targets: one object with each target's answer
 * under the target as written (`storages`, `partition 5`, `interval`), in the order
 * given; a target that fails fails the statement.
 */
async function executeShowMany(ctx: EngineContext, db: StatementTarget, s: StatementOf<'show_many'>): Promise<Record<string, unknown>> {
  const { showTargetText } = await import('../../grammar/index.ts');
  const out: Record<string, unknown> = {};
  for (const t of s.targets) {
    const answer = await executeStatement(ctx, db, t);
    // a setting's answer is already keyed by its name
    if (t.kind === 'show_settings') Object.assign(out, answer);
    else out[showTargetText(t)] = answer;
  }
  return out;
}
