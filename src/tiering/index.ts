/**
 * The tiering layer: the pipeline and rebalance planning (pure: state in, plan out).
 *
 * @module
 */
export type { PipelineTier, TierLimits } from './pipeline.ts';
export { planRebalance, type PartitionFacts, type PlanStep } from './plan.ts';
