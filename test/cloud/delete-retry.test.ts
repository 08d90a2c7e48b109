/**
 * Cloud deletions that fail while the database runs are retried in the background
 * (src/engine/cloud/cloud-deletes.ts), against a real s3rver behind the fault proxy: outages
 * end and the buckets come back to exactly the live objects; SHOW ORPHANS lists the
 * waiting deletions with their error; a retry never deletes the object of a put in
 * flight, and waits for or yields to a put of its key; during a long outage the
 * retries back off. Timing comes from the proxy holding requests and from polling
 * conditions, not from sleeps.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { BatchBuilder, Strata, type OrphanObject } from '../../src/index.ts';
import type { OpenConfig } from '../../src/index.ts';
import { tempDir, type Row } from '../engine/helpers.ts';
import { createCloudSql, expectConsistent, listBucket, partition, readManifest, scanAll, storageLayout, until } from './engine-helpers.ts';
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
// a failed test must not leave the server down, nor requests held, for the next one
afterEach(async () => {
  proxy.clear();
  proxy.release();
  await s3.restart();
});

/** Partition width. */
const WIDTH = 100_000;

function value(i: number, salt: string): string {
  return `${salt}:${i}:`.padEnd(60, String.fromCharCode(97 + (i % 26)));
}

/** Writes events `from`..`from + count - 1` and records them in `model`. */
async function write(db: Strata, model: Map<bigint, Row>, from: number, count: number, salt = ''): Promise<void> {
  const b = new BatchBuilder();
  for (let i = from; i < from + count; i++) {
    b.insert(i, undefined, value(i, salt));
    model.set(BigInt(i), { id: BigInt(i), key: '', value: value(i, salt) });
  }
  await db.write(b);
}

/** The rows of `model` in id order. */
function expected(model: Map<bigint, Row>): Row[] {
  return [...model.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** Forgets the rows of the partition starting at `min`. */
function dropFromModel(model: Map<bigint, Row>, min: number): void {
  for (const id of [...model.keys()]) if (id >= BigInt(min) && id < BigInt(min + WIDTH)) model.delete(id);
}

/** A database with the background service on, the cloud `s3` reached through the proxy, and its only tier `cold` on it. */
async function openCold(dir: string, config: OpenConfig = {}): Promise<Strata> {
  const db = await Strata.open(dir, { workers: 1, workers_upload: 0, interval: WIDTH, ...config });
  await db.execute(`${createCloudSql(proxy.url)}; CREATE STORAGE cold (cloud 's3'); ALTER PIPELINE cold`);
  return db;
}

function fileName(min: number | bigint, gen: number): string {
  return `${min.toString().padStart(20, '0')}.${gen}.part`;
}

/**
 * What the buckets of the cloud storages hold (listed straight from the server), the
 * live cloud copies the manifest records, and the objects waiting in `cloud_deletes`,
 * each as `bucket/key`, sorted.
 */
async function bucketState(db: Strata): Promise<{ objects: string[]; live: string[]; pending: string[] }> {
  const storages = await storageLayout(db);
  const m = readManifest(db.dir);
  const live: string[] = [];
  for (const r of m.partitions) {
    if (r.file === 0 || !r.onCloud) continue;
    const s = storages.find((x) => x.name === r.storage)!;
    live.push(`${s.bucket}/${s.uuid}/${fileName(r.min, r.file)}`);
  }
  const objects: string[] = [];
  for (const bucket of new Set(storages.map((s) => s.bucket).filter((b) => b !== null))) {
    for (const key of await listBucket(s3.url, bucket)) objects.push(`${bucket}/${key}`);
  }
  return { objects: objects.sort(), live: live.sort(), pending: m.cloudDeletes.map((d) => `${d.bucket}/${d.key}`).sort() };
}

/** Whether the buckets hold exactly the live objects and no deletion waits. */
async function clean(db: Strata): Promise<boolean> {
  if (readManifest(db.dir).cloudDeletes.length > 0) return false;
  const s = await bucketState(db);
  return s.pending.length === 0 && JSON.stringify(s.objects) === JSON.stringify(s.live);
}

/** The key (`<uuid>/<file>`) of partition `min`'s live object on storage `storage`. */
async function liveKey(db: Strata, storage: string, min: number): Promise<string> {
  const uuid = (await storageLayout(db)).find((s) => s.name === storage)!.uuid;
  const r = readManifest(db.dir).partitions.find((p) => p.min === BigInt(min))!;
  return `${uuid}/${fileName(min, r.file)}`;
}

/** The requests the proxy saw since `mark`, of `method` when given, whose URL holds `url` when given. */
function seen(mark: number, method?: string, url?: string): ProxyLogEntry[] {
  return proxy.log.slice(mark).filter((e) => (method === undefined || e.method === method) && (url === undefined || e.url.includes(url)));
}

describe('failed cloud deletions are retried while the database runs', () => {
  test(
    'three outages in one process: deletions that fail are listed by SHOW ORPHANS with their error, and once each outage ends the buckets hold exactly the live objects',
    async () => {
      const { dir, cleanup } = tempDir('strata-delete-retry-');
      const model = new Map<bigint, Row>();
      const db = await Strata.open(dir, { workers: 1, workers_upload: 1, interval: WIDTH });
      try {
        await db.execute(`${createCloudSql(proxy.url)}; CREATE STORAGE cold (cloud 's3'); CREATE STORAGE colder (cloud 's3'); ALTER PIPELINE cold`);
        for (let round = 0; round < 3; round++) {
          // four partitions of this round, on the cloud
          const mins = [0, 1, 2, 3].map((i) => (round * 10 + i) * WIDTH);
          for (const min of mins) await write(db, model, min, 100, `r${round}`);
          await db.checkpoint();
          await db.execute(`UPLOAD PARTITIONS BETWEEN ${mins[0]} AND ${mins[3]}`);
          for (const min of mins) expect(await partition(db, min)).toMatchObject({ on_storage: false, on_cloud: true });
          expect(await clean(db)).toBe(true);

          // the outage: every DELETE answers 503 (rounds 0 and 2), or the server is down (round 1)
          const down = round === 1;
          if (down) await s3.stop();
          else proxy.inject({ kind: 'status', status: 503 }, Infinity, { method: 'DELETE' });
          if (!down) {
            // a refresh replaces the object, a move leaves the old one behind
            await write(db, model, mins[0]! + 500, 10, `r${round}`);
            await db.execute(`REFRESH PARTITION ${mins[0]}`);
            await db.execute(`MOVE PARTITION ${mins[1]} INTO colder`);
          } else {
            await db.execute(`DROP PARTITION ${mins[1]}`);
            dropFromModel(model, mins[1]!);
          }
          await db.execute(`DROP PARTITION ${mins[2]}`);
          dropFromModel(model, mins[2]!);
          const pending = readManifest(dir).cloudDeletes;
          expect(pending, 'each replaced or dropped object waits').toHaveLength(down ? 2 : 3);

          if (down) {
            // SHOW ORPHANS lists the buckets: it needs the endpoint
            await rejection(db.execute('SHOW ORPHANS'), 'CLOUD');
            await s3.restart();
          } else {
            const state = await bucketState(db);
            expect(state.objects).toEqual([...state.live, ...state.pending].sort());
            const orphans = (await db.execute('SHOW ORPHANS')) as OrphanObject[];
            expect(orphans.map((o) => `${o.bucket}/${o.key}`).sort()).toEqual(state.pending);
            for (const o of orphans) {
              expect(o).toMatchObject({ cloud: 's3', state: 'deleting', error: expect.stringMatching(/^cloud delete: .*503 Service Unavailable/) });
            }
            proxy.clear();
          }
          // no statement from here: the background retries the deletions by itself
          await until(`the buckets hold exactly the live objects after outage ${round + 1}`, () => clean(db), 120_000, 200);
          expect(await db.execute('SHOW ORPHANS')).toEqual([]);
          await expectConsistent(db, s3.url);
          expect(await scanAll(db)).toEqual(expected(model));
        }
        const live = (await bucketState(db)).live;
        // rounds 0 and 2 keep 3 partitions each, round 1 keeps 2
        expect(live).toHaveLength(8);
      } finally {
        await db.close();
        cleanup();
      }
    },
    300_000,
  );

  test('a row recorded for a put in flight is never deleted by the retrier', async () => {
    const { dir, cleanup } = tempDir('strata-delete-retry-');
    const model = new Map<bigint, Row>();
    const db = await openCold(dir);
    try {
      await write(db, model, 0, 100);
      await write(db, model, WIDTH, 100);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0'); // the bucket exists
      // the upload of partition WIDTH: its PUT lands, its verifying HEAD is held
      const name = `${WIDTH.toString().padStart(20, '0')}.`;
      const mark = proxy.log.length;
      // (every try held: a try that outlives the client's time limit is tried again)
      proxy.inject({ kind: 'hold' }, 5, { method: 'HEAD', url: name });
      const upload = db.execute(`UPLOAD PARTITION ${WIDTH}`);
      await until('the upload is put and its HEAD held', () => seen(mark, 'HEAD', name).length > 0);
      // the put's row is in cloud_deletes, its object in the bucket
      const putRow = readManifest(dir).cloudDeletes;
      expect(putRow).toHaveLength(1);
      // meanwhile a deletion fails (one call: 5 tries), so the retrier has work
      proxy.inject({ kind: 'status', status: 503 }, 5, { method: 'DELETE' });
      await db.execute('DROP PARTITION 0');
      dropFromModel(model, 0);
      expect(readManifest(dir).cloudDeletes).toHaveLength(2);
      // the retrier deletes the failed one and leaves the put's row alone
      await until('the retrier deleted the failed row', () => readManifest(dir).cloudDeletes.length === 1, 60_000, 100);
      expect(readManifest(dir).cloudDeletes).toEqual(putRow);
      expect(seen(mark, 'DELETE', name)).toEqual([]);
      proxy.release();
      await upload;
      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: false, on_cloud: true, cloud_error: null });
      expect(seen(mark, 'DELETE', name)).toEqual([]);
      expect(await scanAll(db)).toEqual(expected(model));
      await expectConsistent(db, s3.url);
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('a retried deletion of a key that an upload puts again: the put waits for it, or the retry yields to the put; the object ends live', async () => {
    const { dir, cleanup } = tempDir('strata-delete-retry-');
    const model = new Map<bigint, Row>();
    const db = await openCold(dir);
    try {
      await write(db, model, 0, 100);
      await write(db, model, WIDTH, 100);
      await db.checkpoint();
      await db.execute(`UPLOAD PARTITIONS BETWEEN 0 AND ${WIDTH}; DOWNLOAD PARTITIONS BETWEEN 0 AND ${WIDTH}`);
      const key = await liveKey(db, 'cold', 0);

      // 1. the put waits: the cloud copy is dropped, its deletion fails, and the retry's DELETE is held
      let mark = proxy.log.length;
      proxy.inject({ kind: 'status', status: 503 }, 5, { method: 'DELETE' });
      proxy.inject({ kind: 'hold' }, 5, { method: 'DELETE', url: key });
      await db.execute('DROP PARTITION 0 ON CLOUD');
      await until('the retry of the deletion is held', () => seen(mark, 'DELETE', key).some((e) => e.outcome === 'hold'), 60_000, 100);
      // the same generation is uploaded again: the same key
      const upload = db.execute('UPLOAD PARTITION 0');
      await until('the upload runs', async () => ((await db.execute('SHOW OPERATIONS')) as { kind: string }[]).some((o) => o.kind === 'upload'));
      // a put that did not wait would send its PUT now (and the held DELETE would then remove it)
      await until('a PUT of the key while the DELETE is held', () => seen(mark, 'PUT', key).length > 0, 1500).catch(() => undefined);
      expect(seen(mark, 'PUT', key), 'no PUT while the retried DELETE of the key is in flight').toEqual([]);
      proxy.release();
      await upload;
      expect(await partition(db, 0)).toMatchObject({ on_storage: false, on_cloud: true });
      expect(await liveKey(db, 'cold', 0)).toBe(key);
      const order = seen(mark, undefined, key).map((e) => `${e.method} ${e.outcome}`);
      expect(order.slice(order.indexOf('DELETE hold'))).toEqual(['DELETE hold', 'PUT pass', 'HEAD pass']);
      expect(await scanAll(db)).toEqual(expected(model));
      await expectConsistent(db, s3.url);

      // 2. the retry yields: the key's deletion fails, the upload takes the row over while
      // its HEAD is held, then the retrier runs (it deletes another failed row meanwhile)
      await db.execute('DOWNLOAD PARTITION 0');
      mark = proxy.log.length;
      proxy.inject({ kind: 'hold' }, 5, { method: 'HEAD', url: key });
      proxy.inject({ kind: 'status', status: 503 }, 5, { method: 'DELETE' });
      // the retrier waits at least 1 s after a failure: the upload takes the row over first
      const again = db.execute('DROP PARTITION 0 ON CLOUD; UPLOAD PARTITION 0');
      await until('the upload is put and its HEAD held', () => seen(mark, 'HEAD', key).length > 0, 60_000);
      const putting = mark + proxy.log.slice(mark).findIndex((e) => e.method === 'HEAD' && e.url.includes(key));
      proxy.inject({ kind: 'status', status: 503 }, 5, { method: 'DELETE' });
      await db.execute(`DROP PARTITION ${WIDTH} ON CLOUD`);
      expect(readManifest(dir).cloudDeletes).toHaveLength(2); // the put's row and the failed one
      await until('the retrier deleted the other failed row', () => readManifest(dir).cloudDeletes.length === 1, 60_000, 100);
      expect(seen(putting, 'DELETE', key), 'no DELETE of the key while it is put').toEqual([]);
      proxy.release();
      await again;
      expect(await partition(db, 0)).toMatchObject({ on_storage: false, on_cloud: true });
      expect(seen(putting, 'DELETE', key)).toEqual([]);
      expect(await scanAll(db)).toEqual(expected(model));
      await expectConsistent(db, s3.url);
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('during a long outage the retries back off: one failing call per pause, whatever the number of waiting objects, each object in turn (failures at open included)', async () => {
    const { dir, cleanup } = tempDir('strata-delete-retry-');
    let db = await openCold(dir, { workers: 0 });
    try {
      const mins = [0, 1, 2, 3, 4, 5].map((i) => i * WIDTH);
      for (const min of mins) await write(db, new Map(), min, 50);
      await db.checkpoint();
      await db.execute(`UPLOAD PARTITIONS BETWEEN 0 AND ${mins[5]}`);
      proxy.inject({ kind: 'status', status: 503 }, Infinity, { method: 'DELETE' });
      await db.execute(`DROP PARTITIONS BETWEEN 0 AND ${mins[5]}`);
      await db.close();
      // open tries each deletion (and fails), then the background retries them
      db = await Strata.open(dir, { workers: 1, workers_upload: 0 });
      const mark = proxy.log.length;
      const start = performance.now();
      expect(db.openReport.cloud).toHaveLength(6);
      for (const line of db.openReport.cloud) expect(line).toMatch(/^could not delete s3:.*, retried in the background: cloud delete: .*503 Service Unavailable/);
      const deletes = () => seen(mark, 'DELETE');
      await until('three passes of the retrier', () => deletes().length >= 15, 60_000, 100);
      const n = deletes().length;
      const elapsed = (performance.now() - start) / 1000;
      // the k-th pass starts at least 2^k - 2 s after the first, and each pass is one
      // call (5 tries) that stops at the endpoint's first failure, so there are at most
      // floor(log2(elapsed + 2)) passes (a retrier that tried every object would make 30
      // requests per pass, one that spun far more); a slow machine only makes fewer
      expect(n).toBeLessThanOrEqual(5 * Math.floor(Math.log2(elapsed + 2)));
      // each pass tried one object, and the next pass another
      const keys = deletes().map((e) => e.url);
      for (let pass = 0; pass < 3; pass++) expect(new Set(keys.slice(pass * 5, pass * 5 + 5)).size).toBe(1);
      expect(new Set([keys[0], keys[5], keys[10]]).size).toBe(3);
      expect(readManifest(dir).cloudDeletes).toHaveLength(6);
      proxy.clear();
      await until('every waiting object is deleted', () => clean(db), 120_000, 200);
      expect(await scanAll(db)).toEqual([]);
      await expectConsistent(db, s3.url);
    } finally {
      await db.close();
      cleanup();
    }
  });
});

describe('with workers 0 nothing retries by itself', () => {
  test('open says the deletion is retried at the next open or by DROP ORPHANS; DROP ORPHANS retries it and answers it', async () => {
    const { dir, cleanup } = tempDir('strata-delete-retry-');
    const model = new Map<bigint, Row>();
    let db = await openCold(dir, { workers: 0 });
    try {
      await write(db, model, 0, 100);
      await write(db, model, WIDTH, 100);
      await db.checkpoint();
      await db.execute(`UPLOAD PARTITIONS BETWEEN 0 AND ${WIDTH}`);
      const key = await liveKey(db, 'cold', 0);
      proxy.inject({ kind: 'status', status: 503 }, 5, { method: 'DELETE' });
      await db.execute('DROP PARTITION 0');
      dropFromModel(model, 0);
      const orphans = (await db.execute('SHOW ORPHANS')) as OrphanObject[];
      expect(orphans).toEqual([{ cloud: 's3', bucket: expect.any(String), key, storage: 'cold', size: expect.any(Number), state: 'deleting', error: expect.stringMatching(/^cloud delete: .*503 Service Unavailable/) }]);
      expect(await db.execute('DROP ORPHANS')).toEqual(orphans);
      expect(await db.execute('SHOW ORPHANS')).toEqual([]);
      await expectConsistent(db, s3.url);

      // a deletion that fails while running and again at open: DROP ORPHANS retries it
      proxy.inject({ kind: 'status', status: 503 }, 5, { method: 'DELETE' });
      const other = await liveKey(db, 'cold', WIDTH);
      await db.execute(`DROP PARTITION ${WIDTH}`);
      await db.close();
      proxy.inject({ kind: 'status', status: 503 }, 5, { method: 'DELETE' });
      db = await Strata.open(dir, { workers: 0 });
      expect(db.openReport.cloud).toEqual([expect.stringMatching(/^could not delete s3:.*, retried at the next open or by DROP ORPHANS: cloud delete: .*503 Service Unavailable/)]);
      const listed = (await db.execute('SHOW ORPHANS')) as OrphanObject[];
      expect(listed).toEqual([expect.objectContaining({ key: other, state: 'deleting', error: expect.stringMatching(/^cloud delete: .*503/) })]);
      expect(await db.execute('DROP ORPHANS')).toEqual(listed);
      await expectConsistent(db, s3.url);
    } finally {
      await db.close();
      cleanup();
    }
  });
});
