/**
 * `Strata.repair`: a lost or damaged manifest is rebuilt from the files on disk
 * (storages from their folders and descriptors, partitions from the footers, the WAL
 * replayed), a sound one is only checked, and a second repair finds nothing to change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, type RepairReport, Strata, isStrataError } from '../../src/index.ts';
import { Manifest } from '../../src/manifest/index.ts';
import { toVersion1 } from '../partition/version1.ts';
import { type Row, scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('strata-repair-')));
afterEach(() => cleanup());

const KEY = 'ab'.repeat(32);

/** Every event, as rows. */
async function all(at: string): Promise<Row[]> {
  const db = await Strata.open(at, { workers: 0 });
  try {
    return scan(db);
  } finally {
    await db.close();
  }
}

/** Writes `n` events from `base` in batches of 5, checkpointing now and then. */
async function fill(db: Strata, base: number, n: number, tag: string): Promise<void> {
  for (let k = 0; k < n; k += 5) {
    const b = new BatchBuilder();
    for (let j = k; j < Math.min(n, k + 5); j++) b.insert(base + j, 'k', `${tag}${j}`);
    await db.write(b);
    if (k % 300 === 295) await db.checkpoint();
  }
}

function removeManifest(at: string): void {
  for (const f of ['manifest.db', 'manifest.db-wal', 'manifest.db-shm']) fs.rmSync(path.join(at, f), { force: true });
}

test('a deleted manifest is rebuilt: storages by name with their options, partitions, the WAL replayed; a second repair changes nothing', async () => {
  let db = await Strata.open(dir, { workers: 0, wal_rotate_wm: 8192, interval: 1000 });
  await db.execute("CREATE STORAGE hot; CREATE STORAGE cold (compression 'lz4', region_size 4096); ALTER PIPELINE hot (partitions 1), cold");
  await fill(db, 0, 1205, 'v');
  await db.execute('REBALANCE');
  const before = scan(db);
  const partsBefore = (await db.execute('SHOW PARTITIONS')) as { min: bigint; max: bigint; storage: string }[];
  await db.close();
  removeManifest(dir);
  expect(await Strata.open(dir).then(() => 'opened', (e: unknown) => (isStrataError(e, 'CORRUPTION') ? 'refused' : String(e)))).toBe('refused');

  const report = await Strata.repair(dir);
  expect(report.manifest).toBe('missing');
  expect(report.changed).toBe(true);
  expect(report.storages.map((s) => s.name).sort()).toEqual(['cold', 'hot', 'main']);
  expect(report.skipped).toEqual([]);
  expect(report.wal?.records).toBeGreaterThan(0);
  expect(await all(dir)).toEqual(before);

  db = await Strata.open(dir, { workers: 0 });
  try {
    const cold = (await db.execute('SHOW STORAGE cold')) as { config: { compression: string; region_size: number } };
    expect(cold.config).toMatchObject({ compression: 'lz4', region_size: 4096 });
    const parts = (await db.execute('SHOW PARTITIONS')) as { min: bigint; max: bigint; storage: string }[];
    expect(parts.map((p) => [p.min, p.max, p.storage])).toEqual(partsBefore.map((p) => [p.min, p.max, p.storage]));
    expect(db.config.interval).toBe(1000n);
    expect(db.openReport.orphansRemoved).toEqual([]);
  } finally {
    await db.close();
  }

  const again = await Strata.repair(dir);
  expect(again).toMatchObject({ manifest: 'sound', changed: false, skipped: [] });
  expect(await all(dir)).toEqual(before);
});

test('a damaged manifest is moved aside and rebuilt; an empty one is rebuilt too', async () => {
  const db = await Strata.open(dir, { workers: 0, interval: 1000 });
  await fill(db, 0, 2500, 'v');
  await db.checkpoint();
  await db.close();
  const before = await all(dir);
  removeManifest(dir);
  fs.writeFileSync(path.join(dir, 'manifest.db'), 'this is not a SQLite database, but it is long enough to be read');
  const report = await Strata.repair(dir);
  expect(report.manifest).toBe('damaged');
  expect(report.notes[0]).toMatch(/was damaged .*moved aside as manifest\.db\.damaged-/);
  expect(fs.readdirSync(dir).some((n) => n.startsWith('manifest.db.damaged-'))).toBe(true);
  expect(await all(dir)).toEqual(before);

  removeManifest(dir);
  fs.writeFileSync(path.join(dir, 'manifest.db'), '');
  expect((await Strata.repair(dir)).manifest).toBe('empty');
  expect(await all(dir)).toEqual(before);
});

test('a repair that stopped before its commit leaves a manifest open refuses and a second repair rebuilds', async () => {
  let db = await Strata.open(dir, { workers: 0, interval: 1000 });
  await fill(db, 0, 1200, 'v');
  await db.checkpoint();
  await db.close();
  const before = await all(dir);
  removeManifest(dir);
  // the schema, no rows: what a repair that died in its transaction leaves
  Manifest.open(path.join(dir, 'manifest.db')).close();
  const e = await Strata.open(dir).then(() => null, (x: unknown) => x);
  expect((e as Error).message).toMatch(/manifest\.db holds no database \(its creation never finished\)/);
  expect((await Strata.repair(dir)).manifest).toBe('empty');
  expect(await all(dir)).toEqual(before);
  db = await Strata.open(dir, { workers: 0 });
  await db.close();
});

test('encrypted partitions without their key are recorded, unreadable and left in place; a repair with the key makes them readable', async () => {
  let db = await Strata.open(dir, { workers: 0, interval: 1000 });
  await db.execute(`CREATE STORAGE vault (encryption 'aes', encryption_key '${KEY}'); ALTER PIPELINE vault`);
  await fill(db, 0, 2200, 's');
  await db.checkpoint();
  const before = scan(db);
  await db.close();
  removeManifest(dir);

  const first = await Strata.repair(dir);
  expect(first.notes.join('\n')).toMatch(/storage vault: 3 encrypted partition\(s\) cannot be read without the storage's key.*--key vault=/);
  db = await Strata.open(dir, { workers: 0 });
  try {
    expect(db.openReport.damaged).toHaveLength(3);
    expect(db.openReport.damaged[0]).toMatch(/storage 'vault' is encrypted but has no key .*strata repair .* --key vault=/);
  } finally {
    await db.close();
  }
  const vault = (first.storages.find((s) => s.name === 'vault'))!;
  expect(fs.readdirSync(path.join(dir, vault.uuid)).filter((n) => n.endsWith('.part'))).toHaveLength(3);

  const wrong = await Strata.repair(dir, { keys: { vault: 'cd'.repeat(32) } });
  expect(wrong.changed).toBe(false);
  expect(wrong.notes.join('\n')).toMatch(/does not open its encrypted files/);

  const second = await Strata.repair(dir, { keys: { vault: KEY } });
  expect(second).toMatchObject({ manifest: 'sound', changed: true });
  expect(await all(dir)).toEqual(before);
  expect((await Strata.repair(dir, { keys: { vault: KEY } })).changed).toBe(false);
});

test('a storage outside the database directory is found through storagePaths', async () => {
  const { dir: outside, cleanup: clean } = tempDir('strata-repair-out-');
  try {
    let db = await Strata.open(dir, { workers: 0, interval: 1000 });
    await db.execute(`CREATE STORAGE far (path '${outside}'); ALTER PIPELINE far`);
    await fill(db, 0, 1500, 'f');
    await db.checkpoint();
    const before = scan(db);
    await db.close();
    removeManifest(dir);
    const report: RepairReport = await Strata.repair(dir, { storagePaths: [outside] });
    expect(report.storages.find((s) => s.name === 'far')).toMatchObject({ path: outside, partitions: 2 });
    expect(await all(dir)).toEqual(before);
    db = await Strata.open(dir, { workers: 0 });
    try {
      const far = (await db.execute('SHOW STORAGE far')) as { config: { path: string } };
      expect(far.config.path).toBe(outside);
    } finally {
      await db.close();
    }
  } finally {
    clean();
  }
});

test('a sound manifest is only checked; repair refuses an open database and a missing directory', async () => {
  const db = await Strata.open(dir, { workers: 0 });
  await expect(Strata.repair(dir)).rejects.toMatchObject({ code: 'LOCKED' });
  await db.close();
  expect(await Strata.repair(dir)).toMatchObject({ manifest: 'sound', changed: false });
  await expect(Strata.repair(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  await expect(Strata.repair(dir, { keys: { main: 'xyz' } })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
});

test('files of format version 1 get a guessed range: up to the next partition or the end of the aligned interval', async () => {
  let db = await Strata.open(dir, { workers: 0, interval: 1000 });
  await fill(db, 0, 2500, 'v');
  await db.checkpoint();
  const before = scan(db);
  const main = ((await db.execute('SHOW STORAGE main')) as { config: { uuid: string } }).config.uuid;
  await db.close();
  removeManifest(dir);
  fs.rmSync(path.join(dir, 'wal'), { recursive: true });
  // turn every file into the version-1 file of the same regions
  const folder = path.join(dir, main);
  for (const f of fs.readdirSync(folder).filter((n) => n.endsWith('.part'))) {
    fs.writeFileSync(path.join(folder, f), toVersion1(fs.readFileSync(path.join(folder, f))));
  }
  const report = await Strata.repair(dir);
  expect(report.notes.filter((n) => /does not record its range/.test(n))).toHaveLength(3);
  expect(report.notes.join('\n')).toMatch(/interval 3000000: the default/);
  db = await Strata.open(dir, { workers: 0 });
  try {
    const parts = (await db.execute('SHOW PARTITIONS')) as { min: bigint; max: bigint }[];
    expect(parts.map((p) => [p.min, p.max])).toEqual([[0n, 999n], [1000n, 1999n], [2000n, 2_999_999n]]);
    expect(scan(db)).toEqual(before);
  } finally {
    await db.close();
  }
});

test('an older generation left by a crash is not recorded, and open then removes it', async () => {
  let db = await Strata.open(dir, { workers: 0, interval: 1000 });
  await fill(db, 0, 900, 'v');
  await db.checkpoint();
  const main = ((await db.execute('SHOW STORAGE main')) as { config: { uuid: string } }).config.uuid;
  const folder = path.join(dir, main);
  const old = fs.readdirSync(folder).find((n) => n.endsWith('.part'))!;
  const copy = fs.readFileSync(path.join(folder, old));
  await fill(db, 0, 900, 'w');
  await db.checkpoint();
  const before = scan(db);
  await db.close();
  // the file a refresh replaced, as a crash before its unlink leaves it
  fs.writeFileSync(path.join(folder, old), copy);
  removeManifest(dir);
  const report = await Strata.repair(dir);
  expect(report.kept.join('\n')).toContain(`main/${old}: an older generation of partition 0; open removes it`);
  expect(await all(dir)).toEqual(before);
  db = await Strata.open(dir, { workers: 0 });
  await db.close();
  expect(fs.existsSync(path.join(folder, old))).toBe(false);
});

test('descriptors follow CREATE, ALTER (path), RENAME and DROP STORAGE; a storage without one is named by repair', async () => {
  const { dir: outside, cleanup: clean } = tempDir('strata-repair-out-');
  try {
    const db = await Strata.open(dir, { workers: 0 });
    await db.execute("CREATE STORAGE a (compression 'none'); CREATE STORAGE b");
    const uuidOf = async (n: string) => ((await db.execute(`SHOW STORAGE ${n}`)) as { config: { uuid: string } }).config.uuid;
    const a = await uuidOf('a');
    const b = await uuidOf('b');
    const read = (p: string) => JSON.parse(fs.readFileSync(path.join(p, 'storage.json'), 'utf8')) as { name: string; path: string; options: Record<string, unknown> };
    expect(read(path.join(dir, a))).toMatchObject({ name: 'a', path: '', options: { compression: 'none' } });
    await db.execute(`ALTER STORAGE a RENAME TO c; ALTER STORAGE b SET (path '${outside}')`);
    expect(read(path.join(dir, a)).name).toBe('c');
    expect(fs.existsSync(path.join(dir, b))).toBe(false);
    expect(read(path.join(outside, b)).path).toBe(outside);
    expect((fs.statSync(path.join(outside, b, 'storage.json')).mode & 0o777).toString(8)).toBe('600');
    await db.execute('DROP STORAGE c');
    expect(fs.existsSync(path.join(dir, a))).toBe(false);
    await db.close();
  } finally {
    clean();
  }
});

test('a storage on a cloud: the report says its cloud-only partitions cannot be found, and it comes back without its cloud', async () => {
  let db = await Strata.open(dir, { workers: 0, interval: 1000 });
  await db.execute("CREATE CLOUD s3 (type 's3', url 'http://127.0.0.1:9', access_key 'a', secret_key 'b'); CREATE STORAGE cold (cloud 's3', cloud_drop_local false)");
  await fill(db, 0, 500, 'v');
  await db.checkpoint();
  await db.close();
  removeManifest(dir);
  const report = await Strata.repair(dir);
  expect(report.notes.join('\n')).toMatch(/storage cold kept its partitions on cloud 's3'.*cannot be found without its credentials/);
  db = await Strata.open(dir, { workers: 0 });
  try {
    const cold = (await db.execute('SHOW STORAGE cold')) as { config: { cloud: string | null; cloud_drop_local: boolean } };
    expect(cold.config).toMatchObject({ cloud: null, cloud_drop_local: false });
    expect(scan(db)).toHaveLength(500);
  } finally {
    await db.close();
  }
});
