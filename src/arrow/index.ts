/**
 * The Arrow layer: Strata's events to and from Apache Arrow record batches and IPC
 * streams. The one layer that imports `apache-arrow`; it knows the codec's batch
 * format and nothing of the engine (the API layer drives it with a cursor and
 * `write`). docs/arrow.md is the user's page.
 *
 * @module
 */
export { type ArrowByteStream, type ArrowData, recordBatchesOf, streamBatches } from './input.ts';
export { BatchScratch, arrowToBatch } from './to-batch.ts';
export { type EventColumnsView, RecordBatchBuilder, SCAN_SCHEMA, type ScanBatchBuilder } from './record-batches.ts';
export { LITTLE_ENDIAN, VIEW_SCHEMA, ViewBatchBuilder } from './view-batches.ts';
export { type IpcStreamResult, writeIpcStream } from './output.ts';
export { eventsToIpc } from './page.ts';
export type { RecordBatch, Table } from 'apache-arrow';
