/**
 * Load shedding: with mm_limit on, writes past mm_limit_wm either fail fast with a
 * retryable OVERLOADED error, or wait while refreshes free memory; memory stays
 * bounded and nothing is lost either way.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata, StrataError } from '../../src/index.ts';
import { scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const MiB = 1024 * 1024;

function batch(k: number): BatchBuilder {
  const b = new BatchBuilder();
  for (let j = 0; j < 100; j++) b.insert(k * 100 + j, undefined, 'v'.repeat(1000));
  return b;
}

test("behaviour 'error': OVERLOADED past the limit, retryable, nothing of the batch written", async () => {
  const db = await Strata.open(dir, { workers: 0, mm_limit: true, mm_limit_wm: MiB, mm_limit_behaviour: 'error', interval: 1_000_000 });
  let k = 0;
  let error: unknown;
  for (; k < 100; k++) {
    try {
      await db.write(batch(k));
    } catch (e) {
      error = e;
      break;
    }
  }
  expect(error).toBeInstanceOf(StrataError);
  expect((error as StrataError).code).toBe('OVERLOADED');
  expect((error as StrataError).retryable).toBe(true);
  expect((error as Error).message).toMatch(/^write: memory limit reached/);
  expect(scan(db).length).toBe(k * 100);
  await db.checkpoint();
  await db.write(batch(k)); // memory freed: the retry goes through
  expect(scan(db).length).toBe((k + 1) * 100);
  await db.close();
});

test("behaviour 'block': writes wait for refresh, memory stays bounded, every event is kept", async () => {
  const db = await Strata.open(dir, { workers: 0, mm_limit: true, mm_limit_wm: MiB, mm_limit_behaviour: 'block', interval: 5_000 });
  let peak = 0;
  for (let k = 0; k < 60; k++) {
    await db.write(batch(k));
    const { used } = (await db.execute('SHOW MEMORY')) as { used: number };
    peak = Math.max(peak, used);
  }
  expect(peak).toBeLessThan(MiB + 200 * 1024);
  const rows = scan(db);
  expect(rows.length).toBe(6000);
  expect(rows[5999]!.id).toBe(5999n);
  await db.close();
});
