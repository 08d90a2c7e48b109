/**
 * A page of events (in memory, copied out of a cursor) as one Arrow IPC stream: the
 * scan schema (`id` Uint64, `key` and `value` Binary), one record batch, the end
 * marker. `GET /v1/events?format=arrow` answers with it.
 *
 * @module
 */
import { Binary, RecordBatch, Struct, Table, Uint64, makeData, tableToIPC } from 'apache-arrow';
import { SCAN_SCHEMA } from './record-batches.ts';

/** The bytes of `parts`, one after the other, and their offsets. */
function packed(parts: readonly Uint8Array[]): { data: Uint8Array; offsets: Int32Array } {
  const offsets = new Int32Array(parts.length + 1);
  let total = 0;
  for (let i = 0; i < parts.length; i++) {
    total += parts[i]!.length;
    offsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  for (let i = 0; i < parts.length; i++) data.set(parts[i]!, offsets[i]!);
  return { data, offsets };
}

/** The IPC stream of the events `ids[i], keys[i], values[i]` (a schema and no batch when empty). */
export function eventsToIpc(ids: readonly bigint[], keys: readonly Uint8Array[], values: readonly Uint8Array[]): Uint8Array {
  const n = ids.length;
  const k = packed(keys);
  const v = packed(values);
  const id = makeData({ type: new Uint64(), length: n, nullCount: 0, data: BigUint64Array.from(ids) });
  const key = makeData({ type: new Binary(), length: n, nullCount: 0, valueOffsets: k.offsets, data: k.data });
  const value = makeData({ type: new Binary(), length: n, nullCount: 0, valueOffsets: v.offsets, data: v.data });
  const struct = makeData({ type: new Struct(SCAN_SCHEMA.fields), length: n, nullCount: 0, children: [id, key, value] });
  const table = n === 0 ? new Table(SCAN_SCHEMA) : new Table([new RecordBatch(SCAN_SCHEMA, struct)]);
  return tableToIPC(table, 'stream');
}
