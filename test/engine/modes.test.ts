/**
 * Everything Strata writes is private to its user: every folder it creates 0700, every
 * file 0600, whatever the umask (the manifest holds cloud secret keys and storage
 * encryption keys; partition files and WAL segments hold the data). A workload that
 * creates storages (relative and absolute), writes, refreshes, moves, uploads and
 * downloads through a real S3 server runs under umask 022 and 000; then the whole
 * database directory and the absolute storage's tree are walked.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { createCloudSql, partition, scanAll } from '../cloud/engine-helpers.ts';
import { type S3Server, startS3Server } from '../cloud/s3-server.ts';
import { tempDir } from './helpers.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
});

/** Every entry under `root` (itself included) whose mode is not 0700 (folders) or 0600 (files). */
function notPrivate(root: string): string[] {
  const bad: string[] = [];
  const walk = (p: string): void => {
    const st = fs.lstatSync(p);
    const mode = st.mode & 0o777;
    if (st.isDirectory()) {
      if (mode !== 0o700) bad.push(`${p}/ ${mode.toString(8)}`);
      for (const name of fs.readdirSync(p)) walk(path.join(p, name));
    } else if (mode !== 0o600) {
      bad.push(`${p} ${mode.toString(8)}`);
    }
  };
  walk(root);
  return bad;
}

/** All file names under `root`, relative, sorted (what the walk saw). */
function files(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort();
}

/** Runs `fn` with the process's umask set to `mask`, and restores it. */
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(before);
  }
}

const batch = (from: number, n: number): BatchBuilder => {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.insert(from + i, 'k', `v${from + i}`);
  return b;
};

for (const mask of [0o022, 0o000]) {
  test(`every folder 0700 and every file 0600 under umask ${mask.toString(8).padStart(3, '0')}`, async () => {
    const tmp = tempDir('strata-modes-');
    try {
      await withUmask(mask, async () => {
        // Strata creates the database directory and its missing parent
        const dir = path.join(tmp.dir, 'parent', 'db');
        // the absolute storage's base: its parent exists, Strata creates the last level
        fs.mkdirSync(path.join(tmp.dir, 'outside'), { mode: 0o700 });
        const abs = path.join(tmp.dir, 'outside', 'cold');
        let db = await Strata.open(dir, { workers: 0, interval: 100, wal_rotate_wm: 4096 });
        await db.execute(createCloudSql(s3.url));
        await db.execute("CREATE STORAGE hot (path 'hot', compression 'lz4')");
        await db.execute(`CREATE STORAGE cold (path '${abs}', cloud 's3', cloud_drop_local false, encryption 'aes')`);
        await db.execute("CREATE STORAGE arch (path 'hot', cloud 's3')");
        for (let i = 0; i < 6; i++) await db.write(batch(i * 100, 50));
        await db.execute('CHECKPOINT');
        await db.execute('MOVE PARTITION 0 INTO hot');
        await db.execute('MOVE PARTITION 100 INTO cold'); // uploads too: cold has a cloud
        await db.execute('MOVE PARTITION 200 INTO arch'); // uploaded, the local copy dropped
        await db.execute('DROP PARTITION 100 ON STORAGE');
        await db.execute('DOWNLOAD PARTITION 100'); // a file written from a download
        await db.write(batch(200, 10));
        // a refresh of a cloud-only partition fetches the old object into the folder;
        // stopped before its switch, the fetched copy and the new file stay for the walk
        await db.execute('SET error_refresh_before_switch TO true');
        await expect(db.execute('REFRESH PARTITION 200')).rejects.toMatchObject({ code: 'INTERNAL' });
        await db.execute('SET error_refresh_before_switch TO false');
        expect((await partition(db, 200)).on_storage).toBe(false);
        // while open: manifest.db-wal and -shm exist, with the lock file
        expect(files(dir)).toEqual(expect.arrayContaining(['manifest.db', 'manifest.db-wal', 'manifest.db-shm', 'strata.lock', 'wal']));
        expect(files(dir).filter((f) => f.startsWith(`wal${path.sep}`)).length).toBeGreaterThan(0);
        expect(files(abs).filter((f) => f.endsWith('.part'))).toHaveLength(1);
        expect(notPrivate(path.join(tmp.dir, 'parent'))).toEqual([]);
        expect(notPrivate(abs)).toEqual([]);
        await db.close();
        db = await Strata.open(dir, { workers: 0 });
        expect(db.openReport.rolledBack.length).toBe(1);
        await db.execute('REFRESH PARTITION 200');
        expect((await scanAll(db)).length).toBe(300);
        expect(notPrivate(path.join(tmp.dir, 'parent'))).toEqual([]);
        expect(notPrivate(abs)).toEqual([]);
        await db.close();
        expect(notPrivate(path.join(tmp.dir, 'parent'))).toEqual([]);
      });
    } finally {
      tmp.cleanup();
    }
  });
}

test('open makes an existing database directory 0700 and its manifest and lock files 0600', async () => {
  const tmp = tempDir('strata-modes-');
  try {
    const dir = path.join(tmp.dir, 'db');
    const db = await Strata.open(dir, { workers: 0 });
    await db.write(batch(0, 10));
    await db.close();
    // as an older Strata, or an operator, left them
    fs.chmodSync(dir, 0o755);
    for (const f of ['manifest.db', 'strata.lock']) fs.chmodSync(path.join(dir, f), 0o644);
    // a -wal and -shm left by a crash
    fs.writeFileSync(path.join(dir, 'manifest.db-wal'), '', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'manifest.db-shm'), '', { mode: 0o644 });
    const again = await Strata.open(dir, { workers: 0 });
    try {
      for (const f of ['manifest.db', 'manifest.db-wal', 'manifest.db-shm', 'strata.lock']) {
        expect((fs.statSync(path.join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
      }
      expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    } finally {
      await again.close();
    }
  } finally {
    tmp.cleanup();
  }
});
