/**
 * The API layer: what `src/index.ts` re-exports. The database facade, cursors, event
 * views and batches, and the types of what its methods and statements answer.
 *
 * @module
 */
export { Database, type ExecuteOptions } from './database.ts';
export type { CheckpointResult } from '../engine/db/checkpoint.ts';
export { toJson } from './json.ts';
export type { StatementResult } from '../statements/execute.ts';
export type { SetResult } from '../statements/exec-settings.ts';
export type { SelectRow } from '../statements/exec-data.ts';
export type { StorageView } from '../statements/views.ts';
export type { OperationInfo } from '../engine/core/operations.ts';
export type { EngineEvent, EngineListener } from '../engine/core/observers.ts';
export { Cursor, type CursorOptions } from './cursor.ts';
export { EventBatch } from './event-batch.ts';
export { EventView, type StrataEvent } from './event-view.ts';
export type { WriteResult } from '../engine/db/write-path.ts';
export { type Config, type OpenConfig, type SettingKind, settingKind } from '../engine/core/config.ts';
export type { OpenReport } from '../engine/db/recovery.ts';
export type { RepairOptions, RepairReport } from '../engine/db/repair.ts';
export type { OperationRow, PartitionInfo } from '../statements/show.ts';
export type { OrphanObject } from '../engine/cloud/cloud-orphans.ts';
export type { ArrowExportOptions, ArrowScanOptions, ArrowStreamResult } from './arrow.ts';
export type { ArrowByteStream, ArrowData, IpcStreamResult } from '../arrow/index.ts';
export type { ParquetExportOptions, ParquetExportResult } from './parquet.ts';
