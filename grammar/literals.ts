/**
 * Literal values of the DDL: unsigned 64-bit integers, numbers with a unit (`10G`,
 * `6h`, `1M`), quoted identifiers and strings. Both directions live here: the lexer and
 * the AST builder read literals, the printer writes them.
 *
 * A number's unit means what the setting or limit it is given to holds: `1M` is
 * 1,048,576 bytes for a size and 1,000,000 for a count. So the AST keeps a number with a
 * unit as written ({@link Quantity}), and the executor values it by the kind of what it
 * sets ({@link quantityValue}), refusing a unit of another kind.
 *
 * @module
 */

/** The largest value of an integer, or of a number with a unit once valued: 2^64 - 1. */
export const U64_MAX = (1n << 64n) - 1n;

/**
 * Size units, lowercase, to bytes. All are binary: `K`, `KB` and `KiB` are 1024.
 * Case-insensitive in the text (`10g`, `10GiB`).
 */
export const SIZE_UNITS: Readonly<Record<string, bigint>> = {
  k: 1n << 10n, kb: 1n << 10n, kib: 1n << 10n,
  m: 1n << 20n, mb: 1n << 20n, mib: 1n << 20n,
  g: 1n << 30n, gb: 1n << 30n, gib: 1n << 30n,
  t: 1n << 40n, tb: 1n << 40n, tib: 1n << 40n,
};

const SECOND = 1_000_000n;

/** Duration units, lowercase, to microseconds. Case-insensitive in the text. */
export const DURATION_UNITS: Readonly<Record<string, bigint>> = {
  us: 1n,
  ms: 1000n,
  s: SECOND, sec: SECOND, secs: SECOND, second: SECOND, seconds: SECOND,
  min: 60n * SECOND, mins: 60n * SECOND, minute: 60n * SECOND, minutes: 60n * SECOND,
  h: 3600n * SECOND, hour: 3600n * SECOND, hours: 3600n * SECOND,
  d: 86400n * SECOND, day: 86400n * SECOND, days: 86400n * SECOND,
  w: 604800n * SECOND, week: 604800n * SECOND, weeks: 604800n * SECOND,
};

/** Count units, lowercase, to their multiple: powers of ten (`1M` events is 1,000,000). */
export const COUNT_UNITS: Readonly<Record<string, bigint>> = { k: 1000n, m: 1_000_000n, b: 1_000_000_000n };

/**
 * What a setting, option or limit holds, and so which units its numbers take: `bytes`
 * take {@link SIZE_UNITS}, `count` {@link COUNT_UNITS}, `duration` {@link DURATION_UNITS}
 * (a plain integer is microseconds); `id`, `boolean` and `string` take none.
 */
export type ValueKind = 'bytes' | 'count' | 'duration' | 'id' | 'boolean' | 'string';

/** A number with a unit as written (`10g` is amount 10n, unit 'G'), valued by the kind it is given to. */
export interface Quantity {
  readonly amount: bigint;
  /** The unit in its one spelling (`GiB`, `G`, `M`, `h`: see {@link splitNumber}); known to {@link unitKinds}. */
  readonly unit: string;
}

const unitTables: Readonly<Partial<Record<ValueKind, Readonly<Record<string, bigint>>>>> = {
  bytes: SIZE_UNITS,
  count: COUNT_UNITS,
  duration: DURATION_UNITS,
};

/** Every unit the lexer knows, lowercase: the union of the size, count and duration units. */
export const ALL_UNITS: readonly string[] = [...new Set([...Object.keys(SIZE_UNITS), ...Object.keys(COUNT_UNITS), ...Object.keys(DURATION_UNITS)])];

/** The kinds whose numbers take `unit` (`'m'`: bytes and count). */
export function unitKinds(unit: string): ValueKind[] {
  const u = unit.toLowerCase();
  return (Object.keys(unitTables) as ValueKind[]).filter((k) => unitTables[k]?.[u] !== undefined);
}

/**
 * The value of `q` for a setting of `kind` (bytes, count or microseconds), or null when
 * the unit is not one of `kind`'s (`6h` for a size, any unit for an id). May exceed
 * {@link U64_MAX}.
 */
export function quantityValue(q: Quantity, kind: ValueKind): bigint | null {
  const factor = unitTables[kind]?.[q.unit.toLowerCase()];
  return factor === undefined ? null : q.amount * factor;
}

/** What numbers of `kind` look like, for error messages. */
export function kindDescription(kind: ValueKind): string {
  switch (kind) {
    case 'bytes':
      return 'a size in bytes: an integer, or one with K, M, G or T (powers of 1024: 64KiB, 10G)';
    case 'count':
      return 'a count: an integer, or one with K, M or B (powers of ten: 10K, 1M, 2B)';
    case 'duration':
      return 'a duration: microseconds, or a number with us, ms, s, min, h, d or w (6h, 30min)';
    case 'id':
      return 'an id: a plain integer';
    case 'boolean':
      return 'true or false';
    case 'string':
      return "a string ('...') or a name";
  }
}

/** `us` microseconds in the largest time unit that divides them exactly (`6h`, `90min`), else `1500us`. */
export function formatDuration(us: bigint): string {
  const units = [['w', 604800n * SECOND], ['d', 86400n * SECOND], ['h', 3600n * SECOND], ['min', 60n * SECOND], ['s', SECOND], ['ms', 1000n]] as const;
  for (const [unit, factor] of units) {
    if (us !== 0n && us % factor === 0n) return `${us / factor}${unit}`;
  }
  return `${us}us`;
}

/** `q` as written: `10G`. */
export function formatQuantity(q: Quantity): string {
  return `${q.amount}${q.unit}`;
}

/**
 * The digits and unit of a number literal's image, the unit in its one spelling (units
 * are case-insensitive): time units in lowercase, the others in uppercase but for the
 * `i` of the binary ones (`10gib` -> 10n, 'GiB'; `6H` -> 6n, 'h'; `1m` -> 1n, 'M').
 */
export function splitNumber(image: string): Quantity {
  const digits = /^\d+/.exec(image)?.[0] ?? '0';
  const unit = image.slice(digits.length).toLowerCase();
  return { amount: BigInt(digits), unit: Object.hasOwn(DURATION_UNITS, unit) ? unit : unit.toUpperCase().replace('IB', 'iB') };
}

/** The text of a double-quoted identifier image (`"a ""b"""` -> `a "b"`). */
export function unquoteIdentifier(image: string): string {
  return image.slice(1, -1).replaceAll('""', '"');
}

/** The text of a single-quoted string image (`'it''s'` -> `it's`). */
export function unquoteString(image: string): string {
  return image.slice(1, -1).replaceAll("''", "'");
}

/** `name` as a double-quoted identifier. REQUIRES: `name` is not empty. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `text` as a single-quoted string. */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Whether `name` prints bare: a plain identifier in lowercase (unquoted names fold to it). */
export function isPlainName(name: string): boolean {
  return /^[a-z_][a-z0-9_]*$/.test(name);
}
