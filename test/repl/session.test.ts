/** What the console prints about the open: the `open:` lines of openReport, WAL lines included. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { Strata } from '../../src/index.ts';
import { openReportLines } from '../../repl/session.ts';
import { tempDir } from './helpers.ts';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

test('a torn tail cut and the records replayed', async () => {
  let db = await Strata.open(tmp.dir, { workers: 0 });
  await db.execute("INSERT (1, 'a'); INSERT (2, 'b')");
  await db.close();
  const wal = path.join(tmp.dir, 'wal');
  const file = fs.readdirSync(wal).sort().at(-1)!;
  const size = fs.statSync(path.join(wal, file)).size;
  fs.appendFileSync(path.join(wal, file), Buffer.alloc(13, 7));
  db = await Strata.open(tmp.dir);
  try {
    expect(openReportLines(db)).toEqual([`open: wal: cut the torn tail of ${file} at offset ${size} (13 bytes)`, 'open: replayed 2 wal records (2 events)']);
  } finally {
    await db.close();
  }
});

test('records replayed and records skipped (already in partition files) apart; nothing when nothing happened', async () => {
  let db = await Strata.open(tmp.dir, { workers: 0, interval: 1000 });
  await db.execute("INSERT (1, 'a'); INSERT (1500, 'b'); INSERT (2, 'c'); REFRESH PARTITION 0");
  await db.close();
  db = await Strata.open(tmp.dir, { workers: 0 });
  try {
    expect(openReportLines(db)).toEqual(['open: replayed 1 wal record (1 event)', 'open: skipped 2 wal records (2 events): already refreshed or dropped']);
    expect(db.openReport.wal).toMatchObject({ records: 3, events: 3, skipped: 2, replayedRecords: 1, replayedEvents: 1, skippedRecords: 2 });
    await db.execute('REFRESH PARTITION 1000');
  } finally {
    await db.close();
  }
  // every record in a partition file: the log is not even read, and nothing is said
  db = await Strata.open(tmp.dir, { workers: 0 });
  try {
    expect(openReportLines(db)).toEqual([]);
  } finally {
    await db.close();
  }
});

test('point_in_time: what it dropped, per file and in all', async () => {
  let db = await Strata.open(tmp.dir, { workers: 0, wal_rotate_wm: 4096 });
  for (let i = 0; i < 40; i++) await db.execute(`INSERT (${i}, '${'x'.repeat(200)}')`);
  await db.close();
  const wal = path.join(tmp.dir, 'wal');
  const files = fs.readdirSync(wal).sort();
  expect(files.length).toBeGreaterThan(2);
  const first = path.join(wal, files[0]!);
  const seg = fs.readFileSync(first);
  seg[16 + 24 + 5] = seg[16 + 24 + 5]! ^ 1; // the first record
  fs.writeFileSync(first, seg);
  db = await Strata.open(tmp.dir, { wal_recovery: 'point_in_time' });
  try {
    const lines = openReportLines(db);
    const inFirst = Number(files[1]!.slice(0, 20)) - 1; // the records of the first segment: one event each
    expect(lines[0]).toBe(`open: wal recovery point_in_time: DROPPED ${files[0]} at offset 16 (${seg.length - 16} bytes): ${inFirst} records, ${inFirst} events`);
    expect(lines[1]).toMatch(new RegExp(`^open: wal recovery point_in_time: DROPPED ${files[1]} whole \\(\\d+ bytes\\): \\d+ records, \\d+ events$`));
    expect(lines.at(-1)).toBe('open: wal recovery point_in_time: DROPPED 40 records, 40 events in all');
    expect(lines).toHaveLength(files.length + 1);
  } finally {
    await db.close();
  }
});
