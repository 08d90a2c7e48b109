/**
 * The pipeline: the ordered tiers (storages with retention limits) partitions flow
 * through. New partitions are created on the first tier; a tier over any of its
 * limits hands its oldest partition (by creation time) to the next tier, and the
 * last tier drops it.
 *
 * @module
 */

/** Retention limits of a tier; an absent limit does not apply. */
export interface TierLimits {
  /** Most partitions the tier keeps. */
  readonly partitions?: number;
  /** Most bytes (partition files plus events in memory) the tier keeps. */
  readonly size?: number;
  /** Most events the tier keeps. */
  readonly events?: number;
  /** Oldest age, in microseconds since creation, of a partition the tier keeps. */
  readonly duration?: bigint;
}

/** One tier: a storage and its limits. */
export interface PipelineTier {
  readonly storage: string;
  readonly limits: TierLimits;
}
