/**
 * The Arrow side of the facade: `writeArrow` (a table, a record batch or IPC bytes as
 * one atomic batch; an IPC stream a record batch at a time) and `scanArrow` (a cursor
 * read as record batches), and the export of a scan as an IPC stream.
 *
 * The Arrow layer (and `apache-arrow`, a fifth of a second to load) is imported on the
 * first call that needs it, not when Strata is: an application that never speaks Arrow,
 * and the console, start without it.
 *
 * @module
 */
import type { Writable } from 'node:stream';
import type * as ArrowLayer from '../arrow/index.ts';
import type { ArrowByteStream, ArrowData, IpcStreamResult, RecordBatch, RecordBatchBuilder } from '../arrow/index.ts';
import { StrataError, isStrataError } from '../errors.ts';
import type { WriteResult } from '../engine/db/write-path.ts';
import type { Cursor, CursorOptions } from './cursor.ts';

/**
 * Where tables are encoded as batches, reused from one write to the next (`write`
 * copies a batch before it returns). Encoding and the call to `write` run with no
 * await between them, so writes never share it.
 */
let scratch: ArrowLayer.BatchScratch | null = null;

/** The Arrow layer, loaded once, on first use. */
let layer: Promise<typeof ArrowLayer> | null = null;
const arrowLayer = (): Promise<typeof ArrowLayer> => (layer ??= import('../arrow/index.ts'));

/**
 * True when `x` is a chunked byte stream rather than data in memory: an async iterable
 * that is not a `Uint8Array` or an Arrow `Table` (here, so that telling them apart does
 * not load the Arrow layer).
 */
function isByteStream(x: unknown): x is ArrowByteStream {
  return typeof x === 'object' && x !== null && !(x instanceof Uint8Array) && !('batches' in x) && Symbol.asyncIterator in x;
}

/** Where `scanArrow` reads and how large its record batches are. */
export interface ArrowScanOptions extends CursorOptions {
  /** Most events per record batch (1..1048576; default 65536). */
  readonly batchRows?: number;
  /**
   * Value bytes per record batch (64 KiB..1 GiB; default 8 MiB): a batch ends before
   * the value that would overflow it (a larger value gets a batch of its own).
   */
  readonly batchBytes?: number;
}

/** What `exportArrow` reads, and whom it tells how far it is. */
export interface ArrowExportOptions extends ArrowScanOptions {
  /** Called after each record batch is written, with the totals so far. */
  readonly onBatch?: (sofar: IpcStreamResult) => void;
}

/** What `writeArrow` of an IPC stream wrote: each record batch was one atomic write. */
export interface ArrowStreamResult {
  /** Events written, over every record batch. */
  readonly events: number;
  /** Record batches written. */
  readonly batches: number;
  /** The serial ids assigned, one range per record batch that asked for some, in order. */
  readonly serial: readonly { readonly first: bigint; readonly count: number }[];
}

/** What the facade lends this module: its write (memory limit and all) and its cursors. */
export interface ArrowHost {
  write(batch: Uint8Array): Promise<WriteResult>;
  cursor(options: CursorOptions): Cursor;
}

/**
 * Writes Arrow data: held in memory as one batch ({@link writeArrowStream} for a
 * chunked stream).
 */
export async function writeArrow(host: ArrowHost, data: ArrowData | ArrowByteStream): Promise<WriteResult | ArrowStreamResult> {
  if (isByteStream(data)) return writeArrowStream(host, data);
  const { BatchScratch, arrowToBatch, recordBatchesOf } = await arrowLayer();
  scratch ??= new BatchScratch();
  return host.write(arrowToBatch('writeArrow', recordBatchesOf('writeArrow', data), scratch));
}

/**
 * Writes an IPC stream a record batch at a time, each as one atomic write, reading the
 * next only once the previous is written. A bad record batch stops the stream: it and
 * everything after it are not written, and the error says what was.
 */
async function writeArrowStream(host: ArrowHost, source: ArrowByteStream): Promise<ArrowStreamResult> {
  const { BatchScratch, arrowToBatch, streamBatches } = await arrowLayer();
  scratch ??= new BatchScratch();
  let events = 0;
  let batches = 0;
  const serial: { first: bigint; count: number }[] = [];
  try {
    for await (const batch of streamBatches('writeArrow', source)) {
      if (batch.numRows === 0) continue;
      const r = await host.write(arrowToBatch('writeArrow', [batch], scratch));
      events += r.events;
      batches++;
      if (r.serial !== undefined) serial.push({ first: r.serial.first, count: r.serial.count });
    }
  } catch (e) {
    if (!isStrataError(e)) throw e;
    const done =
      batches === 0
        ? '; nothing was written'
        : `; the ${batches === 1 ? 'record batch' : `${batches} record batches`} before it (${events} events) ${batches === 1 ? 'was' : 'were'} written, each whole`;
    throw new StrataError(e.code, `${e.message.replace(/; nothing was written$/, '')}${done}`, { cause: e.cause ?? e, retryable: e.retryable });
  }
  return { events, batches, serial };
}

function checkRange(name: string, v: number | undefined, min: number, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  if (!(Number.isSafeInteger(v) && v >= min && v <= max)) {
    throw new StrataError('INVALID_INPUT', `scanArrow: ${name} is an integer in ${min}..${max}, got ${String(v)}`);
  }
  return v;
}

/** Events asked of the cursor at a time. */
const CURSOR_BATCH = 65536;

/**
 * Reads `[from, to]` as record batches of columns `id`, `key`, `value`, in `(id, key)`
 * order; each key and value is copied once, from the region (or memtable) into the
 * record batch. Closes the cursor at the end, on an error, or when the caller stops.
 */
export function scanArrow(host: ArrowHost, options: ArrowScanOptions): AsyncGenerator<RecordBatch> {
  const rows = checkRange('batchRows', options.batchRows, 1, 1 << 20, 65536);
  const bytes = checkRange('batchBytes', options.batchBytes, 64 * 1024, 1 << 30, 8 * 1024 * 1024);
  const cursor = host.cursor(options);
  return batches(cursor, rows, bytes, Math.min(rows, CURSOR_BATCH));
}

async function* batches(cursor: Cursor, rows: number, bytes: number, ask: number): AsyncGenerator<RecordBatch> {
  try {
    const builder: RecordBatchBuilder = new (await arrowLayer()).RecordBatchBuilder(rows, bytes);
    while (cursor.nextBatch(ask) || (await cursor.nextBatchAsync(ask))) {
      const b = cursor.batch;
      let i = 0;
      while (i < b.length) {
        i = builder.append(b, i);
        if (i < b.length || builder.full) yield builder.flush()!;
      }
    }
    const last = builder.flush();
    if (last !== null) yield last;
  } finally {
    cursor.close();
  }
}

/**
 * Writes a scan to `out` as one Arrow IPC stream (schema, record batches, end marker),
 * waiting for `out` to drain between record batches. Does not end `out`.
 */
export async function exportArrow(host: ArrowHost, out: Writable, options: ArrowExportOptions): Promise<IpcStreamResult> {
  const scan = scanArrow(host, options);
  const { SCAN_SCHEMA, writeIpcStream } = await arrowLayer();
  return writeIpcStream(SCAN_SCHEMA, scan, out, options.onBatch);
}
