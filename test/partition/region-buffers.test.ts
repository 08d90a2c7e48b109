/**
 * RegionBuffers giving buffers away: a given buffer is never handed out again (its
 * bytes stay as they are), a buffer the pool did not make cannot be given, and in
 * give-all mode regions are carved one after the other from shared slabs.
 */
import { expect, test } from 'vitest';
import { RegionBuffers } from '../../src/partition/region-buffers.ts';

test('a given buffer is never handed out again; a foreign one cannot be given', () => {
  const pool = new RegionBuffers();
  const a = pool.take(1000);
  a.fill(0xaa);
  expect(pool.give(a)).toBe(true);
  pool.retire(a);
  pool.release();
  for (let i = 0; i < 10; i++) {
    const b = pool.take(1000);
    expect(b.buffer).not.toBe(a.buffer);
    b.fill(i);
    pool.retire(b);
    pool.release();
  }
  expect(a.every((x) => x === 0xaa)).toBe(true);
  expect(pool.give(new Uint8Array(1000))).toBe(false);
  // without giving, the pool reuses its buffers
  const c = pool.take(1000);
  pool.retire(c);
  pool.release();
  expect([pool.take(1000).buffer, pool.take(1000).buffer]).toContain(c.buffer);
});

test('give-all: regions share slabs, are never reused, and are always given', () => {
  const pool = new RegionBuffers();
  pool.giveAll();
  const regions = Array.from({ length: 40 }, (_, i) => {
    const r = pool.take(200 * 1024 + i);
    r.fill(i);
    pool.retire(r);
    pool.release();
    return r;
  });
  expect(regions.every((r) => pool.give(r))).toBe(true);
  expect(regions[1]!.buffer).toBe(regions[0]!.buffer); // one slab holds many regions
  expect(new Set(regions.map((r) => r.buffer)).size).toBeLessThan(10);
  regions.forEach((r, i) => expect(r.every((x) => x === i)).toBe(true)); // none overwritten
  const big = pool.take(10 * 1024 * 1024); // larger than a slab: a slab of its own
  expect(big.length).toBe(10 * 1024 * 1024);
  expect(pool.give(big)).toBe(true);
  expect(pool.give(new Uint8Array(10))).toBe(false);
});

test('a restored buffer is reused, but not while an iterator still stands in it', () => {
  const pool = new RegionBuffers();
  const a = pool.take(1000); // an iterator stands in a
  expect(pool.give(a)).toBe(true);
  expect(pool.give(a)).toBe(true); // given already: still the caller's
  pool.restore(a);
  const b = pool.take(1000);
  expect(b.buffer).not.toBe(a.buffer); // a is still held
  pool.retire(a); // the iterator leaves it
  pool.release();
  expect(pool.take(1000).buffer).toBe(a.buffer);
  // a buffer left before it is restored is free at once
  const c = pool.take(1000);
  pool.give(c);
  pool.retire(c);
  pool.release();
  pool.restore(c);
  expect(pool.take(1000).buffer).toBe(c.buffer);
  pool.restore(new Uint8Array(1000)); // never given: nothing happens
  expect(pool.take(1000).buffer).not.toBe(c.buffer);
});
