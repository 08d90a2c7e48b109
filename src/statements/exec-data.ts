/**
 * `INSERT`, `DELETE`, `SELECT`: the data statements, for trying things out from the
 * console. Keys and values are UTF-8 text here; programs use the batch API.
 *
 * @module
 */
import type { StatementOf } from '../../grammar/index.ts';
import { BatchBuilder, MAX_KEY } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import type { WriteResult } from '../engine/db/write-path.ts';

/** The part of a cursor (api/cursor.ts) that `SELECT` reads. */
export interface RowCursor {
  next(): boolean;
  nextAsync(): Promise<boolean>;
  /** The current event: valid until the next move. */
  readonly event: { readonly id: bigint; readonly keyLength: number; readonly key: Uint8Array; readonly value: Uint8Array };
  close(): void;
}

/** What the data statements need of the database (the facade, api/database.ts, is one). */
export interface DataTarget {
  write(batch: BatchBuilder): Promise<WriteResult>;
  cursor(options?: { readonly from?: bigint; readonly to?: bigint }): RowCursor;
}

/** A row of `SELECT`. */
export interface SelectRow {
  readonly id: bigint;
  /** The key as UTF-8 text, or null when the event has none. */
  readonly key: string | null;
  /** The value as UTF-8 text. */
  readonly value: string;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function checkKey(op: string, key: string | null): void {
  const n = key === null ? 0 : encoder.encode(key).length;
  if (n > MAX_KEY) throw new StrataError('INVALID_INPUT', `${op}: the key is ${n} bytes in UTF-8; a key has at most ${MAX_KEY}`);
}

/**
 * INSERT (id, [key,] value): null. INSERT (DEFAULT, [key,] value): the event gets the
 * next serial id (`ssn + 1`, as monotone's `insert -1`), and the answer is `{ id }`.
 */
export async function executeInsert(db: DataTarget, s: StatementOf<'insert'>): Promise<{ id: bigint } | null> {
  checkKey('insert', s.key);
  if (s.id !== null) {
    await db.write(new BatchBuilder(256).insert(s.id, s.key ?? undefined, s.value));
    return null;
  }
  const r = await db.write(new BatchBuilder(256).append(s.key ?? undefined, s.value));
  return { id: r.serial!.first };
}

/** DELETE id [key]. */
export async function executeDelete(db: DataTarget, s: StatementOf<'delete'>): Promise<null> {
  checkKey('delete', s.key);
  await db.write(new BatchBuilder(256).delete(s.id, s.key ?? undefined));
  return null;
}

/** SELECT [FROM id] [TO id] [LIMIT n]. */
export async function executeSelect(db: DataTarget, s: StatementOf<'select'>): Promise<SelectRow[]> {
  const c = db.cursor({ ...(s.from === null ? {} : { from: s.from }), ...(s.to === null ? {} : { to: s.to }) });
  const rows: SelectRow[] = [];
  const limit = s.limit ?? -1n;
  try {
    while (BigInt(rows.length) !== limit && (c.next() || (await c.nextAsync()))) {
      const e = c.event;
      rows.push({ id: e.id, key: e.keyLength === 0 ? null : decoder.decode(e.key), value: decoder.decode(e.value) });
    }
  } finally {
    c.close();
  }
  return rows;
}
