/**
 * RecordBatchBuilder and ViewBatchBuilder on hand-made cursor batches: values in order
 * in one span (the region case: one copy of the span, then each value moved down; or,
 * in the view layout, views into one copy, or into the buffer itself when it is kept),
 * values out of order (the memtable case), keys, empty values, a value larger than a
 * whole batch, and batches that end early rather than grow a buffer.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { type EventColumnsView, RecordBatchBuilder, type ScanBatchBuilder, ViewBatchBuilder } from '../../src/arrow/index.ts';
import { rowsOf } from './helpers.ts';

interface Ev {
  id: bigint;
  key: string;
  value: string;
}

/** A cursor batch over `events` laid out as records (header, key, value), in `order` of placement. */
function view(events: Ev[], order: number[]): EventColumnsView {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const keyOffsets = new Uint32Array(events.length);
  const valueOffsets = new Uint32Array(events.length);
  const keyLengths = new Uint32Array(events.length);
  const valueLengths = new Uint32Array(events.length);
  let at = 0;
  for (const i of order) {
    const k = enc.encode(events[i]!.key);
    const v = enc.encode(events[i]!.value);
    parts.push(new Uint8Array(14).fill(0xee), k, v);
    keyOffsets[i] = at + 14;
    keyLengths[i] = k.length;
    valueOffsets[i] = at + 14 + k.length;
    valueLengths[i] = v.length;
    at += 14 + k.length + v.length;
  }
  const buffer = new Uint8Array(at);
  let o = 0;
  for (const p of parts) {
    buffer.set(p, o);
    o += p.length;
  }
  return { length: events.length, buffer, ids: BigUint64Array.from(events.map((e) => e.id)), keyOffsets, keyLengths, valueOffsets, valueLengths };
}

const ev = fc.record({ id: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), key: fc.string({ maxLength: 20 }), value: fc.string({ maxLength: 400 }) });

type Layout = 'binary' | 'view' | 'view, kept';

function builder(layout: Layout, rows: number, bytes: number): ScanBatchBuilder {
  return layout === 'binary' ? new RecordBatchBuilder(rows, bytes) : new ViewBatchBuilder(rows, bytes);
}

/** Bytes of a record batch's value data: its buffer (binary) or its data buffers (view). */
function dataBytes(b: ReturnType<ScanBatchBuilder['flush']> & object): number {
  const d = b.getChild('value')!.data[0]!;
  return d.variadicBuffers.length > 0 ? d.variadicBuffers.reduce((a, x) => a + x.length, 0) : d.values.length;
}

test('property: any layout, batch size and byte budget gives the events in order, each batch within its bounds', () => {
  fc.assert(
    fc.property(
      fc.array(ev, { maxLength: 120 }),
      fc.boolean(),
      fc.constantFrom<Layout>('binary', 'view', 'view, kept'),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 64 * 1024, max: 200 * 1024 }),
      (events, shuffled, layout, rows, bytes) => {
        const order = events.map((_, i) => i);
        if (shuffled) order.reverse();
        const src = view(events, order);
        const b = builder(layout, rows, bytes);
        const batches = [];
        for (let i = 0; i < src.length; ) {
          i = b.append(src, i, layout === 'view, kept');
          if (i < src.length || b.full) batches.push(b.flush()!);
        }
        const last = b.flush();
        if (last !== null) batches.push(last);
        for (const x of batches) expect(x.numRows).toBeLessThanOrEqual(rows);
        if (layout !== 'view, kept') for (const x of batches) expect(x.numRows === 1 || dataBytes(x) <= bytes).toBe(true);
        const latin1 = (s: string) => Buffer.from(new TextEncoder().encode(s)).toString('latin1');
        const want = events.map((e) => ({ id: e.id, key: latin1(e.key), value: latin1(e.value) }));
        expect(rowsOf(batches)).toEqual(want);
        // the batches own their bytes: overwriting the cursor's buffer changes nothing,
        // except where the caller said it keeps it
        if (layout !== 'view, kept') {
          src.buffer.fill(0x55);
          expect(rowsOf(batches)).toEqual(want);
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('the view layout: values up to 12 bytes sit in their views, longer ones point into one copy of the span', () => {
  const events = [
    { id: 1n, key: '', value: '' },
    { id: 2n, key: 'short key', value: 'twelve bytes' },
    { id: 3n, key: 'a key of more than twelve bytes', value: 'a value of more than twelve bytes' },
  ];
  const src = view(events, [0, 1, 2]);
  const b = new ViewBatchBuilder(10, 64 * 1024);
  expect(b.append(src, 0)).toBe(3);
  const batch = b.flush()!;
  const value = batch.getChild('value')!.data[0]!;
  const key = batch.getChild('key')!.data[0]!;
  expect(String(value.type)).toBe('BinaryView');
  expect(value.variadicBuffers.length).toBe(1);
  expect(value.variadicBuffers[0]!.buffer).not.toBe(src.buffer.buffer);
  expect(key.variadicBuffers[0]!.buffer).toBe(value.variadicBuffers[0]!.buffer); // the long key lies in the same copy
  const kept = new ViewBatchBuilder(10, 64 * 1024);
  kept.append(src, 0, true);
  expect(kept.flush()!.getChild('value')!.data[0]!.variadicBuffers[0]!.buffer).toBe(src.buffer.buffer); // kept: no copy
  const short = new ViewBatchBuilder(10, 64 * 1024);
  short.append(view(events.slice(0, 2), [0, 1]), 0);
  const s = short.flush()!;
  expect(s.getChild('value')!.data[0]!.variadicBuffers.length).toBe(0); // every value inline
  expect(rowsOf([s])).toEqual([
    { id: 1n, key: '', value: '' },
    { id: 2n, key: 'short key', value: 'twelve bytes' },
  ]);
});

test.each(['binary', 'view'] as const)('a value larger than the byte budget gets a batch of its own (%s)', (layout) => {
  const big = 'x'.repeat(100 * 1024);
  const src = view([{ id: 1n, key: '', value: 'a'.repeat(20) }, { id: 2n, key: 'k', value: big }, { id: 3n, key: '', value: 'c'.repeat(20) }], [0, 1, 2]);
  const b = builder(layout, 10, 64 * 1024);
  const sizes: number[] = [];
  for (let i = 0; i < src.length; ) {
    i = b.append(src, i);
    if (i < src.length) sizes.push(b.flush()!.numRows);
  }
  sizes.push(b.flush()!.numRows);
  expect(sizes.reduce((a, c) => a + c, 0)).toBe(3);
  expect(sizes.length).toBeGreaterThanOrEqual(2);
});
