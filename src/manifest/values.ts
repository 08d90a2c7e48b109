/**
 * How typed values are stored in the manifest's TEXT columns.
 *
 * - A u64 (event ids, partition bounds, lsn) is 20 decimal digits, zero-padded
 *   (`00000000000000000010`). Fixed width makes text order equal numeric order, so
 *   `ORDER BY`, `<=` and indexes work in SQL. SQLite's INTEGER is signed 64-bit and
 *   cannot hold 2^64-1, which is why these are TEXT.
 * - A {@link ConfigValue} is a `(type, value)` pair of TEXT columns: the type is one of
 *   `string`, `number`, `boolean`, `bigint`; the value is its exact text form.
 *
 * @module
 */
import { MAX_ID } from '../codec/index.ts';
import { StrataError } from '../errors.ts';

/** A setting's value (config or storage option). Its type survives a round trip. */
export type ConfigValue = string | number | boolean | bigint;

/** Name of a {@link ConfigValue}'s type, as stored in a `type` column. */
export type ConfigType = 'string' | 'number' | 'boolean' | 'bigint';

/** Digits of a stored u64: 2^64-1 has 20. */
export const U64_DIGITS = 20;

/**
 * Encodes a u64 as fixed-width decimal text.
 * @throws StrataError `INVALID_INPUT` if `v` is outside 0..2^64-1 (message starts with
 *   `manifest: operation:` and names `what`).
 */
export function u64ToText(v: bigint, operation: string, what: string): string {
  if (typeof v !== 'bigint' || v < 0n || v > MAX_ID) {
    throw new StrataError('INVALID_INPUT', `manifest: ${operation}: ${what} ${String(v)} is not a u64 (0..2^64-1)`);
  }
  return v.toString().padStart(U64_DIGITS, '0');
}

/** Decodes text written by {@link u64ToText}. */
export function textToU64(s: string): bigint {
  return BigInt(s);
}

/**
 * Encodes a setting as `[type, text]`. Numbers keep `-0`, `NaN` and the infinities;
 * bigints are exact at any size.
 * @throws StrataError `INVALID_INPUT` if `v` is not a {@link ConfigValue}.
 */
export function encodeValue(v: ConfigValue, operation: string, name: string): [ConfigType, string] {
  switch (typeof v) {
    case 'string':
      return ['string', v];
    case 'number':
      return ['number', Object.is(v, -0) ? '-0' : String(v)];
    case 'boolean':
      return ['boolean', v ? 'true' : 'false'];
    case 'bigint':
      return ['bigint', v.toString()];
    default:
      throw new StrataError(
        'INVALID_INPUT',
        `manifest: ${operation}: '${name}' has a value of type ${typeof v}; expected string, number, boolean or bigint`,
      );
  }
}

/**
 * Decodes a `[type, text]` pair written by {@link encodeValue}.
 * @throws StrataError `CORRUPTION` if the type is unknown or the text does not parse.
 */
export function decodeValue(type: string, text: string, where: string): ConfigValue {
  switch (type) {
    case 'string':
      return text;
    case 'number':
      return Number(text);
    case 'boolean':
      return text === 'true';
    case 'bigint':
      try {
        return BigInt(text);
      } catch (e) {
        throw new StrataError('CORRUPTION', `manifest: ${where}: bigint value '${text}' does not parse`, { cause: e });
      }
    default:
      throw new StrataError('CORRUPTION', `manifest: ${where}: unknown value type '${type}'`);
  }
}
