/**
 * Aligned text tables for the interactive console: a header, a rule, one line per row
 * and a footer, with `|` between columns. Columns are as wide as their widest cell.
 * When a line would not fit the terminal, the columns that may be left out go first
 * (the least needed first; text longer than 40 characters does not keep them out), then
 * the widest text columns give way and their cells are cut with `…`; numbers and times
 * are never cut.
 *
 * @module
 */
import type { Palette } from './colour.ts';

/** One column: its title and which side its cells keep to. */
export interface Column {
  readonly title: string;
  /** Numbers keep to the right, text to the left. */
  readonly align: 'left' | 'right';
  /** Text that may be cut to fit (names, paths, errors); numbers and times are not. */
  readonly cut?: boolean;
  /** May be left out when the table does not fit: the highest first. */
  readonly drop?: number;
}

/** A cell: its text, and how to paint it (dim for hex and absent values). */
export interface Cell {
  readonly text: string;
  readonly paint?: (s: string) => string;
}

/** The fewest characters a column is cut to. */
const MIN_WIDTH = 8;

/** `text` cut to `width` characters, with `…` where it was cut. */
function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

/** The widths of the columns: as wide as their widest cell, the widest cut until a line fits `width`. */
function widths(columns: readonly Column[], rows: readonly (readonly Cell[])[], width: number): number[] {
  const w = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => [...(r[i]?.text ?? '')].length)));
  const floor = columns.map((c, i) => (c.cut === true ? Math.min(w[i]!, Math.max(MIN_WIDTH, c.title.length)) : w[i]!));
  let over = w.reduce((a, b) => a + b, 0) + 3 * (columns.length - 1) - Math.max(width - 1, 40);
  while (over > 0) {
    // the widest column that can still give way, down to the next widest (or its floor)
    let widest = -1;
    for (let i = 0; i < w.length; i++) if (w[i]! > floor[i]! && (widest < 0 || w[i]! > w[widest]!)) widest = i;
    if (widest < 0) break;
    const next = Math.max(floor[widest]!, ...w.filter((_, i) => i !== widest));
    const cut = Math.min(over, Math.max(1, w[widest]! - next));
    w[widest]! -= cut;
    over -= cut;
  }
  return w;
}

/** Text cells longer than this are cut before any column is left out. */
const TEXT_CAP = 40;

/**
 * The columns kept (their indexes) so that a line fits `width`: with text columns held
 * to {@link TEXT_CAP} characters, the droppable columns are left out, the highest
 * `drop` first, until the rest fits or none is left.
 */
function kept(columns: readonly Column[], rows: readonly (readonly Cell[])[], width: number): number[] {
  const natural = columns.map((c, i) => {
    const w = Math.max(c.title.length, ...rows.map((r) => [...(r[i]?.text ?? '')].length));
    return c.cut === true ? Math.min(w, Math.max(TEXT_CAP, c.title.length)) : w;
  });
  const keep = columns.map((_, i) => i);
  const fits = (): boolean => keep.reduce((a, i) => a + natural[i]!, 0) + 3 * (keep.length - 1) <= Math.max(width - 1, 40);
  while (!fits()) {
    const droppable = keep.filter((i) => columns[i]!.drop !== undefined);
    if (droppable.length === 0) break;
    const next = droppable.reduce((a, b) => (columns[b]!.drop! > columns[a]!.drop! ? b : a));
    keep.splice(keep.indexOf(next), 1);
  }
  return keep;
}

/**
 * `rows` under `columns` as lines of at most `width` characters (at least 40) when
 * cutting text and leaving out columns can make them fit, and `footer` (dimmed) below.
 */
export function renderGrid(allColumns: readonly Column[], allRows: readonly (readonly Cell[])[], width: number, p: Palette, footer: string): string {
  const keep = kept(allColumns, allRows, width);
  const columns = keep.map((i) => allColumns[i]!);
  const rows = allRows.map((r) => keep.map((i) => r[i]!));
  const w = widths(columns, rows, width);
  const last = columns.length - 1;
  const pad = (text: string, i: number): string => {
    const shown = fit(text, w[i]!);
    if (columns[i]!.align === 'right') return shown.padStart(w[i]!);
    return i === last ? shown : shown.padEnd(w[i]!);
  };
  const lines = [
    columns.map((c, i) => p.key(pad(c.title, i))).join(' | ').trimEnd(),
    w.map((n) => '-'.repeat(n)).join('-+-'),
    ...rows.map((r) => r.map((c, i) => (c.paint ?? ((s: string) => s))(pad(c.text, i))).join(' | ').trimEnd()),
    p.dim(footer),
  ];
  return lines.join('\n');
}
