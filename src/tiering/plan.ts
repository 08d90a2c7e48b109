/**
 * Rebalance planning: a pure function from the pipeline and the partitions to the
 * moves and drops that bring every tier within its limits. No I/O: `REBALANCE` runs
 * the plan, `EXPLAIN REBALANCE` shows it.
 *
 * @module
 */
import type { PipelineTier, TierLimits } from './pipeline.ts';

/** What the planner needs to know of a partition. */
export interface PartitionFacts {
  /** The partition's min (its name). */
  readonly min: bigint;
  /** The storage it is on. */
  readonly storage: string;
  /** Creation time, microseconds since the epoch. */
  readonly created: number;
  /** Bytes: its file plus its events in memory. */
  readonly size: number;
  /** Events: in its file plus in memory. */
  readonly events: number;
}

/** One step of a plan. Field names are stable: `EXPLAIN REBALANCE` shows them. */
export interface PlanStep {
  readonly action: 'move' | 'drop';
  readonly partition: bigint;
  readonly from: string;
  /** Destination storage of a move; null for a drop. */
  readonly to: string | null;
  /** The limit that was exceeded, e.g. `partitions 3 > 2`. */
  readonly reason: string;
}

function byAge(a: PartitionFacts, b: PartitionFacts): number {
  return a.created - b.created || (a.min < b.min ? -1 : a.min > b.min ? 1 : 0);
}

/** Which limit of `limits` the tier holding `list` (oldest first) exceeds, if any. */
function exceeded(limits: TierLimits, list: readonly PartitionFacts[], now: number): string | null {
  if (list.length === 0) return null;
  if (limits.partitions !== undefined && list.length > limits.partitions) return `partitions ${list.length} > ${limits.partitions}`;
  if (limits.size !== undefined) {
    const size = list.reduce((s, p) => s + p.size, 0);
    if (size > limits.size) return `size ${size} > ${limits.size}`;
  }
  if (limits.events !== undefined) {
    const events = list.reduce((s, p) => s + p.events, 0);
    if (events > limits.events) return `events ${events} > ${limits.events}`;
  }
  if (limits.duration !== undefined) {
    const age = BigInt(Math.max(0, now - list[0]!.created));
    if (age > limits.duration) return `duration ${age} > ${limits.duration}`;
  }
  return null;
}

/**
 * Plans a rebalance: for each tier in order, while it exceeds a limit its oldest
 * partition (by creation time, then min) moves to the next tier, where it counts
 * from then on, or is dropped past the last tier. Partitions on storages outside the
 * pipeline are left alone. `now` is in microseconds since the epoch.
 */
export function planRebalance(pipeline: readonly PipelineTier[], partitions: readonly PartitionFacts[], now: number): PlanStep[] {
  const tiers = new Map<string, PartitionFacts[]>();
  for (const t of pipeline) tiers.set(t.storage, []);
  for (const p of partitions) tiers.get(p.storage)?.push(p);
  const steps: PlanStep[] = [];
  pipeline.forEach((tier, i) => {
    const list = tiers.get(tier.storage)!.sort(byAge);
    for (let reason = exceeded(tier.limits, list, now); reason !== null; reason = exceeded(tier.limits, list, now)) {
      const victim = list.shift()!;
      const next = pipeline[i + 1];
      if (next === undefined) {
        steps.push({ action: 'drop', partition: victim.min, from: tier.storage, to: null, reason });
      } else {
        steps.push({ action: 'move', partition: victim.min, from: tier.storage, to: next.storage, reason });
        tiers.get(next.storage)!.push({ ...victim, storage: next.storage });
      }
    }
  });
  return steps;
}
