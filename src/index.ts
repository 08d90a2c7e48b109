/**
 * Strata's public API.
 *
 * ```ts
 * import { Strata, BatchBuilder } from 'strata-db';
 * const db = await Strata.open('./data');
 * await db.write(new BatchBuilder().append(undefined, 'hello'));
 * for await (const e of db.cursor()) console.log(e.id, e.value);
 * await db.close();
 * ```
 *
 * @module
 */
export { Database as Strata } from './api/index.ts';
export type {
  ArrowByteStream,
  ArrowData,
  ArrowExportOptions,
  ArrowScanOptions,
  ArrowStreamResult,
  CheckpointResult,
  Config,
  CursorOptions,
  ExecuteOptions,
  IpcStreamResult,
  OpenConfig,
  OpenReport,
  ParquetExportOptions,
  ParquetExportResult,
  PartitionInfo,
  RepairOptions,
  RepairReport,
  SettingKind,
  StrataEvent,
  WriteResult,
} from './api/index.ts';
export { Cursor, EventBatch, EventView, settingKind, toJson } from './api/index.ts';
export type { EngineEvent, EngineListener } from './api/index.ts';
export type { OperationInfo, OperationRow, OrphanObject, SelectRow, SetResult, StatementResult, StorageView } from './api/index.ts';
export { BatchBuilder, type Bytes } from './codec/batch-builder.ts';
export { BATCH_HEADER, BATCH_MAGIC, BATCH_VERSION } from './codec/batch-format.ts';
export { MAX_ID, type IdLike } from './codec/id.ts';
export { eventJson } from './codec/event-json.ts';
export {
  StrataClient,
  type ClientEvent,
  type ClientRangeOptions,
  type ClientWriteResult,
  type EventPage,
  type StrataClientOptions,
} from './client/strata-client.ts';
export { StrataError, isStrataError, type ErrorCode } from './errors.ts';
