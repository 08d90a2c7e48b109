/**
 * `writeArrow` and `scanArrow`: round trips checked with apache-arrow's own readers,
 * a property test against `write` of the same events, and every kind of bad input
 * refused with INVALID_INPUT and nothing written.
 */
import { PassThrough, Writable } from 'node:stream';
import { Binary, BinaryView, Bool, type Data, type DataType, Field, type Vector, Int32, Int64, LargeUtf8, RecordBatchStreamWriter, Schema, Table, Uint64, Utf8, Utf8View, makeData, tableFromIPC, tableToIPC, vectorFromArray, RecordBatch, Struct } from 'apache-arrow';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { scanArrow } from '../../src/api/arrow.ts';
import { BatchBuilder, type Cursor, type CursorOptions, Strata, StrataError } from '../../src/index.ts';
import { type Row, scan, tempDir } from '../engine/helpers.ts';
import { type Op, collect, rowsOf, tableOf } from './helpers.ts';

let dir: string;
let cleanup: () => void;
let db: Strata;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir('strata-arrow-'));
  db = await Strata.open(dir, { workers: 0 });
});
afterEach(async () => {
  await db.close();
  cleanup();
});

const BIG = (1n << 64n) - 1n;

async function rejects(p: Promise<unknown>, pattern: RegExp): Promise<StrataError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StrataError);
  expect((e as StrataError).code).toBe('INVALID_INPUT');
  expect((e as StrataError).message).toMatch(pattern);
  return e as StrataError;
}

/** Exports everything through `exportArrow` and reads it back with tableFromIPC. */
async function exported(d: Strata, options = {}): Promise<Table> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await d.exportArrow(out, options);
  return tableFromIPC(Buffer.concat(chunks));
}

describe('round trips', () => {
  test('a table with ids above 2^53, keys, serial ids and deletes reads back event for event', async () => {
    const ops: Op[] = [
      { id: 2n ** 53n + 1n, key: 'k', value: 'above 2^53', del: false },
      { id: BIG, key: null, value: 'the largest id', del: false },
      { id: null, key: 'serial', value: 'first serial', del: false },
      { id: 7n, key: 'x', value: '', del: false },
      { id: null, key: null, value: 'second serial', del: false },
      { id: 9n, key: 'gone', value: 'v', del: false },
    ];
    const r = await db.writeArrow(tableOf(ops));
    expect(r.events).toBe(6);
    expect(r.serial).toEqual({ first: 1n, count: 2 });
    await db.writeArrow(tableOf([{ id: 9n, key: 'gone', value: null, del: true }]));
    const want: Row[] = [
      { id: 1n, key: 'serial', value: 'first serial' },
      { id: 2n, key: '', value: 'second serial' },
      { id: 7n, key: 'x', value: '' },
      { id: 2n ** 53n + 1n, key: 'k', value: 'above 2^53' },
      { id: BIG, key: '', value: 'the largest id' },
    ];
    expect(scan(db)).toEqual(want);
    expect(rowsOf(await collect(db.scanArrow()))).toEqual(want);
    const t = await exported(db);
    expect(t.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['id: Uint64', 'key: Binary', 'value: Binary']);
    expect(rowsOf(t.batches)).toEqual(want);
  });

  test('an export of many regions, memtables and refreshed files equals a cursor scan, with any batch size', async () => {
    await db.close();
    db = await Strata.open(dir, { workers: 0, interval: 1000n, region_size: 4096 });
    const b = new BatchBuilder();
    for (let i = 0; i < 20_000; i++) b.insert(BigInt(i * 3), i % 5 === 0 ? `k${i % 7}` : '', `value ${i} ${'x'.repeat(i % 97)}`);
    await db.write(b);
    await db.checkpoint();
    const b2 = new BatchBuilder();
    for (let i = 0; i < 5_000; i++) b2.insert(BigInt(i * 7 + 1), 'late', `late ${i}`);
    await db.write(b2); // in memory, interleaved with the files
    const want = scan(db);
    expect(want.length).toBe(25_000);
    expect(rowsOf((await exported(db)).batches)).toEqual(want);
    for (const batchRows of [1, 7, 1000, 1 << 20]) {
      const batches = await collect(db.scanArrow({ batchRows }));
      expect(Math.max(...batches.map((x) => x.numRows))).toBeLessThanOrEqual(batchRows);
      expect(rowsOf(batches)).toEqual(want);
    }
    const small = await collect(db.scanArrow({ batchBytes: 64 * 1024 }));
    expect(Math.max(...small.map((x) => x.getChild('value')!.data[0]!.values.length))).toBeLessThanOrEqual(64 * 1024);
    expect(rowsOf(small)).toEqual(want);
    const part = rowsOf(await collect(db.scanArrow({ from: 1000n, to: 2000n })));
    expect(part).toEqual(want.filter((r) => r.id >= 1000n && r.id <= 2000n));
    expect(rowsOf((await exported(db, { from: 30_000n })).batches)).toEqual(want.filter((r) => r.id >= 30_000n));
  });

  test('IPC bytes in memory, stream and file format, and Utf8 values, write like the table', async () => {
    const ops: Op[] = [
      { id: 1n, key: 'a', value: 'one', del: false },
      { id: null, key: null, value: 'ser', del: false },
    ];
    await db.writeArrow(tableToIPC(tableOf(ops, 'utf8'), 'stream'));
    await db.writeArrow(tableToIPC(tableOf([{ id: 3n, key: 'b', value: 'three', del: false }]), 'file'));
    expect(scan(db)).toEqual([
      { id: 1n, key: '', value: 'ser' }, // serial ids count from the serial number, not the largest id
      { id: 1n, key: 'a', value: 'one' },
      { id: 3n, key: 'b', value: 'three' },
    ]);
  });

  test('an empty table writes nothing; an empty range exports a schema and no rows', async () => {
    expect((await db.writeArrow(tableOf([]))).events).toBe(0);
    const t = await exported(db);
    expect(t.numRows).toBe(0);
    expect(t.schema.fields.map((f) => f.name)).toEqual(['id', 'key', 'value']);
  });

  test('exportArrow waits for a slow writable: no batch is read while its writes are held', async () => {
    const b = new BatchBuilder();
    for (let i = 0; i < 3000; i++) b.insert(BigInt(i), '', `v${i}`);
    await db.write(b);
    const chunks: Buffer[] = [];
    const held: (() => void)[] = [];
    let wake: (() => void) | null = null;
    const out = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _enc, cb) {
        chunks.push(Buffer.from(chunk));
        held.push(() => cb());
        wake?.();
      },
    });
    let batches = 0;
    let finished = false;
    const done = db.exportArrow(out, { batchRows: 100, onBatch: (sofar) => (batches = sofar.batches) }).then((r) => {
      finished = true;
      return r;
    });
    let rounds = 0;
    while (!finished) {
      if (held.length === 0) await Promise.race([new Promise<void>((r) => (wake = r)), done]);
      const before = batches;
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      if (!finished) expect(batches).toBe(before); // stuck until the writes are released
      for (const release of held.splice(0)) release();
      rounds++;
    }
    const r = await done;
    expect(r.batches).toBe(30);
    expect(rounds).toBeGreaterThanOrEqual(30);
    expect(rowsOf(tableFromIPC(Buffer.concat(chunks)).batches)).toEqual(scan(db));
  });

  test('a scan stopped early closes its cursor', async () => {
    const b = new BatchBuilder();
    for (let i = 0; i < 5000; i++) b.insert(BigInt(i), '', 'v');
    await db.write(b);
    // the database's own cursor, kept where the test can see it
    let opened: Cursor | null = null;
    const host = { write: (x: Uint8Array) => db.write(x), cursor: (o: CursorOptions) => (opened = db.cursor(o)) };
    for await (const batch of scanArrow(host, { batchRows: 100 })) {
      expect(batch.numRows).toBe(100);
      break;
    }
    expect(opened).not.toBeNull();
    expect(opened!.next()).toBe(false); // closed: 4900 events were left
  });
});

describe('the same events through writeArrow and write', () => {
  const id = fc.oneof(fc.constant(null), fc.bigInt({ min: 0n, max: 40n }), fc.constant(BIG), fc.bigInt({ min: 2n ** 53n, max: 2n ** 53n + 3n }));
  const key = fc.oneof(fc.constant(null), fc.constantFrom('', 'a', 'b', 'ab'), fc.string({ maxLength: 255, unit: 'binary-ascii' }));
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ id, key, value: fc.string({ maxLength: 40 }), del: fc.constant(false) }) },
    { weight: 1, arbitrary: fc.record({ id: id.filter((x) => x !== null), key, value: fc.constantFrom(null, ''), del: fc.constant(true) }) },
  );

  /** Runs `f` on two fresh databases: one written with `write`, one with `writeArrow`. */
  async function inTwo(f: (da: Strata, dbb: Strata) => Promise<void>): Promise<void> {
    const a = tempDir('strata-arrow-a-');
    const b = tempDir('strata-arrow-b-');
    const da = await Strata.open(a.dir, { workers: 0 });
    const dbb = await Strata.open(b.dir, { workers: 0 });
    try {
      await f(da, dbb);
    } finally {
      await da.close();
      await dbb.close();
      a.cleanup();
      b.cleanup();
    }
  }

  function builderOf(ops: readonly Op[]): BatchBuilder {
    const b = new BatchBuilder();
    for (const o of ops) {
      if (o.del) b.delete(o.id!, o.key ?? undefined);
      else if (o.id === null) b.append(o.key ?? undefined, o.value!);
      else b.insert(o.id, o.key ?? undefined, o.value!);
    }
    return b;
  }

  test('property: identical scans, serial ids and results', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { maxLength: 30 }), { minLength: 1, maxLength: 6 }), async (writes) => {
        await inTwo(async (da, dbb) => {
          for (const ops of writes) {
            const ra = await da.write(builderOf(ops));
            const rb = await dbb.writeArrow(tableOf(ops));
            expect(rb.events).toBe(ra.events);
            expect(rb.serial).toEqual(ra.serial);
          }
          expect(scan(dbb)).toEqual(scan(da));
          expect(rowsOf(await collect(dbb.scanArrow({ batchRows: 5 })))).toEqual(scan(da));
          expect(rowsOf(await collect(dbb.scanArrow({ batchRows: 5, layout: 'view' })))).toEqual(scan(da));
        });
      }),
      { numRuns: 40 },
    );
  });

  /**
   * The plain shape (no delete column, no null but serial ids: what most producers
   * send) is encoded by its own loop; the same events, with or without an id or key
   * column, with or without null ids, in one record batch or two.
   */
  test('property: plain tables (no nulls but ids, no delete column) write like write', async () => {
    const plain = fc.record({
      withId: fc.boolean(),
      withKey: fc.boolean(),
      split: fc.boolean(),
      rows: fc.array(
        fc.record({ id: fc.oneof(fc.bigInt({ min: 0n, max: 60n }), fc.constant(BIG), fc.constant(null)), key: fc.string({ maxLength: 40 }), value: fc.string({ maxLength: 300 }) }),
        { maxLength: 60 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(plain, { minLength: 1, maxLength: 4 }), async (writes) => {
        await inTwo(async (da, dbb) => {
          for (const w of writes) {
            const ops: Op[] = w.rows.map((r) => ({ id: w.withId ? r.id : null, key: w.withKey ? r.key : null, value: r.value, del: false }));
            const enc = new TextEncoder();
            const cols: Record<string, Vector> = { value: vectorFromArray(ops.map((o) => enc.encode(o.value!)), new Binary()) };
            if (w.withId) cols.id = vectorFromArray(ops.map((o) => o.id), new Uint64());
            if (w.withKey) cols.key = vectorFromArray(ops.map((o) => o.key!), new Utf8());
            const whole = new Table(cols);
            const h = Math.floor(ops.length / 2);
            const table = w.split && h > 0 ? new Table([...whole.slice(0, h).batches, ...whole.slice(h).batches]) : whole;
            const ra = await da.write(builderOf(ops));
            const rb = await dbb.writeArrow(table);
            expect(rb.events).toBe(ra.events);
            expect(rb.serial).toEqual(ra.serial);
          }
          expect(scan(dbb)).toEqual(scan(da));
        });
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * Reopens `db` with small regions and partitions and writes 20,000 events to files
 * (keys of 0, 1 and more than 12 bytes, values of up to and over 12 bytes), then 5,000
 * in memory, interleaved with them; returns the second batch and a cursor scan.
 */
async function manyRegions(): Promise<{ b2: BatchBuilder; want: Row[] }> {
  await db.close();
  db = await Strata.open(dir, { workers: 0, interval: 1000n, region_size: 4096 });
  const b = new BatchBuilder();
  for (let i = 0; i < 20_000; i++) b.insert(BigInt(i * 3), i % 5 === 0 ? `key number ${i % 7} of more than twelve bytes` : i % 5 === 1 ? 'k' : '', i % 3 === 0 ? `v${i}` : `value ${i} ${'x'.repeat(i % 97)}`);
  await db.write(b);
  await db.checkpoint();
  const b2 = new BatchBuilder();
  for (let i = 0; i < 5_000; i++) b2.insert(BigInt(i * 7 + 1), 'late', `late value ${i}`);
  await db.write(b2); // in memory, interleaved with the files
  return { b2, want: scan(db) };
}

describe('the view layout', () => {
  test('reads what a cursor reads, and its batches stay whole while later scans reuse memory', async () => {
    const { b2, want } = await manyRegions();
    expect(want.length).toBe(25_000);
    const held = await collect(db.scanArrow({ layout: 'view' }));
    expect(held[0]!.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual(['id: Uint64', 'key: BinaryView', 'value: BinaryView']);
    expect(rowsOf(held)).toEqual(want);
    for (const batchRows of [1, 7, 1000]) {
      const batches = await collect(db.scanArrow({ batchRows, layout: 'view' }));
      expect(Math.max(...batches.map((x) => x.numRows))).toBeLessThanOrEqual(batchRows);
      expect(rowsOf(batches)).toEqual(want);
    }
    await collect(db.scanArrow());
    for (let i = 0; i < 3; i++) scan(db);
    await db.write(b2);
    await db.checkpoint(); // the memtables the first scan read are gone
    expect(rowsOf(held)).toEqual(want);
    const small = await collect(db.scanArrow({ batchBytes: 64 * 1024, layout: 'view' }));
    for (const x of small) expect(x.getChild('value')!.data[0]!.variadicBuffers.reduce((n, d) => n + d.length, 0)).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
    expect(rowsOf(small)).toEqual(want);
    expect(rowsOf(await collect(db.scanArrow({ from: 1000n, to: 2000n, layout: 'view' })))).toEqual(want.filter((r) => r.id >= 1000n && r.id <= 2000n));
  });

  test('with reuse, each batch read before the next is asked for holds its events, in either layout, and memory is reused', async () => {
    const { want } = await manyRegions();
    for (const layout of ['binary', 'view'] as const) {
      for (const batchRows of [7, 75, 1000, 65536]) {
        const got: Row[] = [];
        const idBuffers = new Set<ArrayBufferLike>();
        let copy: Table | null = null; // the first batch, copied as docs/arrow.md says
        for await (const x of db.scanArrow({ layout, batchRows, reuse: true })) {
          got.push(...rowsOf([x])); // read now: the batch is valid until the next is asked for
          idBuffers.add(x.getChild('id')!.data[0]!.values.buffer);
          copy ??= tableFromIPC(tableToIPC(new Table(x)));
        }
        expect(got).toEqual(want);
        expect(idBuffers.size).toBe(1); // the same ids buffer, batch after batch
        expect(rowsOf(copy!.batches)).toEqual(want.slice(0, copy!.numRows));
      }
    }
    // files alone: the view batches point into region buffers lent and taken back
    await db.checkpoint();
    const distinct = new Set<ArrayBufferLike>();
    let regions = 0;
    for await (const x of db.scanArrow({ layout: 'view', batchRows: 1000, reuse: true })) {
      for (const d of x.getChild('value')!.data[0]!.variadicBuffers) distinct.add(d.buffer);
      regions += x.getChild('value')!.data[0]!.variadicBuffers.length;
    }
    expect(regions).toBeGreaterThan(300);
    expect(distinct.size).toBeLessThan(regions / 5); // about two batches' worth, whatever the length of the scan
    expect(() => db.scanArrow({ reuse: 'yes' as unknown as boolean })).toThrow(/reuse is true or false/);
  });

  test('an export in the view layout is read by tableFromIPC and written back by writeArrow', async () => {
    const ops: Op[] = Array.from({ length: 500 }, (_, i) => ({ id: i === 7 ? BIG : BigInt(i), key: i % 4 === 0 ? `a rather long key ${i}` : i % 4 === 1 ? `k${i}` : null, value: 'v'.repeat(i % 40), del: false }));
    await db.writeArrow(tableOf(ops));
    const want = scan(db);
    const t = await exported(db, { layout: 'view', batchRows: 64 });
    expect(t.schema.fields.map((f) => String(f.type))).toEqual(['Uint64', 'BinaryView', 'BinaryView']);
    expect(rowsOf(t.batches)).toEqual(want);
    const copy = tempDir('strata-arrow-view-');
    const other = await Strata.open(copy.dir, { workers: 0 });
    try {
      await other.writeArrow(tableToIPC(t, 'stream'));
      expect(scan(other)).toEqual(want);
    } finally {
      await other.close();
      copy.cleanup();
    }
  });

  test('Utf8View input, with nulls whose views hold anything', async () => {
    const enc = new TextEncoder();
    const long = enc.encode('a value longer than twelve bytes');
    const views = new Int32Array(12);
    // row 0: inline "hi"; row 1: null, its view pointing nowhere; row 2: the long value
    views.set([2, 0x6968, 0, 0], 0);
    views.set([999, 0, 7, 12345], 4);
    views.set([long.length, 0, 0, 0], 8);
    const value = makeData({ type: new Utf8View(), length: 3, nullCount: 1, nullBitmap: new Uint8Array([0b101]), views: new Uint8Array(views.buffer), variadicBuffers: [long] });
    expect(await threeRows(value)).toEqual([
      { id: 1n, key: '', value: 'hi' },
      { id: 3n, key: '', value: 'a value longer than twelve bytes' },
    ]);
  });

  test('a view pointing outside its data buffers is refused, nothing written', async () => {
    const views = new Int32Array([40, 0, 0, 0]);
    const value = makeData({ type: new BinaryView(), length: 1, nullCount: 0, views: new Uint8Array(views.buffer), variadicBuffers: [new Uint8Array(10)] });
    const schema = new Schema([new Field('value', new BinaryView())]);
    await rejects(db.writeArrow(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children: [value] }))), /column "value" row 0: a view points outside its data buffers/);
    expect(scan(db)).toEqual([]);
  });
});

describe('bad input changes nothing', () => {
  const one = (cols: Record<string, Vector>): Table => new Table(cols);
  const v = (xs: unknown[], t: DataType): Vector => (vectorFromArray as (d: unknown[], t: DataType) => Vector)(xs, t);

  beforeEach(async () => {
    await db.write(new BatchBuilder().insert(1n, 'before', 'x'));
  });
  afterEach(async () => {
    // nothing written, the serial number untouched
    expect(scan(db)).toEqual([{ id: 1n, key: 'before', value: 'x' }]);
    expect((await db.write(new BatchBuilder().append(undefined, 's'))).serial!.first).toBe(1n);
  });

  test('wrong column types', async () => {
    await rejects(db.writeArrow(one({ id: v(['1'], new Utf8()), value: v(['x'], new Utf8()) })), /column "id" must be Uint64.*got Utf8/);
    await rejects(db.writeArrow(one({ id: v([1n], new Uint64()), value: v([5], new Int32()) })), /column "value" must be Binary or Utf8.*got Int32/);
    await rejects(db.writeArrow(one({ key: v([5], new Int32()), value: v(['x'], new Utf8()) })), /column "key" must be Binary/);
    await rejects(db.writeArrow(one({ id: v([1n], new Uint64()), value: v(['x'], new Utf8()), delete: v([1], new Int32()) })), /column "delete" must be Bool/);
  });

  test('a missing value column, an unknown or repeated column', async () => {
    await rejects(db.writeArrow(one({ id: v([1n], new Uint64()) })), /column "value" is missing/);
    await rejects(db.writeArrow(one({ id: v([1n], new Uint64()), value: v(['x'], new Utf8()), valeu: v(['y'], new Utf8()) })), /column "valeu" is not one Strata reads/);
    const twice = new Schema([new Field('value', new Utf8()), new Field('value', new Utf8())]);
    const data = v(['x'], new Utf8()).data[0]!;
    const batch = new RecordBatch(twice, makeData({ type: new Struct(twice.fields), length: 1, nullCount: 0, children: [data, data] }));
    await rejects(db.writeArrow(batch), /column "value" appears twice/);
  });

  test('nulls where none is allowed, named by row', async () => {
    const ops: Op[] = [
      { id: 5n, key: 'a', value: 'ok', del: false },
      { id: 6n, key: 'a', value: null, del: false },
    ];
    await rejects(db.writeArrow(tableOf(ops)), /row 1: column "value" is null \(only a delete may have a null value\); nothing was written/);
    const del: Op[] = [
      { id: 5n, key: 'a', value: 'ok', del: false },
      { id: null, key: 'a', value: null, del: true },
    ];
    await rejects(db.writeArrow(tableOf(del)), /row 1: column "id" is null in a delete/);
    await rejects(db.writeArrow(tableOf([{ id: 5n, key: null, value: 'v', del: true }])), /row 0: column "value" holds 1 bytes in a delete/);
  });

  test('a key over 255 bytes, and a negative Int64 id', async () => {
    const ops: Op[] = [
      { id: 5n, key: 'k'.repeat(255), value: 'ok', del: false },
      { id: 6n, key: 'k'.repeat(256), value: 'v', del: false },
    ];
    await rejects(db.writeArrow(tableOf(ops)), /row 1: column "key" holds 256 bytes, more than the 255/);
    await rejects(db.writeArrow(one({ id: v([3n, -1n], new Int64()), value: v(['a', 'b'], new Utf8()) })), /column "id" row 1: the id -1 is negative/);
  });

  test('a row in the second record batch of a table is named with its batch', async () => {
    const good = tableOf([{ id: 5n, key: null, value: 'ok', del: false }]);
    const bad = tableOf([{ id: 6n, key: null, value: null, del: false }]);
    await rejects(db.writeArrow(new Table([...good.batches, ...bad.batches])), /record batch 1, row 0: column "value" is null/);
  });

  test('IPC bytes cut anywhere, and bytes that are not IPC', async () => {
    const bytes = tableToIPC(tableOf([{ id: 5n, key: 'a', value: 'v'.repeat(100), del: false }, { id: 6n, key: 'b', value: 'w', del: false }]), 'stream');
    for (let cut = 0; cut < bytes.length; cut++) {
      await rejects(db.writeArrow(bytes.subarray(0, cut)), /not a whole Arrow IPC stream or file/);
    }
    const file = tableToIPC(tableOf([{ id: 5n, key: 'a', value: 'v', del: false }]), 'file');
    for (let cut = 0; cut < file.length; cut += 7) {
      await rejects(db.writeArrow(file.subarray(0, cut)), /not a whole Arrow IPC stream or file/);
    }
    await rejects(db.writeArrow(new TextEncoder().encode('{"id": 1, "value": "json"}')), /not a whole Arrow IPC/);
    await rejects(db.writeArrow(42 as never), /takes an Arrow Table, a RecordBatch, IPC bytes/);
  });

  test('IPC bytes in memory holding two streams of different schemas', async () => {
    const a = tableToIPC(tableOf([{ id: 5n, key: 'a', value: 'v', del: false }]), 'stream');
    const b = tableToIPC(new Table({ id: v([6n], new Uint64()), value: v(['w'], new LargeUtf8()) }), 'stream');
    await rejects(db.writeArrow(Buffer.concat([a, b])), /schema changed/);
  });
});

describe('IPC streams arriving in chunks', () => {
  function streamOf(tables: Table[]): Uint8Array {
    const w = new RecordBatchStreamWriter();
    for (const t of tables) for (const b of t.batches) w.write(b);
    return w.finish().toUint8Array(true);
  }
  async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const batchOf = (from: number, n: number): Table =>
    tableOf(Array.from({ length: n }, (_, i) => ({ id: i % 3 === 0 ? null : BigInt(from + i), key: `k${i % 4}`, value: `value ${from + i}`, del: false })));

  test('a stream is written a record batch at a time, each atomically, with its serial ranges', async () => {
    const tables = [batchOf(100, 10), batchOf(200, 10), batchOf(300, 10)];
    const r = await db.writeArrow(chunks(streamOf(tables), 13));
    expect(r).toEqual({ events: 30, batches: 3, serial: [{ first: 1n, count: 4 }, { first: 5n, count: 4 }, { first: 9n, count: 4 }] });
    const other = tempDir('strata-arrow-c-');
    const ref = await Strata.open(other.dir, { workers: 0 });
    for (const t of tables) await ref.writeArrow(t);
    expect(scan(db)).toEqual(scan(ref));
    await ref.close();
    other.cleanup();
  });

  test('a record batch is written before the stream is read past the next one', async () => {
    const tables = Array.from({ length: 6 }, (_, k) => batchOf(1000 * (k + 1), 50));
    const messages = tables.map((t) => tableToIPC(t, 'stream'));
    // one stream: the schema of the first, then each batch's message, then the end marker
    const whole = streamOf(tables);
    let at = 0;
    const seen: number[] = [];
    async function* source(): AsyncGenerator<Uint8Array> {
      // hand out the stream a message-sized chunk at a time; before the k-th chunk, the
      // events of batch k - 2 must be in the database already
      for (let k = 0; at < whole.length; k++) {
        if (k >= 2) seen.push(scan(db).filter((r) => r.id >= BigInt(1000 * (k - 1)) && r.id < BigInt(1000 * k)).length);
        const size = messages[Math.min(k, messages.length - 1)]!.length;
        yield whole.subarray(at, at + size);
        at += size;
      }
    }
    const r = await db.writeArrow(source());
    expect(r.batches).toBe(6);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.slice(0, 4).every((n) => n > 0)).toBe(true);
  });

  test('a schema change stops the stream there and says what was written', async () => {
    const first = streamOf([batchOf(100, 5)]);
    const second = tableToIPC(new Table({ id: vectorFromArray([1n], new Uint64()), value: vectorFromArray([5], new Int32()) }), 'stream');
    const e = await rejects(db.writeArrow(chunks(Buffer.concat([first, second]), 64)), /schema changed after record batch 0.*the record batch before it \(5 events\) was written/);
    expect(e.code).toBe('INVALID_INPUT');
    expect(scan(db).length).toBe(5);
  });

  test('a stream cut anywhere: the cut batch is not written, and the error says so', async () => {
    const bytes = streamOf([batchOf(100, 5), batchOf(200, 5)]);
    for (let cut = 0; cut < bytes.length; cut += 5) {
      const d = tempDir('strata-arrow-cut-');
      const c = await Strata.open(d.dir, { workers: 0 });
      const e = await rejects(c.writeArrow(chunks(bytes.subarray(0, cut), 16)), /not a whole Arrow IPC stream|cut short/);
      const n = scan(c).length;
      expect([0, 5, 10]).toContain(n);
      expect(e.message).toMatch(n === 0 ? /nothing was written$/ : new RegExp(`\\(${n} events\\) (was|were) written`));
      await c.close();
      d.cleanup();
    }
  });

  test('bad options of scanArrow', () => {
    expect(() => db.scanArrow({ batchRows: 0 })).toThrow(/batchRows is an integer in 1..1048576/);
    expect(() => db.scanArrow({ batchBytes: 10 })).toThrow(/batchBytes/);
    expect(() => db.scanArrow({ layout: 'columns' as 'view' })).toThrow(/layout is 'binary' or 'view', got columns/);
  });
});

/**
 * Writes events 1, 2 and 3 with the value column `value`, row 1 a delete of the event
 * 2 written before; returns the scan.
 */
async function threeRows(value: Data): Promise<Row[]> {
  const id = makeData({ type: new Uint64(), length: 3, nullCount: 0, data: new BigUint64Array([1n, 2n, 3n]) });
  const del = vectorFromArray([false, true, false], new Bool()).data[0]!;
  const schema = new Schema([new Field('id', new Uint64()), new Field('value', value.type, true), new Field('delete', new Bool())]);
  await db.write(new BatchBuilder().insert(2n, '', 'to delete'));
  await db.writeArrow(new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: 3, nullCount: 0, children: [id, value, del] })));
  return scan(db);
}

describe('the layouts of a value column', () => {
  test('a null slot that holds bytes (Arrow allows it) is read as null, the rows around it whole', async () => {
    // value slots: "aaa" | (null, but its slot holds "XYZ") | "cc"; row 1 is a delete
    const enc = new TextEncoder();
    const value = makeData({ type: new Binary(), length: 3, nullCount: 1, nullBitmap: new Uint8Array([0b101]), valueOffsets: new Int32Array([0, 3, 6, 8]), data: enc.encode('aaaXYZcc') });
    expect(await threeRows(value)).toEqual([
      { id: 1n, key: '', value: 'aaa' },
      { id: 3n, key: '', value: 'cc' },
    ]);
  });

  test('values of every length, keys and empty values, in one table', async () => {
    const ops: Op[] = Array.from({ length: 300 }, (_, i) => ({ id: BigInt(i), key: i % 3 === 0 ? `k${i}` : null, value: 'v'.repeat((i * 37) % 700), del: false }));
    await db.writeArrow(tableOf(ops));
    expect(scan(db)).toEqual(ops.map((o) => ({ id: o.id!, key: o.key ?? '', value: o.value! })));
  });
});

describe('writes held back by the memory limit', () => {
  test('tables written while earlier ones wait for memory each land whole (the encoding buffer is reused)', async () => {
    await db.close();
    db = await Strata.open(dir, { workers: 0, mm_limit: true, mm_limit_wm: 1024 * 1024, mm_limit_behaviour: 'block', interval: 5_000 });
    const tables = Array.from({ length: 40 }, (_, t) =>
      tableOf(Array.from({ length: 500 }, (_, i) => ({ id: BigInt(t * 500 + i), key: `t${t}`, value: `${t}:${i}:${'x'.repeat(100)}`, del: false }))),
    );
    // all at once: most are held back, and each held one must keep its own bytes
    await Promise.all(tables.map((t) => db.writeArrow(t)));
    const rows = scan(db);
    expect(rows.length).toBe(20_000);
    expect(rows.every((r) => r.key === `t${Math.floor(Number(r.id) / 500)}` && r.value.startsWith(`${Math.floor(Number(r.id) / 500)}:${Number(r.id) % 500}:`))).toBe(true);
  });
});

describe('types other tools use', () => {
  test('LargeUtf8 values and Int64 ids are read like Utf8 and Uint64', async () => {
    await db.writeArrow(new Table({ id: vectorFromArray([4n, 3n], new Int64()), key: vectorFromArray([null, 'k'], new Utf8()), value: vectorFromArray(['four', 'three'], new LargeUtf8()) }));
    expect(scan(db)).toEqual([
      { id: 3n, key: 'k', value: 'three' },
      { id: 4n, key: '', value: 'four' },
    ]);
  });

  test('a sliced table writes only its rows', async () => {
    const t = tableOf(Array.from({ length: 20 }, (_, i) => ({ id: BigInt(i), key: i % 2 ? 'odd' : null, value: `v${i}`, del: i === 12 })).map((o) => (o.del ? { ...o, value: null } : o)));
    await db.writeArrow(t.slice(5, 15));
    expect(scan(db).map((r) => r.id)).toEqual([5n, 6n, 7n, 8n, 9n, 10n, 11n, 13n, 14n]);
  });
});
