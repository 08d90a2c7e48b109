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
import type { ArrowByteStream, ArrowData, IpcStreamResult, RecordBatch, ScanBatchBuilder } from '../arrow/index.ts';
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
  /**
   * How keys and values are laid out (default `'binary'`):
   * - `'binary'`: Arrow `Binary` columns, each value copied next to the previous one:
   *   the layout every Arrow reader knows;
   * - `'view'`: Arrow `BinaryView` columns (Arrow 1.4 "view" types), pointing into one
   *   copy of each region's bytes: several times faster, and read the same through
   *   apache-arrow (`column.get(i)` is a `Uint8Array`); older readers of IPC files do
   *   not know it. Its data buffers hold the regions' record headers too (14 bytes per
   *   event), and `batchBytes` counts them.
   */
  readonly layout?: 'binary' | 'view';
  /**
   * Whether each record batch is valid only until the loop asks for the next one
   * (default false: each batch is the caller's for good). With `reuse`, the scan
   * refills the same buffers, and in the view layout lends the cursor's own region
   * buffers, taking them back at the next batch: no memory is allocated per batch,
   * which is the cursor fast path's contract and speed. Copy what you keep (for
   * example with `tableToIPC`); never hand such a batch to something that keeps it
   * (`exportArrow` does not use it).
   */
  readonly reuse?: boolean;
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
  const layout = options.layout ?? 'binary';
  if (layout !== 'binary' && layout !== 'view') {
    throw new StrataError('INVALID_INPUT', `scanArrow: layout is 'binary' or 'view', got ${String(layout as unknown)}`);
  }
  const reuse = options.reuse ?? false;
  if (typeof reuse !== 'boolean') throw new StrataError('INVALID_INPUT', `scanArrow: reuse is true or false, got ${String(reuse as unknown)}`);
  const cursor = host.cursor(options);
  // owned view batches keep every region they point into: decode them where they can stay
  if (layout === 'view' && !reuse) cursor.keepAllBatchBuffers();
  return batches(cursor, layout, reuse, rows, bytes, Math.min(rows, CURSOR_BATCH));
}

async function* batches(cursor: Cursor, layout: 'binary' | 'view', reuse: boolean, rows: number, bytes: number, ask: number): AsyncGenerator<RecordBatch> {
  try {
    const arrow = await arrowLayer();
    if (layout === 'view' && !arrow.LITTLE_ENDIAN) {
      throw new StrataError('NOT_SUPPORTED', "scanArrow: layout 'view' needs a little-endian machine; use layout 'binary'");
    }
    const builder: ScanBatchBuilder = layout === 'view' ? new arrow.ViewBatchBuilder(rows, bytes, reuse) : new arrow.RecordBatchBuilder(rows, bytes, reuse);
    // with reuse, the region buffers the batch being filled (or last yielded) points into
    let lent: Uint8Array[] = [];
    while (cursor.nextBatch(ask) || (await cursor.nextBatchAsync(ask))) {
      const b = cursor.batch;
      const kept = layout === 'view' && cursor.keepBatchBuffer();
      if (kept && reuse) lent.push(b.buffer);
      let i = 0;
      while (i < b.length) {
        i = builder.append(b, i, kept);
        if (i < b.length || builder.full) {
          yield builder.flush()!;
          // the caller asked for the next batch: the buffers of this one come back,
          // but for the region still being read (its rest goes into the next batch)
          if (lent.length > 0) lent = giveBack(cursor, lent, kept ? b.buffer : null);
        }
      }
    }
    const last = builder.flush();
    if (last !== null) yield last;
  } finally {
    cursor.close();
  }
}

/** Restores the buffers of `lent` to the cursor but `current`; returns what is still lent. */
function giveBack(cursor: Cursor, lent: Uint8Array[], current: Uint8Array | null): Uint8Array[] {
  cursor.restoreBatchBuffers(current === null ? lent : lent.filter((x) => x !== current));
  return current === null || !lent.includes(current) ? [] : [current];
}

/**
 * Writes a scan to `out` as one Arrow IPC stream (schema, record batches, end marker),
 * waiting for `out` to drain between record batches. Does not end `out`.
 */
export async function exportArrow(host: ArrowHost, out: Writable, options: ArrowExportOptions): Promise<IpcStreamResult> {
  const scan = scanArrow(host, { ...options, reuse: false });
  const { SCAN_SCHEMA, VIEW_SCHEMA, writeIpcStream } = await arrowLayer();
  return writeIpcStream(options.layout === 'view' ? VIEW_SCHEMA : SCAN_SCHEMA, scan, out, options.onBatch);
}
