/**
 * Ids in a query string: a decimal u64, or an RFC 3339 time read as microseconds
 * since the Unix epoch (UTC), the convention of event ids that are timestamps
 * (docs/server.md#ids-and-times).
 *
 * @module
 */
import { StrataError } from '../index.ts';

const MAX_U64 = (1n << 64n) - 1n;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The id `text` names, for the query parameter `name`.
 * @throws StrataError `INVALID_INPUT` for anything else, or a time before 1970.
 */
export function parseIdOrTime(name: string, text: string): bigint {
  if (/^\d{1,20}$/.test(text)) {
    const v = BigInt(text);
    if (v <= MAX_U64) return v;
  }
  const m = RFC3339.exec(text);
  if (m === null) {
    throw new StrataError('INVALID_INPUT', `events: ${name} is an id (0..2^64-1) or an RFC 3339 time such as 2026-12-02T10:15:03.25Z, got '${text.slice(0, 64)}'`);
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(ms);
  if (Number.isNaN(ms) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new StrataError('INVALID_INPUT', `events: ${name}: '${text}' is not a valid time`);
  }
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone!.slice(1, 3)) * 60 + Number(zone!.slice(4, 6)));
  }
  const micros = BigInt(ms - offsetMinutes * 60_000) * 1000n + BigInt((frac ?? '').padEnd(6, '0').slice(0, 6));
  if (micros < 0n) throw new StrataError('INVALID_INPUT', `events: ${name}: '${text}' is before 1970, which no id can be`);
  return micros;
}
