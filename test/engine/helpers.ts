/** Shared helpers of the engine tests: temp directories and scans. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Strata } from '../../src/index.ts';

/** A fresh temp directory; removed by the returned cleanup. */
export function tempDir(prefix = 'strata-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A scanned event, as strings for easy comparison. */
export interface Row {
  id: bigint;
  key: string;
  value: string;
}

/** All events of `db` in `[from, to]` through the fast path. */
export function scan(db: Strata, from?: bigint, to?: bigint): Row[] {
  const rows: Row[] = [];
  const c = db.cursor({ ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) });
  while (c.next()) {
    const e = c.event;
    rows.push({ id: e.id, key: Buffer.from(e.key).toString('latin1'), value: Buffer.from(e.value).toString('latin1') });
  }
  return rows;
}

/** Sorts rows by `(id, key)` bytewise, as Strata orders events. */
export function sortRows(rows: Row[]): Row[] {
  return rows.sort((a, b) => (a.id !== b.id ? (a.id < b.id ? -1 : 1) : Buffer.compare(Buffer.from(a.key, 'latin1'), Buffer.from(b.key, 'latin1'))));
}

/**
 * The path of the one file of the partition starting at `min` in storage folder
 * `folder` (generations come from one counter for the database: tests look them up).
 */
export function partitionFile(folder: string, min: number | bigint): string {
  const prefix = `${String(min).padStart(20, '0')}.`;
  const names = fs.readdirSync(folder).filter((n) => n.startsWith(prefix) && n.endsWith('.part'));
  if (names.length !== 1) throw new Error(`expected one file of partition ${min} in ${folder}, found ${names.join(', ') || 'none'}`);
  return path.join(folder, names[0]!);
}
