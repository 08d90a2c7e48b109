/**
 * A Parquet partition only on the cloud is read as Strata's own objects are: the footer
 * once, by one ranged GET, then cached; one ranged GET per row group as a cursor
 * advances without read-ahead (several per GET with it); never a whole-object GET.
 * Requests are counted by SHOW CLOUD (a real s3rver on 127.0.0.1).
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { tempDir } from '../engine/helpers.ts';
import { createCloudSql, partitions } from '../cloud/engine-helpers.ts';
import { type S3Server, startS3Server } from '../cloud/s3-server.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
});

async function requests(db: Strata): Promise<Record<string, number>> {
  return ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests;
}

/** Scans everything with `readAhead`; returns the events seen. */
async function scan(db: Strata, readAhead?: number, from?: bigint): Promise<number> {
  const c = db.cursor({ ...(readAhead === undefined ? {} : { readAhead }), ...(from === undefined ? {} : { from }) });
  let n = 0;
  while (c.next() || (await c.nextAsync())) n++;
  c.close();
  return n;
}

test('the footer once, then one ranged GET per row group (several with read-ahead), never the whole object', async () => {
  const { dir, cleanup } = tempDir('strata-parquet-gets-');
  try {
    let db = await Strata.open(dir, { interval: 1n << 40n, region_size: 4096, workers: 0 });
    await db.execute(createCloudSql(s3.url));
    await db.execute(`CREATE STORAGE cold (cloud 's3', format 'parquet')`);
    const b = new BatchBuilder();
    for (let i = 0; i < 20_000; i++) b.insert(BigInt(i), undefined, `value ${i} ${'x'.repeat(i % 60)}`);
    await db.write(b);
    await db.execute('MOVE PARTITION 0 INTO cold');
    const [p] = await partitions(db);
    expect(p!.on_storage).toBe(false);
    const regions = p!.regions;
    expect(regions).toBeGreaterThan(50);
    await db.close();
    db = await Strata.open(dir, { workers: 0 });
    const before = await requests(db);
    expect(await scan(db, 0)).toBe(20_000);
    const first = await requests(db);
    // the footer (one GET: the guess covers it), then each row group alone
    expect((first.range ?? 0) - (before.range ?? 0)).toBe(regions + 1);
    expect((first.get ?? 0) - (before.get ?? 0)).toBe(0);
    expect(await scan(db, 0)).toBe(20_000);
    const second = await requests(db);
    expect((second.range ?? 0) - (first.range ?? 0)).toBe(regions);
    // a lookup reads one row group; the default read-ahead reads several per GET
    expect(await scan(db, 0, 19_990n)).toBe(10);
    const third = await requests(db);
    expect((third.range ?? 0) - (second.range ?? 0)).toBe(1);
    expect(await scan(db)).toBe(20_000);
    const fourth = await requests(db);
    expect((fourth.range ?? 0) - (third.range ?? 0)).toBeLessThan(regions / 4);
    expect((fourth.get ?? 0) - (before.get ?? 0)).toBe(0);
    await db.close();
  } finally {
    cleanup();
  }
});
