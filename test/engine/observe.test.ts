/**
 * `db.observe`: each acknowledged write (events, bytes), each WAL sync and each end of
 * an operation, failed ones marked; a listener that throws changes nothing; the
 * returned function stops it.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BatchBuilder, type EngineEvent, Strata } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let db: Strata;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir('strata-observe-'));
  db = await Strata.open(dir, { workers: 0, interval: 1000n, wal_sync_on_write: true });
});
afterEach(async () => {
  await db.close();
  cleanup();
});

function batch(from: number, n: number): Uint8Array {
  const b = new BatchBuilder();
  for (let i = 0; i < n; i++) b.insert(BigInt(from + i), '', `value ${i}`);
  return b.finish().slice();
}

test('writes, WAL syncs and operations are told, with their sizes and times', async () => {
  const events: EngineEvent[] = [];
  const stop = db.observe((e) => events.push(e));
  const bytes = batch(0, 10);
  await db.write(bytes);
  await db.execute("INSERT (5000, 'k', 'v')"); // SQL writes are writes too
  await db.refresh(0);
  stop();
  await db.write(batch(100, 1)); // not told: stopped
  const writes = events.filter((e) => e.type === 'write');
  expect(writes).toEqual([
    { type: 'write', events: 10, bytes: bytes.length, seconds: expect.any(Number) },
    { type: 'write', events: 1, bytes: expect.any(Number), seconds: expect.any(Number) },
  ]);
  expect(writes.every((e) => e.seconds >= 0)).toBe(true);
  expect(events.filter((e) => e.type === 'wal_sync').length).toBeGreaterThanOrEqual(2);
  const ops = events.filter((e) => e.type === 'operation');
  expect(ops).toEqual([{ type: 'operation', kind: 'refresh', bytes: expect.any(Number), seconds: expect.any(Number), ok: true }]);
  expect((ops[0] as { bytes: number }).bytes).toBeGreaterThan(0);
});

test('a failed operation is told with ok false', async () => {
  const ops: EngineEvent[] = [];
  db.observe((e) => {
    if (e.type === 'operation') ops.push(e);
  });
  await db.write(batch(0, 10));
  await db.execute('SET error_refresh_before_switch TO true');
  await expect(db.execute('REFRESH PARTITION 0')).rejects.toMatchObject({ code: 'INTERNAL' });
  await db.execute('SET error_refresh_before_switch TO false');
  await db.execute('REFRESH PARTITION 0');
  expect(ops.map((e) => (e.type === 'operation' ? [e.kind, e.ok] : null))).toEqual([
    ['refresh', false],
    ['refresh', true],
  ]);
});

test('a listener that throws is ignored; observe on a closed database is CLOSED', async () => {
  db.observe(() => {
    throw new Error('a broken listener');
  });
  let told = 0;
  db.observe(() => told++);
  expect((await db.write(batch(0, 3))).events).toBe(3);
  expect(told).toBeGreaterThan(0);
  const other = tempDir('strata-observe-closed-');
  const closed = await Strata.open(other.dir, { workers: 0 });
  await closed.close();
  expect(() => closed.observe(() => undefined)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
  other.cleanup();
});
