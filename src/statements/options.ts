/**
 * From the statement AST to the engine's plain options: the engine and the tiering
 * layer know nothing of the grammar, so the executors hand them their own types. The
 * parser has already normalized the values (sizes in bytes, durations in microseconds,
 * the limit `interval` as `duration`); the checks (known names, ranges, repeats) are the
 * domain's, so that `Strata.open` settings, statements and repair share them.
 *
 * @module
 */
import type { Option, Tier } from '../../grammar/index.ts';
import type { CloudOption } from '../engine/cloud/cloud-registry.ts';
import type { StorageOption, TierSpec } from '../tiering/index.ts';

/** The options of `CREATE / ALTER STORAGE`, in the order given. */
export function storageOptions(list: readonly Option[]): StorageOption[] {
  return list.map((o) => ({ name: o.name, value: o.value }));
}

/** The options of `CREATE / ALTER CLOUD`, in the order given. */
export function cloudOptions(list: readonly Option[]): CloudOption[] {
  return list.map((o) => ({ name: o.name, value: o.value }));
}

/** The tiers of `ALTER PIPELINE`, each with its limits in the order given. */
export function tierSpecs(tiers: readonly Tier[]): TierSpec[] {
  return tiers.map((t) => ({ storage: t.storage, limits: t.limits.map((l) => ({ name: l.name, value: l.value })) }));
}
