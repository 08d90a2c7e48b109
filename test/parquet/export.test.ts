/**
 * `db.exportParquet`: a range written as one Parquet file in the layout of Strata's
 * Parquet partitions, read back by DuckDB and by Strata's own footer reader and
 * row-group decoder, event for event; row groups cut as a partition file cuts regions;
 * a file or a stream; an empty range; bad options refused with nothing written; a
 * failure leaves no file behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BatchBuilder, MAX_ID, Strata } from '../../src/index.ts';
import { scan, tempDir } from '../engine/helpers.ts';
import { duckRows, duckSummary, expectedGroups, readBack, summaryOf } from './helpers.ts';

const HIGH = 2n ** 63n;

/** What `p` rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => expect.unreachable('expected a rejection'),
    (e: unknown) => e,
  );
}

let tmp: { dir: string; cleanup: () => void };
let n = 0;
const newPath = (name: string): string => path.join(tmp.dir, `${name}${n++}`);

/** A database (region_size 4096) with events on both sides of 2^63, keys, empty values, bytes that are not text, deletes. */
let db: Strata;
beforeAll(async () => {
  tmp = tempDir('strata-parquet-export-');
  db = await Strata.open(newPath('db'), { region_size: 4096, interval: 1_000_000 });
  const b = new BatchBuilder();
  for (let i = 0; i < 3000; i++) {
    const value = i % 50 === 0 ? '' : `v${i}:${'x'.repeat(i % 97)}`;
    b.insert(HIGH - 1500n + BigInt(i), i % 3 === 0 ? `k${i % 7}` : undefined, value);
  }
  b.insert(5n, new Uint8Array([0, 0xff]), new Uint8Array([0x80, 0, 0xfe]));
  b.insert(MAX_ID, 'last', 'at 2^64-1');
  await db.write(b);
  // a refresh puts part of it in a file; later writes and deletes stay in the memtable
  await db.execute('REFRESH PARTITIONS BETWEEN 0 AND 18446744073709551615');
  const more = new BatchBuilder();
  more.delete(HIGH - 1000n);
  more.delete(HIGH + 2n); // both events have no key
  more.insert(HIGH + 4n, 'new', 'written after the refresh');
  await db.write(more);
});
afterAll(async () => {
  await db.close();
  tmp.cleanup();
});

describe('exportParquet', () => {
  test('a range across 2^63: DuckDB and the footer reader read the scan, in row groups of region_size bytes', async () => {
    const from = HIGH - 1200n;
    const to = HIGH + 1200n;
    const want = scan(db, from, to);
    expect(want.some((r) => r.id === HIGH - 1000n || r.id === HIGH + 2n)).toBe(false); // deleted
    const file = newPath('range.parquet');
    const seen: number[] = [];
    const r = await db.exportParquet(file, { from, to, onRowGroup: (s) => seen.push(s.rowGroups) });
    const groups = expectedGroups(want, 4096);
    expect(groups.length).toBeGreaterThan(10);
    expect(r).toEqual({ rowGroups: groups.length, rows: want.length, bytes: fs.statSync(file).size });
    expect(seen).toEqual(groups.map((_, i) => i + 1));
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');

    expect(await duckSummary(file)).toEqual(summaryOf(want));
    // row-group statistics compare ids unsigned: a filter above 2^63 skips nothing it needs
    const [[above]] = (await duckRows(`SELECT count(*) FROM read_parquet('${file}') WHERE id >= ${HIGH}`)) as [[bigint]];
    expect(above).toBe(BigInt(want.filter((x) => x.id >= HIGH).length));
    const [[groupsSeen]] = (await duckRows(`SELECT count(*) FROM parquet_metadata('${file}') WHERE path_in_schema = 'id'`)) as [[bigint]];
    expect(groupsSeen).toBe(BigInt(groups.length));

    const back = readBack(file);
    expect(back.rows).toEqual(want);
    expect(back.groupBytes).toEqual(groups);
    expect(back.footer.compressed).toBe(true);
    expect(back.footer.identity).toEqual({ min: from, max: to, generation: 1, lsn: 0n });
  });

  test('everything, with ids 5 and 2^64-1 and bytes that are not text; the default row group is the setting region_size', async () => {
    const want = scan(db);
    const file = newPath('all.parquet');
    const r = await db.exportParquet(file);
    expect(r.rows).toBe(want.length);
    expect(readBack(file).rows).toEqual(want);
    expect(readBack(file).groupBytes).toEqual(expectedGroups(want, db.config.region_size));
    expect(readBack(file).footer.identity).toEqual({ min: 0n, max: MAX_ID, generation: 1, lsn: 0n });
    expect(await duckSummary(file)).toEqual(summaryOf(want));
    const [[first, key, value]] = (await duckRows(`SELECT id, key, value FROM read_parquet('${file}') ORDER BY id LIMIT 1`)) as [[bigint, { bytes: Uint8Array }, { bytes: Uint8Array }]];
    expect([first, [...key.bytes], [...value.bytes]]).toEqual([5n, [0, 0xff], [0x80, 0, 0xfe]]);
  });

  test('regionSize: an event larger than it is a row group alone', async () => {
    const dir = newPath('big');
    const big = await Strata.open(dir, { region_size: 4096 });
    try {
      const b = new BatchBuilder();
      b.insert(1n, undefined, 'a'.repeat(100));
      b.insert(2n, undefined, 'b'.repeat(3000));
      b.insert(3n, undefined, 'c'.repeat(5000));
      b.insert(4n, undefined, 'd');
      await big.write(b);
      const file = newPath('big.parquet');
      const r = await big.exportParquet(file, { regionSize: 2048 });
      expect(r.rowGroups).toBe(4);
      expect(readBack(file).groupBytes).toEqual([114, 3014, 5014, 15]);
      expect(readBack(file).rows).toEqual(scan(big));
    } finally {
      await big.close();
    }
  });

  test('to a stream: the same bytes as the file, written in order; the stream is not ended', async () => {
    const file = newPath('same.parquet');
    await db.exportParquet(file, { from: HIGH - 100n, to: HIGH + 100n, regionSize: 1024 });
    const out = new PassThrough({ highWaterMark: 1024 });
    const chunks: Buffer[] = [];
    // a slow reader: the export waits for it
    out.on('data', (c: Buffer) => {
      chunks.push(c);
      out.pause();
      setTimeout(() => out.resume(), 1);
    });
    const r = await db.exportParquet(out, { from: HIGH - 100n, to: HIGH + 100n, regionSize: 1024 });
    expect(out.writableEnded).toBe(false);
    out.end();
    await new Promise((resolve) => out.on('end', resolve));
    expect(Buffer.concat(chunks)).toEqual(fs.readFileSync(file));
    expect(r.bytes).toBe(fs.statSync(file).size);
  });

  test('an empty range: a valid file with no row group, replacing a file there (made private)', async () => {
    const file = newPath('empty.parquet');
    fs.writeFileSync(file, 'an older file, longer than the new one '.repeat(100), { mode: 0o644 });
    expect(await db.exportParquet(file, { from: 1000, to: 2000 })).toEqual({ rowGroups: 0, rows: 0, bytes: fs.statSync(file).size });
    expect(await duckSummary(file)).toEqual(summaryOf([]));
    const back = readBack(file);
    expect(back.footer.regions).toBe(0);
    expect(back.rows).toEqual([]);
    expect(back.footer.identity).toEqual({ min: 1000n, max: 2000n, generation: 1, lsn: 0n });
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
  });

  test('bad options are refused and nothing is written; a failure removes the file; a stream that fails is IO', async () => {
    const file = newPath('bad.parquet');
    const bad: [Parameters<Strata['exportParquet']>[1], RegExp][] = [
      [{ from: 10, to: 9 }, /^exportParquet: from 10 is after to 9; give a range with from <= to$/],
      [{ regionSize: 1000 }, /^exportParquet: regionSize is an integer in 1024\.\.67108864, got 1000$/],
      [{ from: -1 }, /^exportParquet: from -1 is not an unsigned integer/],
    ];
    for (const [options, re] of bad) {
      const e = await rejection(db.exportParquet(file, options));
      expect(e).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(re) as unknown });
    }
    expect(fs.existsSync(file)).toBe(false);
    expect(await rejection(db.exportParquet(path.join(tmp.dir, 'no-such-dir', 'x.parquet')))).toMatchObject({ code: 'IO', message: expect.stringMatching(/^exportParquet: .*no-such-dir.*ENOENT/) as unknown });

    // a failure half way (here the callback's): the partial file is removed
    const stop = new Error('stop here');
    const e = await rejection(db.exportParquet(file, { regionSize: 1024, onRowGroup: (s) => {
      if (s.rowGroups === 3) throw stop;
    } }));
    expect(e).toBe(stop);
    expect(fs.existsSync(file)).toBe(false);

    // a stream that fails: IO, with the stream's error as the cause
    const broken = new Writable({ highWaterMark: 16, write: (_c, _e, cb) => cb(Object.assign(new Error('EPIPE: broken pipe'), { code: 'EPIPE' })) });
    broken.on('error', () => undefined);
    const io = await rejection(db.exportParquet(broken, { regionSize: 1024 }));
    expect(io).toMatchObject({ code: 'IO', message: expect.stringMatching(/^exportParquet: /) as unknown, cause: { code: 'EPIPE' } });
  });

  test('a closed database refuses it', async () => {
    const closed = await Strata.open(newPath('closed'));
    await closed.close();
    expect(await rejection(closed.exportParquet(newPath('x.parquet')))).toMatchObject({ code: 'CLOSED' });
  });
});
