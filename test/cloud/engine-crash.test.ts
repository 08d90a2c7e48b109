/**
 * Crash tests of the cloud tier: a child process (engine-child.ts) builds a database
 * whose partitions are local, cloud-only, and both, on a real s3rver, stops an upload,
 * download, refresh, move (into and out of a cloud storage) or drop at one of its
 * error-injection points and dies there. The parent reopens the directory and checks:
 * open finished or undid the operation and says so; every event written is readable
 * (the ones in memory come back from the WAL); each partition's copies are exactly
 * the files in the storage folders and the objects in the bucket (no orphan file or
 * object, nothing left in cloud_deletes); and the database goes on working: a
 * checkpoint (which refreshes the cloud partitions: fetch, merge, upload, switch,
 * delete) and another reopen keep all of it true.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Strata } from '../../src/index.ts';
import type { OpenReport } from '../../src/index.ts';
import { tempDir, type Row } from '../engine/helpers.ts';
import { EVENTS, expectedValue } from './engine-child.mjs';
import { type Part, expectConsistent, readManifest, scanAll, storageLayout } from './engine-helpers.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

const CHILD = fileURLToPath(new URL('./engine-child.mjs', import.meta.url));

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.close();
});

/** Children run a few at a time: each spends most of its ~2 s loading modules. */
let running = 0;
const waiting: (() => void)[] = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 3) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Runs the child; resolves with its exit code and stderr. */
function runChild(dir: string, url: string, point: string, statement: string, format = 'strata'): Promise<{ code: number | null; stderr: string }> {
  return slot(
    () =>
      new Promise((resolve, reject) => {
        const c = spawn(process.execPath, [CHILD, dir, url, point, statement], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, STRATA_TEST_FORMAT: format } });
        let stderr = '';
        c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        c.once('error', reject);
        c.once('exit', (code) => resolve({ code, stderr }));
      }),
  );
}

/** Every event the child wrote, except those `gone` says a committed drop removed. */
function expectedRows(gone: (i: number) => boolean = () => false): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const v = expectedValue(i);
    if (v !== undefined && !gone(i)) rows.push({ id: BigInt(i), key: 'k', value: v });
  }
  return rows;
}

const OPEN = { workers: 0, workers_upload: 0 } as const;

/** The object key (`bucket/key` as open reports it) of generation `gen` of partition `min` on cold. */
async function coldKey(db: Strata, min: number, gen: number): Promise<string> {
  const cold = (await storageLayout(db)).find((s) => s.name === 'cold')!;
  return `${cold.bucket}/${cold.uuid}/${String(min).padStart(20, '0')}.${gen}.part`;
}

/**
 * The generation of the object of partition `min` on cold that open reports as
 * deleted (generations are one counter for the database: tests compare, not count).
 */
async function deletedGen(db: Strata, report: OpenReport, min: number): Promise<number> {
  const prefix = `deleted s3:${(await coldKey(db, min, 0)).replace(/0\.part$/, '')}`;
  const lines = report.cloud.filter((l) => l.startsWith(prefix));
  expect(lines, `open reports one deleted object of partition ${min}: ${report.cloud.join('; ')}`).toHaveLength(1);
  expect(report.cloud).toHaveLength(1);
  return Number(/\.(\d+)\.part$/.exec(lines[0]!)![1]);
}

/** The generation of partition `min`'s live file, as the manifest records it. */
function generation(dir: string, min: number): number {
  return readManifest(dir).partitions.find((p) => p.min === BigInt(min))!.file;
}

interface Crashed {
  db: Strata;
  dir: string;
  report: OpenReport;
  parts: Part[];
}

/**
 * Crashes the child (cold in `format`) at `point` during `statement`, reopens, and checks the state and
 * every event. `inspect` then looks at what open did; the checkpoint, the second reopen
 * and the cleanup follow.
 */
async function crashWith(format: string, point: string, statement: string, inspect: (c: Crashed) => Promise<void>, gone?: (i: number) => boolean): Promise<void> {
  const { dir, cleanup } = tempDir('strata-cloud-crash-');
  try {
    const r = await runChild(dir, s3.url, point, statement, format);
    expect(r.code, r.stderr).toBe(7);
    let db = await Strata.open(dir, OPEN);
    try {
      const parts = await expectConsistent(db, s3.url);
      expect(await scanAll(db)).toEqual(expectedRows(gone));
      expect(db.openReport.damaged).toEqual([]);
      // only a drop leaves a file no partition refers to; the others name what they removed
      if (point !== 'error_drop_after_switch') expect(db.openReport.orphansRemoved).toEqual([]);
      await inspect({ db, dir, report: db.openReport, parts });
      // the database goes on: refresh every partition (cloud-only ones included) and reopen
      await db.checkpoint();
      await expectConsistent(db, s3.url);
      await db.close();
      db = await Strata.open(dir, OPEN);
      expect(db.openReport).toMatchObject({ rolledBack: [], completed: [], orphansRemoved: [], damaged: [], cloud: [] });
      const after = await expectConsistent(db, s3.url);
      expect(after.every((p) => p.events_heap === 0)).toBe(true);
      expect(await scanAll(db)).toEqual(expectedRows(gone));
    } finally {
      await db.close();
    }
  } finally {
    cleanup();
  }
}

/** The partition starting at `min` in `parts`. */
function part(parts: Part[], min: number): Part {
  return parts.find((p) => p.min === BigInt(min))!;
}

// each crash test runs with cold in Strata's own format and in Parquet (docs/parquet-format.md)
for (const format of ['strata', 'parquet']) describe.concurrent(`crash at each cloud error-injection point, then reopen (cold in format ${format})`, () => {
  const crashAt = (point: string, statement: string, inspect: (c: Crashed) => Promise<void>, gone?: (i: number) => boolean): Promise<void> =>
    crashWith(format, point, statement, inspect, gone);

  test('upload, before the switch: the object of the upload is deleted at open, the partition stays local', async () => {
    await crashAt('error_upload_before_switch', 'UPLOAD PARTITION 3000', async ({ db, dir, report, parts }) => {
      expect(part(parts, 3000)).toMatchObject({ storage: 'cold', on_storage: true, on_cloud: false });
      // UPLOAD refreshed the partition first: the object of that new generation went
      expect(report.cloud).toEqual([`deleted s3:${await coldKey(db, 3000, generation(dir, 3000))}`]);
    });
  });

  test('upload, after the switch: the cloud copy is the live one, the local file is removed at open', async () => {
    await crashAt('error_upload_after_switch', 'UPLOAD PARTITION 3000', async ({ report, parts }) => {
      expect(part(parts, 3000)).toMatchObject({ storage: 'cold', on_storage: false, on_cloud: true });
      expect(report.completed).toEqual([expect.stringMatching(/^cloud copy of partition 3000 is the live one \(removed local cold\//)]);
      expect(report.cloud).toEqual([]);
    });
  });

  test('download, before the switch: the fetched file is removed at open, the partition stays on the cloud', async () => {
    await crashAt('error_download_before_switch', 'DOWNLOAD PARTITION 2000', async ({ report, parts }) => {
      expect(part(parts, 2000)).toMatchObject({ storage: 'cold', on_storage: false, on_cloud: true });
      expect(report.completed).toEqual([expect.stringMatching(/^cloud copy of partition 2000 is the live one \(removed local cold\//)]);
      expect(report.cloud).toEqual([]);
    });
  });

  test('download, after the switch: both copies are live', async () => {
    await crashAt('error_download_after_switch', 'DOWNLOAD PARTITION 2000', async ({ report, parts }) => {
      expect(part(parts, 2000)).toMatchObject({ storage: 'cold', on_storage: true, on_cloud: true });
      expect(report).toMatchObject({ rolledBack: [], completed: [], orphansRemoved: [], cloud: [] });
    });
  });

  test('refresh of a cloud-only partition, before the switch: rolled back, the new object deleted, the events come back from the WAL', async () => {
    await crashAt('error_refresh_before_switch', 'REFRESH PARTITION 2000', async ({ db, dir, report, parts }) => {
      expect(part(parts, 2000)).toMatchObject({ storage: 'cold', on_storage: false, on_cloud: true, events_heap: 143 + 1 });
      expect(report.rolledBack).toEqual([expect.stringMatching(/^refresh of partition 2000 rolled back \(removed cold\//)]);
      // the old object fetched into the folder for the merge
      expect(report.completed).toEqual([expect.stringMatching(/^cloud copy of partition 2000 is the live one/)]);
      // the new object, not the live one, is deleted
      expect(await deletedGen(db, report, 2000)).toBeGreaterThan(generation(dir, 2000));
    });
  });

  test('refresh of a cloud-only partition, after the switch: completed, the old object deleted at open', async () => {
    await crashAt('error_refresh_after_switch', 'REFRESH PARTITION 2000', async ({ db, dir, report, parts }) => {
      expect(part(parts, 2000)).toMatchObject({ storage: 'cold', on_storage: false, on_cloud: true, events_heap: 0 });
      expect(report.rolledBack).toEqual([]);
      // the old object, not the new live one, is deleted
      expect(await deletedGen(db, report, 2000)).toBeLessThan(generation(dir, 2000));
    });
  });

  test('move into a cloud storage, after the copy: rolled back, the uploaded object deleted at open', async () => {
    await crashAt('error_move_after_copy', 'MOVE PARTITION 1000 INTO cold', async ({ db, dir, report, parts }) => {
      expect(part(parts, 1000)).toMatchObject({ storage: 'main', on_storage: true, on_cloud: false });
      expect(report.rolledBack).toEqual([expect.stringMatching(/^move of partition 1000 rolled back \(removed cold\//)]);
      expect(await deletedGen(db, report, 1000)).toBeGreaterThan(generation(dir, 1000));
    });
  });

  test('move into a cloud storage, after the switch: completed, the source file removed at open', async () => {
    await crashAt('error_move_after_switch', 'MOVE PARTITION 1000 INTO cold', async ({ report, parts }) => {
      expect(part(parts, 1000)).toMatchObject({ storage: 'cold', on_storage: false, on_cloud: true, events_heap: 0 });
      expect(report.completed).toEqual(
        expect.arrayContaining([expect.stringMatching(/^move of partition 1000 completed \(removed main\//), expect.stringMatching(/^cloud copy of partition 1000 is the live one/)]),
      );
      expect(report.cloud).toEqual([]);
    });
  });

  test('move out of a cloud storage, after the copy: rolled back, the object stays the live copy', async () => {
    await crashAt('error_move_after_copy', 'MOVE PARTITION 2000 INTO main', async ({ dir, report, parts }) => {
      expect(part(parts, 2000)).toMatchObject({ storage: 'cold', on_storage: false, on_cloud: true });
      expect(readManifest(dir).partitions.find((p) => p.min === 2000n)).toMatchObject({ storage: 'cold', onCloud: true });
      expect(report.rolledBack).toEqual([expect.stringMatching(/^move of partition 2000 rolled back \(removed main\//)]);
      expect(report.cloud).toEqual([]);
    });
  });

  test('move out of a cloud storage, after the switch: completed, the object deleted at open', async () => {
    await crashAt('error_move_after_switch', 'MOVE PARTITION 2000 INTO main', async ({ db, dir, report, parts }) => {
      expect(part(parts, 2000)).toMatchObject({ storage: 'main', on_storage: true, on_cloud: false, events_heap: 0 });
      expect(report.completed).toEqual([expect.stringMatching(/^move of partition 2000 completed \(removed cold\//)]);
      expect(await deletedGen(db, report, 2000)).toBeLessThan(generation(dir, 2000));
    });
  });

  test('drop of a partition with a local and a cloud copy, after the switch: both removed at open, its events stay gone', async () => {
    await crashAt(
      'error_drop_after_switch',
      'DROP PARTITION 4000',
      async ({ db, report, parts }) => {
        expect(parts.map((p) => p.min)).toEqual([0n, 1000n, 2000n, 3000n]);
        expect(report.orphansRemoved).toEqual([expect.stringMatching(/^cold\/0+4000\.\d+\.part$/)]);
        await deletedGen(db, report, 4000);
      },
      (i) => i >= 4000,
    );
  });

  test('drop of a cloud-only partition, after the switch: its object deleted at open, its events stay gone', async () => {
    await crashAt(
      'error_drop_after_switch',
      'DROP PARTITION 2000',
      async ({ db, report, parts }) => {
        expect(parts.map((p) => p.min)).toEqual([0n, 1000n, 3000n, 4000n]);
        expect(report.orphansRemoved).toEqual([]);
        await deletedGen(db, report, 2000);
      },
      (i) => i >= 2000 && i < 3000,
    );
  });
});

describe('crash, then reopen while the cloud is unreachable', () => {
  let proxy: FaultProxy;
  beforeAll(async () => {
    proxy = await startFaultProxy(s3.url);
  });
  afterAll(async () => {
    await proxy?.close();
  });

  test('refresh before the switch: open succeeds and keeps the deletion for later; refreshing again (a new generation) and reopening loses nothing', async () => {
    const { dir, cleanup } = tempDir('strata-cloud-crash-');
    try {
      // the child talks to the server through the proxy, so the proxy can cut it off later
      const r = await runChild(dir, proxy.url, 'error_refresh_before_switch', 'REFRESH PARTITION 2000');
      expect(r.code, r.stderr).toBe(7);
      const gen = generation(dir, 2000);
      proxy.inject({ kind: 'drop' }, Infinity);
      let db = await Strata.open(dir, OPEN);
      try {
        // the rolled-back refresh's object: a newer generation than the live one
        const pending = readManifest(dir).cloudDeletes.map((d) => `${d.bucket}/${d.key}`);
        expect(pending).toHaveLength(1);
        const newKey = pending[0]!;
        expect(newKey.startsWith((await coldKey(db, 2000, 0)).replace(/0\.part$/, ''))).toBe(true);
        expect(Number(/\.(\d+)\.part$/.exec(newKey)![1])).toBeGreaterThan(gen);
        expect(db.openReport.rolledBack).toEqual([expect.stringMatching(/^refresh of partition 2000 rolled back/)]);
        expect(db.openReport.cloud).toEqual([expect.stringMatching(new RegExp(`^could not delete s3:${newKey}, retried at the next open or by DROP ORPHANS: cloud delete: .*connection`))]);
        expect(readManifest(dir).cloudDeletes.map((d) => `${d.bucket}/${d.key}`)).toEqual([newKey]);
        // the local partitions are readable while the cloud is out of reach
        expect(await scanAll(db, 0, 1999)).toEqual(expectedRows().filter((row) => row.id < 2000n));
        proxy.clear();
        // the refresh again: its new file never reuses the generation of the one rolled back
        await db.execute('REFRESH PARTITION 2000');
        expect(generation(dir, 2000)).toBeGreaterThan(Number(/\.(\d+)\.part$/.exec(newKey)![1]));
        expect(await scanAll(db)).toEqual(expectedRows());
        // the rolled-back object still waits for the next open; no live object does
        await expectConsistent(db, s3.url, { pending: true });
        await db.close();
        db = await Strata.open(dir, OPEN);
        // with the cloud back, open deletes the rolled-back object, and nothing else
        expect(db.openReport.cloud).toEqual([`deleted s3:${newKey}`]);
        expect(await scanAll(db)).toEqual(expectedRows());
        await expectConsistent(db, s3.url);
      } finally {
        await db.close();
      }
    } finally {
      cleanup();
    }
  });
});
