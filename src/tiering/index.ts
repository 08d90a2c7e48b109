/**
 * The tiering layer: storages (named places for partition files, their options and
 * rules, where their paths may lead, their descriptors), the pipeline (its tiers, kept
 * in the manifest) and rebalance planning (pure: state in, plan out). It knows nothing
 * of the engine: callers hand it plain options and the places the database reserves.
 *
 * @module
 */
export type { PipelineTier, TierLimits } from './pipeline.ts';
export { planRebalance, type PartitionFacts, type PlanStep } from './plan.ts';
export { type TierSpec, loadPipeline, savePipeline, tierRow } from './pipeline-store.ts';
export { type EffectiveSettings, Storage, type StorageDefaults, type StorageOption, isSecretOption, storageOptionKind, storageOptionNames } from './storage.ts';
export { MAIN, StorageRegistry } from './storage-registry.ts';
export type { ReservedPlace } from './storage-path.ts';
export { DESCRIPTOR_FILE, type StorageDescriptor, readDescriptor } from './storage-descriptor.ts';
