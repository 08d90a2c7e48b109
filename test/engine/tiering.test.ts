/**
 * Storages and the pipeline end to end: continuous writes through
 * `hot (partitions 2), cold (size ...)` with the background service on; moves while
 * cursors read; scans and writes while partitions refresh and move.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

interface Part {
  min: bigint;
  max: bigint;
  storage: string;
  size: number;
  size_heap: number;
  events: number;
  events_heap: number;
}

const PER_PARTITION = 1000;

function batch(from: number, n: number): BatchBuilder {
  const b = new BatchBuilder();
  for (let i = from; i < from + n; i++) b.insert(i, undefined, `event ${i}`.padEnd(64, '.'));
  return b;
}

test('pipeline hot (partitions 2), cold (size): the tiers hold what the limits say, only the oldest data is gone', async () => {
  const db = await Strata.open(dir, { workers: 2, interval: PER_PARTITION, refresh_wm: 16 * 1024, compression: 'none' });
  await db.execute('CREATE STORAGE hot; CREATE STORAGE cold');
  // a partition of 1000 events of ~78 bytes is ~80 KB on disk: cold keeps about 3
  const coldLimit = 250_000;
  await db.execute(`ALTER PIPELINE hot (partitions 2), cold (size ${coldLimit})`);
  const total = 12 * PER_PARTITION;
  for (let i = 0; i < total; i += 100) {
    await db.write(batch(i, 100));
    if (i % 1000 === 0) await new Promise((r) => setTimeout(r, 5)); // let the service run
  }
  // settle: refresh what is in memory, then apply the pipeline once more
  await db.checkpoint();
  await db.execute('REBALANCE');
  const parts = (await db.execute('SHOW PARTITIONS')) as Part[];
  const hot = parts.filter((p) => p.storage === 'hot');
  const cold = parts.filter((p) => p.storage === 'cold');
  expect(hot.map((p) => p.min)).toEqual([10_000n, 11_000n]);
  const coldSize = cold.reduce((s, p) => s + p.size + p.size_heap, 0);
  expect(coldSize).toBeLessThanOrEqual(coldLimit);
  expect(cold.length).toBeGreaterThan(0);
  // the survivors are exactly the newest partitions, contiguous, and nothing sits elsewhere
  expect(parts.length).toBe(hot.length + cold.length);
  const oldest = parts[0]!.min;
  expect(parts.map((p) => p.min)).toEqual(Array.from({ length: parts.length }, (_, i) => oldest + BigInt(i * PER_PARTITION)));
  expect(oldest).toBeGreaterThan(0n);
  // one more partition in cold would have exceeded its size: it was not dropped early
  expect(coldSize + Math.min(...cold.map((p) => p.size))).toBeGreaterThan(coldLimit);
  // every surviving event is readable, every dropped one is gone
  const rows = scan(db);
  expect(rows.length).toBe(total - Number(oldest));
  expect(rows[0]!.id).toBe(oldest);
  expect(rows.at(-1)!.value).toBe(`event ${total - 1}`.padEnd(64, '.'));
  expect(db.lastBackgroundError).toBeUndefined();
  await db.close();
}, 120_000);

test('a cursor opened before a move returns every event', async () => {
  const db = await Strata.open(dir, { workers: 0, interval: 100_000, region_size: 4096 });
  await db.execute('CREATE STORAGE cold (compression lz4)');
  await db.write(batch(0, 5000));
  await db.checkpoint();
  await db.write(batch(5000, 1000)); // some in memory too
  const c = db.cursor();
  const seen: bigint[] = [];
  for (let i = 0; i < 2500 && c.next(); i++) seen.push(c.event.id);
  await db.execute('MOVE PARTITION 0 INTO cold');
  while (c.next()) seen.push(c.event.id);
  expect(seen.length).toBe(6000);
  expect(seen.every((id, i) => id === BigInt(i))).toBe(true);
  expect(((await db.execute('SHOW PARTITION 0')) as Part).storage).toBe('cold');
  expect(scan(db).length).toBe(6000);
  await db.close();
});

test('scans stay sorted and complete while partitions refresh and move under writes', async () => {
  const db = await Strata.open(dir, { workers: 2, interval: 500, refresh_wm: 8 * 1024, region_size: 2048 });
  await db.execute('CREATE STORAGE hot; CREATE STORAGE cold (compression lz4); CREATE STORAGE vault (encryption aes)');
  await db.execute('ALTER PIPELINE hot (partitions 2), cold (partitions 3), vault');
  let acked = 0;
  const writer = (async () => {
    for (let i = 0; i < 8000; i += 50) {
      await db.write(batch(i, 50));
      acked = i + 50;
      if (i % 400 === 0) await new Promise((r) => setTimeout(r, 1));
    }
  })();
  let scans = 0;
  while (acked < 8000) {
    const before = acked;
    const rows = scan(db);
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.id < rows[i]!.id).toBe(true);
    expect(rows.length).toBeGreaterThanOrEqual(before);
    for (let i = 0; i < before; i++) expect(rows[i]!.id).toBe(BigInt(i));
    scans++;
    await new Promise((r) => setTimeout(r, 2));
  }
  await writer;
  expect(scans).toBeGreaterThan(2);
  await db.checkpoint();
  await db.execute('REBALANCE');
  const parts = (await db.execute('SHOW PARTITIONS')) as Part[];
  expect(new Set(parts.map((p) => p.storage))).toEqual(new Set(['hot', 'cold', 'vault']));
  expect(scan(db).length).toBe(8000);
  expect(db.lastBackgroundError).toBeUndefined();
  await db.close();
  const again = await Strata.open(dir, { workers: 0 });
  expect(scan(again).length).toBe(8000);
  await again.close();
}, 120_000);
