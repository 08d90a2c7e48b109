/**
 * PartitionMap's lookups, against a linear scan of the same partitions: by id (the
 * write path's), by name (`byMin`: statements, orphans) and by a range of names
 * (`withMinIn`: the `PARTITIONS` statements), on partitions inserted in any order.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { idHi, idLo } from '../../src/codec/index.ts';
import { PartitionMap } from '../../src/engine/core/partition-map.ts';
import { PartitionState } from '../../src/engine/core/partition-state.ts';
import type { PartitionRecord } from '../../src/manifest/index.ts';
import { Arena } from '../../src/partition/index.ts';

const memory = { bytes: 0 };
const arena = new Arena();
const MAX = 2n ** 64n - 1n;

function state(min: bigint, max: bigint): PartitionState {
  const record: PartitionRecord = {
    min, max, storage: 'main', file: 0, lsn: 0n, events: 0, regions: 0, size: 0,
    sizeUncompressed: 0, created: 0, refreshed: 0, refreshes: 0, onStorage: true, onCloud: false,
  };
  return new PartitionState(record, null, memory, arena);
}

/** Non-overlapping ranges: sorted distinct bounds paired up, some near 0 and 2^64-1. */
const ranges = fc
  .uniqueArray(fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: MAX }), fc.bigInt({ min: MAX - 1000n, max: MAX })), { minLength: 0, maxLength: 40 })
  .map((bounds) => {
    const b = [...bounds].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    const out: [bigint, bigint][] = [];
    for (let i = 0; i + 1 < b.length; i += 2) out.push([b[i]!, b[i + 1]!]);
    return out;
  });

test('property: byMin, withMinIn and find agree with a linear scan', () => {
  fc.assert(
    fc.property(ranges, fc.array(fc.bigInt({ min: 0n, max: MAX }), { maxLength: 20 }), fc.infiniteStream(fc.nat()), (list, probes, order) => {
      const map = new PartitionMap();
      const parts = list.map(([a, b]) => state(a, b));
      // inserted in a random order
      const shuffled = [...parts];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = order.next().value % (i + 1);
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      for (const p of shuffled) map.insert(p);
      expect(map.all.map((p) => p.min)).toEqual(parts.map((p) => p.min));
      const ids = [...probes, ...parts.flatMap((p) => [p.min, p.max, p.min + 1n, p.min - 1n, p.max + 1n])].filter((x) => x >= 0n && x <= MAX);
      for (const id of ids) {
        expect(map.byMin(id)).toBe(parts.find((p) => p.min === id));
        expect(map.find(idHi(id), idLo(id))).toBe(parts.find((p) => p.min <= id && id <= p.max));
      }
      for (let i = 0; i + 1 < ids.length; i += 2) {
        const [a, b] = [ids[i]!, ids[i + 1]!];
        expect(map.withMinIn(a, b)).toEqual(parts.filter((p) => p.min >= a && p.min <= b));
      }
    }),
    { numRuns: 300 },
  );
});

test('a removed partition is found no more', () => {
  const map = new PartitionMap();
  const [a, b, c] = [state(0n, 9n), state(10n, 19n), state(30n, 39n)];
  for (const p of [c, a, b]) map.insert(p);
  expect(map.byMin(10n)).toBe(b);
  expect(map.find(0, 15)).toBe(b);
  map.remove(b);
  expect(map.byMin(10n)).toBeUndefined();
  expect(map.find(0, 15)).toBeUndefined();
  expect(map.withMinIn(0n, 100n)).toEqual([a, c]);
  expect(map.withMinIn(31n, 30n)).toEqual([]);
});
