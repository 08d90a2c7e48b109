/**
 * A refresh that fails before its switch leaves nothing behind (refresh.ts `abandon`):
 * no new file, no operation row (so the next open has nothing to roll back), no entry
 * in SHOW OPERATIONS; the frozen events stay readable and the next refresh merges them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata, isStrataError } from '../../src/index.ts';
import { partitionFile, scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('strata-refresh-fail-')));
afterEach(() => cleanup());

async function fill(db: Strata, from: number, to: number, tag: string): Promise<void> {
  const b = new BatchBuilder();
  for (let id = from; id <= to; id++) b.insert(id, 'k', `${tag}-${id}`);
  await db.write(b);
}

test('a refresh whose merge fails removes its new file and its operation row', async () => {
  let db = await Strata.open(dir, { workers: 0, interval: 1000n, compression: 'none' });
  const main = (await db.execute('SHOW STORAGE main')) as { config: { uuid: string } };
  const folder = path.join(dir, main.config.uuid);
  await fill(db, 0, 99, 'a');
  await db.checkpoint();
  const before = fs.readdirSync(folder).sort();
  // writes inside the file's range: the refresh merges (reads) the old regions
  await fill(db, 50, 149, 'b');
  const file = partitionFile(folder, 0);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.from([0xff, 0xff]), 0, 2, 40);
  fs.closeSync(fd);

  const err = await db.refresh(0).catch((e: unknown) => e);
  expect(isStrataError(err, 'CORRUPTION')).toBe(true);
  expect(fs.readdirSync(folder).sort()).toEqual(before);
  expect(await db.execute('SHOW OPERATIONS')).toEqual([]);
  // the frozen memtable is still read (ids past the damaged region's events)
  expect(scan(db, 100n, 149n).map((r) => r.value)).toEqual([...Array(50).keys()].map((i) => `b-${100 + i}`));
  await db.close();

  db = await Strata.open(dir, { workers: 0 });
  try {
    expect(db.openReport.rolledBack).toEqual([]);
    expect(db.openReport.orphansRemoved).toEqual([]);
    expect(fs.readdirSync(folder).sort()).toEqual(before);
  } finally {
    await db.close();
  }
});
