/**
 * The Arrow rows of `npm run bench`, each beside the path it parallels, measured in
 * the same run: Arrow ingest (`writeArrow` of a table of 1000 events per call) beside
 * `write` of the same events as a binary batch, and `scanArrow` beside the cursor's
 * fast path over the same files.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Binary, Table, Uint64, vectorFromArray } from 'apache-arrow';
import { BatchBuilder, Strata } from '../../src/index.ts';

/** What the bench prints with: a named rate beside a peer rate. */
export type Line = (name: string, events: number, bytes: number, seconds: number, peer?: number) => number;

/** `n` events of `value` bytes, serial ids and no key: as a binary batch and as an Arrow table. */
function inputs(n: number, value: number): { batch: Uint8Array; table: Table } {
  const v = new Uint8Array(value).fill(7);
  const b = new BatchBuilder(n * (value + 32));
  for (let i = 0; i < n; i++) b.append(undefined, v);
  const table = new Table({
    id: vectorFromArray(new Array<bigint | null>(n).fill(null), new Uint64()),
    value: vectorFromArray(new Array<Uint8Array>(n).fill(v), new Binary()),
  });
  return { batch: b.finish().slice(), table };
}

async function timedWrites(dir: string, calls: number, write: (db: Strata) => Promise<unknown>): Promise<number> {
  const db = await Strata.open(dir, { workers: 2, refresh_wm: 2 ** 40, interval: 10_000_000n });
  const t = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await write(db);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return s;
}

/**
 * `writeArrow` of tables of 1000 events beside `write` of the same events as binary
 * batches (WAL on, refresh held off, as the other write rows); the binary run first,
 * then the Arrow run, in fresh databases.
 */
export async function arrowWriteRows(line: Line, events: number, value: number, settle: () => void): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  try {
    const { batch, table } = inputs(1000, value);
    const calls = Math.ceil(events / 1000);
    const n = calls * 1000;
    settle();
    const binary = n / (await timedWrites(path.join(root, 'binary'), calls, (db) => db.write(batch)));
    settle();
    const s = await timedWrites(path.join(root, 'arrow'), calls, (db) => db.writeArrow(table));
    line('write Arrow table 1000, wal on (peer: binary)', n, batch.length * calls, s, binary);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/** `scanArrow` over every event, beside the fast path's rate measured just before. */
export async function arrowScanRow(line: Line, db: Strata, events: number, bytes: number, fastPath: number): Promise<void> {
  let n = 0;
  const t = process.hrtime.bigint();
  for await (const b of db.scanArrow()) n += b.numRows;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (n !== events) throw new Error(`scanArrow: expected ${events} events, got ${n}`);
  line('scan files (scanArrow) (peer: fast path)', n, bytes, s, fastPath);
}
