// A TypeScript application of the installed package: it imports every export that
// docs/api.md lists (test/consumer/run.sh checks the list against the page) and uses
// each, in a project made by `tsc --init` (strict, exactOptionalPropertyTypes,
// noUncheckedIndexedAccess, module nodenext, no @types/node). The `@ts-expect-error`
// lines fail the type check if a type the package declares degrades to `any`.
// run.sh then runs what tsc emitted, in the project's folder.
import {
  type ArrowByteStream,
  type ArrowData,
  type ArrowExportOptions,
  type ArrowScanOptions,
  type ArrowStreamResult,
  BATCH_HEADER,
  BATCH_MAGIC,
  BATCH_VERSION,
  BatchBuilder,
  type Bytes,
  type CheckpointResult,
  type Config,
  Cursor,
  type CursorOptions,
  type ClientEvent,
  type ClientRangeOptions,
  type ClientWriteResult,
  type EngineEvent,
  type EventPage,
  type ExecuteOptions,
  StrataClient,
  type StrataClientOptions,
  eventJson,
  type EngineListener,
  type ErrorCode,
  EventBatch,
  EventView,
  type IdLike,
  type IpcStreamResult,
  MAX_ID,
  type OpenConfig,
  type OpenReport,
  type OperationInfo,
  type OperationRow,
  type OrphanObject,
  type ParquetExportOptions,
  type ParquetExportResult,
  type PartitionInfo,
  type RepairOptions,
  type RepairReport,
  type SelectRow,
  type SetResult,
  type SettingKind,
  type StatementResult,
  type StorageView,
  Strata,
  StrataError,
  type StrataEvent,
  type WriteResult,
  isStrataError,
  settingKind,
  toJson,
} from 'strata-db';

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`app.ts: ${what}`);
}

const dir = './db-ts';
const config: OpenConfig = { interval: 1000n, workers: 0, wal_sync_on_write: false };
const db: Strata = await Strata.open(dir, config);
const settings: Readonly<Config> = db.config;
check(settings.interval === 1000n, 'interval is a bigint setting');
// @ts-expect-error: a setting has its own type
const wrong: string = settings.workers;
void wrong;
const report: OpenReport = db.openReport;
check(Array.isArray(report.rolledBack), 'openReport');

const key: Bytes = 'k';
const id: IdLike = 7;
const builder = new BatchBuilder().insert(id, key, 'seven').append(new Uint8Array([1]), undefined);
const observed: EngineEvent[] = [];
const listener: EngineListener = (e) => {
  if (e.type === 'write') observed.push(e);
};
const stopObserving = db.observe(listener);
const written: WriteResult = await db.write(builder);
stopObserving();
check(observed.length === 1 && observed[0]!.type === 'write' && observed[0]!.events === written.events, 'observe tells the write');
check(written.serial?.first === 1n, 'serial ids start at 1');
check(BATCH_HEADER === 16 && BATCH_MAGIC === 0x42525453 && BATCH_VERSION === 1 && MAX_ID === 2n ** 64n - 1n, 'constants');

const options: CursorOptions = { from: 0, to: MAX_ID };
const cursor: Cursor = db.cursor(options);
check(cursor instanceof Cursor, 'a Cursor');
const seen: bigint[] = [];
while (cursor.next() || (await cursor.nextAsync())) {
  const view: EventView = cursor.event;
  check(view instanceof EventView, 'an EventView');
  seen.push(view.id);
  // @ts-expect-error: ids are bigint
  const asText: string = view.id;
  void asText;
}
check(seen.join() === '1,7', `scan: ${seen.join()}`);
const batched = db.cursor();
const ids: bigint[] = [];
while (batched.nextBatch(16) || (await batched.nextBatchAsync(16))) {
  const b: EventBatch = batched.batch;
  check(b instanceof EventBatch, 'an EventBatch');
  for (let i = 0; i < b.length; i++) ids.push(b.ids[i]!);
}
check(ids.join() === '1,7', `batches: ${ids.join()}`);
for await (const e of db.cursor({ from: 7 })) {
  const event: StrataEvent = e;
  check(event.value.length === 5, 'the value of 7');
}

const set = (await db.execute('SET compression_level TO 3')) as SetResult;
check(set.applies === 'now', 'SET');
const kind: SettingKind | undefined = settingKind('refresh_wm');
check(kind === 'bytes' && settingKind('read_ahead') === 'count' && settingKind('nope') === undefined, 'settingKind');
const cancelled = new AbortController();
cancelled.abort();
const cancelling: ExecuteOptions = { signal: cancelled.signal };
try {
  await db.execute('CHECKPOINT', cancelling);
  check(false, 'a cancelled execute');
} catch (e) {
  check(isStrataError(e, 'CANCELLED'), `CANCELLED: ${String(e)}`);
}
const rows = (await db.execute('SELECT')) as SelectRow[];
check(rows[0]?.id === 1n && rows[1]?.value === 'seven', 'SELECT');
const storages = (await db.execute('SHOW STORAGES')) as StorageView[];
check(storages.map((s) => s.name).join() === db.storages.join(), 'SHOW STORAGES');
const operations = (await db.execute('SHOW OPERATIONS')) as OperationRow[];
const running: readonly OperationInfo[] = operations.filter((o) => o.state === 'running');
check(running.length === 0, 'no operations in flight');
const orphans = (await db.execute('SHOW ORPHANS')) as OrphanObject[];
check(orphans.length === 0, 'no orphans without a cloud');
const all: StatementResult[] = await db.executeAll('CHECKPOINT; SHOW PARTITIONS');
const checkpoint = all[0]?.result as CheckpointResult;
const partitions = all[1]?.result as PartitionInfo[];
check(checkpoint.partitions === 1 && partitions[0]?.min === 0n, 'CHECKPOINT; SHOW PARTITIONS');
check(toJson({ id: MAX_ID }) === '{"id":18446744073709551615}', 'toJson');
const clientOptions: StrataClientOptions = { token: 'a-token-of-sixteen-chars' };
const client = new StrataClient('http://127.0.0.1:8765', clientOptions);
const range: ClientRangeOptions = { from: 0n, to: '2026-12-02T10:15:03Z', limit: 10 };
const typed: [Promise<ClientWriteResult>, Promise<EventPage>] | null = null;
const firstEvent = (p: EventPage): ClientEvent | undefined => p.events[0];
check(client instanceof StrataClient && range.limit === 10 && typed === null && typeof firstEvent === 'function', 'StrataClient');
check(eventJson(1n, new Uint8Array([107]), new Uint8Array([118])) === '{"id":1,"key":"k","value":"v"}', 'eventJson');

// Arrow: every event into a second database as record batches, then as one IPC stream
const copy: Strata = await Strata.open('./db-ts-arrow', config);
const scanOptions: ArrowScanOptions = { from: 0, batchRows: 1 };
let copied = 0;
for await (const batch of db.scanArrow(scanOptions)) {
  const data: ArrowData = batch;
  copied += (await copy.writeArrow(data)).events;
}
check(copied === 2, `scanArrow and writeArrow: ${copied}`);
const chunks: Uint8Array[] = [];
const sink = { write: (c: Uint8Array): boolean => (chunks.push(c), true), on: () => sink, off: () => sink, once: () => sink, cork: () => undefined, uncork: () => undefined, destroyed: false, writableEnded: false, writableNeedDrain: false };
const exportOptions: ArrowExportOptions = { onBatch: (sofar: IpcStreamResult) => check(sofar.rows > 0, 'onBatch') };
const exported: IpcStreamResult = await db.exportArrow(sink as unknown as Parameters<Strata['exportArrow']>[0], exportOptions);
check(exported.rows === 2 && exported.batches === 1, `exportArrow: ${exported.rows}`);
// Parquet: the same events as one file, a row group of both
const parquetOptions: ParquetExportOptions = { from: 0, regionSize: 1024, onRowGroup: (sofar: ParquetExportResult) => check(sofar.rowGroups === 1, 'onRowGroup') };
const parquet: ParquetExportResult = await db.exportParquet('./events.parquet', parquetOptions);
check(parquet.rows === 2 && parquet.rowGroups === 1 && parquet.bytes > 0, `exportParquet: ${parquet.rows}`);
async function* bytes(): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}
const stream: ArrowByteStream = bytes();
const streamed: ArrowStreamResult = await copy.writeArrow(stream);
check(streamed.events === 2 && streamed.batches === 1, `writeArrow of a stream: ${streamed.events}`);
await copy.close();

try {
  await db.execute('SHOW PARTITION 1000000000000000');
  check(false, 'SHOW PARTITION 1000000000000000 fails');
} catch (e) {
  const code: ErrorCode | undefined = e instanceof StrataError ? e.code : undefined;
  check(code === 'NOT_FOUND' && isStrataError(e, 'NOT_FOUND'), `error code ${String(code)}`);
}
await db.close();

const repairOptions: RepairOptions = { storagePaths: [] };
const repaired: RepairReport = await Strata.repair(dir, repairOptions);
check(repaired.manifest === 'sound' && !repaired.changed, 'repair of a sound manifest changes nothing');

console.log('app.ts: ok');
