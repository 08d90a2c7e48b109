/**
 * RecordBatchBuilder on hand-made cursor batches: values in order in one span (the
 * region case: one copy of the span, then each value moved down), values out of order
 * (the memtable case: a copy per value), keys, empty values, a value larger than a
 * whole batch, and batches that end early rather than grow a buffer.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { type EventColumnsView, RecordBatchBuilder } from '../../src/arrow/index.ts';
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

test('property: any layout, batch size and byte budget gives the events in order, each batch within its bounds', () => {
  fc.assert(
    fc.property(fc.array(ev, { maxLength: 120 }), fc.boolean(), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 64 * 1024, max: 200 * 1024 }), (events, shuffled, rows, bytes) => {
      const order = events.map((_, i) => i);
      if (shuffled) order.reverse();
      const src = view(events, order);
      const b = new RecordBatchBuilder(rows, bytes);
      const batches = [];
      for (let i = 0; i < src.length; ) {
        i = b.append(src, i);
        if (i < src.length || b.full) batches.push(b.flush()!);
      }
      const last = b.flush();
      if (last !== null) batches.push(last);
      for (const x of batches) expect(x.numRows).toBeLessThanOrEqual(rows);
      const latin1 = (s: string) => Buffer.from(new TextEncoder().encode(s)).toString('latin1');
      expect(rowsOf(batches)).toEqual(events.map((e) => ({ id: e.id, key: latin1(e.key), value: latin1(e.value) })));
    }),
    { numRuns: 300 },
  );
});

test('a value larger than the byte budget gets a batch of its own', () => {
  const big = 'x'.repeat(100 * 1024);
  const src = view([{ id: 1n, key: '', value: 'a' }, { id: 2n, key: 'k', value: big }, { id: 3n, key: '', value: 'c' }], [0, 1, 2]);
  const b = new RecordBatchBuilder(10, 64 * 1024);
  const sizes: number[] = [];
  for (let i = 0; i < src.length; ) {
    i = b.append(src, i);
    if (i < src.length) sizes.push(b.flush()!.numRows);
  }
  sizes.push(b.flush()!.numRows);
  expect(sizes.reduce((a, c) => a + c, 0)).toBe(3);
  expect(sizes.length).toBeGreaterThanOrEqual(2);
});
