/**
 * The engine layer: the database, its write path, cursors and statements.
 *
 * @module
 */
export { Database, type CheckpointResult, type OpenConfig } from './database.ts';
export { toJson } from './json.ts';
export type { StatementResult } from './execute.ts';
export type { SetResult } from './exec-settings.ts';
export type { SelectRow } from './exec-data.ts';
export type { StorageView } from './views.ts';
export type { OperationInfo } from './operations.ts';
export { Cursor, type CursorOptions } from './cursor.ts';
export { EventBatch } from './event-batch.ts';
export { EventView, type StrataEvent } from './event-view.ts';
export type { WriteResult } from './write-path.ts';
export type { Config } from './config.ts';
export type { OpenReport } from './recovery.ts';
export type { RepairOptions, RepairReport } from './repair.ts';
export type { OperationRow, PartitionInfo } from './show.ts';
export type { OrphanObject } from './cloud-orphans.ts';
