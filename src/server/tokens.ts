/**
 * Continuation tokens of `GET /v1/events`: where the next page starts. A token holds
 * the range it pages through and the `(id, key)` of the last event given; the next
 * page starts strictly after it. Events are ordered by `(id, key)` and that order never
 * changes, so a token stays right across refreshes, moves, uploads and restarts: no
 * event is given twice, none is skipped (an event written behind the position later is
 * not seen, as with any cursor). Tokens are opaque to clients; they are not secret.
 *
 * Format: `v1.` + base64url of the JSON `{"f":from,"t":to,"i":id,"k":key-base64}`,
 * the ids as decimal strings.
 *
 * @module
 */
import { StrataError } from '../index.ts';

/** Where a page starts: after `(id, key)`, within `[from, to]`. */
export interface PagePosition {
  readonly from: bigint;
  readonly to: bigint;
  readonly id: bigint;
  readonly key: Uint8Array;
}

const PREFIX = 'v1.';
const MAX_U64 = (1n << 64n) - 1n;

/** The token of `p`. */
export function encodeToken(p: PagePosition): string {
  const body = JSON.stringify({ f: String(p.from), t: String(p.to), i: String(p.id), k: Buffer.from(p.key).toString('base64') });
  return PREFIX + Buffer.from(body).toString('base64url');
}

function bad(): never {
  throw new StrataError('INVALID_INPUT', 'events: the token (after) is not one this server gave; start again without it, or pass the token of the last page as it was');
}

function u64(x: unknown): bigint {
  if (typeof x !== 'string' || !/^\d{1,20}$/.test(x)) bad();
  const v = BigInt(x);
  if (v > MAX_U64) bad();
  return v;
}

/**
 * The position a token holds.
 * @throws StrataError `INVALID_INPUT` for text that is not such a token.
 */
export function decodeToken(text: string): PagePosition {
  if (!text.startsWith(PREFIX) || text.length > 1024) bad();
  let o: unknown;
  try {
    o = JSON.parse(Buffer.from(text.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    bad();
  }
  if (typeof o !== 'object' || o === null) bad();
  const { f, t, i, k } = o as Record<string, unknown>;
  if (typeof k !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(k)) bad();
  const key = new Uint8Array(Buffer.from(k, 'base64'));
  if (key.length > 255) bad();
  const p = { from: u64(f), to: u64(t), id: u64(i), key };
  if (p.id < p.from || p.id > p.to) bad();
  return p;
}
