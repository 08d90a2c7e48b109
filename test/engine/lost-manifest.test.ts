/**
 * A lost manifest is refused: when manifest.db is missing or empty but the directory
 * holds WAL segments or partition files, open fails with CORRUPTION and changes nothing,
 * instead of creating a new, empty database over the data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata, isStrataError } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir('strata-lost-')));
afterEach(() => cleanup());

/** Every path under `root` with its size, for a before/after comparison. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = fs.statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${path.relative(root, p)} ${st.size}`);
    }
  };
  walk(root);
  return out;
}

/** 1205 events in batches of 5, with checkpoints that release older WAL segments. */
async function populate(): Promise<void> {
  const db = await Strata.open(dir, { workers: 0, wal_rotate_wm: 8192, interval: 1000n });
  for (let k = 0; k < 241; k++) {
    const b = new BatchBuilder();
    for (let j = 0; j < 5; j++) b.insert(k * 5 + j, 'k', `v${k}-${j}`);
    await db.write(b);
    if (k % 60 === 59) await db.checkpoint();
  }
  await db.close();
}

async function expectRefused(state: string): Promise<void> {
  const before = listing(dir);
  const e = await Strata.open(dir, { workers: 0 }).then(
    async (db) => {
      await db.close();
      return null;
    },
    (x: unknown) => x,
  );
  expect(isStrataError(e, 'CORRUPTION'), String(e)).toBe(true);
  const message = (e as Error).message;
  expect(message).toContain(`open: ${path.join(dir, 'manifest.db')} is ${state} but ${dir} holds `);
  expect(message).toMatch(/WAL segment\(s\) with records and \d+ partition file\(s\) in 1 storage folder\(s\)/);
  expect(message).toContain(`strata repair ${dir}`);
  expect(listing(dir)).toEqual(before);
}

test('a deleted manifest.db over existing data is refused, and nothing changes', async () => {
  await populate();
  for (const f of ['manifest.db', 'manifest.db-wal', 'manifest.db-shm']) fs.rmSync(path.join(dir, f), { force: true });
  await expectRefused('missing');
  // refused again: the first refusal created nothing
  await expectRefused('missing');
});

test('a 0-byte manifest.db over existing data is refused', async () => {
  await populate();
  for (const f of ['manifest.db-wal', 'manifest.db-shm']) fs.rmSync(path.join(dir, f), { force: true });
  fs.writeFileSync(path.join(dir, 'manifest.db'), '');
  await expectRefused('empty');
});

test('partition files alone (no WAL) are enough to refuse', async () => {
  await populate();
  fs.rmSync(path.join(dir, 'manifest.db'));
  fs.rmSync(path.join(dir, 'wal'), { recursive: true });
  const e = await Strata.open(dir, { workers: 0 }).then(() => null, (x: unknown) => x);
  expect((e as Error).message).toMatch(/holds \d+ partition file\(s\) in 1 storage folder\(s\):/);
});

test('a new directory, and one left by a first open that wrote nothing, open as new databases', async () => {
  const db = await Strata.open(dir, { workers: 0 });
  await db.close();
  // no events were written: an empty WAL segment and an empty storage folder
  fs.rmSync(path.join(dir, 'manifest.db'));
  const again = await Strata.open(dir, { workers: 0 });
  await again.close();
});
