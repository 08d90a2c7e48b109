/**
 * Rebalance: plan the moves and drops that bring every tier of the pipeline within its
 * limits (the pure planner of src/tiering), and carry them out with the partition
 * operations of this layer. `REBALANCE`, `EXPLAIN REBALANCE` and the background
 * service (every second, and after writes that create partitions) call it.
 *
 * @module
 */
import { type PlanStep, planRebalance } from '../../tiering/index.ts';
import { StepCounter } from '../core/cancel.ts';
import { type EngineContext, nowMicros } from '../core/context.ts';
import type { PartitionState } from '../core/partition-state.ts';
import { dropPartition } from './partition-drop.ts';
import { movePartition } from './refresh.ts';

/**
 * The rebalance plan for the database as it is now. Damaged partitions (a file that
 * failed its checks at open) are left out: they cannot be moved, and must not stall
 * the pipeline for every other partition.
 */
export function plan(ctx: EngineContext): PlanStep[] {
  const facts = ctx.partitions.all.filter((p) => p.damage === null).map((p) => ({
    min: p.min,
    storage: p.record.storage,
    created: p.record.created,
    size: p.record.size + p.bytesInMemory,
    events: p.record.events + p.eventsInMemory,
  }));
  return planRebalance(ctx.pipeline, facts, nowMicros());
}

/**
 * Carries out `steps` in order; a partition gone meanwhile is skipped. A partition
 * the plan moves and later drops is dropped at once, without rewriting its file.
 * With `counter`, stops before a step once its signal has fired.
 * @throws StrataError `CANCELLED` then (after the step in flight); else the first step's failure.
 */
export async function runPlan(ctx: EngineContext, steps: readonly PlanStep[], states: ReadonlyMap<bigint, PartitionState>, counter?: StepCounter): Promise<void> {
  const dropped = new Set(steps.filter((s) => s.action === 'drop').map((s) => s.partition));
  let first: unknown;
  for (const step of steps) {
    if (counter?.cancelled === true) throw first ?? counter.error();
    // the partition the plan saw (not one created again with the same min since)
    const p = states.get(step.partition);
    if (p === undefined || p.dropped) {
      // gone, or dropped by its first step already: nothing left to do for it
      if (counter !== undefined) counter.done++;
      continue;
    }
    const from = dropped.has(step.partition) ? (steps.find((s) => s.partition === step.partition)!.from) : step.from;
    try {
      if (dropped.has(step.partition)) await dropPartition(ctx, p, from);
      else await movePartition(ctx, p, ctx.storages.get('rebalance', step.to!), step.from);
    } catch (e) {
      // one failing step does not stop the others; the first failure is reported
      first ??= e;
    }
    if (counter !== undefined) counter.done++;
  }
  if (first !== undefined) throw first;
}

/**
 * Plans and runs until the plan is empty: a moved partition is re-encoded with its
 * destination's settings and may change size, so one pass may not be enough. Moves
 * only go down the pipeline, so this ends; the bound is a safeguard. With `signal`,
 * stops between steps once it has fired.
 * @throws StrataError `CANCELLED` then: the steps done stay done.
 */
export async function rebalance(ctx: EngineContext, signal?: AbortSignal): Promise<void> {
  // one count over every pass: the steps of a later pass add to the total
  const counter = signal === undefined ? undefined : new StepCounter('rebalance', 0, signal, 'step');
  for (let pass = 0; pass < 16; pass++) {
    counter?.check();
    const states = new Map(ctx.partitions.all.map((p) => [p.min, p]));
    const steps = plan(ctx);
    if (steps.length === 0) return;
    if (counter !== undefined) counter.total += steps.length;
    await runPlan(ctx, steps, states, counter);
  }
}
