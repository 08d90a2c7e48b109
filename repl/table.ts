/**
 * `SELECT` rows as a table for the interactive console: keys and values as text when
 * they are printable UTF-8, as hex (`0x0a1b...`) otherwise, cut to fit the terminal.
 *
 * @module
 */
import type { Palette } from './colour.ts';
import { type Cell, type Column, renderGrid } from './grid.ts';

/** An event as the console shows it: the id and the raw bytes of key and value. */
export interface RawRow {
  readonly id: bigint;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether `bytes` are valid UTF-8 text without control characters (tab allowed). */
function printable(bytes: Uint8Array): string | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return null;
  }
  return /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]/.test(text) ? null : text.replace(/\t/g, ' ');
}

/** A key or value as a cell: its text, or `0x` and its bytes in hex (dimmed). */
export function cell(bytes: Uint8Array, p: Palette): Cell {
  const text = printable(bytes);
  if (text !== null) return { text };
  return { text: `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`, paint: p.dim };
}

const COLUMNS: readonly Column[] = [
  { title: 'id', align: 'right' },
  { title: 'key', align: 'left', cut: true },
  { title: 'value', align: 'left', cut: true },
];

/**
 * The rows as a table with a header `id | key | value`, one row per line, and a
 * footer `(N rows)`. Columns are as wide as their widest cell; keys and values are cut
 * so that a line fits in `width` characters (grid.ts).
 */
export function renderTable(rows: readonly RawRow[], width: number, p: Palette): string {
  const cells = rows.map((r) => [{ text: r.id.toString() }, cell(r.key, p), cell(r.value, p)]);
  return renderGrid(COLUMNS, cells, width, p, `(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`);
}
