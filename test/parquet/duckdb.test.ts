/**
 * DuckDB reads what a Parquet cloud storage holds: the objects its live listing names
 * are fetched from a real S3 server (s3rver) to a temporary folder (DuckDB's S3
 * extension cannot be downloaded here) and queried with `read_parquet`; the answer
 * equals Strata's own scan, ids above 2^63, deletes and replaces included. Two
 * databases share one bucket, each under its own prefix: DuckDB over both listings
 * returns the union of both scans.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openCloud } from '../../src/cloud/index.ts';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { type Row, tempDir } from '../engine/helpers.ts';
import { scanAll, storageLayout } from '../cloud/engine-helpers.ts';
import { s3Config } from '../cloud/helpers.ts';
import { type S3Server, startS3Server } from '../cloud/s3-server.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
});

const ALL = 'BETWEEN 0 AND 18446744073709551615';
const HIGH = 2n ** 63n;

/** What the test compares: count, min and max id, total value bytes. */
interface Totals {
  count: bigint;
  min: bigint | null;
  max: bigint | null;
  bytes: bigint;
}

function totalsOf(rows: readonly Row[]): Totals {
  let bytes = 0n;
  for (const r of rows) bytes += BigInt(Buffer.byteLength(r.value, 'latin1'));
  return { count: BigInt(rows.length), min: rows[0]?.id ?? null, max: rows.at(-1)?.id ?? null, bytes };
}

/** A database with a Parquet storage `cold` on the shared bucket, filled and changed as `seed` says. */
async function database(dir: string, seed: number): Promise<Strata> {
  const db = await Strata.open(dir, { interval: 2000, region_size: 2048 });
  await db.execute(`CREATE CLOUD s3 (type 's3', url '${s3.url}', access_key 'S3RVER', secret_key 'S3RVER', path_style true, bucket 'shared')`);
  await db.execute(`CREATE STORAGE cold (cloud 's3', format 'parquet')`);
  const b = new BatchBuilder();
  for (let i = 0; i < 6000; i++) b.insert(BigInt(seed * 100_000 + i), i % 4 === 0 ? `k${i % 5}` : undefined, `s${seed}-${i}-${'v'.repeat((i * seed) % 70)}`);
  for (let i = 0; i < 3000; i++) b.insert(HIGH + BigInt(seed * 100_000 + i), undefined, `high-${seed}-${i}`);
  b.insert(2n ** 64n - BigInt(seed), 'last', 'the largest ids');
  await db.write(b);
  await db.execute(`MOVE PARTITIONS ${ALL} INTO cold`);
  // replaces and deletes in partitions already on the cloud, then rewritten there
  const c = new BatchBuilder();
  for (let i = 1; i < 6000; i += 97) c.insert(BigInt(seed * 100_000 + i), undefined, `replaced-${i}`);
  for (let i = 2; i < 6000; i += 89) c.delete(BigInt(seed * 100_000 + i));
  c.delete(HIGH + BigInt(seed * 100_000 + 5));
  await db.write(c);
  await db.execute(`REFRESH PARTITIONS ${ALL}`);
  return db;
}

/** Fetches the objects of `db`'s live listing of `cold` into `into`; returns their local paths. */
async function fetchLive(db: Strata, into: string): Promise<string[]> {
  const layout = (await storageLayout(db)).find((l) => l.name === 'cold')!;
  const cloud = openCloud('s3', s3Config(s3.url, layout.bucket!));
  try {
    const listing = JSON.parse(Buffer.from(await cloud.get(`${layout.uuid}/_strata/live.json`)).toString()) as { objects: { key: string; format: string; size: number }[] };
    const files: string[] = [];
    for (const o of listing.objects) {
      expect(o.format).toBe('parquet');
      const body = await cloud.get(o.key);
      expect(body.byteLength).toBe(o.size);
      const file = path.join(into, o.key.replace('/', '-'));
      fs.writeFileSync(file, body);
      files.push(file);
    }
    return files;
  } finally {
    cloud.close();
  }
}

async function duckTotals(files: readonly string[]): Promise<Totals> {
  const duck = await DuckDBInstance.create(':memory:');
  const c = await duck.connect();
  try {
    const list = files.map((f) => `'${f}'`).join(', ');
    const r = await c.runAndReadAll(`SELECT count(*), min(id), max(id), sum(octet_length(value)), typeof(min(id)) FROM read_parquet([${list}])`);
    const [count, min, max, bytes, type] = r.getRows()[0]! as [bigint, bigint | null, bigint | null, bigint | null, string];
    expect(type).toBe('UBIGINT');
    return { count, min, max, bytes: bytes ?? 0n };
  } finally {
    c.closeSync();
    duck.closeSync();
  }
}

test('DuckDB over the live objects of one Parquet storage equals Strata\'s scan, ids above 2^63, deletes and replaces included', async () => {
  const { dir, cleanup } = tempDir('strata-duckdb-');
  try {
    const db = await database(path.join(dir, 'db'), 1);
    const rows = await scanAll(db);
    expect(rows.some((r) => r.value.startsWith('replaced-'))).toBe(true);
    expect(rows.at(-1)!.id).toBe(2n ** 64n - 1n);
    fs.mkdirSync(path.join(dir, 'objects'));
    const files = await fetchLive(db, path.join(dir, 'objects'));
    expect(files.length).toBeGreaterThan(3);
    expect(await duckTotals(files)).toEqual(totalsOf(rows));
    await db.close();
  } finally {
    cleanup();
  }
});

test('two databases on one bucket, each under its own prefix: DuckDB over both live listings returns the union of both scans', async () => {
  const { dir, cleanup } = tempDir('strata-duckdb-');
  try {
    const a = await database(path.join(dir, 'a'), 2);
    const b = await database(path.join(dir, 'b'), 3);
    const la = (await storageLayout(a)).find((l) => l.name === 'cold')!;
    const lb = (await storageLayout(b)).find((l) => l.name === 'cold')!;
    expect(la.bucket).toBe('shared');
    expect(lb.bucket).toBe('shared');
    expect(la.uuid).not.toBe(lb.uuid);
    const union = [...(await scanAll(a)), ...(await scanAll(b))].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    fs.mkdirSync(path.join(dir, 'objects'));
    const files = [...(await fetchLive(a, path.join(dir, 'objects'))), ...(await fetchLive(b, path.join(dir, 'objects')))];
    expect(await duckTotals(files)).toEqual(totalsOf(union));
    // and event for event: every (id, key, value) of both scans, nothing else
    const duck = await DuckDBInstance.create(':memory:');
    const c = await duck.connect();
    const r = await c.runAndReadAll(`SELECT id, key, value FROM read_parquet([${files.map((f) => `'${f}'`).join(', ')}]) ORDER BY id, key`);
    const got = r.getRows().map(([id, key, value]) => ({ id: id as bigint, key: Buffer.from((key as { bytes: Uint8Array }).bytes).toString('latin1'), value: Buffer.from((value as { bytes: Uint8Array }).bytes).toString('latin1') }));
    c.closeSync();
    duck.closeSync();
    expect(got).toEqual(union);
    await a.close();
    await b.close();
  } finally {
    cleanup();
  }
});
