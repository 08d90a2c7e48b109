/**
 * Faults of the cloud tier, end to end through the engine: a real s3rver, reached
 * through the real AWS SDK via a fault-injecting HTTP proxy (fault-proxy.ts), killed and
 * restarted mid-operation, or answering 500s. After each fault: the statement fails
 * with a CLOUD error after a bounded number of tries (counted at the proxy), the data
 * stays readable where it was, the failure shows in SHOW PARTITIONS and SHOW
 * OPERATIONS, a retry once the server is back succeeds, and the partitions' copies are
 * exactly the files on disk and the objects in the bucket, across a reopen.
 *
 * Retries run with the engine's defaults (5 tries, 50 ms base backoff): faults are
 * made to fail fast (refused connections, immediate 500s) to keep the tests short.
 */
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BatchBuilder, Strata, StrataError } from '../../src/index.ts';
import type { OpenConfig } from '../../src/index.ts';
import { Manifest } from '../../src/manifest/index.ts';
import { tempDir, type Row } from '../engine/helpers.ts';
import { createCloudSql, expectConsistent, partition, readManifest, rowOf, scanAll, until } from './engine-helpers.ts';
import { type FaultProxy, type ProxyLogEntry, startFaultProxy } from './fault-proxy.ts';
import { rejection } from './helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

let s3: S3Server;
let proxy: FaultProxy;
beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await startFaultProxy(s3.url);
});
afterAll(async () => {
  await proxy?.close();
  await s3?.close();
});
beforeEach(() => proxy.clear());
// a failed test must not leave the server down for the next one
afterEach(async () => {
  proxy.clear();
  await s3.restart();
});

/** Partition width: one partition per 100000 ids. */
const WIDTH = 100_000;

/** A value of event `i`: `n` pseudo-random base-36 digits (zstd saves only about a third). */
function value(i: number, n = 100): string {
  let x = (i * 2654435761) >>> 0 || 1;
  let s = '';
  while (s.length < n) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += (x >>> 0).toString(36).padStart(7, '0');
  }
  return s.slice(0, n);
}

/** The rows of events `from`..`from + count - 1` as {@link write} writes them. */
function rows(from: number, count: number, n = 100): Row[] {
  return Array.from({ length: count }, (_, j) => ({ id: BigInt(from + j), key: '', value: value(from + j, n) }));
}

/** Writes events `from`..`from + count - 1` with values of `n` bytes. */
async function write(db: Strata, from: number, count: number, n = 100): Promise<void> {
  const b = new BatchBuilder();
  for (let i = from; i < from + count; i++) b.insert(i, undefined, value(i, n));
  await db.write(b);
}

/**
 * A database whose only tier is `cold`, a storage on the cloud `s3` reached through
 * the proxy: new partitions are created on cold and stay local until uploaded. With
 * `workers 0, workers_upload 0` (the default here) nothing runs in the background.
 */
async function openCold(dir: string, config: OpenConfig = {}): Promise<Strata> {
  const db = await Strata.open(dir, { workers: 0, workers_upload: 0, interval: WIDTH, ...config });
  if (((await db.execute('SHOW CLOUDS')) as unknown[]).length === 0) {
    await db.execute(`${createCloudSql(proxy.url)}; CREATE STORAGE cold (cloud 's3'); ALTER PIPELINE cold`);
  }
  return db;
}

/** The requests the proxy saw since `mark` (an index in its log). */
function seen(mark: number, method?: string): ProxyLogEntry[] {
  return proxy.log.slice(mark).filter((e) => method === undefined || e.method === method);
}

/** A row of SHOW OPERATIONS. */
interface OperationRow {
  kind: string;
  partition: bigint;
  state: string;
  error: string | null;
}

describe('the S3 server stops', () => {
  test('mid-upload: the statement fails with CLOUD after 5 tries, the partition stays local and readable; once restarted, the upload succeeds and nothing is left behind', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    let db = await openCold(dir);
    try {
      // a small partition first: the bucket exists and the client knows it
      await write(db, 0, 100);
      await write(db, WIDTH, 40_000); // ~4 MB of values, ~2.7 MB compressed
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0');
      const big = await partition(db, WIDTH);
      expect(big.size).toBeGreaterThan(2_500_000);

      // the PUT is held at the proxy (the client is mid-body) while the server dies
      const mark = proxy.log.length;
      proxy.inject({ kind: 'delay', ms: 1000 }, 1);
      const upload = db.execute(`UPLOAD PARTITION ${WIDTH}`);
      await until('the PUT is in flight', () => seen(mark, 'PUT').length > 0);
      await s3.stop();
      const err = await rejection(upload, 'CLOUD');
      expect(err.retryable).toBe(true);
      expect(err.message).toMatch(/^cloud put: s3 's3' bucket '.*' key '.*\.part': .* after 5 attempts; check the endpoint or retry later$/);
      // bounded: 5 tries of the put, 5 of the delete of what it may have left
      expect(seen(mark, 'PUT')).toHaveLength(5);
      expect(seen(mark).length).toBeLessThanOrEqual(10);

      // the partition is local, readable, and its failure shows
      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: true, on_cloud: false, cloud_error: expect.stringMatching(/^cloud put: /) });
      const ops = (await db.execute('SHOW OPERATIONS')) as OperationRow[];
      expect(ops).toEqual([expect.objectContaining({ kind: 'upload', partition: BigInt(WIDTH), state: 'failed', error: expect.stringMatching(/^cloud put: /) })]);
      expect(await scanAll(db, WIDTH)).toEqual(rows(WIDTH, 40_000));

      await s3.restart();
      await db.execute(`UPLOAD PARTITION ${WIDTH}`);
      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: false, on_cloud: true, cloud_error: null });
      expect(await db.execute('SHOW OPERATIONS')).toEqual([]);
      await expectConsistent(db, s3.url);
      const all = [...rows(0, 100), ...rows(WIDTH, 40_000)];
      expect(await scanAll(db)).toEqual(all);

      await db.close();
      db = await openCold(dir);
      expect(db.openReport.cloud).toEqual([]);
      await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual(all);
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('moves into and refreshes on a cloud storage that cannot be reached fail with CLOUD and change nothing', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    let db = await Strata.open(dir, { workers: 0, workers_upload: 0, interval: WIDTH });
    try {
      await db.execute(`${createCloudSql(proxy.url)}; CREATE STORAGE cold (cloud 's3')`);
      await write(db, 0, 1000);
      await write(db, WIDTH, 1000);
      await db.checkpoint();
      await db.execute(`MOVE PARTITION ${WIDTH} INTO cold`); // cloud-only
      await write(db, WIDTH + 1000, 10); // in memory
      await s3.stop();
      await rejection(db.execute('MOVE PARTITION 0 INTO cold'), 'CLOUD');
      expect(await partition(db, 0)).toMatchObject({ storage: 'main', on_storage: true, on_cloud: false });
      // the refresh cannot fetch the file it merges with: its events stay in memory
      await rejection(db.execute(`REFRESH PARTITION ${WIDTH}`), 'CLOUD');
      expect(await partition(db, WIDTH)).toMatchObject({ storage: 'cold', on_storage: false, on_cloud: true, events_heap: 10 });
      expect(readManifest(dir).operations).toEqual([]);
      expect(await scanAll(db, 0, WIDTH - 1)).toEqual(rows(0, 1000));

      await s3.restart();
      await db.execute(`REFRESH PARTITION ${WIDTH}; MOVE PARTITION 0 INTO cold`);
      const all = [...rows(0, 1000), ...rows(WIDTH, 1010)];
      expect(await scanAll(db)).toEqual(all);
      // the failed move could not delete the object it may have put: open does
      await expectConsistent(db, s3.url, { pending: true });
      await db.close();
      db = await Strata.open(dir, { workers: 0, workers_upload: 0 });
      await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual(all);
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('a scan of a cloud-only partition: 500s are retried; while the server is down nextAsync rejects with CLOUD and the cursor, still blocked, goes on where it was once it is back', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    const db = await openCold(dir, { region_size: 4096 });
    try {
      await write(db, 0, 2000);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0');
      const p = await partition(db, 0);
      expect(p).toMatchObject({ on_storage: false, on_cloud: true });
      expect(p.regions).toBeGreaterThan(20);
      const all = rows(0, 2000);

      // transient 500s: the scan does not notice
      let mark = proxy.log.length;
      proxy.inject({ kind: 'status', status: 500 }, 2);
      expect(await scanAll(db)).toEqual(all);
      expect(seen(mark, 'GET').map((e) => e.outcome).slice(0, 3)).toEqual(['500', '500', 'pass']);

      // the server goes down mid-scan (no read-ahead: one request at a time)
      const got: Row[] = [];
      const c = db.cursor({ readAhead: 0 });
      while (got.length < 700 && (c.next() || (await c.nextAsync()))) got.push(rowOf(c.event));
      await s3.stop();
      mark = proxy.log.length;
      let failures = 0;
      for (;;) {
        try {
          if (!(c.next() || (await c.nextAsync()))) break;
          got.push(rowOf(c.event));
        } catch (e) {
          expect(e).toBeInstanceOf(StrataError);
          expect((e as StrataError).code).toBe('CLOUD');
          expect((e as StrataError).retryable).toBe(true);
          expect(c.blocked).toBe(true);
          // each failed fetch is one call: 5 tries of one ranged GET
          expect(seen(mark, 'GET')).toHaveLength(5 * ++failures);
          if (failures === 2) await s3.restart();
        }
      }
      expect(failures).toBe(2);
      expect(got).toEqual(all);
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('open with the cloud unreachable and an object waiting for deletion: open succeeds and says so; the next open with the server up deletes it', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    let db = await openCold(dir);
    try {
      await write(db, 0, 500);
      await write(db, WIDTH, 500);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0');
      const storages = (await db.execute('SHOW STORAGES')) as { name: string; config: { uuid: string } }[];
      const uuid = storages.find((s) => s.name === 'cold')!.config.uuid;
      const key = `strata-${uuid}/${uuid}/${'0'.padStart(20, '0')}.1.part`;
      await s3.stop();
      // dropping needs no cloud: the object's deletion waits in cloud_deletes
      await db.execute('DROP PARTITION 0');
      expect(readManifest(dir).cloudDeletes.map((d) => `${d.bucket}/${d.key}`)).toEqual([key]);
      await db.close();

      db = await openCold(dir);
      expect(db.openReport.cloud).toEqual([expect.stringMatching(new RegExp(`^could not delete s3:${key}, retried at the next open or by DROP ORPHANS: cloud delete: .* after 5 attempts`))]);
      expect(await scanAll(db)).toEqual(rows(WIDTH, 500));
      expect(readManifest(dir).cloudDeletes).toHaveLength(1);
      await db.close();

      await s3.restart();
      db = await openCold(dir);
      expect(db.openReport.cloud).toEqual([`deleted s3:${key}`]);
      await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual(rows(WIDTH, 500));
    } finally {
      await db.close();
      cleanup();
    }
  });
});

describe('the S3 server answers 500', () => {
  test('for a while: the upload succeeds after retries', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    const db = await openCold(dir);
    try {
      await write(db, 0, 1000);
      await write(db, WIDTH, 1000);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0'); // the bucket exists
      const puts = async () => ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests.put!;
      const before = await puts();
      const mark = proxy.log.length;
      proxy.inject({ kind: 'status', status: 500 }, 2);
      await db.execute(`UPLOAD PARTITION ${WIDTH}`);
      expect(seen(mark).map((e) => `${e.method} ${e.outcome}`)).toEqual(['PUT 500', 'PUT 500', 'PUT pass', 'HEAD pass']);
      expect((await puts()) - before).toBe(3);
      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: false, on_cloud: true, cloud_error: null });
      await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual([...rows(0, 1000), ...rows(WIDTH, 1000)]);
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('for good: UPLOAD fails with CLOUD after 5 tries in bounded time, the partition stays local and readable; the next upload after recovery succeeds', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    let db = await openCold(dir);
    try {
      await write(db, 0, 1000);
      await write(db, WIDTH, 1000);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0'); // the bucket exists
      const mark = proxy.log.length;
      proxy.inject({ kind: 'status', status: 500 }, Infinity);
      const err = await rejection(db.execute(`UPLOAD PARTITION ${WIDTH}`), 'CLOUD');
      expect(err.message).toMatch(/^cloud put: .*500 Internal Server Error .* after 5 attempts/);
      expect(seen(mark, 'PUT')).toHaveLength(5);
      expect(seen(mark).length).toBeLessThanOrEqual(10);
      // SHOW CLOUD counts each failed try (strata serve's strata_cloud_requests_total{status="error"})
      const shown = (await db.execute(`SHOW CLOUD ${(await db.execute('SHOW CLOUDS') as { name: string }[])[0]!.name}`)) as { requests: Record<string, number>; failures: Record<string, number> };
      expect(shown.failures.put).toBe(5);
      expect(shown.requests.put).toBe(6); // the first upload's put, and the five failed tries
      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: true, on_cloud: false, cloud_error: expect.stringMatching(/500 Internal Server Error/) });
      expect(await scanAll(db, WIDTH)).toEqual(rows(WIDTH, 1000));

      proxy.clear();
      await db.execute(`UPLOAD PARTITION ${WIDTH}`);
      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: false, on_cloud: true, cloud_error: null });
      await expectConsistent(db, s3.url);
      await db.close();
      db = await openCold(dir);
      expect(db.openReport.cloud).toEqual([]);
      await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual([...rows(0, 1000), ...rows(WIDTH, 1000)]);
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('for good, to background uploads: they back off (few requests over seconds), the failure shows, the data stays readable', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    let db = await openCold(dir, { workers: 1, workers_upload: 1 });
    try {
      await write(db, 0, 1000);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0'); // the bucket exists
      proxy.inject({ kind: 'status', status: 500 }, Infinity);
      const mark = proxy.log.length;
      await write(db, WIDTH, 1000);
      await db.checkpoint();
      // three tries of the background, each 5 PUTs (and DELETEs of what a put may have
      // left); waited for as events, however slow the machine
      await until('three background tries of the upload', () => seen(mark, 'PUT').length >= 11, 120_000, 100);
      const puts = seen(mark, 'PUT');
      // after a failed try the partition waits 1 s, then 2 s, before the next: lower
      // bounds, which a slow machine only makes longer (a background that retried at
      // once would start the next try within milliseconds)
      const lastOfTry = (t: number) => puts[t * 5 + 4]!.at;
      expect(puts[5]!.at - lastOfTry(0)).toBeGreaterThanOrEqual(900);
      expect(puts[10]!.at - lastOfTry(1)).toBeGreaterThanOrEqual(1900);

      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: true, on_cloud: false, cloud_error: expect.stringMatching(/^cloud put: .*500 Internal Server Error/) });
      // (a try may be running meanwhile: it is listed too)
      expect(await db.execute('SHOW OPERATIONS')).toContainEqual(expect.objectContaining({ kind: 'upload', partition: BigInt(WIDTH), state: 'failed' }));
      expect(await scanAll(db, WIDTH)).toEqual(rows(WIDTH, 1000));

      proxy.clear();
      await db.execute(`UPLOAD PARTITION ${WIDTH}`);
      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: false, on_cloud: true, cloud_error: null });
      await db.close();
      db = await openCold(dir);
      expect(db.openReport.cloud).toEqual([]);
      await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual([...rows(0, 1000), ...rows(WIDTH, 1000)]);
    } finally {
      await db.close();
      cleanup();
    }
  });
});

describe('an object key put again while its deletion is recorded', () => {
  test('a copy dropped while a cursor reads it, then uploaded again: the deferred deletion leaves the new live object alone', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    const db = await openCold(dir, { region_size: 4096 });
    try {
      await write(db, 0, 2000);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0');
      const c = db.cursor();
      const got: Row[] = [];
      while (got.length < 10 && (c.next() || (await c.nextAsync()))) got.push(rowOf(c.event));
      // the cursor reads the object: dropping the cloud copy defers its deletion
      await db.execute('DOWNLOAD PARTITION 0; DROP PARTITION 0 ON CLOUD; UPLOAD PARTITION 0');
      expect(await partition(db, 0)).toMatchObject({ on_storage: false, on_cloud: true });
      while (c.next() || (await c.nextAsync())) got.push(rowOf(c.event));
      expect(got).toEqual(rows(0, 2000));
      // the cursor let go: the deferred deletion ran (or found nothing to do)
      await until('no deletion waits', () => readManifest(dir).cloudDeletes.length === 0);
      await new Promise((r) => setTimeout(r, 100));
      await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual(rows(0, 2000));
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('open never deletes a live object, even when cloud_deletes lists it', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-faults-');
    let db = await openCold(dir);
    try {
      await write(db, 0, 500);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0');
      const uuid = ((await db.execute('SHOW STORAGES')) as { name: string; config: { uuid: string } }[]).find((s) => s.name === 'cold')!.config.uuid;
      const [bucket, key] = [`strata-${uuid}`, `${uuid}/${'0'.padStart(20, '0')}.1.part`];
      await db.close();
      // a manifest that lists the live object for deletion (as one written by a version
      // that left such rows behind would)
      const m = Manifest.open(path.join(dir, 'manifest.db'));
      m.insertCloudDelete({ cloud: 's3', bucket, key, created: 0 });
      m.close();
      db = await openCold(dir);
      expect(db.openReport.cloud).toEqual([expect.stringMatching(new RegExp(`^kept s3:${bucket}/${key}: `))]);
      await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual(rows(0, 500));
    } finally {
      await db.close();
      cleanup();
    }
  });
});
