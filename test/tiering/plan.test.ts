import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { type PartitionFacts, type PipelineTier, planRebalance } from '../../src/tiering/index.ts';

const p = (min: number, storage: string, created: number, size = 10, events = 1): PartitionFacts => ({ min: BigInt(min), storage, created, size, events });

describe('planRebalance', () => {
  test('the oldest partitions of a full tier move to the next one, past the last they are dropped', () => {
    const pipeline: PipelineTier[] = [
      { storage: 'hot', limits: { partitions: 2 } },
      { storage: 'cold', limits: { size: 25 } },
    ];
    const parts = [p(0, 'hot', 1), p(100, 'hot', 2), p(200, 'hot', 3), p(300, 'hot', 4), p(999, 'cold', 0)];
    expect(planRebalance(pipeline, parts, 10)).toEqual([
      { action: 'move', partition: 0n, from: 'hot', to: 'cold', reason: 'partitions 4 > 2' },
      { action: 'move', partition: 100n, from: 'hot', to: 'cold', reason: 'partitions 3 > 2' },
      { action: 'drop', partition: 999n, from: 'cold', to: null, reason: 'size 30 > 25' },
    ]);
  });

  test('duration: partitions older than the limit leave the tier', () => {
    const pipeline: PipelineTier[] = [{ storage: 'main', limits: { duration: 100n } }];
    expect(planRebalance(pipeline, [p(0, 'main', 0), p(1, 'main', 950), p(2, 'main', 1000)], 1000).map((s) => s.partition)).toEqual([0n]);
  });

  test('events limit, and storages outside the pipeline are left alone', () => {
    const pipeline: PipelineTier[] = [{ storage: 'a', limits: { events: 5 } }];
    const parts = [p(0, 'a', 1, 1, 3), p(1, 'a', 2, 1, 3), p(2, 'other', 0, 1, 100)];
    expect(planRebalance(pipeline, parts, 0)).toEqual([{ action: 'drop', partition: 0n, from: 'a', to: null, reason: 'events 6 > 5' }]);
  });

  test('no limits, no steps', () => {
    expect(planRebalance([{ storage: 'main', limits: {} }], [p(0, 'main', 0)], 0)).toEqual([]);
  });

  test('property: after the plan every tier is within its limits and nothing is lost but drops', () => {
    const storages = ['t0', 't1', 't2'];
    fc.assert(
      fc.property(
        fc.array(fc.record({ partitions: fc.option(fc.nat(5), { nil: undefined }), size: fc.option(fc.nat(200), { nil: undefined }) }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.record({ storage: fc.constantFrom(...storages), created: fc.nat(1000), size: fc.nat(60) }), { maxLength: 30 }),
        (limits, raw) => {
          const pipeline: PipelineTier[] = limits.map((l, i) => ({
            storage: storages[i]!,
            limits: { ...(l.partitions === undefined ? {} : { partitions: l.partitions }), ...(l.size === undefined ? {} : { size: l.size }) },
          }));
          const parts = raw.map((r, i) => p(i, r.storage, r.created, r.size));
          const steps = planRebalance(pipeline, parts, 2000);
          const where = new Map(parts.map((q) => [q.min, q.storage as string | null]));
          for (const s of steps) {
            expect(where.get(s.partition)).toBe(s.from);
            where.set(s.partition, s.to);
          }
          for (const tier of pipeline) {
            const on = parts.filter((q) => where.get(q.min) === tier.storage);
            if (tier.limits.partitions !== undefined) expect(on.length).toBeLessThanOrEqual(tier.limits.partitions);
            if (tier.limits.size !== undefined) expect(on.reduce((s, q) => s + q.size, 0)).toBeLessThanOrEqual(tier.limits.size);
          }
          // only partitions of the last tier are dropped, and only oldest first within a tier
          for (const s of steps.filter((x) => x.action === 'drop')) expect(s.from).toBe(pipeline.at(-1)!.storage);
        },
      ),
      { numRuns: 300 },
    );
  });
});
