/**
 * What `writeArrow` takes, as record batches: a `Table`, a `RecordBatch`, IPC bytes in
 * memory (stream or file format), or an IPC stream arriving as chunks of bytes (read
 * one record batch at a time).
 *
 * @module
 */
import { RecordBatchReader, type RecordBatch, type Schema, type Table } from 'apache-arrow';
import { StrataError, isStrataError } from '../errors.ts';

/** Arrow data held in memory: written as one atomic batch. */
export type ArrowData = Table | RecordBatch | Uint8Array;

/** An Arrow IPC stream arriving in chunks (a Node `Readable`, a web stream's reader, a generator). */
export type ArrowByteStream = AsyncIterable<Uint8Array>;

function isTable(x: object): x is Table {
  return 'batches' in x && Array.isArray((x as Table).batches) && 'schema' in x;
}

function isRecordBatch(x: object): x is RecordBatch {
  return 'schema' in x && 'data' in x && 'numRows' in x;
}

function ipcError(operation: string, e: unknown): StrataError {
  if (isStrataError(e)) return e;
  const why = e instanceof Error ? e.message : String(e);
  return new StrataError('INVALID_INPUT', `${operation}: the bytes are not a whole Arrow IPC stream or file (${why})`, { cause: e });
}

/**
 * The record batches of data held in memory.
 * @throws StrataError `INVALID_INPUT` for something that is not a `Table`, a
 *   `RecordBatch` or IPC bytes, and for IPC bytes that do not parse whole.
 */
export function recordBatchesOf(operation: string, data: ArrowData): RecordBatch[] {
  if (data instanceof Uint8Array) {
    if (!isFileFormat(data) && !endsWithEos(data)) {
      throw nothingWritten(ipcError(operation, new Error('the stream ends without its end-of-stream marker: it was cut short')));
    }
    const batches: RecordBatch[] = [];
    try {
      let first: Schema | null = null;
      for (const reader of RecordBatchReader.readAll(data)) {
        if (first === null) first = reader.schema;
        else if (!sameSchema(first, reader.schema)) throw schemaChanged(operation, batches.length, first, reader.schema);
        for (const b of reader) batches.push(b);
      }
      if (first === null || first.fields.length === 0) throw new Error('no schema');
    } catch (e) {
      throw nothingWritten(ipcError(operation, e));
    }
    return batches;
  }
  if (typeof data === 'object' && data !== null) {
    if (isTable(data)) return data.batches;
    if (isRecordBatch(data)) return [data];
  }
  throw new StrataError('INVALID_INPUT', `${operation}: takes an Arrow Table, a RecordBatch, IPC bytes (a Uint8Array) or an IPC stream (an async iterable of bytes)`);
}

/** The magic at the start (and end) of the IPC file format. */
const FILE_MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"

function isFileFormat(b: Uint8Array): boolean {
  return b.length >= FILE_MAGIC.length && FILE_MAGIC.every((c, i) => b[i] === c);
}

/** The end-of-stream marker: the continuation 0xFFFFFFFF and a zero length. */
const EOS = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0];

/**
 * True when `b` ends with the end-of-stream marker. Without it, a stream cut at a
 * message boundary would read as a shorter whole one. (Streams of the format before
 * Arrow 0.15, which end with a zero length alone, are refused: write them anew.)
 */
function endsWithEos(b: Uint8Array): boolean {
  const n = b.length;
  return n >= EOS.length && EOS.every((c, i) => b[n - EOS.length + i] === c);
}

/** Passes `source` through, keeping its last 8 bytes in `tail`. */
async function* keepTail(source: ArrowByteStream, tail: Uint8Array): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    if (!(chunk instanceof Uint8Array)) throw new StrataError('INVALID_INPUT', 'an IPC stream is an async iterable of Uint8Array chunks');
    if (chunk.length >= tail.length) tail.set(chunk.subarray(chunk.length - tail.length));
    else {
      tail.copyWithin(0, chunk.length);
      tail.set(chunk, tail.length - chunk.length);
    }
    yield chunk;
  }
}

function nothingWritten(e: StrataError): StrataError {
  return new StrataError(e.code, `${e.message}; nothing was written`, { cause: e.cause });
}

function schemaChanged(operation: string, batches: number, from: Schema, to: Schema): StrataError {
  return new StrataError('INVALID_INPUT', `${operation}: the IPC stream's schema changed after record batch ${batches - 1} (from ${String(from)} to ${String(to)})`);
}

function sameSchema(a: Schema, b: Schema): boolean {
  if (a.fields.length !== b.fields.length) return false;
  return a.fields.every((f, i) => f.name === b.fields[i]!.name && String(f.type) === String(b.fields[i]!.type));
}

/**
 * The record batches of an IPC stream, one at a time as they arrive. Several streams
 * one after the other are read as one when their schemas agree.
 * @throws StrataError `INVALID_INPUT` when the bytes are not IPC, end mid-message, or
 *   a later stream's schema differs from the first's.
 */
export async function* streamBatches(operation: string, source: ArrowByteStream): AsyncGenerator<RecordBatch> {
  let first: Schema | null = null;
  let batches = 0;
  const tail = new Uint8Array(EOS.length);
  try {
    for await (const reader of RecordBatchReader.readAll(keepTail(source, tail))) {
      const schema = reader.schema;
      if (first === null) first = schema;
      else if (!sameSchema(first, schema)) {
        throw schemaChanged(operation, batches, first, schema);
      }
      for await (const batch of reader) {
        batches++;
        yield batch;
      }
    }
  } catch (e) {
    throw ipcError(operation, e);
  }
  if (first === null) throw ipcError(operation, new Error('no schema message'));
  if (!endsWithEos(tail)) throw ipcError(operation, new Error('the stream ends without its end-of-stream marker: it was cut short'));
}
