/**
 * The engine with a cloud tier against a model: random sequences of writes, deletes,
 * refreshes, uploads, downloads, drops of one copy or of a whole partition, moves
 * between a local storage and two cloud storages (one that drops local files, one that
 * keeps them), scans from an id and key, and reopens, on a real s3rver. After every
 * step a full scan (through the async path: cloud-only partitions are read by ranged
 * GETs) must equal a plain Map; after every reopen no object may be an orphan. Scans
 * from an id and key also go through `nextBatchAsync(n)` and `for await`, which must
 * return the same events.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { type Row, sortRows, tempDir } from '../engine/helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
});

const ids = fc.bigInt({ min: 0n, max: 130n });
const keys = fc.constantFrom('', 'a', 'b', 'ab', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'z');
const op = fc.oneof(
  fc.record({ t: fc.constant('put' as const), id: ids, key: keys, value: fc.string({ maxLength: 120 }) }),
  fc.record({ t: fc.constant('del' as const), id: ids, key: keys }),
);
const storages = fc.constantFrom('main', 'cold', 'cold', 'keep');
const command = fc.oneof(
  { weight: 4, arbitrary: fc.record({ c: fc.constant('write' as const), ops: fc.array(op, { minLength: 1, maxLength: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('refresh' as const), id: ids }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('move' as const), id: ids, to: storages }) },
  { weight: 2, arbitrary: fc.record({ c: fc.constant('upload' as const), id: ids }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('download' as const), id: ids }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('dropCopy' as const), id: ids, on: fc.constantFrom('storage', 'cloud') }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('drop' as const), id: ids }) },
  { weight: 3, arbitrary: fc.record({ c: fc.constant('seek' as const), id: ids, key: keys, to: ids, n: fc.integer({ min: 1, max: 100 }) }) },
  { weight: 1, arbitrary: fc.record({ c: fc.constant('reopen' as const) }) },
);

const config = { workers: 0, interval: 50n, region_size: 1024 } as const;

/** Events of `db` from `(from, key)` to `to`, through the async path. */
async function scan(db: Strata, from = 0n, to?: bigint, key?: string): Promise<Row[]> {
  const rows: Row[] = [];
  const c = db.cursor({ from, ...(to === undefined ? {} : { to }), ...(key === undefined ? {} : { key: Buffer.from(key, 'latin1') }) });
  while (c.next() || (await c.nextAsync())) {
    const e = c.event;
    rows.push({ id: e.id, key: Buffer.from(e.key).toString('latin1'), value: Buffer.from(e.value).toString('latin1') });
  }
  return rows;
}

/** The same, through `nextBatchAsync(n)` and through `for await` (its events compared once the loop is over). */
async function scanOtherWays(db: Strata, n: number, from: bigint, to: bigint, key: string): Promise<{ batches: Row[]; iterated: Row[] }> {
  const options = { from, to, key: Buffer.from(key, 'latin1') };
  const latin1 = (b: Uint8Array) => Buffer.from(b).toString('latin1');
  const batches: Row[] = [];
  const c = db.cursor(options);
  while (c.nextBatch(n) || (await c.nextBatchAsync(n))) {
    const b = c.batch;
    expect(b.length).toBeLessThanOrEqual(n);
    for (let i = 0; i < b.length; i++) {
      const k = b.keyOffsets[i]!;
      const v = b.valueOffsets[i]!;
      batches.push({ id: b.ids[i]!, key: latin1(b.buffer.subarray(k, k + b.keyLengths[i]!)), value: latin1(b.buffer.subarray(v, v + b.valueLengths[i]!)) });
    }
  }
  const kept: { id: bigint; key: Uint8Array; value: Uint8Array }[] = [];
  for await (const e of db.cursor(options)) kept.push(e);
  return { batches, iterated: kept.map((e) => ({ id: e.id, key: latin1(e.key), value: latin1(e.value) })) };
}

/** Ranged GETs made since open. */
async function ranged(db: Strata): Promise<number> {
  return ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests.range ?? 0;
}

/** Runs a statement; an INVALID_INPUT (e.g. dropping the only copy) must leave the model as it is. */
async function tryExecute(db: Strata, sql: string): Promise<void> {
  await db.execute(sql).catch((e: { code?: string }) => {
    if (e.code !== 'INVALID_INPUT') throw e;
  });
}

test('the cloud tier matches a model across uploads, downloads, moves, copy drops and reopens', async () => {
  let run = 0;
  const stats = { range: 0 };
  await fc.assert(
    fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), async (commands) => {
      const { dir, cleanup } = tempDir('strata-cloud-model-');
      const model = new Map<string, Row>();
      const bucket = `model-${run++}`;
      let db = await Strata.open(dir, config);
      const partitionOf = async (id: bigint) => {
        const parts = (await db.execute('SHOW PARTITIONS')) as { min: bigint; max: bigint }[];
        return parts.find((q) => q.min <= id && id <= q.max);
      };
      try {
        await db.execute(`CREATE CLOUD s3 (type 's3', url '${s3.url}', access_key 'S3RVER', secret_key 'S3RVER', path_style true, bucket '${bucket}')`);
        await db.execute(`CREATE STORAGE cold (cloud 's3'); CREATE STORAGE keep (cloud 's3', cloud_drop_local false, compression 'lz4')`);
        // a base of three partitions of several regions each, with runs of one id across keys
        const base = new BatchBuilder();
        for (let id = 0n; id < 120n; id += 3n) {
          for (const key of ['a', 'k1', 'k2', 'k3']) {
            const value = `${id}/${key}/`.padEnd(60 + Number(id % 50n), '=');
            base.insert(id, Buffer.from(key, 'latin1'), Buffer.from(value, 'latin1'));
            model.set(`${id}/${key}`, { id, key, value });
          }
        }
        await db.write(base);
        for (const cmd of commands) {
          const p = 'id' in cmd ? await partitionOf(cmd.id) : undefined;
          switch (cmd.c) {
            case 'write': {
              const b = new BatchBuilder();
              for (const o of cmd.ops) {
                if (o.t === 'put') b.insert(o.id, Buffer.from(o.key, 'latin1'), Buffer.from(o.value, 'latin1'));
                else b.delete(o.id, Buffer.from(o.key, 'latin1'));
              }
              await db.write(b);
              for (const o of cmd.ops) {
                if (o.t === 'put') model.set(`${o.id}/${o.key}`, { id: o.id, key: o.key, value: Buffer.from(o.value, 'latin1').toString('latin1') });
                else model.delete(`${o.id}/${o.key}`);
              }
              break;
            }
            case 'refresh':
              if (p !== undefined) await db.execute(`REFRESH PARTITION ${p.min}`);
              break;
            case 'move':
              if (p !== undefined) await db.execute(`MOVE PARTITION ${p.min} INTO ${cmd.to}`);
              break;
            case 'upload':
              if (p !== undefined) await db.execute(`UPLOAD PARTITION ${p.min} IF CLOUD`);
              break;
            case 'download':
              if (p !== undefined) await db.execute(`DOWNLOAD PARTITION ${p.min} IF CLOUD`);
              break;
            case 'dropCopy':
              if (p !== undefined) await tryExecute(db, `DROP PARTITION ${p.min} ON ${cmd.on}`);
              break;
            case 'drop':
              if (p !== undefined) {
                await db.execute(`DROP PARTITION ${p.min}`);
                for (const [k, r] of model) if (r.id >= p.min && r.id <= p.max) model.delete(k);
              }
              break;
            case 'seek': {
              const to = cmd.to < cmd.id ? cmd.id : cmd.to;
              const from = (r: Row) => r.id > cmd.id || (r.id === cmd.id && Buffer.compare(Buffer.from(r.key, 'latin1'), Buffer.from(cmd.key, 'latin1')) >= 0);
              const want = sortRows([...model.values()].filter((r) => from(r) && r.id <= to));
              expect(await scan(db, cmd.id, to, cmd.key)).toEqual(want);
              expect(await scanOtherWays(db, cmd.n, cmd.id, to, cmd.key)).toEqual({ batches: want, iterated: want });
              break;
            }
            case 'reopen':
              stats.range += await ranged(db);
              await db.close();
              db = await Strata.open(dir, config);
              // nothing crashed: nothing was left for open to do on the cloud
              expect(db.openReport.cloud).toEqual([]);
              expect(await db.execute('SHOW ORPHANS')).toEqual([]);
              break;
          }
          expect(await scan(db)).toEqual(sortRows([...model.values()]));
        }
        expect(await db.execute('SHOW ORPHANS')).toEqual([]);
        stats.range += await ranged(db);
        await db.close();
        db = await Strata.open(dir, config);
        expect(await scan(db)).toEqual(sortRows([...model.values()]));
      } finally {
        await db.close();
        cleanup();
      }
    }),
    { numRuns: Number(process.env.CLOUD_MODEL_RUNS ?? 40) },
  );
  // the runs must have read cloud partitions by ranged GETs, a lot
  expect(stats.range).toBeGreaterThan(50);
}, 300_000);
