/**
 * The columns of an Arrow record batch that Strata reads, found by name and checked
 * by type, as plain typed arrays: the validity bitmap, the values and (for the byte
 * columns) the offsets. Checks are structural (type ids, bit widths), so a table made
 * by another copy of `apache-arrow` in the caller's project reads the same.
 *
 * @module
 */
import { Type, type Data, type DataType, type RecordBatch } from 'apache-arrow';
import { StrataError } from '../errors.ts';

/** A column's validity: bit `offset + row` of `bitmap` is 1 when the row is not null. */
export interface Validity {
  /** The bitmap, or null when the column has no null. */
  readonly bitmap: Uint8Array | null;
  /** Bit of row 0. */
  readonly offset: number;
}

/** A Uint64 (or non-negative Int64) column as u32 words: row `i` is `words[2i]` (low), `words[2i + 1]` (high). */
export interface IdColumn extends Validity {
  readonly words: Uint32Array;
}

/** A Binary or Utf8 column (or their Large variants): row `i` is `data[offsets[i] .. offsets[i + 1])`. */
export interface BytesColumn extends Validity {
  readonly data: Uint8Array;
  readonly offsets: Int32Array | BigInt64Array;
}

/** A Bool column: row `i` is bit `offset + i` of `bits`. */
export interface BoolColumn extends Validity {
  readonly bits: Uint8Array;
}

/** The columns of one record batch, each null when the batch has no such column. */
export interface EventColumns {
  readonly rows: number;
  readonly id: IdColumn | null;
  readonly key: BytesColumn | null;
  readonly value: BytesColumn;
  readonly delete: BoolColumn | null;
}

/** True when row `row` of `c` is null. */
export function isNull(c: Validity, row: number): boolean {
  if (c.bitmap === null) return false;
  const bit = c.offset + row;
  return (c.bitmap[bit >> 3]! & (1 << (bit & 7))) === 0;
}

/** Start of row `row` of a bytes column. */
export function bytesStart(c: BytesColumn, row: number): number {
  return Number(c.offsets[row]!);
}

/** End of row `row` of a bytes column. */
export function bytesEnd(c: BytesColumn, row: number): number {
  return Number(c.offsets[row + 1]!);
}

/** Which 32-bit word of a u64 holds the low half on this machine. */
const LITTLE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function typeName(t: DataType): string {
  return String(t);
}

function validity(d: Data): Validity {
  return { bitmap: d.nullCount > 0 ? (d.nullBitmap ?? null) : null, offset: d.offset };
}

function fail(operation: string, column: string, what: string): never {
  throw new StrataError('INVALID_INPUT', `${operation}: column "${column}" ${what}`);
}

function idColumn(operation: string, d: Data): IdColumn {
  const t = d.type as DataType & { bitWidth?: number; isSigned?: boolean };
  if (t.typeId !== Type.Int || t.bitWidth !== 64) {
    fail(operation, 'id', `must be Uint64 (or Int64 with no negative id), got ${typeName(d.type)}`);
  }
  if (!LITTLE) throw new StrataError('INTERNAL', `${operation}: Arrow input needs a little-endian machine`);
  const values = d.values as BigUint64Array | BigInt64Array | undefined;
  if (values === undefined || d.length === 0) return { bitmap: null, offset: 0, words: new Uint32Array(0) };
  const words = new Uint32Array(values.buffer, values.byteOffset, d.length * 2);
  const v = validity(d);
  if (t.isSigned === true) {
    for (let row = 0; row < d.length; row++) {
      if ((words[2 * row + 1]! & 0x80000000) !== 0 && !isNull(v, row)) {
        fail(operation, 'id', `row ${row}: the id ${values[row]!} is negative (ids are 0..2^64-1)`);
      }
    }
  }
  return { ...v, words };
}

function bytesColumn(operation: string, name: string, d: Data): BytesColumn {
  const id = d.type.typeId;
  const view = id === Type.BinaryView || id === Type.Utf8View;
  if (id !== Type.Binary && id !== Type.Utf8 && id !== Type.LargeBinary && id !== Type.LargeUtf8 && !view) {
    fail(operation, name, `must be Binary or Utf8 (or LargeBinary, LargeUtf8, BinaryView, Utf8View), got ${typeName(d.type)}`);
  }
  if (d.length === 0) return { bitmap: null, offset: 0, data: new Uint8Array(0), offsets: new Int32Array(1) };
  if (view) return { ...validity(d), ...unview(operation, name, d) };
  return { ...validity(d), data: d.values as Uint8Array, offsets: d.valueOffsets as Int32Array | BigInt64Array };
}

/**
 * The bytes of a view column (BinaryView, Utf8View: 16-byte views, each holding its
 * bytes inline up to 12 or pointing into a data buffer) laid out one after the other
 * with offsets, as a Binary column has them: one copy, for the rarer view input.
 */
function unview(operation: string, name: string, d: Data): { data: Uint8Array; offsets: Int32Array } {
  if (!LITTLE) throw new StrataError('INTERNAL', `${operation}: Arrow input needs a little-endian machine`);
  const views = d.values as Uint8Array;
  const buffers = d.variadicBuffers;
  const words = new Int32Array(views.buffer, views.byteOffset, d.length * 4);
  const offsets = new Int32Array(d.length + 1);
  const valid = validity(d);
  // a null row's view may hold anything: it is read as empty
  const lengthOf = (row: number): number => (isNull(valid, row) ? 0 : words[4 * row]!);
  let total = 0;
  for (let row = 0; row < d.length; row++) {
    const len = lengthOf(row);
    const where = len > 12 ? buffers[words[4 * row + 2]!] : views;
    if (len < 0 || where === undefined || (len > 12 && words[4 * row + 3]! + len > where.length)) {
      fail(operation, name, `row ${row}: a view points outside its data buffers (the column is damaged)`);
    }
    total += len;
    if (total > 0x7fff_ffff) fail(operation, name, 'holds more than 2 GiB of bytes in one record batch; write it in parts');
    offsets[row + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let row = 0; row < d.length; row++) {
    const len = lengthOf(row);
    const at = offsets[row]!;
    if (len > 12) {
      const from = words[4 * row + 3]!;
      data.set(buffers[words[4 * row + 2]!]!.subarray(from, from + len), at);
    } else {
      data.set(views.subarray(16 * row + 4, 16 * row + 4 + len), at);
    }
  }
  return { data, offsets };
}

function boolColumn(operation: string, d: Data): BoolColumn {
  if (d.type.typeId !== Type.Bool) fail(operation, 'delete', `must be Bool, got ${typeName(d.type)}`);
  return { ...validity(d), bits: d.values as Uint8Array };
}

/** The columns Strata knows; any other column is refused (a typo would otherwise be dropped silently). */
const KNOWN = new Set(['id', 'key', 'value', 'delete']);

/**
 * Finds and checks the columns of `batch`.
 * @throws StrataError `INVALID_INPUT` when `value` is missing, a column has the wrong
 *   type, or a column has a name Strata does not know.
 */
export function eventColumns(operation: string, batch: RecordBatch): EventColumns {
  const fields = batch.schema.fields;
  const children = batch.data.children;
  const byName = new Map<string, Data>();
  for (let i = 0; i < fields.length; i++) {
    const name = fields[i]!.name;
    if (!KNOWN.has(name)) fail(operation, name, 'is not one Strata reads: the columns are id, key, value and delete');
    if (byName.has(name)) fail(operation, name, 'appears twice');
    byName.set(name, children[i]!);
  }
  const value = byName.get('value');
  if (value === undefined) fail(operation, 'value', 'is missing: a table to write has a value column (Binary or Utf8)');
  const id = byName.get('id');
  const key = byName.get('key');
  const del = byName.get('delete');
  return {
    rows: batch.numRows,
    id: id === undefined ? null : idColumn(operation, id),
    key: key === undefined ? null : bytesColumn(operation, 'key', key),
    value: bytesColumn(operation, 'value', value),
    delete: del === undefined ? null : boolColumn(operation, del),
  };
}
