/**
 * Uploads and downloads of partitions as streamed transfers, through the engine: with
 * 5 MiB parts (the test hook setCloudClientOptions), a partition file of about 12 MiB
 * goes up as a multipart upload of 3 parts and comes back streamed into its file, byte
 * for byte; a part that fails for good fails the upload, which is aborted (nothing
 * left in the bucket, no upload in progress on the server) and leaves the partition
 * local; the retry succeeds. A real s3rver, behind the fault proxy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { type CloudOptions, openCloud } from '../../src/cloud/index.ts';
import { setCloudClientOptions } from '../../src/engine/cloud/cloud-link.ts';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { tempDir, type Row } from '../engine/helpers.ts';
import { createCloudSql, expectConsistent, partition, scanAll, storageLayout } from './engine-helpers.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { bytes, rejection, s3Config } from './helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

const MiB = 1024 * 1024;
const WIDTH = 100_000;
/** Events of partition 0, with values of {@link VALUE} random bytes: about 12 MiB in its file. */
const EVENTS = 12_000;
const VALUE = 1000;

let s3: S3Server;
let proxy: FaultProxy;
let before: CloudOptions;
beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await startFaultProxy(s3.url);
  before = setCloudClientOptions({ partSize: 5 * MiB, baseMs: 5, maxMs: 40 });
});
afterAll(async () => {
  setCloudClientOptions(before);
  await proxy?.close();
  await s3?.close();
});
beforeEach(() => proxy.clear());

/** The rows of partition 0 as written. */
function rows(): Row[] {
  return Array.from({ length: EVENTS }, (_, i) => ({ id: BigInt(i), key: '', value: Buffer.from(bytes(VALUE, i + 1)).toString('latin1') }));
}

/** A database whose only tier is `cold`, on the cloud `s3` through the proxy, holding partition 0. */
async function openWithPartition(dir: string): Promise<Strata> {
  const db = await Strata.open(dir, { workers: 0, workers_upload: 0, interval: WIDTH });
  await db.execute(`${createCloudSql(proxy.url)}; CREATE STORAGE cold (cloud 's3'); ALTER PIPELINE cold`);
  for (let i = 0; i < EVENTS; i += 1000) {
    const b = new BatchBuilder();
    for (let j = i; j < i + 1000; j++) b.insert(j, undefined, bytes(VALUE, j + 1));
    await db.write(b);
  }
  await db.checkpoint();
  return db;
}

/** The requests SHOW CLOUD counts for `s3`. */
async function requests(db: Strata): Promise<Record<string, number>> {
  return ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests;
}

test('UPLOAD goes as a multipart upload streamed from the file, DOWNLOAD streams it back: the same bytes, the same events', async () => {
  const { dir, cleanup } = tempDir('strata-cloud-multipart-');
  const db = await openWithPartition(dir);
  try {
    const local = await partition(db, 0);
    expect(local.size).toBeGreaterThan(10 * MiB);
    const [cold] = await storageLayout(db);
    const file = path.join(cold!.dir, fs.readdirSync(cold!.dir).find((f) => f.endsWith('.part'))!);
    const original = fs.readFileSync(file);

    const mark = proxy.log.length;
    await db.execute('UPLOAD PARTITION 0');
    expect(await partition(db, 0)).toMatchObject({ on_storage: false, on_cloud: true, cloud_error: null });
    // create, 3 parts, complete: no single PUT of the file
    expect(await requests(db)).toMatchObject({ multipart: 2, part: 3, put: 0 });
    expect(proxy.log.slice(mark).filter((e) => e.url.includes('uploadId=')).map((e) => e.method)).toEqual(['PUT', 'PUT', 'PUT', 'POST']);
    expect(s3.uploads(cold!.bucket!)).toEqual([]);
    // the object is the file, byte for byte
    const key = `${cold!.uuid}/${path.basename(file)}`;
    const direct = openCloud('check', s3Config(s3.url, cold!.bucket!));
    try {
      expect(Buffer.from(await direct.get(key)).equals(original)).toBe(true);
    } finally {
      direct.close();
    }
    expect(await scanAll(db)).toEqual(rows());

    await db.execute('DOWNLOAD PARTITION 0');
    expect(await partition(db, 0)).toMatchObject({ on_storage: true, on_cloud: true });
    expect(fs.readFileSync(file).equals(original)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect((await requests(db)).get).toBe(1);
    expect(await scanAll(db)).toEqual(rows());
    await expectConsistent(db, s3.url);
  } finally {
    await db.close();
    cleanup();
  }
});

test('a part that fails for good: UPLOAD fails with CLOUD, the upload is aborted, the partition stays local; the retry succeeds', async () => {
  const { dir, cleanup } = tempDir('strata-cloud-multipart-');
  const db = await openWithPartition(dir);
  try {
    const [cold] = await storageLayout(db);
    proxy.inject({ kind: 'status', status: 503 }, Infinity, { method: 'PUT', url: 'partNumber=2' });
    const err = await rejection(db.execute('UPLOAD PARTITION 0'), 'CLOUD');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^cloud put: s3 's3' bucket '.*' key '.*\.part' \(multipart upload, part 2 of 3\): 503 Service Unavailable .* after 5 attempts; check the endpoint or retry later$/);
    expect(await partition(db, 0)).toMatchObject({ on_storage: true, on_cloud: false, cloud_error: expect.stringMatching(/^cloud put: .*part 2 of 3/) });
    expect(s3.uploads(cold!.bucket!)).toEqual([]);
    expect(await scanAll(db)).toEqual(rows());
    expect(await db.execute('SHOW OPERATIONS')).toEqual([expect.objectContaining({ kind: 'upload', partition: 0n, state: 'failed' })]);
    proxy.clear();

    await db.execute('UPLOAD PARTITION 0');
    expect(await partition(db, 0)).toMatchObject({ on_storage: false, on_cloud: true, cloud_error: null });
    expect(await scanAll(db)).toEqual(rows());
    await expectConsistent(db, s3.url);
  } finally {
    await db.close();
    cleanup();
  }
});
