/**
 * The engine layer: the database, its write path, cursors and statements.
 *
 * @module
 */
export { Database, type CheckpointResult, type OpenConfig } from './database.ts';
export { toJson } from './json.ts';
export type { StatementResult } from '../statements/execute.ts';
export type { SetResult } from '../statements/exec-settings.ts';
export type { SelectRow } from '../statements/exec-data.ts';
export type { StorageView } from '../statements/views.ts';
export type { OperationInfo } from '../engine/core/operations.ts';
export { Cursor, type CursorOptions } from './cursor.ts';
export { EventBatch } from './event-batch.ts';
export { EventView, type StrataEvent } from './event-view.ts';
export type { WriteResult } from '../engine/db/write-path.ts';
export type { Config } from '../engine/core/config.ts';
export type { OpenReport } from '../engine/db/recovery.ts';
export type { RepairOptions, RepairReport } from '../engine/db/repair.ts';
export type { OperationRow, PartitionInfo } from '../statements/show.ts';
export type { OrphanObject } from '../engine/cloud/cloud-orphans.ts';
