/**
 * From the statement AST to the engine's plain options: the engine and the tiering
 * layer know nothing of the grammar, so the executors hand them their own types. A
 * number with a unit (`64KiB`, `1M`, `6h`) is valued here by the kind of what it sets
 * (`1M` is 1,048,576 bytes for `region_size`, 1,000,000 for the limit `events`), and a
 * unit of another kind is refused; the other checks (known names, ranges, repeats) are
 * the domain's, so that `Strata.open` settings, statements and repair share them.
 *
 * @module
 */
import type { Option, Tier, Value } from '../../grammar/index.ts';
// literals.ts alone: the grammar's index loads the parser, which waits until a statement is parsed
import { type Quantity, type ValueKind, kindDescription, quantityValue } from '../../grammar/literals.ts';
import { MAX_ID } from '../codec/index.ts';
import { type CloudOption, cloudOptionKind, isSecretCloudOption } from '../engine/cloud/cloud-registry.ts';
import { StrataError } from '../errors.ts';
import { type StorageOption, type TierSpec, isSecretOption, storageOptionKind } from '../tiering/index.ts';

/** The kind of each tier limit. */
const limitKinds = { partitions: 'count', size: 'bytes', events: 'count', duration: 'duration' } as const satisfies Record<string, ValueKind>;

/**
 * `v` as the value of `subject` (`region_size`, `limit events`), which holds `kind`: a
 * number with a unit valued by that kind; anything else as it is (the domain checks
 * it). With `kind` undefined (an unknown name, which the domain refuses), a number with
 * a unit is its text.
 * @throws StrataError `INVALID_INPUT` when the unit is not one of `kind`'s (`6h` for a
 *   size), naming `subject` and what it takes (a `secret`'s value shown as `(secret)`);
 *   nothing has changed.
 */
export function valueOfKind(op: string, subject: string, kind: ValueKind | undefined, v: Value, secret = false): bigint | string | boolean {
  if (typeof v !== 'object') return v;
  const text = `${v.amount}${v.unit}`;
  if (kind === undefined) return text;
  const n = quantityValue(v, kind);
  const shown = secret ? '(secret)' : text;
  if (n === null) throw new StrataError('INVALID_INPUT', `${op}: ${subject} is ${kindDescription(kind)}; ${shown} is not`);
  if (n > MAX_ID) throw new StrataError('INVALID_INPUT', `${op}: ${subject} ${shown} is out of range (at most ${MAX_ID})`);
  return n;
}

/** The options of `CREATE / ALTER STORAGE`, in the order given. */
export function storageOptions(op: string, list: readonly Option[]): StorageOption[] {
  return list.map((o) => ({
    name: o.name,
    value: valueOfKind(op, `storage option ${o.name}`, storageOptionKind(o.name), o.value, isSecretOption(o.name)),
  }));
}

/** The options of `CREATE / ALTER CLOUD`, in the order given. */
export function cloudOptions(op: string, list: readonly Option[]): CloudOption[] {
  return list.map((o) => ({
    name: o.name,
    value: valueOfKind(op, `cloud option ${o.name}`, cloudOptionKind(o.name), o.value, isSecretCloudOption(o.name)),
  }));
}

/** The tiers of `ALTER PIPELINE`, each with its limits in the order given (durations in µs). */
export function tierSpecs(tiers: readonly Tier[]): TierSpec[] {
  const limit = (name: keyof typeof limitKinds, value: bigint | Quantity): bigint =>
    valueOfKind('alter pipeline', `limit ${name}`, limitKinds[name], value) as bigint;
  return tiers.map((t) => ({ storage: t.storage, limits: t.limits.map((l) => ({ name: l.name, value: limit(l.name, l.value) })) }));
}
