/**
 * The ways to read a cursor agree: after random writes, deletes, refreshes, checkpoints
 * and partition drops (small partitions and regions: many regions, merges of a file
 * with memtables, deletes over files, partitions in memory only), `nextBatch(n)` for
 * any `n`, `for of` and `for await` return exactly the events of the fast path, over
 * random ranges. The iterators' events are compared only once the loop is over: they
 * must stay valid while the cursor reuses its buffers.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { BatchBuilder, type Cursor, Strata } from '../../src/index.ts';
import { type Row, tempDir } from './helpers.ts';

const ids = fc.bigInt({ min: 0n, max: 300n });
const keys = fc.constantFrom('', 'a', 'b', 'ab', 'k1', 'k2');
const op = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('put' as const), id: ids, key: keys, value: fc.string({ maxLength: 90 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), id: ids, key: keys }) },
);
const command = fc.oneof(
  { weight: 5, arbitrary: fc.record({ c: fc.constant('write' as const), ops: fc.array(op, { minLength: 1, maxLength: 80 }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('refresh' as const), id: ids }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('checkpoint' as const) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('drop' as const), id: ids }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('scan' as const), from: ids, to: ids, n: fc.integer({ min: 1, max: 200 }) }) },
);

const config = { workers: 0, interval: 100n, region_size: 1024, wal: false } as const;
const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');

function fastPath(c: Cursor): Row[] {
  const rows: Row[] = [];
  while (c.next()) rows.push({ id: c.event.id, key: latin1(c.event.key), value: latin1(c.event.value) });
  return rows;
}

function batches(c: Cursor, n: number): Row[] {
  const rows: Row[] = [];
  while (c.nextBatch(n)) {
    const b = c.batch;
    expect(b.length).toBeLessThanOrEqual(n);
    for (let i = 0; i < b.length; i++) {
      const k = b.keyOffsets[i]!;
      const v = b.valueOffsets[i]!;
      expect(b.idHi[i]! * 2 ** 32 + b.idLo[i]!).toBe(Number(b.ids[i]!));
      rows.push({ id: b.ids[i]!, key: latin1(b.buffer.subarray(k, k + b.keyLengths[i]!)), value: latin1(b.buffer.subarray(v, v + b.valueLengths[i]!)) });
    }
  }
  return rows;
}

type Kept = { id: bigint; key: Uint8Array; value: Uint8Array };
const rowsOf = (events: Kept[]): Row[] => events.map((e) => ({ id: e.id, key: latin1(e.key), value: latin1(e.value) }));

async function agree(db: Strata, from: bigint, to: bigint, n: number): Promise<void> {
  const range = { from, to };
  const want = fastPath(db.cursor(range));
  expect(batches(db.cursor(range), n)).toEqual(want);
  const sync: Kept[] = [...db.cursor(range)];
  const async: Kept[] = [];
  for await (const e of db.cursor(range)) async.push(e);
  // other scans meanwhile reuse buffers: the kept events must not change
  fastPath(db.cursor());
  expect(rowsOf(sync)).toEqual(want);
  expect(rowsOf(async)).toEqual(want);
}

test('nextBatch, for of and for await return the events of the fast path', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), async (commands) => {
      const { dir, cleanup } = tempDir('strata-scan-prop-');
      const db = await Strata.open(dir, config);
      try {
        for (const cmd of commands) {
          switch (cmd.c) {
            case 'write': {
              const b = new BatchBuilder();
              for (const o of cmd.ops) {
                if (o.t === 'put') b.insert(o.id, Buffer.from(o.key, 'latin1'), Buffer.from(o.value.repeat(3), 'latin1'));
                else b.delete(o.id, Buffer.from(o.key, 'latin1'));
              }
              await db.write(b);
              break;
            }
            case 'refresh':
              await db.refresh(cmd.id).catch((e: { code?: string }) => {
                if (e.code !== 'NOT_FOUND') throw e;
              });
              break;
            case 'checkpoint':
              await db.checkpoint();
              break;
            case 'drop': {
              const parts = (await db.execute('SHOW PARTITIONS')) as { min: bigint; max: bigint }[];
              const p = parts.find((q) => q.min <= cmd.id && cmd.id <= q.max);
              if (p !== undefined) await db.execute(`DROP PARTITION ${p.min}`);
              break;
            }
            case 'scan':
              await agree(db, cmd.from, cmd.to, cmd.n);
              break;
          }
        }
        for (const n of [1, 5, 64, 1000]) await agree(db, 0n, 300n, n);
      } finally {
        await db.close();
        cleanup();
      }
    }),
    { numRuns: Number(process.env.SCAN_PROPERTY_RUNS ?? 60) },
  );
}, 300_000);
