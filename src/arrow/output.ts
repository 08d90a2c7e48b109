/**
 * Record batches out as an Arrow IPC stream, to a Node `Writable`, with backpressure:
 * the next batch is taken from the scan only once the writable has drained what came
 * before, so a slow reader never makes the scan run ahead of it. The body buffers go
 * to the writable as they are (no copy into a stream buffer).
 *
 * @module
 */
import type { Writable } from 'node:stream';
import { type RecordBatch, RecordBatchStreamWriter, type Schema } from 'apache-arrow';
import { StrataError } from '../errors.ts';

/** What {@link writeIpcStream} wrote. */
export interface IpcStreamResult {
  /** Record batches written. */
  readonly batches: number;
  /** Rows (events) written. */
  readonly rows: number;
  /** Bytes of the IPC stream. */
  readonly bytes: number;
}

/**
 * Arrow's stream writer, with the bytes of each message collected here rather than in
 * its internal queue (which has no backpressure): `_write` is the writer's one place
 * where bytes leave it.
 */
class ChunkWriter extends RecordBatchStreamWriter {
  chunks: Uint8Array[] = [];

  protected override _write(chunk: Parameters<RecordBatchStreamWriter['_write']>[0]): this {
    if (!this._started || !ArrayBuffer.isView(chunk) || chunk.byteLength === 0) {
      if (this._started && typeof chunk !== 'object') throw new StrataError('INTERNAL', 'arrow: the IPC writer gave a chunk that is not bytes');
      return this;
    }
    this.chunks.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this._position += chunk.byteLength;
    return this;
  }

  /** The chunks written since the last call. */
  take(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    return out;
  }
}

const closedEarly = (): StrataError => new StrataError('IO', 'arrow: the output stream closed before the IPC stream ended');

/** Waits for `out` to drain; fails when it closes or fails first. Leaves no listener behind. */
function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (e: unknown): void => {
      out.off('drain', onDrain).off('close', onClose).off('error', onError);
      if (e === null) resolve();
      else reject(e instanceof StrataError ? e : new StrataError('IO', `arrow: writing the IPC stream failed: ${String(e)}`, { cause: e }));
    };
    const onDrain = (): void => settle(null);
    const onClose = (): void => settle(closedEarly());
    const onError = (e: unknown): void => settle(e);
    out.on('drain', onDrain).on('close', onClose).on('error', onError);
  });
}

/** Writes `chunks` to `out` and waits until it has room again. */
async function put(out: Writable, chunks: Uint8Array[]): Promise<number> {
  if (out.destroyed || out.writableEnded) throw closedEarly();
  let bytes = 0;
  let room = true;
  out.cork();
  for (const c of chunks) {
    room = out.write(c);
    bytes += c.byteLength;
  }
  out.uncork();
  // uncork may flush and emit 'drain' at once: wait only while a drain is still due
  if (!room && out.writableNeedDrain) await drained(out);
  return bytes;
}

/**
 * Writes `schema` and then every batch of `batches` to `out` as one IPC stream, with
 * its end-of-stream marker, waiting for the writable to drain between batches (and
 * calling `onBatch` after each). Does not end `out`.
 * @throws what `batches` throws; StrataError `IO` when `out` fails or closes first.
 */
export async function writeIpcStream(
  schema: Schema,
  batches: AsyncIterable<RecordBatch>,
  out: Writable,
  onBatch?: (sofar: IpcStreamResult) => void,
): Promise<IpcStreamResult> {
  const writer = new ChunkWriter({ autoDestroy: false });
  let failure: unknown = null;
  const onError = (e: unknown): void => {
    failure ??= e;
  };
  out.on('error', onError);
  let bytes = 0;
  let count = 0;
  let rows = 0;
  try {
    writer.reset(undefined, schema);
    bytes += await put(out, writer.take());
    for await (const batch of batches) {
      if (failure !== null) break;
      writer.write(batch);
      count++;
      rows += batch.numRows;
      bytes += await put(out, writer.take());
      onBatch?.({ batches: count, rows, bytes });
    }
    if (failure === null) {
      writer.finish();
      bytes += await put(out, writer.take());
    }
  } catch (e) {
    if (failure === null) throw e;
  } finally {
    out.off('error', onError);
  }
  if (failure !== null) throw new StrataError('IO', `arrow: writing the IPC stream failed: ${String(failure)}`, { cause: failure });
  return { batches: count, rows, bytes };
}
