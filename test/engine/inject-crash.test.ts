/**
 * Crash tests at each error-injection point of refresh, move and drop: a child
 * process stops at the point and dies; reopening must leave exactly one copy of every
 * partition, no orphan file, and every event but those of a partition whose drop
 * committed (its events in the WAL must not come back).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { Strata } from '../../src/index.ts';
import { scan, tempDir } from './helpers.ts';

const child = fileURLToPath(new URL('./inject-child.mjs', import.meta.url));

interface Part {
  min: bigint;
  storage: string;
  on_storage: boolean;
}

/** The value event i has after the child's writes (workload `mixed`), or undefined if deleted. */
function expected(i: number): string | undefined {
  if (i === 5) return undefined;
  return i % 7 === 0 ? `w${i}` : `v${i}`;
}

async function crashAt(point: string, statement: string, workload: 'mixed' | 'append' = 'mixed') {
  const { dir, cleanup } = tempDir('strata-inject-');
  const r = spawnSync(process.execPath, [child, dir, point, statement, workload], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(7);
  const db = await Strata.open(dir, { workers: 0 });
  const parts = (await db.execute('SHOW PARTITIONS')) as Part[];
  // exactly one copy per partition, no orphan: the files on disk are the live ones
  const storages = (await db.execute('SHOW STORAGES')) as { name: string; config: { uuid: string } }[];
  const files: string[] = [];
  for (const s of storages) {
    for (const f of fs.readdirSync(path.join(dir, s.config.uuid)).filter((n) => n.endsWith('.part'))) files.push(`${s.name}/${BigInt(f.split('.')[0]!)}`);
  }
  expect(files.sort()).toEqual(parts.filter((p) => p.on_storage).map((p) => `${p.storage}/${p.min}`).sort());
  const rows = scan(db);
  return { db, parts, rows, report: db.openReport, cleanup };
}

function expectAll(rows: { id: bigint; value: string }[], except: (i: number) => boolean = () => false): void {
  const want: [bigint, string][] = [];
  for (let i = 0; i < 3000; i++) {
    const v = expected(i);
    if (v !== undefined && !except(i)) want.push([BigInt(i), v]);
  }
  expect(rows.map((r) => [r.id, r.value])).toEqual(want);
}

describe('crash at each error-injection point', () => {
  test('refresh, before the switch: rolled back, the events come back from the WAL', async () => {
    const { db, parts, rows, report, cleanup } = await crashAt('error_refresh_before_switch', 'REFRESH PARTITION 1000');
    expect(report.rolledBack).toEqual([expect.stringMatching(/^refresh of partition 1000 rolled back/)]);
    expect(parts.find((p) => p.min === 1000n)!.storage).toBe('hot');
    expectAll(rows);
    await db.close();
    cleanup();
  });

  test('refresh, after the switch: completed, the old file removed', async () => {
    const { db, rows, report, cleanup } = await crashAt('error_refresh_after_switch', 'REFRESH PARTITION 1000');
    expect(report.completed).toEqual([expect.stringMatching(/^refresh of partition 1000 completed \(removed old file hot\//)]);
    expectAll(rows);
    await db.close();
    cleanup();
  });

  test('append refresh, before the switch: rolled back, the events come back from the WAL', async () => {
    const { db, parts, rows, report, cleanup } = await crashAt('error_refresh_before_switch', 'REFRESH PARTITION 1000', 'append');
    expect(report.rolledBack).toEqual([expect.stringMatching(/^refresh of partition 1000 rolled back/)]);
    expect(parts.find((p) => p.min === 1000n)).toMatchObject({ storage: 'hot', events: 500 });
    expect(rows.map((r) => [r.id, r.value])).toEqual(Array.from({ length: 3000 }, (_, i) => [BigInt(i), `v${i}`]));
    await db.close();
    cleanup();
  });

  test('append refresh, after the switch: completed, the new file holds both halves', async () => {
    const { db, parts, rows, report, cleanup } = await crashAt('error_refresh_after_switch', 'REFRESH PARTITION 1000', 'append');
    expect(report.completed).toEqual([expect.stringMatching(/^refresh of partition 1000 completed \(removed old file hot\//)]);
    expect(parts.find((p) => p.min === 1000n)).toMatchObject({ storage: 'hot', events: 1000 });
    expect(rows.map((r) => [r.id, r.value])).toEqual(Array.from({ length: 3000 }, (_, i) => [BigInt(i), `v${i}`]));
    await db.close();
    cleanup();
  });

  test('move, after the copy: rolled back, the partition stays on its source', async () => {
    const { db, parts, rows, report, cleanup } = await crashAt('error_move_after_copy', 'MOVE PARTITION 2000 INTO cold');
    expect(report.rolledBack).toEqual([expect.stringMatching(/^move of partition 2000 rolled back \(removed cold\//)]);
    expect(parts.find((p) => p.min === 2000n)!.storage).toBe('hot');
    expectAll(rows);
    await db.close();
    cleanup();
  });

  test('move, after the switch: completed, the source file removed', async () => {
    const { db, parts, rows, report, cleanup } = await crashAt('error_move_after_switch', 'MOVE PARTITION 2000 INTO cold');
    expect(report.completed).toEqual([expect.stringMatching(/^move of partition 2000 completed \(removed hot\//)]);
    expect(parts.find((p) => p.min === 2000n)!.storage).toBe('cold');
    expectAll(rows);
    await db.close();
    cleanup();
  });

  test('rebalance move, after the copy: rolled back', async () => {
    const { db, rows, cleanup } = await crashAt('error_move_after_copy', 'ALTER PIPELINE hot (partitions 1), cold; REBALANCE');
    expectAll(rows);
    await db.close();
    cleanup();
  });

  test('drop, after the manifest switch (row gone, tombstone recorded): the file is an orphan, the events stay gone', async () => {
    const { db, parts, rows, report, cleanup } = await crashAt('error_drop_after_switch', 'DROP PARTITION 0');
    expect(parts.map((p) => p.min)).toEqual([1000n, 2000n]);
    expect(report.orphansRemoved).toEqual([expect.stringMatching(/^hot\/0+\.1\.part$/)]);
    expectAll(rows, (i) => i < 1000);
    await db.close();
    cleanup();
  });
});
