/**
 * The engine against a model: random sequences of writes, deletes, serial appends,
 * refreshes, checkpoints, partition drops and close/reopen, compared after every
 * step with a plain Map. Small partitions and regions so that every path (many partitions, many
 * regions, file + memtable merges, deletes over files) is exercised.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { BatchBuilder, MAX_ID, Strata } from '../../src/index.ts';
import { type Row, scan, sortRows, tempDir } from './helpers.ts';

const ids = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 0n, max: 200n }) },
  { weight: 1, arbitrary: fc.constantFrom(MAX_ID, MAX_ID - 1n, 2n ** 53n + 1n, 2n ** 32n, 2n ** 32n - 1n) },
);
const keys = fc.constantFrom('', 'a', 'b', 'ab', 'a\u0000', '\u00ff');
const op = fc.oneof(
  fc.record({ t: fc.constant('put' as const), id: ids, key: keys, value: fc.string({ maxLength: 40 }) }),
  fc.record({ t: fc.constant('del' as const), id: ids, key: keys }),
  fc.record({ t: fc.constant('serial' as const), value: fc.string({ maxLength: 10 }) }),
);
const command = fc.oneof(
  { weight: 6, arbitrary: fc.record({ c: fc.constant('write' as const), ops: fc.array(op, { minLength: 1, maxLength: 30 }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('refresh' as const), id: ids }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('checkpoint' as const) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('reopen' as const) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('range' as const), from: ids, to: ids }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('drop' as const), id: ids }) },
);

const config = { workers: 0, interval: 64n, region_size: 1024, compression: 'zstd' } as const;

test('engine matches a model across writes, deletes, refreshes and reopens', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), fc.boolean(), async (commands, walOn) => {
      const { dir, cleanup } = tempDir();
      const model = new Map<string, Row>();
      let ssn = 0n;
      let db = await Strata.open(dir, { ...config, wal: walOn });
      try {
        for (const cmd of commands) {
          switch (cmd.c) {
            case 'write': {
              const b = new BatchBuilder();
              for (const o of cmd.ops) {
                if (o.t === 'put') b.insert(o.id, Buffer.from(o.key, 'latin1'), Buffer.from(o.value, 'latin1'));
                else if (o.t === 'del') b.delete(o.id, Buffer.from(o.key, 'latin1'));
                else b.append(undefined, Buffer.from(o.value, 'latin1'));
              }
              const r = await db.write(b);
              for (const o of cmd.ops) {
                if (o.t === 'put') model.set(`${o.id}/${o.key}`, { id: o.id, key: o.key, value: Buffer.from(o.value, 'latin1').toString('latin1') });
                else if (o.t === 'del') model.delete(`${o.id}/${o.key}`);
                else {
                  ssn++;
                  model.set(`${ssn}/`, { id: ssn, key: '', value: Buffer.from(o.value, 'latin1').toString('latin1') });
                }
              }
              const serials = cmd.ops.filter((o) => o.t === 'serial').length;
              if (serials > 0) expect(r.serial).toEqual({ first: ssn - BigInt(serials) + 1n, count: serials });
              break;
            }
            case 'refresh':
              await db.refresh(cmd.id).catch((e: { code?: string }) => {
                if (e.code !== 'NOT_FOUND') throw e;
              });
              break;
            case 'drop': {
              // drop the partition holding the id, if any: its events leave the model
              const parts = (await db.execute('SHOW PARTITIONS')) as { min: bigint; max: bigint }[];
              const p = parts.find((q) => q.min <= cmd.id && cmd.id <= q.max);
              if (p !== undefined) {
                await db.execute(`DROP PARTITION ${p.min}`);
                for (const [k, r] of model) if (r.id >= p.min && r.id <= p.max) model.delete(k);
              }
              break;
            }
            case 'checkpoint':
              await db.checkpoint();
              break;
            case 'reopen':
              await db.close();
              db = await Strata.open(dir, { ...config, wal: walOn });
              break;
            case 'range': {
              const [from, to] = cmd.from <= cmd.to ? [cmd.from, cmd.to] : [cmd.to, cmd.from];
              const want = sortRows([...model.values()].filter((r) => r.id >= from && r.id <= to));
              expect(scan(db, from, to)).toEqual(want);
              break;
            }
          }
          expect(scan(db)).toEqual(sortRows([...model.values()]));
        }
        await db.close();
        db = await Strata.open(dir, { ...config, wal: walOn });
        expect(scan(db)).toEqual(sortRows([...model.values()]));
      } finally {
        await db.close();
        cleanup();
      }
    }),
    { numRuns: 150 },
  );
});
