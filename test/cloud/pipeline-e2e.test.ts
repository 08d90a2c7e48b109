/**
 * The cloud tier end to end: pipeline `hot (partitions 2), cold` where cold keeps its
 * partitions on a real S3 server (s3rver on 127.0.0.1). Writes run continuously with
 * the background service on; the bucket fills, local disk holds only the hot
 * partitions, and a full scan returns every event, reading cold regions by ranged GETs
 * (counted), never by whole-object downloads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openCloud } from '../../src/cloud/index.ts';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { tempDir } from '../engine/helpers.ts';
import { s3Config } from './helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
});

interface Part {
  min: bigint;
  storage: string;
  regions: number;
  events: number;
  events_heap: number;
  on_storage: boolean;
  on_cloud: boolean;
}

const PER_PARTITION = 4000;
const PARTITIONS = 10;

/** A value of event i: 96 bytes that zstd cannot shrink much, so regions are many. */
function value(i: number): string {
  let x = (i * 2654435761) >>> 0 || 1;
  let s = `${i}:`;
  while (s.length < 96) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s += (x >>> 0).toString(36);
  }
  return s.slice(0, 96);
}

async function until(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('hot (partitions 2), cold on a cloud: the bucket fills, disk holds the hot tier, a scan reads cold regions by ranged GETs', async () => {
  const { dir, cleanup } = tempDir('strata-cloud-e2e-');
  const db = await Strata.open(dir, { workers: 2, workers_upload: 2, interval: PER_PARTITION, refresh_wm: 64 * 1024, region_size: 16 * 1024 });
  try {
    await db.execute(`CREATE CLOUD s3 (type 's3', url '${s3.url}', access_key 'S3RVER', secret_key 'S3RVER', path_style true)`);
    await db.execute(`CREATE STORAGE hot; CREATE STORAGE cold (cloud 's3'); ALTER PIPELINE hot (partitions 2), cold`);
    const total = PARTITIONS * PER_PARTITION;
    for (let i = 0; i < total; i += 200) {
      const b = new BatchBuilder();
      for (let j = i; j < i + 200; j++) b.insert(j, undefined, value(j));
      await db.write(b);
      if (i % 2000 === 0) await new Promise((r) => setTimeout(r, 2)); // continuous, not a burst
    }
    const parts = async () => (await db.execute('SHOW PARTITIONS')) as Part[];
    // the background refreshes idle memtables and applies the pipeline: wait for it to settle,
    // and for the operations to end (a move's local copy is removed after its switch)
    await until('the pipeline settles', async () => {
      const ps = await parts();
      const settled = ps.every((p) => p.events_heap === 0) && ps.filter((p) => p.storage === 'hot').length === 2 && ps.filter((p) => p.storage === 'cold').every((p) => p.on_cloud && !p.on_storage);
      return settled && db.operations.list().length === 0;
    });
    const ps = await parts();
    const hot = ps.filter((p) => p.storage === 'hot');
    const cold = ps.filter((p) => p.storage === 'cold');
    expect(hot.map((p) => p.min)).toEqual([BigInt(total - 2 * PER_PARTITION), BigInt(total - PER_PARTITION)]);
    expect(cold).toHaveLength(PARTITIONS - 2);
    expect(ps.reduce((n, p) => n + p.events, 0)).toBe(total);

    // local disk: the hot partitions' files and nothing in cold's folder
    const storages = (await db.execute('SHOW STORAGES')) as { name: string; config: { uuid: string } }[];
    const uuid = (name: string) => storages.find((s) => s.name === name)!.config.uuid;
    expect(fs.readdirSync(path.join(dir, uuid('cold'))).filter((n) => n.endsWith('.part'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, uuid('hot'))).filter((n) => n.endsWith('.part')).length).toBe(2);
    // the bucket: one object per cold partition
    const bucket = openCloud('check', s3Config(s3.url, `strata-${uuid('cold')}`));
    const objects = await bucket.list(`${uuid('cold')}/`);
    bucket.close();
    expect(objects.map((o) => BigInt(o.key.split('/')[1]!.split('.')[0]!))).toEqual(cold.map((p) => p.min));

    // a full scan: every event, cold regions by ranged GETs (read ahead) and one index read per partition
    const before = ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests;
    let n = 0;
    const c = db.cursor();
    while (c.next() || (await c.nextAsync())) {
      const e = c.event;
      if (e.id !== BigInt(n) || Buffer.from(e.value).toString() !== value(n)) throw new Error(`event ${n}: got id ${e.id}`);
      n++;
    }
    expect(n).toBe(total);
    const after = ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests;
    const regions = cold.reduce((s, p) => s + p.regions, 0);
    expect(regions).toBeGreaterThan(cold.length * 5);
    expect(after.get! - before.get!, 'no whole-object download').toBe(0);
    const ranged = after.range! - before.range!;
    // per partition: the index (once, twice if the first guess was short), the first
    // region alone, then the rest read ahead, several regions per GET
    expect(ranged).toBeGreaterThanOrEqual(2 * cold.length);
    expect(ranged, 'regions read ahead, several per GET').toBeLessThan(regions + cold.length);
  } finally {
    await db.close();
    cleanup();
  }
}, 120_000);
