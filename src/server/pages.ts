/**
 * One page of `GET /v1/events`: at most `limit` events and about `bytes` bytes of keys
 * and values (the event that reaches it is the last), read with a cursor from where
 * the previous page ended. Only the page is held in memory, never the range.
 *
 * @module
 */
import type { Strata } from '../index.ts';
import type { PagePosition } from './tokens.ts';

/** What a page reads. */
export interface PageQuery {
  readonly from: bigint;
  readonly to: bigint;
  /** With `from`, the first key (as a cursor's `key`). */
  readonly key: Uint8Array | null;
  /** Continue after this event (from a token), or start at `(from, key)`. */
  readonly after: PagePosition | null;
  readonly limit: number;
  readonly bytes: number;
}

/** The events of a page, copied out of the cursor, and where the next one starts. */
export interface Page {
  readonly ids: bigint[];
  readonly keys: Uint8Array[];
  readonly values: Uint8Array[];
  /** Key and value bytes in the page. */
  readonly bytes: number;
  /** Where the next page starts; null when the range is read to its end. */
  readonly next: PagePosition | null;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Reads one page. @throws what a cursor throws (`CLOUD` for a cloud partition that cannot be read). */
export async function readPage(db: Strata, q: PageQuery): Promise<Page> {
  const after = q.after;
  const start = after === null ? { from: q.from, ...(q.key === null ? {} : { key: q.key }) } : { from: after.id, key: after.key };
  const c = db.cursor({ ...start, to: q.to });
  const ids: bigint[] = [];
  const keys: Uint8Array[] = [];
  const values: Uint8Array[] = [];
  let bytes = 0;
  let first = true;
  let full = false;
  try {
    while (c.next() || (await c.nextAsync())) {
      const e = c.event;
      // the cursor starts at >= (id, key): the event the last page ended with, if still there
      if (first && after !== null && e.id === after.id && sameBytes(e.key, after.key)) {
        first = false;
        continue;
      }
      first = false;
      ids.push(e.id);
      keys.push(e.key.slice());
      values.push(e.value.slice());
      bytes += e.key.length + e.value.length;
      if (ids.length >= q.limit || bytes >= q.bytes) {
        full = true;
        break;
      }
    }
  } finally {
    c.close();
  }
  const n = ids.length;
  const next = full ? { from: q.from, to: q.to, id: ids[n - 1]!, key: keys[n - 1]! } : null;
  return { ids, keys, values, bytes, next };
}
