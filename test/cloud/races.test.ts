/**
 * Races of the cloud tier against a real s3rver, each a bug a review found (and the
 * fix it guards): cursors against refreshes, ALTER CLOUD, drops and writes while they
 * wait for a region; DROP ORPHANS against an upload; ALTER CLOUD SET (bucket) against
 * a move. Timing comes from the fault proxy holding one request, not from sleeps.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import type { OpenConfig } from '../../src/index.ts';
import { tempDir, type Row } from '../engine/helpers.ts';
import { createCloudSql, partition, rowOf, scanAll, until } from './engine-helpers.ts';
import { type FaultProxy, type ProxyLogEntry, startFaultProxy } from './fault-proxy.ts';
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

const WIDTH = 100_000;

function value(i: number, n = 100, salt = ''): string {
  return `${salt}${i}:`.padEnd(n, String.fromCharCode(97 + (i % 26)));
}

/** Rows for ids `ids` (value as {@link write} writes them). */
function rowsOf(ids: readonly number[], salt = ''): Row[] {
  return ids.map((i) => ({ id: BigInt(i), key: '', value: value(i, 100, salt) }));
}

async function write(db: Strata, ids: readonly number[], salt = ''): Promise<void> {
  const b = new BatchBuilder();
  for (const i of ids) b.insert(i, undefined, value(i, 100, salt));
  await db.write(b);
}

const range = (from: number, count: number, step = 1): number[] => Array.from({ length: count }, (_, j) => from + j * step);

/**
 * A database whose only tier is `cold` (cloud `s3`, small uncompressed regions, so a
 * partition has many regions and a scan blocks at each region boundary).
 */
async function openCold(dir: string, config: OpenConfig = {}, url = s3.url, storageOptions = ''): Promise<Strata> {
  const db = await Strata.open(dir, { workers: 0, workers_upload: 0, interval: WIDTH, ...config });
  if (((await db.execute('SHOW CLOUDS')) as unknown[]).length === 0) {
    await db.execute(`${createCloudSql(url)}; CREATE STORAGE cold (cloud 's3', region_size 1024, compression 'none'${storageOptions}); ALTER PIPELINE cold`);
  }
  return db;
}

/** Reads the cursor until it blocks (needs a fetch); returns the rows read. */
function readUntilBlocked(c: ReturnType<Strata['cursor']>): Row[] {
  const out: Row[] = [];
  while (c.next()) out.push(rowOf(c.event));
  return out;
}

/** Reads the cursor to its end (fetching as needed). */
async function readRest(c: ReturnType<Strata['cursor']>, out: Row[] = []): Promise<Row[]> {
  try {
    while (c.next() || (await c.nextAsync())) out.push(rowOf(c.event));
  } catch (e) {
    throw new Error(`scan failed after ${out.length} events: ${(e as Error).message}`);
  } finally {
    c.close();
  }
  return out;
}

describe('races: cursors vs. concurrent changes of a cloud-only partition', () => {
  test('a cursor blocked before the index of a cloud-only partition is fetched survives a refresh that replaces the object', async () => {
    const { dir, cleanup } = tempDir('strata-review-');
    const db = await openCold(dir);
    try {
      const ids = range(0, 50, 2);
      await write(db, ids);
      await db.execute('UPLOAD PARTITION 0');
      expect(await partition(db, 0)).toMatchObject({ on_storage: false, on_cloud: true });
      const c = db.cursor();
      expect(c.next()).toBe(false);
      expect(c.blocked).toBe(true); // waits for the index of generation 1
      // meanwhile: a write and a refresh replace the object (generation 1 is deleted: no reader holds it)
      await write(db, [1]);
      await db.execute('REFRESH PARTITION 0');
      // the scan goes on with the new object (it used to fetch the deleted one's index: 404)
      const got = (await readRest(c)).map((r) => r.id);
      // either snapshot is fine: the old object's events, or the new one's
      expect([ids.map(BigInt), [0n, 1n, ...ids.slice(1).map(BigInt)]]).toContainEqual(got);
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('after ALTER CLOUD, a refresh must not delete the object a cursor is still reading (RemoteObject renewed: refs split across two instances)', async () => {
    const { dir, cleanup } = tempDir('strata-review-');
    const db = await openCold(dir);
    try {
      const ids = range(0, 200, 2);
      await write(db, ids);
      await db.execute('UPLOAD PARTITION 0');
      const c = db.cursor();
      const first: Row[] = [];
      // into the partition, up to the first region boundary
      while (first.length === 0) {
        first.push(...readUntilBlocked(c));
        if (first.length === 0) await c.nextAsync().then((ok) => ok && first.push(rowOf(c.event)));
      }
      first.push(...readUntilBlocked(c));
      expect(c.blocked).toBe(true);
      expect(first.length).toBeLessThan(ids.length);
      // an ALTER CLOUD that changes nothing of the endpoint (debug on): the partition gets a new RemoteObject
      await db.execute(`ALTER CLOUD s3 SET (debug false)`);
      await write(db, [1]);
      await db.execute('REFRESH PARTITION 0');
      // the cursor reads on from the object it holds (a renewed instance used to split the references)
      const got = await readRest(c, first);
      expect(got.map((r) => r.id)).toEqual(ids.map(BigInt));
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('DROP PARTITION then the same partition created again and uploaded: the new object reuses the key of the object a cursor still reads', async () => {
    const { dir, cleanup } = tempDir('strata-review-');
    const db = await openCold(dir);
    try {
      const ids = range(0, 200, 2);
      await write(db, ids, 'old');
      await db.execute('UPLOAD PARTITION 0'); // generation 1, cloud-only
      const c = db.cursor();
      let first = readUntilBlocked(c);
      if (first.length === 0) {
        expect(await c.nextAsync()).toBe(true);
        first = [rowOf(c.event), ...readUntilBlocked(c)];
      }
      expect(c.blocked).toBe(true);
      // the drop defers the deletion: the cursor holds the object
      await db.execute('DROP PARTITION 0');
      // new data in the same range: a new partition 0, generation 1 again, same key
      await write(db, range(1, 150, 2), 'new');
      await db.execute('UPLOAD PARTITION 0');
      expect(await partition(db, 0)).toMatchObject({ on_storage: false, on_cloud: true });
      // the cursor reads the dropped partition's events to the end: the new object has a
      // new generation (the key used to be reused and read through the old index)
      const got = await readRest(c, first);
      expect(got).toEqual(rowsOf(ids, 'old'));
    } finally {
      await db.close();
      cleanup();
    }
  });

  test('a write made while a merged scan is blocked at a region boundary, sorting between the last event returned and the next region, is not lost', async () => {
    const { dir, cleanup } = tempDir('strata-review-');
    const db = await openCold(dir);
    try {
      const ids = range(0, 200, 2); // even ids in the file
      await write(db, ids);
      await db.execute('UPLOAD PARTITION 0');
      await write(db, [WIDTH - 1]); // something in memory: the scan merges file and memtable
      const c = db.cursor({ to: WIDTH - 1 });
      const got: Row[] = [];
      // read up to a region boundary inside the partition
      for (;;) {
        got.push(...readUntilBlocked(c));
        if (got.length > 0 && c.blocked) break;
        expect(await c.nextAsync()).toBe(true);
        got.push(rowOf(c.event));
      }
      const last = Number(got[got.length - 1]!.id);
      expect(last % 2).toBe(0);
      // a write just after the cursor's position (before the next region's first event)
      await write(db, [last + 1]);
      await readRest(c, got);
      const want = [...ids, last + 1, WIDTH - 1].sort((a, b) => a - b).map(BigInt);
      // last + 1 sorts after the cursor's position: it is returned (a resumed merge used to skip it)
      expect(got.map((r) => r.id)).toEqual(want);
    } finally {
      await db.close();
      cleanup();
    }
  });
});

/** The requests the proxy saw since `mark`. */
function seen(mark: number, method?: string): ProxyLogEntry[] {
  return proxy.log.slice(mark).filter((e) => method === undefined || e.method === method);
}

describe('races: statements racing each other (through the fault proxy, which holds one request)', () => {
  test('DROP ORPHANS must not delete the object of an upload that started while its LIST was in flight', async () => {
    const { dir, cleanup } = tempDir('strata-review-');
    const db = await openCold(dir, {}, proxy.url);
    try {
      proxy.clear();
      await write(db, range(0, 50));
      await write(db, range(WIDTH, 50));
      await db.execute('UPLOAD PARTITION 0'); // the bucket exists now
      await db.checkpoint();
      // the LIST of DROP ORPHANS is held 800 ms at the proxy
      const mark = proxy.log.length;
      proxy.inject({ kind: 'delay', ms: 800 }, 1);
      const drop = db.execute('DROP ORPHANS');
      await until('the LIST is in flight', () => seen(mark).length > 0);
      // meanwhile an upload runs to its end: the object is live, the local file removed
      await db.execute(`UPLOAD PARTITION ${WIDTH}`);
      expect(await partition(db, WIDTH)).toMatchObject({ on_storage: false, on_cloud: true });
      const dropped = (await drop) as { key: string }[];
      // nothing is dropped: the upload's object became live during the LIST (it used to be deleted)
      expect(dropped).toEqual([]);
      expect(await scanAll(db)).toEqual(rowsOf([...range(0, 50), ...range(WIDTH, 50)]));
    } finally {
      proxy.clear();
      await db.close();
      cleanup();
    }
  });

  test('ALTER CLOUD SET (bucket) is refused while a partition moves into a storage of that cloud', async () => {
    const { dir, cleanup } = tempDir('strata-review-');
    const db = await Strata.open(dir, { workers: 0, workers_upload: 0, interval: WIDTH });
    try {
      proxy.clear();
      await db.execute(`${createCloudSql(proxy.url)}; CREATE STORAGE cold (cloud 's3')`);
      await write(db, range(0, 50));
      await db.checkpoint(); // partition 0 on main, local
      // the move's PUT is held at the proxy
      const mark = proxy.log.length;
      proxy.inject({ kind: 'delay', ms: 500 }, 1);
      const move = db.execute('MOVE PARTITION 0 INTO cold');
      await until('the move sent its first request (held)', () => seen(mark).length > 0);
      let altered: unknown = null;
      try {
        await db.execute(`ALTER CLOUD s3 SET (bucket 'strata-review-other')`);
      } catch (e) {
        altered = e;
      }
      const moved = await move.then(() => null, (e: unknown) => e);
      // the ALTER is refused (a partition is in transfer to the cloud) or the move fails; both
      // used to succeed, leaving the only copy in the old bucket while reads went to the new one
      expect(await scanAll(db)).toEqual(rowsOf(range(0, 50)));
      expect(altered !== null || moved !== null, 'ALTER CLOUD or the move must fail').toBe(true);
    } finally {
      proxy.clear();
      await db.close();
      cleanup();
    }
  });
});
