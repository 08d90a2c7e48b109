/**
 * `SELECT` for the interactive console: the same events the statement answers, read
 * through a cursor so that keys and values keep their bytes (the statement's own
 * result decodes them as UTF-8, which the table would then show wrongly for binary
 * data). Without `LIMIT`, at most {@link SHOW_ROWS} rows are shown.
 *
 * @module
 */
import type { StatementOf } from '../grammar/index.ts';
import type { Strata } from '../src/index.ts';
import type { RawRow } from './table.ts';

/** Rows a `SELECT` without `LIMIT` shows in the interactive console. */
export const SHOW_ROWS = 1000;

/** The rows of `s` with their bytes, and whether more were left out (no LIMIT, over {@link SHOW_ROWS}). */
export async function selectRows(db: Strata, s: StatementOf<'select'>): Promise<{ rows: RawRow[]; more: boolean }> {
  const c = db.cursor({ ...(s.from === null ? {} : { from: s.from }), ...(s.to === null ? {} : { to: s.to }) });
  const rows: RawRow[] = [];
  const limit = s.limit ?? BigInt(SHOW_ROWS);
  let more = false;
  try {
    // nextAsync: partitions only on a cloud are fetched region by region
    while (c.next() || (await c.nextAsync())) {
      if (BigInt(rows.length) >= limit) {
        more = s.limit === null;
        break;
      }
      const e = c.event;
      rows.push({ id: e.id, key: e.key.slice(), value: e.value.slice() });
    }
  } finally {
    c.close();
  }
  return { rows, more };
}
