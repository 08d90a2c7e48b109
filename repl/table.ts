/**
 * `SELECT` rows as a table for the interactive console: keys and values as text when
 * they are printable UTF-8, as hex (`0x0a1b...`) otherwise, cut to fit the terminal.
 *
 * @module
 */
import type { Palette } from './colour.ts';

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
export function cell(bytes: Uint8Array, p: Palette): { text: string; paint: (s: string) => string } {
  const text = printable(bytes);
  if (text !== null) return { text, paint: (s) => s };
  return { text: `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`, paint: p.dim };
}

/** `text` cut to `width` characters, with `…` where it was cut. */
function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/**
 * The rows as a table with a header `id | key | value`, one row per line, and a
 * footer `(N rows)`. Columns are as wide as their widest cell, the last ones cut so
 * that a line fits in `width` characters (at least 20 characters are kept per column).
 */
export function renderTable(rows: readonly RawRow[], width: number, p: Palette): string {
  const cells = rows.map((r) => [{ text: r.id.toString(), paint: (s: string) => s }, cell(r.key, p), cell(r.value, p)] as const);
  const header = ['id', 'key', 'value'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => [...c[i]!.text].length)));
  // shrink key then value so that `id | key | value` fits
  const budget = Math.max(width, 40) - 1 - 6; // ' | ' twice
  for (const i of [2, 1]) {
    const over = widths.reduce((a, b) => a + b, 0) - budget;
    if (over > 0) widths[i] = Math.max(20, widths[i]! - over);
  }
  // the id is right-aligned, the key padded, the value (last) left as it is
  const pad = (text: string, i: number): string => (i === 0 ? text.padStart(widths[0]!) : i === 1 ? text.padEnd(widths[1]!) : text);
  const lines = [
    header.map((h, i) => p.key(pad(h, i))).join(' | '),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...cells.map((row) =>
      row
        .map((c, i) => {
          const shown = fit(c.text, widths[i]!);
          return c.paint(pad(shown, i));
        })
        .join(' | '),
    ),
    p.dim(`(${rows.length} ${rows.length === 1 ? 'row' : 'rows'})`),
  ];
  return lines.join('\n');
}
