/**
 * Shared helpers of the cloud tier's engine-level fault and crash tests: the SQL of a
 * cloud on a test server, a full scan that waits for cloud regions, and the check that
 * every test runs after a fault or a crash: each partition has its live copies and
 * nothing else exists, on disk or in the bucket (listed with the real SDK, straight
 * from the server, not through the engine).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';
import { openCloud } from '../../src/cloud/index.ts';
import { Manifest } from '../../src/manifest/index.ts';
import type { Strata } from '../../src/index.ts';
import type { Row } from '../engine/helpers.ts';
import { s3Config } from './helpers.ts';

/** `CREATE CLOUD` for s3rver at `url` (its key pair, path style; bucket: one per storage). */
export function createCloudSql(url: string, name = 's3'): string {
  return `CREATE CLOUD ${name} (type 's3', url '${url}', access_key 'S3RVER', secret_key 'S3RVER', path_style true)`;
}

/** A partition as SHOW PARTITIONS shows it (the fields these tests read). */
export interface Part {
  min: bigint;
  max: bigint;
  storage: string;
  events: number;
  events_heap: number;
  regions: number;
  size: number;
  on_storage: boolean;
  on_cloud: boolean;
  cloud_error: string | null;
}

interface StorageRow {
  name: string;
  config: { uuid: string; path: string; cloud: string | null; format: string };
}

/** The partitions, as SHOW PARTITIONS shows them. */
export async function partitions(db: Strata): Promise<Part[]> {
  return (await db.execute('SHOW PARTITIONS')) as Part[];
}

/** The partition starting at `min`. */
export async function partition(db: Strata, min: number | bigint): Promise<Part> {
  const p = (await partitions(db)).find((q) => q.min === BigInt(min));
  if (p === undefined) throw new Error(`no partition ${min}`);
  return p;
}

/** Every event of `db` in `[from, to]`, cloud-only partitions included (they need nextAsync). */
export async function scanAll(db: Strata, from?: number | bigint, to?: number | bigint): Promise<Row[]> {
  const rows: Row[] = [];
  const c = db.cursor({ ...(from === undefined ? {} : { from: BigInt(from) }), ...(to === undefined ? {} : { to: BigInt(to) }) });
  try {
    while (c.next() || (await c.nextAsync())) rows.push(rowOf(c.event));
  } catch (e) {
    // the SDK's error as a cause would print pages of socket state
    throw new Error(`scan failed after ${rows.length} events: ${(e as Error).message}`);
  } finally {
    c.close();
  }
  return rows;
}

/** One event as a {@link Row}. */
export function rowOf(e: { id: bigint; key: Uint8Array; value: Uint8Array }): Row {
  return { id: e.id, key: Buffer.from(e.key).toString('latin1'), value: Buffer.from(e.value).toString('latin1') };
}

/** The storages: name, uuid and folder, and for those on a cloud the bucket. */
export async function storageLayout(db: Strata): Promise<{ name: string; uuid: string; dir: string; bucket: string | null; format: string }[]> {
  const storages = (await db.execute('SHOW STORAGES')) as StorageRow[];
  const clouds = (await db.execute('SHOW CLOUDS')) as { name: string; bucket: string | null }[];
  return storages.map((s) => {
    const cloud = s.config.cloud === null ? undefined : clouds.find((c) => c.name === s.config.cloud);
    const base = s.config.path === '' ? db.dir : path.resolve(db.dir, s.config.path);
    return {
      name: s.name,
      uuid: s.config.uuid,
      dir: path.join(base, s.config.uuid),
      bucket: cloud === undefined ? null : (cloud.bucket ?? `strata-${s.config.uuid}`),
      format: s.config.format,
    };
  });
}

/** Every key of `bucket` on the server at `url`, listed with the real SDK. */
export async function listBucket(url: string, bucket: string, prefix = ''): Promise<string[]> {
  const c = openCloud('check', s3Config(url, bucket));
  try {
    return (await c.list(prefix)).map((o) => o.key).sort();
  } finally {
    c.close();
  }
}

/** What the manifest holds now (read by a second connection; the database may be open). */
export function readManifest(dir: string): ReturnType<typeof manifestContents> {
  const m = Manifest.open(path.join(dir, 'manifest.db'));
  try {
    return manifestContents(m);
  } finally {
    m.close();
  }
}

function manifestContents(m: Manifest) {
  return { partitions: m.listPartitions(), cloudDeletes: m.listCloudDeletes(), operations: m.listOperations() };
}

function fileName(min: bigint, gen: number): string {
  return `${min.toString().padStart(20, '0')}.${gen}.part`;
}

/**
 * The state a database must be in after a fault or a crash, once nothing is in
 * flight: every partition with a file has at least one copy; the files in each storage
 * folder are exactly the live local copies (storage, min and generation as the
 * manifest records them); the objects of each cloud storage's bucket are exactly the
 * live cloud copies (so no orphan object, under the storage's prefix or anywhere else
 * in the bucket); SHOW PARTITIONS agrees with the manifest; SHOW ORPHANS lists nothing
 * but objects waiting for deletion; no operation is recorded; and no object waits for
 * deletion (`cloud_deletes`).
 *
 * With `pending` (a failure could not delete an object; a retry or open() will), objects
 * may wait for deletion, and the bucket may still hold them; but none of them may be a
 * live copy. `url` is the S3 server itself (not a fault proxy). Returns SHOW PARTITIONS.
 */
export async function expectConsistent(db: Strata, url: string, options: { pending?: boolean } = {}): Promise<Part[]> {
  const parts = await partitions(db);
  const storages = await storageLayout(db);
  const m = readManifest(db.dir);
  expect(m.operations, 'no operation left in the manifest').toEqual([]);
  const pending = m.cloudDeletes.map((d) => `${d.bucket}/${d.key}`);
  if (options.pending !== true) expect(pending, 'no object waits for deletion (cloud_deletes)').toEqual([]);
  expect(parts.map((p) => [p.min, p.storage, p.on_storage, p.on_cloud])).toEqual(
    m.partitions.map((r) => [r.min, r.storage, r.file !== 0 && r.onStorage, r.file !== 0 && r.onCloud]),
  );
  for (const r of m.partitions) {
    if (r.file !== 0) expect(r.onStorage || r.onCloud, `partition ${r.min} has a copy`).toBe(true);
  }
  const wantFiles: string[] = [];
  const wantObjects: string[] = [];
  for (const r of m.partitions) {
    if (r.file === 0) continue;
    const s = storages.find((x) => x.name === r.storage)!;
    if (r.onStorage) wantFiles.push(`${s.name}/${fileName(r.min, r.file)}`);
    if (r.onCloud) {
      expect(s.bucket, `partition ${r.min} on the cloud of a storage with a cloud`).not.toBeNull();
      wantObjects.push(`${s.bucket}/${s.uuid}/${fileName(r.min, r.file)}`);
    }
  }
  expect(pending.filter((k) => wantObjects.includes(k)), 'no live object waits for deletion').toEqual([]);
  const files: string[] = [];
  for (const s of storages) for (const f of fs.readdirSync(s.dir)) if (f !== 'storage.json') files.push(`${s.name}/${f}`);
  expect(files.sort(), 'the storage folders hold exactly the live local copies').toEqual(wantFiles.sort());
  const objects: string[] = [];
  for (const bucket of new Set(storages.map((s) => s.bucket).filter((b) => b !== null))) {
    for (const key of await listBucket(url, bucket)) objects.push(`${bucket}/${key}`);
  }
  // a Parquet storage's live listing (docs/scale-out.md) names exactly its live copies
  const listings = objects.filter((o) => /^[^/]+\/[^/]+\/_strata\//.test(o));
  for (const s of storages) {
    if (s.bucket === null) continue;
    const own = listings.filter((o) => o.startsWith(`${s.bucket}/${s.uuid}/_strata/`));
    if (s.format !== 'parquet') {
      expect(own, `storage ${s.name} keeps no live listing`).toEqual([]);
      continue;
    }
    expect(own, `storage ${s.name}: its live listing and at most two snapshots`).toContain(`${s.bucket}/${s.uuid}/_strata/live.json`);
    expect(own.length).toBeLessThanOrEqual(3);
    const c = openCloud('check', s3Config(url, s.bucket));
    try {
      const doc = JSON.parse(Buffer.from(await c.get(`${s.uuid}/_strata/live.json`)).toString()) as { objects: { key: string }[] };
      const live = wantObjects.filter((o) => o.startsWith(`${s.bucket}/${s.uuid}/`));
      expect(doc.objects.map((o) => `${s.bucket}/${o.key}`), `storage ${s.name}: the live listing names exactly the live copies`).toEqual(live.sort());
    } finally {
      c.close();
    }
  }
  expect(objects.filter((o) => !pending.includes(o) && !listings.includes(o)).sort(), 'the buckets hold exactly the live cloud copies').toEqual(wantObjects.sort());
  // the objects waiting for deletion are listed as such; nothing else
  const listed = (await db.execute('SHOW ORPHANS')) as { bucket: string; key: string; state: string }[];
  expect(listed.filter((o) => o.state !== 'deleting' || !pending.includes(`${o.bucket}/${o.key}`)), 'SHOW ORPHANS').toEqual([]);
  return parts;
}

/** Polls `check` every `every` ms (25) until it holds; fails after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000, every = 25): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
