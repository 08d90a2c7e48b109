/** Shared by the Arrow tests: tables of events, and rows of record batches. */
import { Binary, Bool, type RecordBatch, Table, Uint64, Utf8, vectorFromArray } from 'apache-arrow';
import type { Row } from '../engine/helpers.ts';

/** One event to write: a null id asks for a serial id, a null key is no key. */
export interface Op {
  id: bigint | null;
  key: string | null;
  value: string | null;
  del: boolean;
}

/** The table of `ops`: columns id (Uint64), key (Utf8), value (Binary or Utf8), delete (Bool). */
export function tableOf(ops: readonly Op[], valueType: 'binary' | 'utf8' = 'binary'): Table {
  const enc = new TextEncoder();
  return new Table({
    id: vectorFromArray(ops.map((o) => o.id), new Uint64()),
    key: vectorFromArray(ops.map((o) => o.key), new Utf8()),
    value:
      valueType === 'utf8'
        ? vectorFromArray(ops.map((o) => o.value), new Utf8())
        : vectorFromArray(ops.map((o) => (o.value === null ? null : enc.encode(o.value))), new Binary()),
    delete: vectorFromArray(ops.map((o) => o.del), new Bool()),
  });
}

/** The rows of record batches of a scan (or an IPC export read back), in order. */
export function rowsOf(batches: Iterable<RecordBatch>): Row[] {
  const rows: Row[] = [];
  for (const b of batches) {
    const ids = b.getChild('id')!;
    const keys = b.getChild('key')!;
    const values = b.getChild('value')!;
    for (let i = 0; i < b.numRows; i++) {
      rows.push({
        id: ids.get(i) as bigint,
        key: Buffer.from(keys.get(i) as Uint8Array).toString('latin1'),
        value: Buffer.from(values.get(i) as Uint8Array).toString('latin1'),
      });
    }
  }
  return rows;
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
