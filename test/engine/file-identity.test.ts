/**
 * Every partition file the engine writes says which partition it is: its version-2
 * footer holds the partition's range, the generation of its name and the lsn of the
 * manifest row, after refreshes and moves (into an encrypted storage too: the footer
 * reads without the key), inline and in a worker thread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { Manifest, type PartitionRecord } from '../../src/manifest/index.ts';
import { inspectPartitionFile } from '../../src/partition/index.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/** The manifest's partition rows, read by a second connection while the database is open. */
function rows(): PartitionRecord[] {
  const m = Manifest.open(path.join(dir, 'manifest.db'));
  try {
    return m.listPartitions();
  } finally {
    m.close();
  }
}

/** Every file named `name` under `root`. */
function find(root: string, name: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync(root, { withFileTypes: true })) {
    const p = path.join(root, e.name);
    if (e.isDirectory()) found.push(...find(p, name));
    else if (e.name === name) found.push(p);
  }
  return found;
}

/** Checks that the live file of every row with a file records the row's range, generation and lsn. */
function expectFilesMatchRows(): PartitionRecord[] {
  const all = rows();
  for (const r of all.filter((r) => r.file !== 0)) {
    const files = find(dir, `${r.min.toString().padStart(20, '0')}.${r.file}.part`);
    expect(files.length, `partition ${r.min}`).toBe(1);
    const d = inspectPartitionFile(files[0]!);
    expect({ min: r.min, version: d.version, identity: d.identity, events: d.events, size: d.size }).toEqual({
      min: r.min, version: 2, identity: { min: r.min, max: r.max, generation: r.file, lsn: r.lsn }, events: r.events, size: r.size,
    });
  }
  return all;
}

function batch(ids: readonly number[], tag: string): BatchBuilder {
  const b = new BatchBuilder();
  for (const id of ids) b.insert(id, undefined, `${tag} ${id}`);
  return b;
}

for (const workers of [0, 1]) {
  test(`workers ${workers}: refreshes and moves write files whose footer holds the manifest row's range, generation and lsn`, async () => {
    const db = await Strata.open(dir, { workers, interval: 100 });
    try {
      await db.execute("CREATE STORAGE cold (compression 'lz4'); CREATE STORAGE vault (encryption 'aes')");
      await db.write(batch([5, 17, 150], 'a'));
      await db.write(batch([99], 'b'));
      // each check runs with nothing in memory, so that with workers the background
      // service has nothing to refresh while the files are compared with the rows
      await db.refresh(5n);
      await db.refresh(150n);
      let [p0, p100] = expectFilesMatchRows();
      expect([p0!.min, p0!.max, p0!.events, p100!.min, p100!.max, p100!.events]).toEqual([0n, 99n, 3, 100n, 199n, 1]);
      // the lsn is that of the last batch written into the partition: the second batch
      // for partition 0, the first for partition 100
      expect(p100!.lsn).toBeGreaterThan(0n);
      expect(p0!.lsn).toBe(p100!.lsn + 1n);
      const first = p0!;
      // more writes, another refresh: a new generation, a higher lsn
      await db.write(batch([150, 151], 'c'));
      await db.write(batch([42], 'd'));
      await db.refresh(5n);
      await db.refresh(150n);
      [p0, p100] = expectFilesMatchRows();
      expect(p0!.file).toBeGreaterThan(first.file);
      expect(p0!.lsn).toBe(p100!.lsn + 1n);
      expect(p0!.lsn).toBeGreaterThan(first.lsn);
      // a move with nothing in memory keeps the lsn and takes a new generation
      const before = p0!;
      await db.execute('MOVE PARTITION 0 INTO cold');
      [p0] = expectFilesMatchRows();
      expect([p0!.storage, p0!.lsn, p0!.file > before.file]).toEqual(['cold', before.lsn, true]);
      // a move into an encrypted storage: the footer still reads without the key
      await db.write(batch([7], 'e'));
      await db.execute('MOVE PARTITION 0 INTO vault; MOVE PARTITION 100 INTO vault');
      const moved = expectFilesMatchRows();
      expect(moved.map((r) => [r.min, r.max, r.storage])).toEqual([[0n, 99n, 'vault'], [100n, 199n, 'vault']]);
      expect(moved[0]!.lsn).toBeGreaterThan(before.lsn);
      // the files hold what the manifest says: the database reopens on them
      await db.close();
      const again = await Strata.open(dir, { workers });
      expect(again.openReport.damaged).toEqual([]);
      expectFilesMatchRows();
      await again.close();
    } finally {
      await db.close();
    }
  });
}
