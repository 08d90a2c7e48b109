/**
 * CHECKPOINT with a damaged partition: every other partition is refreshed, the damaged
 * one is reported, and its events stay in memory and in the WAL.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata, isStrataError } from '../../src/index.ts';
import { partitionFile, scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('strata-ckpt-')));
afterEach(() => cleanup());

/** Writes `n` events with ids `base`, `base + 1`, ... and key `k`. */
async function fill(db: Strata, base: number, n: number, tag: string): Promise<void> {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.insert(base + i, 'k', `${tag}-${i}`.padEnd(40, '.'));
  await db.write(b);
}

/** Flips one byte inside the first region of a partition file. */
function damageRegion(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    const b = Buffer.alloc(1);
    fs.readSync(fd, b, 0, 1, 40);
    b[0] = b[0]! ^ 0xff;
    fs.writeSync(fd, b, 0, 1, 40);
  } finally {
    fs.closeSync(fd);
  }
}

/** Values of ids 1100..1149, written by the second round of partition 1000 (past its file). */
const b2Tail = [...Array(50).keys()].map((i) => `b2-${i + 50}`.padEnd(40, '.'));

test('CHECKPOINT refreshes every partition but a damaged one, and reports it', async () => {
  let db = await Strata.open(dir, { workers: 0, interval: 1000n, compression: 'none' });
  await fill(db, 0, 100, 'a');
  await fill(db, 1000, 100, 'b');
  await fill(db, 2000, 100, 'c');
  expect(await db.checkpoint()).toEqual({ partitions: 3, damaged: [] });
  await fill(db, 50, 100, 'a2');
  await fill(db, 1050, 100, 'b2');
  await fill(db, 2050, 100, 'c2');
  const main = (await db.execute('SHOW STORAGE main')) as { config: { uuid: string } };
  damageRegion(partitionFile(path.join(dir, main.config.uuid), 1000));

  const result = (await db.execute('CHECKPOINT')) as { partitions: number; damaged: { partition: bigint; error: string }[] };
  expect(result.partitions).toBe(2);
  expect(result.damaged).toHaveLength(1);
  expect(result.damaged[0]!.partition).toBe(1000n);
  expect(result.damaged[0]!.error).toMatch(/^read region: .*region 0 crc mismatch/);
  const parts = (await db.execute('SHOW PARTITIONS')) as { min: bigint; events_heap: number }[];
  expect(parts.map((p) => [p.min, p.events_heap])).toEqual([[0n, 0], [1000n, 100], [2000n, 0]]);
  // the damaged partition's new events are still readable from memory
  expect(scan(db, 1100n, 1999n).map((r) => r.value)).toEqual(b2Tail);
  await db.close();

  // its events are still in the WAL: a reopen replays them
  db = await Strata.open(dir, { workers: 0 });
  try {
    expect(db.openReport.wal?.events).toBeGreaterThanOrEqual(100);
    expect(scan(db, 1100n, 1999n).map((r) => r.value)).toEqual(b2Tail);
  } finally {
    await db.close();
  }
});

test('close with the WAL off fails when a damaged partition holds the only copy of events', async () => {
  const db = await Strata.open(dir, { workers: 0, interval: 1000n, compression: 'none', wal: false });
  await fill(db, 0, 100, 'a');
  await fill(db, 1000, 100, 'b');
  await db.checkpoint();
  await fill(db, 1050, 100, 'b2');
  await fill(db, 100, 10, 'a2');
  const main = (await db.execute('SHOW STORAGE main')) as { config: { uuid: string } };
  damageRegion(partitionFile(path.join(dir, main.config.uuid), 1000));
  const e = await db.close().then(() => null, (x: unknown) => x);
  expect(isStrataError(e, 'CORRUPTION')).toBe(true);
  expect((e as Error).message).toMatch(/^close: with wal off, the events in memory of damaged partitions are lost: 1000 /);
  // partition 0 was refreshed all the same
  const again = await Strata.open(dir, { workers: 0 });
  try {
    expect(scan(again, 0n, 999n)).toHaveLength(110);
  } finally {
    await again.close();
  }
});
