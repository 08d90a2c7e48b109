/**
 * Arrow record batches to one binary batch (docs/batch-format.md): the events of every
 * record batch, in order, as one buffer that `db.write` applies atomically. The column
 * buffers are read directly (u32 words of the ids, offsets into the byte data), never
 * through Arrow's per-value getters; keys and values are copied once, into the batch.
 *
 * @module
 */
import type { RecordBatch } from 'apache-arrow';
import { BATCH_HEADER, BATCH_MAGIC, BATCH_VERSION } from '../codec/batch-format.ts';
import { FLAG_DELETE, FLAG_SERIAL, MAX_KEY, RECORD_HEADER, putU32 } from '../codec/record.ts';
import { StrataError } from '../errors.ts';
import { copyBytes, viewOf } from './copy.ts';
import { type BoolColumn, type BytesColumn, type EventColumns, bytesEnd, bytesStart, eventColumns, isNull } from './columns.ts';

/** Largest batch: its body length is a u32. */
const MAX_BATCH = 0xffff_ffff;

function isDelete(c: BoolColumn | null, row: number): boolean {
  if (c === null || isNull(c, row)) return false;
  const bit = c.offset + row;
  return (c.bits[bit >> 3]! & (1 << (bit & 7))) !== 0;
}

function refuse(operation: string, batchNo: number, batches: number, row: number, what: string): never {
  const where = batches > 1 ? `record batch ${batchNo}, row ${row}` : `row ${row}`;
  throw new StrataError('INVALID_INPUT', `${operation}: ${where}: ${what}; nothing was written`);
}

/** Bytes of row `row` of a bytes column (0 when the column is absent or the row null). */
function lengthOf(c: BytesColumn | null, row: number): number {
  if (c === null || isNull(c, row)) return 0;
  return bytesEnd(c, row) - bytesStart(c, row);
}

/**
 * Checks every row of `cols` and returns the bytes its records take.
 * @throws StrataError `INVALID_INPUT` naming the column and the row.
 */
function measure(operation: string, cols: EventColumns, batchNo: number, batches: number): number {
  let bytes = 0;
  const { id, key, value } = cols;
  for (let row = 0; row < cols.rows; row++) {
    const del = isDelete(cols.delete, row);
    const serial = id === null || isNull(id, row);
    if (del && serial) refuse(operation, batchNo, batches, row, 'column "id" is null in a delete (a delete names the id of an existing event)');
    const k = lengthOf(key, row);
    if (k > MAX_KEY) refuse(operation, batchNo, batches, row, `column "key" holds ${k} bytes, more than the ${MAX_KEY} a key may have`);
    const v = lengthOf(value, row);
    if (isNull(value, row)) {
      if (!del) refuse(operation, batchNo, batches, row, 'column "value" is null (only a delete may have a null value)');
    } else if (del && v > 0) {
      refuse(operation, batchNo, batches, row, `column "value" holds ${v} bytes in a delete (a delete's value is null or empty)`);
    }
    bytes += RECORD_HEADER + k + v;
  }
  return bytes;
}

/**
 * True for the common shape, which {@link measurePlain} and {@link encodePlain} take
 * quickly: no `delete` column, no null but in `id` (serial ids), 32-bit offsets.
 */
function isPlain(c: EventColumns): boolean {
  const { key, value } = c;
  return (
    c.delete === null &&
    value.bitmap === null &&
    value.offsets instanceof Int32Array &&
    (key === null || (key.bitmap === null && key.offsets instanceof Int32Array))
  );
}

/** {@link measure} of plain columns: only the keys' lengths need a look. */
function measurePlain(operation: string, cols: EventColumns, batchNo: number, batches: number): number {
  const n = cols.rows;
  const vo = cols.value.offsets as Int32Array;
  let bytes = n * RECORD_HEADER + (vo[n]! - vo[0]!);
  if (cols.key !== null) {
    const ko = cols.key.offsets as Int32Array;
    for (let row = 0; row < n; row++) {
      const k = ko[row + 1]! - ko[row]!;
      if (k > MAX_KEY) refuse(operation, batchNo, batches, row, `column "key" holds ${k} bytes, more than the ${MAX_KEY} a key may have`);
    }
    bytes += ko[n]! - ko[0]!;
  }
  return bytes;
}

/** Values shorter than this are moved byte by byte (a `copyWithin` call costs more). */
const SHORT_VALUE = 16;

/**
 * {@link encode} of plain columns taking `bytes` bytes: every value is first set at
 * the end of the records' space with one copy, then each is moved down into its
 * record with `copyWithin` (never over a value not yet moved: each lands at or before
 * where it lies). Native moves within one buffer cost less than copying value by
 * value from the column.
 */
function encodePlain(out: Uint8Array, outView: DataView, at: number, cols: EventColumns, bytes: number): number {
  const n = cols.rows;
  const vo = cols.value.offsets as Int32Array;
  const key = cols.key;
  const ko = key === null ? null : (key.offsets as Int32Array);
  const keyView = key === null ? null : viewOf(key.data);
  let from = at + bytes - (vo[n]! - vo[0]!);
  out.set(cols.value.data.subarray(vo[0]!, vo[n]!), from);
  for (let row = 0; row < n; row++) {
    const k = ko === null ? 0 : ko[row + 1]! - ko[row]!;
    const v = vo[row + 1]! - vo[row]!;
    at = header(out, at, cols, row, false, k, v);
    if (k > 0) at = copyBytes(out, outView, at, key!.data, keyView!, ko![row]!, k);
    if (v >= SHORT_VALUE) out.copyWithin(at, from, from + v);
    else for (let i = 0; i < v; i++) out[at + i] = out[from + i]!;
    at += v;
    from += v;
  }
  return at;
}

/** Writes the records of `cols` at `at`; returns the offset after them. */
function encode(out: Uint8Array, outView: DataView, at: number, cols: EventColumns): number {
  const { key, value } = cols;
  const keyView = key === null ? null : viewOf(key.data);
  const valueView = viewOf(value.data);
  for (let row = 0; row < cols.rows; row++) {
    const del = isDelete(cols.delete, row);
    const k = lengthOf(key, row);
    const v = del ? 0 : lengthOf(value, row);
    at = header(out, at, cols, row, del, k, v);
    if (k > 0) at = copyBytes(out, outView, at, key!.data, keyView!, bytesStart(key!, row), k);
    if (v > 0) at = copyBytes(out, outView, at, value.data, valueView, bytesStart(value, row), v);
  }
  return at;
}

/** Writes the record header of `row` at `at`; returns the offset after it. */
function header(out: Uint8Array, at: number, cols: EventColumns, row: number, del: boolean, k: number, v: number): number {
  const id = cols.id;
  const serial = id === null || isNull(id, row);
  if (serial) {
    putU32(out, at, 0);
    putU32(out, at + 4, 0);
  } else {
    putU32(out, at, id.words[2 * row]!);
    putU32(out, at + 4, id.words[2 * row + 1]!);
  }
  putU32(out, at + 8, v);
  out[at + 12] = k;
  out[at + 13] = del ? FLAG_DELETE : serial ? FLAG_SERIAL : 0;
  return at + RECORD_HEADER;
}

/**
 * A buffer for encoded batches, reused from one write to the next: a batch handed to
 * `db.write` may be reused as soon as the call returns (the write copies it, into the
 * WAL and the memtables, or aside when it must wait for memory), and reused memory is
 * several times faster to fill than fresh memory. Batches over `keep` bytes get a
 * buffer of their own, so a rare large table does not stay in memory.
 */
export class BatchScratch {
  private buf = new Uint8Array(0);

  constructor(private readonly keep = 16 * 1024 * 1024) {}

  /** A buffer of `size` bytes, valid until the next call. */
  take(size: number): Uint8Array {
    if (size > this.keep) return new Uint8Array(size);
    if (size > this.buf.length) this.buf = new Uint8Array(Math.min(this.keep, Math.max(size, this.buf.length * 2)));
    return this.buf.subarray(0, size);
  }
}

/**
 * Encodes the events of `batches` (in order) as one binary batch.
 * @throws StrataError `INVALID_INPUT` for a missing `value` column, a column of the
 *   wrong type or an unknown name, a null id in a delete, a null value outside a
 *   delete, a value in a delete, a key over 255 bytes, or a batch over 4 GiB; the
 *   message names the column and the row.
 * @param scratch where to encode (the batch is then valid until the scratch's next
 *   use); default: a new buffer.
 */
export function arrowToBatch(operation: string, batches: readonly RecordBatch[], scratch?: BatchScratch): Uint8Array {
  const cols: { c: EventColumns; plain: boolean; size: number }[] = [];
  let body = 0;
  let count = 0;
  for (let b = 0; b < batches.length; b++) {
    const c = eventColumns(operation, batches[b]!);
    const plain = isPlain(c);
    const size = plain ? measurePlain(operation, c, b, batches.length) : measure(operation, c, b, batches.length);
    body += size;
    count += c.rows;
    cols.push({ c, plain, size });
  }
  if (BATCH_HEADER + body > MAX_BATCH) {
    throw new StrataError('INVALID_INPUT', `${operation}: the table takes ${body} bytes as one batch, over the 4 GiB a batch may have; write it in parts`);
  }
  const out = scratch === undefined ? new Uint8Array(BATCH_HEADER + body) : scratch.take(BATCH_HEADER + body);
  putU32(out, 0, BATCH_MAGIC);
  out[4] = BATCH_VERSION; // u16 version, then u16 header flags 0 (the buffer may be reused)
  out[5] = 0;
  out[6] = 0;
  out[7] = 0;
  putU32(out, 8, count);
  putU32(out, 12, body);
  const outView = viewOf(out);
  let at = BATCH_HEADER;
  for (const { c, plain, size } of cols) at = plain ? encodePlain(out, outView, at, c, size) : encode(out, outView, at, c);
  return out;
}
