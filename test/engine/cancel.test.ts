/**
 * Cancelling statements with `execute(sql, { signal })`: a statement over several
 * partitions stops between two of them (the one in flight finishes), a script before
 * its next statement; what was done stays done, every partition in exactly one place,
 * and the error says how far it got. Aborts are triggered by the engine's own events
 * (an operation ending), never by time.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let db: Strata;

beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  db = await Strata.open(dir, { workers: 0, interval: 100 });
  const b = new BatchBuilder();
  for (let i = 0; i < 1000; i++) b.insert(i, undefined, `v${i}`);
  await db.write(b); // ten partitions of 100 events
  await db.execute('CREATE STORAGE cold');
});
afterEach(async () => {
  await db.close();
  cleanup();
});

/** An AbortController that fires once `n` operations of `kind` have ended. */
function abortAfter(kind: string, n: number): AbortController {
  const controller = new AbortController();
  let seen = 0;
  const stop = db.observe((e) => {
    if (e.type === 'operation' && e.kind === kind && ++seen === n) {
      controller.abort();
      stop();
    }
  });
  return controller;
}

async function where(): Promise<string[]> {
  return ((await db.execute('SHOW PARTITIONS')) as { min: bigint; storage: string }[]).map((p) => `${p.min}@${p.storage}`);
}

test('MOVE PARTITIONS stops after the partition in flight; the rest stay where they were', async () => {
  const c = abortAfter('move', 3);
  await expect(db.execute('MOVE PARTITIONS BETWEEN 0 AND 999 INTO cold', { signal: c.signal })).rejects.toMatchObject({
    code: 'CANCELLED',
    message: 'move partitions: cancelled: 3 of 10 partitions done, the other 7 not started; run the statement again to go on',
  });
  const parts = await where();
  expect(parts).toEqual(['0@cold', '100@cold', '200@cold', ...[3, 4, 5, 6, 7, 8, 9].map((i) => `${i * 100}@main`)]);
  expect(await db.execute('SELECT')).toHaveLength(1000);
  // again without a signal: goes on and finishes
  await db.execute('MOVE PARTITIONS BETWEEN 0 AND 999 INTO cold');
  expect((await where()).every((p) => p.endsWith('@cold'))).toBe(true);
});

test('REFRESH PARTITIONS and REBALANCE stop between partitions too', async () => {
  const r = abortAfter('refresh', 1);
  await expect(db.execute('REFRESH PARTITIONS BETWEEN 0 AND 999', { signal: r.signal })).rejects.toMatchObject({
    code: 'CANCELLED',
    message: expect.stringMatching(/^refresh partitions: cancelled: 1 of 10 partitions done, the other 9 not started/),
  });
  const refreshed = (await db.execute('SHOW PARTITIONS')) as { events: number }[];
  expect(refreshed.filter((p) => p.events > 0)).toHaveLength(1);

  await db.execute('ALTER PIPELINE main (partitions 1), cold');
  const m = abortAfter('move', 2);
  await expect(db.execute('REBALANCE', { signal: m.signal })).rejects.toMatchObject({
    code: 'CANCELLED',
    message: expect.stringMatching(/^rebalance: cancelled: 2 of 9 steps done, the other 7 not started/),
  });
  expect((await where()).filter((p) => p.endsWith('@cold'))).toEqual(['0@cold', '100@cold']);
  await db.execute('REBALANCE');
  expect((await where()).filter((p) => p.endsWith('@main'))).toEqual(['900@main']);
});

test('a signal already fired runs nothing: no statement of the script, no partition', async () => {
  const c = new AbortController();
  c.abort();
  await expect(db.execute("INSERT (5000, 'x'); DROP PARTITIONS BETWEEN 0 AND 999", { signal: c.signal })).rejects.toMatchObject({
    code: 'CANCELLED',
    message: 'execute: cancelled: 0 of 2 statements done, the other 2 not started; run the statement again to go on',
  });
  expect(await db.execute('SELECT FROM 5000')).toEqual([]);
  expect(await where()).toHaveLength(10);
});

test('a statement on one partition runs to its end; a bad signal is refused', async () => {
  const c = abortAfter('move', 1);
  expect(await db.execute('MOVE PARTITION 0 INTO cold', { signal: c.signal })).toBeNull();
  expect(c.signal.aborted).toBe(true);
  expect((await where())[0]).toBe('0@cold');
  await expect(db.execute('SELECT', { signal: 'stop' as unknown as AbortSignal })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
});
