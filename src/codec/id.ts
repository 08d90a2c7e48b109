/**
 * Event ids: unsigned 64-bit integers. The API accepts `number | bigint`; inside,
 * hot paths carry an id as two u32 halves and convert to `bigint` only at the edge.
 *
 * @module
 */
import { StrataError } from '../errors.ts';

/** Largest event id, 2^64 - 1. */
export const MAX_ID = (1n << 64n) - 1n;

/** What the API accepts as an event id. */
export type IdLike = number | bigint;

/**
 * Checks `id` and returns it as a bigint.
 * @throws StrataError `INVALID_INPUT` if `id` is negative, not an integer, above
 *   2^64-1, or a `number` above `Number.MAX_SAFE_INTEGER` (it may have lost precision
 *   already: pass a bigint).
 */
export function toId(id: IdLike, operation: string, what = 'id'): bigint {
  if (typeof id === 'bigint') {
    if (id < 0n || id > MAX_ID) {
      throw new StrataError('INVALID_INPUT', `${operation}: ${what} ${id} is outside 0..2^64-1`);
    }
    return id;
  }
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
    throw new StrataError('INVALID_INPUT', `${operation}: ${what} ${String(id)} is not an unsigned integer`);
  }
  if (id > Number.MAX_SAFE_INTEGER) {
    throw new StrataError(
      'INVALID_INPUT',
      `${operation}: ${what} ${id} is above 2^53-1 and may have lost precision; pass it as a bigint`,
    );
  }
  return BigInt(id);
}

/** High u32 half of a bigint id. */
export function idHi(id: bigint): number {
  return Number(id >> 32n);
}

/** Low u32 half of a bigint id. */
export function idLo(id: bigint): number {
  return Number(id & 0xffffffffn);
}

/** Joins two u32 halves into a bigint id. */
export function idJoin(hi: number, lo: number): bigint {
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}

/** Compares two ids given as halves: negative, zero or positive. */
export function compareIdParts(ah: number, al: number, bh: number, bl: number): number {
  if (ah !== bh) return ah < bh ? -1 : 1;
  return al === bl ? 0 : al < bl ? -1 : 1;
}
