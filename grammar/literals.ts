/**
 * Literal values of the DDL: unsigned 64-bit integers, sizes with binary units,
 * durations with time units, quoted identifiers and strings. Both directions live
 * here: the lexer and the AST builder read literals, the printer writes them.
 *
 * @module
 */

/** The largest value of an integer, size (bytes) or duration (µs) literal: 2^64 - 1. */
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

/** A regex alternation of the units of `table`, longest first so that none hides another. */
export function unitAlternation(table: Readonly<Record<string, bigint>>): string {
  return Object.keys(table).sort((a, b) => b.length - a.length).join('|');
}

/** What a number literal is, by its unit. */
export type NumberKind = 'integer' | 'size' | 'duration';

/**
 * The value of a number literal (`42`, `10G`, `6h`): an integer, bytes or microseconds.
 * REQUIRES: `image` was lexed as a literal of `kind` (digits, then a known unit or none).
 * May exceed {@link U64_MAX}; the lexer rejects such literals.
 */
export function numberValue(kind: NumberKind, image: string): bigint {
  const digits = /^\d+/.exec(image)?.[0] ?? '0';
  const n = BigInt(digits);
  if (kind === 'integer') return n;
  const unit = image.slice(digits.length).toLowerCase();
  const table = kind === 'size' ? SIZE_UNITS : DURATION_UNITS;
  return n * (table[unit] ?? 1n);
}

/** `bytes` with the largest binary unit that divides it exactly (`10GiB`), or plain. */
export function formatSize(bytes: bigint): string {
  for (const [unit, factor] of [['TiB', 1n << 40n], ['GiB', 1n << 30n], ['MiB', 1n << 20n], ['KiB', 1n << 10n]] as const) {
    if (bytes !== 0n && bytes % factor === 0n) return `${bytes / factor}${unit}`;
  }
  return bytes.toString();
}

/** `us` microseconds with the largest time unit that divides it exactly (`6h`), or plain. */
export function formatDuration(us: bigint): string {
  const units = [['w', 604800n * SECOND], ['d', 86400n * SECOND], ['h', 3600n * SECOND], ['min', 60n * SECOND], ['s', SECOND], ['ms', 1000n]] as const;
  for (const [unit, factor] of units) {
    if (us !== 0n && us % factor === 0n) return `${us / factor}${unit}`;
  }
  return us.toString();
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
