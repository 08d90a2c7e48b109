/**
 * Scans: regions decoded into reused buffers, the validity of what the fast path and
 * batches hand out, `nextBatch`, and the iterators, whose events are the caller's to
 * keep.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BatchBuilder, type Cursor, type EventBatch, Strata, StrataError } from '../../src/index.ts';
import { PartitionFile } from '../../src/partition/index.ts';
import { partitionFile, type Row, scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('strata-scan-')));
afterEach(() => cleanup());

const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

/** Writes ids [from, to) with a key and a value that name the id. */
async function fill(db: Strata, from: number, to: number, tag = 'v'): Promise<void> {
  const b = new BatchBuilder();
  for (let i = from; i < to; i++) b.insert(i, `k${i % 7}`, `${tag}${i}`.padEnd(20 + (i % 50), '.'));
  await db.write(b);
}

/** The rows of one batch (copied). */
function batchRows(b: EventBatch): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < b.length; i++) {
    const k = b.keyOffsets[i]!;
    const v = b.valueOffsets[i]!;
    expect(b.ids[i]).toBe((BigInt(b.idHi[i]!) << 32n) | BigInt(b.idLo[i]!));
    rows.push({ id: b.ids[i]!, key: latin1(b.buffer.subarray(k, k + b.keyLengths[i]!)), value: latin1(b.buffer.subarray(v, v + b.valueLengths[i]!)) });
  }
  return rows;
}

/** Every event of `c` through `nextBatch(n)`, checking that no batch is empty or longer than `n`. */
function scanBatches(c: Cursor, n: number): Row[] {
  const rows: Row[] = [];
  while (c.nextBatch(n)) {
    expect(c.batch.length).toBeGreaterThan(0);
    expect(c.batch.length).toBeLessThanOrEqual(n);
    rows.push(...batchRows(c.batch));
  }
  expect(c.batch.length).toBe(0);
  return rows;
}

/** Events as the iterators give them, compared only once the loop is over. */
function rowsOf(events: { id: bigint; key: Uint8Array; value: Uint8Array }[]): Row[] {
  return events.map((e) => ({ id: e.id, key: latin1(e.key), value: latin1(e.value) }));
}

/** Flips a byte of region `r` of the one file of partition 0; returns the events of the regions before it. */
function damageRegion(r: number): number {
  const storage = fs.readdirSync(dir).find((n) => /^[0-9a-f-]{36}$/.test(n))!;
  const file = partitionFile(path.join(dir, storage), 0);
  const f = PartitionFile.open(file);
  const at = f.index.offsets[r]!;
  let before = 0;
  for (let i = 0; i < r; i++) before += f.index.events[i]!;
  f.close();
  const bytes = fs.readFileSync(file);
  bytes[at + 5] = bytes[at + 5]! ^ 0xff;
  fs.writeFileSync(file, bytes);
  return before;
}

describe('reused buffers', () => {
  for (const [compression, encryption] of [['zstd', 'none'], ['none', 'none'], ['zstd', 'aes']] as const) {
    test(`a scan decodes ${compression}${encryption === 'aes' ? ' + aes' : ''} regions into a few reused buffers`, async () => {
      const db = await Strata.open(dir, { workers: 0, interval: 1_000_000, region_size: 4096 });
      await db.execute(`CREATE STORAGE s (compression '${compression}', encryption '${encryption}'); ALTER PIPELINE s`);
      await fill(db, 0, 3000);
      await db.checkpoint();
      const [p] = (await db.execute('SHOW PARTITIONS')) as { regions: number }[];
      expect(p!.regions).toBeGreaterThan(20);
      const seen = new Set<ArrayBufferLike>();
      const c = db.cursor();
      let n = 0;
      while (c.next()) {
        seen.add(c.event.buffer.buffer);
        n++;
      }
      expect(n).toBe(3000);
      // two buffers alternate: the region being read, and the one the last event was in
      expect(seen.size).toBeLessThanOrEqual(2);
      const batches = new Set<ArrayBufferLike>();
      const b = db.cursor();
      while (b.nextBatch(100)) batches.add(b.batch.buffer.buffer);
      expect(batches.size).toBeLessThanOrEqual(2);
      await db.close();
    });
  }
});

describe('nextBatch', () => {
  test('returns the events of the fast path across partitions, regions, memtables and deletes, for any count', async () => {
    const db = await Strata.open(dir, { workers: 0, interval: 1000, region_size: 2048 });
    await fill(db, 0, 2500);
    await db.checkpoint();
    // interleaved: writes inside the files' range, deletes, and a partition in memory only
    await fill(db, 10, 1500, 'w');
    const del = new BatchBuilder();
    for (let i = 0; i < 2500; i += 13) del.delete(i, `k${i % 7}`);
    await db.write(del);
    await fill(db, 3000, 3100, 'm');
    const want = scan(db);
    for (const n of [1, 2, 7, 31, 32, 33, 100, 1024, 5000]) expect(scanBatches(db.cursor(), n)).toEqual(want);
    expect(scanBatches(db.cursor({ from: 1234, to: 2345 }), 50)).toEqual(scan(db, 1234n, 2345n));
    expect(scanBatches(db.cursor({ from: 500, to: 500 }), 10)).toEqual(scan(db, 500n, 500n));
    await db.close();
  });

  test('mixed with next(): every event once, in order', async () => {
    const db = await Strata.open(dir, { workers: 0, interval: 1000, region_size: 2048 });
    await fill(db, 0, 1500);
    await db.checkpoint();
    await fill(db, 100, 200, 'w');
    const c = db.cursor();
    const rows: Row[] = [];
    for (let turn = 0; ; turn++) {
      if (turn % 2 === 0) {
        if (!c.next()) break;
        rows.push({ id: c.event.id, key: latin1(c.event.key), value: latin1(c.event.value) });
      } else {
        if (!c.nextBatch(turn % 50)) break;
        rows.push(...batchRows(c.batch));
      }
    }
    expect(rows).toEqual(scan(db));
    await db.close();
  });

  test('refuses a count outside 1..1048576 and changes nothing', async () => {
    const db = await Strata.open(dir, { workers: 0 });
    await fill(db, 0, 10);
    const c = db.cursor();
    for (const n of [0, -1, 1.5, NaN, 2 ** 20 + 1]) {
      expect(() => c.nextBatch(n)).toThrow(StrataError);
      expect(() => c.nextBatch(n)).toThrow(`cursor: nextBatch takes a count in 1..1048576, got ${n}`);
    }
    expect(scanBatches(c, 3)).toEqual(scan(db));
    await db.close();
  });

  test('after a batch with the events before a damaged region, the next call throws CORRUPTION', async () => {
    let db = await Strata.open(dir, { workers: 0, interval: 1_000_000, region_size: 1024, compression: 'none' });
    await fill(db, 0, 300);
    await db.checkpoint();
    await db.close();
    damageRegion(3);
    db = await Strata.open(dir, { workers: 0 });
    /** Events until the error, by `next()` and by batches of `n`: the same count, then the same error. */
    const check = (n: number) => {
      const count = (read: (c: Cursor) => number) => {
        const c = db.cursor();
        let got = 0;
        try {
          for (;;) {
            const k = read(c);
            if (k === 0) break;
            got += k;
          }
        } catch (e) {
          expect((e as StrataError).code).toBe('CORRUPTION');
          expect((e as Error).message).toMatch(/region 3 crc mismatch/);
          c.close();
          return got;
        }
        throw new Error('expected CORRUPTION');
      };
      const byNext = count((c) => (c.next() ? 1 : 0));
      expect(byNext).toBeGreaterThan(0);
      expect(count((c) => (c.nextBatch(n) ? c.batch.length : 0))).toBe(byNext);
    };
    // the file alone, then under a memtable (a merge)
    for (const n of [1000, 7]) check(n);
    await fill(db, 0, 300, 'w');
    for (const n of [1000, 7]) check(n);
    await db.close();
  });
});

describe('iterators', () => {
  test('for of and for await yield events that stay valid after the loop moves on', async () => {
    const db = await Strata.open(dir, { workers: 0, interval: 1000, region_size: 1024 });
    await fill(db, 0, 3000);
    await db.checkpoint();
    await fill(db, 2900, 3200, 'w');
    const want = scan(db);
    const sync = [...db.cursor()];
    expect(rowsOf(sync)).toEqual(want);
    const all: { id: bigint; key: Uint8Array; value: Uint8Array }[] = [];
    for await (const e of db.cursor()) all.push(e);
    // scan again, so that every reused buffer has been written over
    expect(scan(db).length).toBe(want.length);
    expect(rowsOf(all)).toEqual(want);
    expect(rowsOf(sync)).toEqual(want);
    await db.close();
  });

  test('leaving a loop early closes the cursor', async () => {
    const db = await Strata.open(dir, { workers: 0, interval: 1000, region_size: 1024 });
    await fill(db, 0, 2000);
    await db.checkpoint();
    const c = db.cursor();
    for (const e of c) if (e.id === 10n) break;
    expect(c.next()).toBe(false);
    const a = db.cursor();
    for await (const e of a) if (e.id === 1500n) break;
    expect(a.next()).toBe(false);
    await db.close();
  });

  test('a damaged region: the events before it, then CORRUPTION, and the cursor is closed', async () => {
    let db = await Strata.open(dir, { workers: 0, interval: 1_000_000, region_size: 1024, compression: 'none' });
    await fill(db, 0, 300);
    await db.checkpoint();
    await db.close();
    const before = damageRegion(2);
    db = await Strata.open(dir, { workers: 0 });
    const ids: bigint[] = [];
    const c = db.cursor();
    await expect(async () => {
      for await (const e of c) ids.push(e.id);
    }).rejects.toThrow(/region 2 crc mismatch/);
    expect(ids.length).toBe(before);
    expect(c.next()).toBe(false);
    const s = db.cursor();
    const sids: bigint[] = [];
    expect(() => {
      for (const e of s) sids.push(e.id);
    }).toThrow(/region 2 crc mismatch/);
    expect(sids).toEqual(ids);
    await db.close();
  });
});
