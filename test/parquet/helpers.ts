/**
 * Shared by the Parquet tests: a Parquet file read back by DuckDB (a reader that is not
 * Strata's) and by Strata's own footer reader and row-group decoder, event for event.
 */
import * as fs from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { crc32, recSize, RECORD_HEADER, REC_KEY_LEN } from '../../src/codec/index.ts';
import { decodeRowGroup, PARQUET_TAIL, type ParquetFooter, parquetFooterStart, readParquetFooter } from '../../src/parquet/index.ts';
import type { Row } from '../engine/helpers.ts';

/** What DuckDB's `read_parquet` says of a file: rows, ids, value bytes (null when empty). */
export interface DuckSummary {
  count: bigint;
  min: bigint | null;
  max: bigint | null;
  valueBytes: bigint | null;
}

/** Runs `sql` in a fresh in-memory DuckDB and returns its rows. */
export async function duckRows(sql: string): Promise<unknown[][]> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRows();
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

/** `count(*), min(id), max(id), sum(octet_length(value))` of `file`, by DuckDB. */
export async function duckSummary(file: string): Promise<DuckSummary> {
  const quoted = file.replaceAll("'", "''");
  const [row] = await duckRows(`SELECT count(*), min(id), max(id), sum(octet_length(value))::UBIGINT FROM read_parquet('${quoted}')`);
  const [count, min, max, valueBytes] = row as [bigint, bigint | null, bigint | null, bigint | null];
  return { count, min, max, valueBytes };
}

/** The same summary of `rows` (a scan of the database). */
export function summaryOf(rows: readonly Row[]): DuckSummary {
  if (rows.length === 0) return { count: 0n, min: null, max: null, valueBytes: null };
  return {
    count: BigInt(rows.length),
    min: rows[0]!.id,
    max: rows.at(-1)!.id,
    valueBytes: BigInt(rows.reduce((n, r) => n + Buffer.byteLength(r.value, 'latin1'), 0)),
  };
}

/** A Parquet file read back by Strata's footer reader and row-group decoder (crc checked). */
export interface ReadBack {
  readonly footer: ParquetFooter;
  readonly rows: Row[];
  /** Bytes of events (record layout) of each row group. */
  readonly groupBytes: number[];
}

/** Reads `file` with `readParquetFooter` and `decodeRowGroup`. */
export function readBack(file: string): ReadBack {
  const bytes = fs.readFileSync(file);
  const start = parquetFooterStart(file, bytes.length, bytes.subarray(bytes.length - PARQUET_TAIL));
  const footer = readParquetFooter(file, bytes.length, bytes.subarray(start));
  const rows: Row[] = [];
  const groupBytes: number[] = [];
  const x = footer.index;
  for (let g = 0; g < footer.regions; g++) {
    const stored = bytes.subarray(x.offsets[g]!, x.offsets[g]! + x.sizes[g]!);
    const records = decodeRowGroup(file, x, g, stored, footer.compressed, true, crc32);
    groupBytes.push(records.length);
    const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
    for (let off = 0; off < records.length; off += recSize(records, off)) {
      const k = records[off + REC_KEY_LEN]!;
      const v = view.getUint32(off + 8, true);
      const at = off + RECORD_HEADER;
      rows.push({
        id: view.getBigUint64(off, true),
        key: Buffer.from(records.subarray(at, at + k)).toString('latin1'),
        value: Buffer.from(records.subarray(at + k, at + k + v)).toString('latin1'),
      });
    }
  }
  return { footer, rows, groupBytes };
}

/**
 * The sizes of the row groups an export cuts `rows` into: a row group ends before the
 * event that would take it past `regionSize` bytes of records, and an event larger
 * than that is a row group alone (src/partition/file-writer.ts cuts regions so).
 */
export function expectedGroups(rows: readonly Row[], regionSize: number): number[] {
  const groups: number[] = [];
  let len = 0;
  for (const r of rows) {
    const size = RECORD_HEADER + Buffer.byteLength(r.key, 'latin1') + Buffer.byteLength(r.value, 'latin1');
    if (len > 0 && len + size > regionSize) {
      groups.push(len);
      len = 0;
    }
    if (size > regionSize) groups.push(size);
    else len += size;
  }
  if (len > 0) groups.push(len);
  return groups;
}
