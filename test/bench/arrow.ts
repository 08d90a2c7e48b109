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

/** Runs of each Arrow row and of its peer, alternating; the row reports medians. */
const PAIRS = 3;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/**
 * Prints a row from alternating runs: its median rate, and as its ratio the median of
 * the per-pair ratios (robust to a run slowed by the machine's neighbours). The peer
 * passed to `line` is the one that makes it print that ratio.
 */
function pairedLine(line: Line, name: string, events: number, bytes: number, rates: readonly number[], peers: readonly number[]): void {
  const rate = median(rates);
  const ratio = median(rates.map((r, i) => r / peers[i]!));
  line(`${name} x${rates.length}`, events, bytes, events / rate, rate / ratio);
}

/**
 * `writeArrow` of tables of 1000 events beside `write` of the same events as binary
 * batches (WAL on, refresh held off, as the other write rows): a binary run, then an
 * Arrow run, each in a fresh database, {@link PAIRS} times.
 */
export async function arrowWriteRows(line: Line, events: number, value: number, settle: () => void): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  try {
    const { batch, table } = inputs(1000, value);
    const calls = Math.ceil(events / 1000);
    const n = calls * 1000;
    const binary: number[] = [];
    const arrow: number[] = [];
    for (let r = 0; r < PAIRS; r++) {
      settle();
      binary.push(n / (await timedWrites(path.join(root, 'binary'), calls, (db) => db.write(batch))));
      settle();
      arrow.push(n / (await timedWrites(path.join(root, 'arrow'), calls, (db) => db.writeArrow(table))));
    }
    pairedLine(line, 'write Arrow table 1000, wal on (peer: binary)', n, batch.length * calls, arrow, binary);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function scanArrowRate(db: Strata, events: number, layout: 'binary' | 'view', reuse = false): Promise<number> {
  let n = 0;
  const t = process.hrtime.bigint();
  for await (const b of db.scanArrow({ layout, reuse })) n += b.numRows;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (n !== events) throw new Error(`scanArrow: expected ${events} events, got ${n}`);
  return n / s;
}

/**
 * `scanArrow` over every event, in each layout, beside the cursor's fast path over the
 * same files: fast path, binary, view, view with `reuse` (batches valid until the
 * next, the fast path's own contract), {@link PAIRS} times, each after the previous
 * run's garbage is collected (`settle`). First each layout reads a
 * few thousand events, as the fast path's first run (not counted) does: that loads the
 * Arrow layer (`apache-arrow` is imported on first use, a fifth of a second).
 */
export async function arrowScanRows(line: Line, db: Strata, events: number, bytes: number, fastPath: () => number, settle: () => void): Promise<void> {
  for (const layout of ['binary', 'view'] as const) {
    for await (const b of db.scanArrow({ layout, to: 10_000n })) if (b.numRows === 0) throw new Error('scanArrow: empty batch');
  }
  const fast: number[] = [];
  const binary: number[] = [];
  const view: number[] = [];
  const reused: number[] = [];
  for (let r = 0; r < PAIRS; r++) {
    settle();
    fast.push(fastPath());
    settle();
    binary.push(await scanArrowRate(db, events, 'binary'));
    settle();
    view.push(await scanArrowRate(db, events, 'view'));
    settle();
    reused.push(await scanArrowRate(db, events, 'view', true));
  }
  pairedLine(line, 'scan files (scanArrow, binary) (peer: fast path)', events, bytes, binary, fast);
  pairedLine(line, 'scan files (scanArrow, view) (peer: fast path)', events, bytes, view, fast);
  pairedLine(line, 'scan files (scanArrow, view, reuse) (peer: fast path)', events, bytes, reused, fast);
}
