/**
 * Storages with `format 'parquet'`: partitions moved, refreshed and uploaded there are
 * written as Parquet files (one row group per region), read back by the engine locally
 * and from a real S3 server (s3rver) by ranged GETs, and scans equal a model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { PartitionFile } from '../../src/partition/index.ts';
import { type Row, scan, tempDir } from '../engine/helpers.ts';
import { createCloudSql, listBucket, partitions, scanAll, storageLayout } from '../cloud/engine-helpers.ts';
import { rejection, s3Config } from '../cloud/helpers.ts';
import { openCloud } from '../../src/cloud/index.ts';
import { type S3Server, startS3Server } from '../cloud/s3-server.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
});

const HIGH = 2n ** 63n + 5n;

/** Writes `n` events from id `from` (keys every third event), returns them as rows. */
async function fill(db: Strata, from: bigint, n: number): Promise<Row[]> {
  const rows: Row[] = [];
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) {
    const id = from + BigInt(i);
    const key = i % 3 === 0 ? `k${i % 7}` : '';
    const value = `v${i}:${'x'.repeat(i % 90)}`;
    b.insert(id, key === '' ? undefined : key, value);
    rows.push({ id, key, value });
  }
  await db.write(b);
  return rows;
}

test('a partition moved to a parquet storage is a Parquet file, read back by the engine; refreshes rewrite it', async () => {
  const { dir, cleanup } = tempDir('strata-parquet-');
  try {
    const db = await Strata.open(dir, { interval: 100_000, region_size: 4096 });
    await db.execute(`CREATE STORAGE cold (format 'parquet')`);
    const low = await fill(db, 1n, 5000);
    const high = await fill(db, HIGH, 3000);
    await db.execute('MOVE PARTITIONS BETWEEN 0 AND 18446744073709551615 INTO cold');
    const parts = await partitions(db);
    expect(parts.every((p) => p.storage === 'cold')).toBe(true);
    const cold = (await db.execute('SHOW STORAGE cold')) as { config: { uuid: string; format: string } };
    expect(cold.config.format).toBe('parquet');
    const files = fs.readdirSync(path.join(dir, cold.config.uuid)).filter((f) => f.endsWith('.part'));
    expect(files.length).toBe(parts.length);
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(dir, cold.config.uuid, f));
      expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
      expect(bytes.subarray(bytes.length - 4).toString()).toBe('PAR1');
      const pf = PartitionFile.open(path.join(dir, cold.config.uuid, f));
      expect(pf.format).toBe('parquet');
      expect(pf.regions).toBeGreaterThan(1);
      pf.close();
    }
    expect(scan(db)).toEqual([...low, ...high]);
    // a write and a delete into a parquet partition: the refresh rewrites it
    const more = await fill(db, 5001n, 100);
    const del = new BatchBuilder();
    del.delete(11n);
    await db.write(del);
    await db.execute('REFRESH PARTITIONS BETWEEN 0 AND 18446744073709551615');
    const expected = [...low.filter((r) => r.id !== 11n), ...more, ...high];
    expect(scan(db)).toEqual(expected);
    await db.close();
    const again = await Strata.open(dir);
    expect(scan(again)).toEqual(expected);
    expect(scan(again, HIGH + 10n, HIGH + 20n)).toEqual(high.slice(10, 21));
    await again.close();
  } finally {
    cleanup();
  }
});

test('encryption aes with format parquet is refused, and lz4 too; nothing changes', async () => {
  const { dir, cleanup } = tempDir('strata-parquet-');
  try {
    const db = await Strata.open(dir);
    await rejection(db.execute(`CREATE STORAGE s (format 'parquet', encryption 'aes')`), 'INVALID_INPUT');
    await rejection(db.execute(`CREATE STORAGE s (format 'parquet', compression 'lz4')`), 'INVALID_INPUT');
    await rejection(db.execute(`CREATE STORAGE s (format 'orc')`), 'INVALID_INPUT');
    await db.execute(`CREATE STORAGE s (encryption 'aes')`);
    const e = await rejection(db.execute(`ALTER STORAGE s SET (format 'parquet')`), 'INVALID_INPUT');
    expect(e.message).toMatch(/Parquet modular encryption/);
    const rows = (await db.execute('SHOW STORAGES')) as { name: string; config: { format: string } }[];
    expect(rows.find((r) => r.name === 's')!.config.format).toBe('strata');
    await db.close();
  } finally {
    cleanup();
  }
});

test('a parquet storage on a cloud: uploads are Parquet objects, read back by ranged GETs', async () => {
  const { dir, cleanup } = tempDir('strata-parquet-');
  try {
    const db = await Strata.open(dir, { interval: 100_000, region_size: 4096 });
    await db.execute(createCloudSql(s3.url));
    await db.execute(`CREATE STORAGE cold (cloud 's3', format 'parquet')`);
    const rows = [...(await fill(db, 1n, 4000)), ...(await fill(db, HIGH, 2000))];
    await db.execute('MOVE PARTITIONS BETWEEN 0 AND 18446744073709551615 INTO cold');
    const parts = await partitions(db);
    expect(parts.every((p) => p.on_cloud && !p.on_storage)).toBe(true);
    expect(await scanAll(db)).toEqual(rows);
    await db.close();
    const again = await Strata.open(dir);
    expect(await scanAll(again, HIGH + 100n, HIGH + 199n)).toEqual(rows.slice(4100, 4200));
    await again.execute('DOWNLOAD PARTITIONS BETWEEN 0 AND 18446744073709551615');
    expect(scan(again)).toEqual(rows);
    await again.close();
  } finally {
    cleanup();
  }
});

test('a storage altered to parquet: its files stay readable, and an upload writes the partition as Parquet first', async () => {
  const { dir, cleanup } = tempDir('strata-parquet-');
  try {
    const db = await Strata.open(dir, { interval: 100_000, region_size: 4096 });
    await db.execute(createCloudSql(s3.url));
    const rows = [...(await fill(db, 1n, 3000)), ...(await fill(db, 200_000n, 1000))];
    await db.execute('REFRESH PARTITIONS BETWEEN 0 AND 18446744073709551615');
    await db.execute(`ALTER STORAGE main SET (format 'parquet')`);
    // the files written before stay as they are, and readable
    const main = (await db.execute('SHOW STORAGE main')) as { config: { uuid: string } };
    const files = (): string[] => fs.readdirSync(path.join(dir, main.config.uuid)).filter((f) => f.endsWith('.part'));
    expect(files().length).toBe(2);
    for (const f of files()) expect(fs.readFileSync(path.join(dir, main.config.uuid, f)).subarray(0, 4).toString()).not.toBe('PAR1');
    expect(scan(db)).toEqual(rows);
    // uploads (by the statement, or by the background) write them anew as Parquet first
    await db.execute(`ALTER STORAGE main SET (cloud 's3')`);
    await db.execute('UPLOAD PARTITIONS BETWEEN 0 AND 18446744073709551615');
    const parts = await partitions(db);
    expect(parts.every((p) => p.on_cloud && !p.on_storage)).toBe(true);
    const layout = (await storageLayout(db)).find((l) => l.name === 'main')!;
    const cloud = openCloud('s3', s3Config(s3.url, layout.bucket!));
    const keys = await listBucket(s3.url, layout.bucket!, `${layout.uuid}/`);
    expect(keys.filter((k) => k.endsWith('.part')).length).toBe(2);
    for (const k of keys.filter((k) => k.endsWith('.part'))) {
      const body = await cloud.get(k);
      expect(Buffer.from(body.subarray(0, 4)).toString()).toBe('PAR1');
    }
    cloud.close();
    expect(await scanAll(db)).toEqual(rows);
    await db.close();
  } finally {
    cleanup();
  }
});

/** The live listing of storage `name`, fetched straight from the bucket. */
async function liveListing(db: Strata, name: string): Promise<{ sequence: number; snapshot: string; objects: { key: string; min: string; events: number; size: number; format: string }[] }> {
  const layout = (await storageLayout(db)).find((l) => l.name === name)!;
  const cloud = openCloud('s3', s3Config(s3.url, layout.bucket!));
  try {
    return JSON.parse(Buffer.from(await cloud.get(`${layout.uuid}/_strata/live.json`)).toString()) as never;
  } finally {
    cloud.close();
  }
}

test('the live listing names exactly the live objects after uploads, refreshes, drops and a reopen', async () => {
  const { dir, cleanup } = tempDir('strata-parquet-');
  try {
    const db = await Strata.open(dir, { interval: 1000, region_size: 4096 });
    await db.execute(createCloudSql(s3.url));
    await db.execute(`CREATE STORAGE cold (cloud 's3', format 'parquet')`);
    await fill(db, 0n, 5000);
    await db.execute('MOVE PARTITIONS BETWEEN 0 AND 18446744073709551615 INTO cold');
    const expectListed = async (db: Strata): Promise<void> => {
      const listing = await liveListing(db, 'cold');
      const parts = (await partitions(db)).filter((p) => p.on_cloud);
      expect(listing.objects.map((o) => [BigInt(o.min), o.events, o.size, o.format])).toEqual(parts.map((p) => [p.min, p.events, p.size, 'parquet']));
      const layout = (await storageLayout(db)).find((l) => l.name === 'cold')!;
      const keys = (await listBucket(s3.url, layout.bucket!, `${layout.uuid}/`)).filter((k) => k.endsWith('.part'));
      expect(listing.objects.map((o) => o.key).sort()).toEqual(keys.sort());
    };
    await expectListed(db);
    const first = (await liveListing(db, 'cold')).sequence;
    await fill(db, 1500n, 10);
    await db.execute('REFRESH PARTITION 1000');
    await db.execute('DROP PARTITION 3000');
    await expectListed(db);
    expect((await liveListing(db, 'cold')).sequence).toBeGreaterThan(first);
    expect(await db.execute('SHOW ORPHANS')).toEqual([]);
    await db.close();
    const again = await Strata.open(dir);
    await expectListed(again);
    await again.close();
  } finally {
    cleanup();
  }
});

test('a lost manifest is rebuilt from Parquet partition files: their identity is in the footer\'s metadata', async () => {
  const { dir, cleanup } = tempDir('strata-parquet-');
  try {
    let db = await Strata.open(dir, { interval: 2000, region_size: 4096, workers: 0 });
    await db.execute(`CREATE STORAGE cold (format 'parquet')`);
    const rows = [...(await fill(db, 0n, 5000)), ...(await fill(db, HIGH, 1000))];
    await db.execute('MOVE PARTITIONS BETWEEN 0 AND 18446744073709551615 INTO cold');
    const before = (await partitions(db)).map((p) => [p.min, p.max, p.storage, p.events]);
    await db.close();
    for (const f of ['manifest.db', 'manifest.db-wal', 'manifest.db-shm']) fs.rmSync(path.join(dir, f), { force: true });
    const report = await Strata.repair(dir);
    expect(report).toMatchObject({ manifest: 'missing', changed: true, skipped: [] });
    db = await Strata.open(dir, { workers: 0 });
    expect((await partitions(db)).map((p) => [p.min, p.max, p.storage, p.events])).toEqual(before);
    const cold = (await db.execute('SHOW STORAGE cold')) as { config: { format: string } };
    expect(cold.config.format).toBe('parquet');
    expect(scan(db)).toEqual(rows);
    await db.close();
  } finally {
    cleanup();
  }
});
