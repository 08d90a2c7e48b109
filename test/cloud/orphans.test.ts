/**
 * SHOW ORPHANS and DROP ORPHANS against a real s3rver: objects put under a cloud
 * storage's prefix by someone else are listed, never deleted by open, and deleted only
 * by DROP ORPHANS; live objects and objects of other prefixes are left alone.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openCloud } from '../../src/cloud/index.ts';
import { Strata, type OrphanObject } from '../../src/index.ts';
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

test('foreign objects under a storage prefix are orphans: listed, kept by open, dropped only by DROP ORPHANS', async () => {
  const { dir, cleanup } = tempDir('strata-orphans-');
  let db = await Strata.open(dir, { workers: 0, interval: 100 });
  const bucket = openCloud('check', s3Config(s3.url, 'orphans'));
  try {
    await db.execute(`CREATE CLOUD s3 (type 's3', url '${s3.url}', access_key 'S3RVER', secret_key 'S3RVER', bucket 'orphans')`);
    await db.execute(`CREATE STORAGE cold (cloud 's3'); ALTER PIPELINE cold; CREATE PARTITION 0 99; INSERT (1, 'a'); UPLOAD PARTITION 0`);
    const uuid = ((await db.execute('SHOW STORAGE cold')) as { config: { uuid: string } }).config.uuid;
    const live = `${uuid}/00000000000000000000.1.part`;
    // another writer's objects: a partition file name of ours, any other name, another prefix
    await bucket.put(`${uuid}/00000000000000000500.3.part`, new Uint8Array(7));
    await bucket.put(`${uuid}/notes.txt`, new Uint8Array(3));
    await bucket.put('elsewhere/keep.bin', new Uint8Array(1));
    const orphans = (await db.execute('SHOW ORPHANS')) as OrphanObject[];
    expect(orphans).toEqual([
      { cloud: 's3', bucket: 'orphans', key: `${uuid}/00000000000000000500.3.part`, storage: 'cold', size: 7, state: 'orphan', error: null },
      { cloud: 's3', bucket: 'orphans', key: `${uuid}/notes.txt`, storage: 'cold', size: 3, state: 'orphan', error: null },
    ]);
    // open never deletes what it does not know
    await db.close();
    db = await Strata.open(dir, { workers: 0 });
    expect(db.openReport.cloud).toEqual([]);
    expect(await db.execute('SHOW ORPHANS')).toEqual(orphans);
    expect(await db.execute('DROP ORPHANS')).toEqual(orphans);
    expect(await db.execute('SHOW ORPHANS')).toEqual([]);
    expect((await bucket.list('')).map((o) => o.key).sort()).toEqual(['elsewhere/keep.bin', live].sort());
    expect(await db.execute('SELECT')).toEqual([{ id: 1n, key: null, value: 'a' }]);
  } finally {
    bucket.close();
    await db.close();
    cleanup();
  }
});
