/**
 * Refresh at rollover: a partition is refreshed once the writes move past it (to a
 * partition above the highest one written so far), after the whole batch is in; writes
 * that go back to older partitions refresh nothing; `refresh_wm 0` leaves rollover (and
 * the idle refresh) as the only background triggers.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import type { PartitionRecord } from '../../src/manifest/index.ts';
import { PartitionState } from '../../src/engine/core/partition-state.ts';
import { Arena } from '../../src/partition/index.ts';
import { Rollover } from '../../src/engine/core/rollover.ts';
import { scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('the rule (Rollover, on real partition states and memtables)', () => {
  const memory = { bytes: 0 };
  const arena = new Arena();
  const part = (min: number): PartitionState => {
    const record: PartitionRecord = {
      min: BigInt(min), max: BigInt(min + 999), storage: 'main', file: 0, lsn: 0n, events: 0, regions: 0, size: 0,
      sizeUncompressed: 0, created: 0, refreshed: 0, refreshes: 0, onStorage: false, onCloud: false,
    };
    return new PartitionState(record, null, memory, arena);
  };
  const bytes = new BatchBuilder().insert(1, 'k', 'v').finish().subarray(16);
  /** One batch into `ps` (each gets an event in its active memtable); returns the partitions it asks to refresh. */
  const batch = (r: Rollover, ...ps: PartitionState[]): bigint[] => {
    const asked: bigint[] = [];
    for (const p of ps) {
      if (p.active.count > 0) continue;
      const at = arena.copy(bytes, 0, bytes.length);
      p.active.insert(at.slab, at.off);
    }
    r.afterBatch(ps, ps.length, (p) => asked.push(p.min));
    return asked;
  };

  test('writes moving on to the next partition refresh the one they left, once', () => {
    const r = new Rollover();
    const [a, b, c] = [part(0), part(1000), part(2000)];
    expect(batch(r, a)).toEqual([]);
    expect(batch(r, a)).toEqual([]);
    expect(batch(r, b)).toEqual([0n]);
    expect(batch(r, b)).toEqual([]);
    expect(batch(r, c)).toEqual([1000n]);
    expect(batch(r, c)).toEqual([]);
  });

  test('a batch that spans the boundary refreshes the old partition at the next batch that leaves it alone', () => {
    const r = new Rollover();
    const [a, b, c] = [part(0), part(1000), part(2000)];
    batch(r, a);
    // a batch over a, b and c: b and a were passed, but the batch wrote to them
    expect(batch(r, a, b, c)).toEqual([]);
    // a is written again: it waits; b is left alone: refreshed
    expect(batch(r, a, c)).toEqual([1000n]);
    expect(batch(r, c)).toEqual([0n]);
    expect(batch(r, c)).toEqual([]);
  });

  test('writes going back to older partitions refresh nothing, however they alternate', () => {
    const r = new Rollover();
    const ps = [part(0), part(1000), part(2000), part(3000)];
    batch(r, ps[3]!);
    for (let i = 0; i < 50; i++) expect(batch(r, ps[(i * 7) % 3]!, ps[(i * 5) % 4]!)).toEqual([]);
  });

  test('a partition left with an empty memtable, or dropped, is not refreshed', () => {
    const r = new Rollover();
    const [a, b, c] = [part(0), part(1000), part(2000)];
    batch(r, a);
    a.freeze(); // a refresh took its memtable
    expect(batch(r, b)).toEqual([]);
    b.dropped = true;
    expect(batch(r, c)).toEqual([]);
  });
});

describe('in the engine', () => {
  /** A batch of `n` events from id `first` (key 'k'). */
  const events = (first: number, n: number): BatchBuilder => {
    const b = new BatchBuilder();
    for (let i = 0; i < n; i++) b.insert(first + i, 'k', `event ${first + i}`);
    return b;
  };
  const refreshing = (db: Strata): bigint[] => db.operations.list().filter((o) => o.kind === 'refresh').map((o) => o.partition);
  const partition = async (db: Strata, min: number) => (await db.execute(`SHOW PARTITION ${min}`)) as { refreshes: number; events: number; events_heap: number };

  test('with refresh_wm 0, the write that moves on starts the refresh of the partition left behind; writes back start none', async () => {
    const db = await Strata.open(dir, { workers: 1, interval: 1000, refresh_wm: 0 });
    try {
      // the two writes are applied before any turn of the event loop: no idle refresh can come between
      const first = db.write(events(0, 500));
      expect(refreshing(db)).toEqual([]);
      const second = db.write(events(1000, 10));
      expect(refreshing(db)).toEqual([0n]);
      await Promise.all([first, second]);
      while ((await partition(db, 0)).refreshes === 0) await new Promise((r) => setImmediate(r));
      expect(await partition(db, 0)).toMatchObject({ refreshes: 1, events: 500, events_heap: 0 });
      // back to partition 0, then on to 1000 again: the head is still 1000, nothing to refresh
      const back = [db.write(events(500, 10)), db.write(events(1010, 10))];
      expect(refreshing(db)).toEqual([]);
      await Promise.all(back);
      // on to 2000: 1000 is left behind (0 is not the head's to pass again)
      void db.write(events(2000, 1));
      expect(refreshing(db)).toEqual([1000n]);
      expect(scan(db).length).toBe(531);
    } finally {
      await db.close();
    }
  });

  test('a batch that spans two partitions refreshes the first at the next batch', async () => {
    const db = await Strata.open(dir, { workers: 1, interval: 1000, refresh_wm: 0 });
    try {
      const writes = [db.write(events(0, 100)), db.write(events(900, 200))];
      expect(refreshing(db)).toEqual([]);
      writes.push(db.write(events(1100, 10)));
      expect(refreshing(db)).toEqual([0n]);
      await Promise.all(writes);
    } finally {
      await db.close();
    }
    const again = await Strata.open(dir, { workers: 0 });
    expect(scan(again).length).toBe(310);
    await again.close();
  });

  test('refresh_wm takes 0 (rollover only), and refuses 1..1023', async () => {
    const db = await Strata.open(dir, { workers: 0 });
    try {
      await db.execute("SET refresh_wm TO 0; CREATE STORAGE s (refresh_wm 0)");
      expect(db.config.refresh_wm).toBe(0);
      expect(((await db.execute('SHOW STORAGE s')) as { config: { refresh_wm: number } }).config.refresh_wm).toBe(0);
      await expect(db.execute('SET refresh_wm TO 512')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'set: refresh_wm must be 0 or in 1024..1099511627776, got 512' });
      await expect(db.execute('ALTER STORAGE s SET refresh_wm TO 512')).rejects.toMatchObject({
        code: 'INVALID_INPUT', message: expect.stringMatching(/refresh_wm must be an integer, 0 or in 1024\.\.1099511627776, got 512/),
      });
    } finally {
      await db.close();
    }
  });
});
