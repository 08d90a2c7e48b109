/**
 * The views of `SHOW PARTITIONS`, `STORAGES`, `OPERATIONS`, `CLOUDS`, `ORPHANS` and
 * `PIPELINE` as tables for the interactive console: one line per row, sizes and times
 * in human units (`12.4 MiB`, `2026-12-02 10:15:03` in local time), absent values as
 * `-`. Scripts and `\json` print the exact JSON instead (docs/console.md).
 *
 * @module
 */
// literals.ts alone: the grammar's index loads the parser, which the console loads after its banner
import { formatDuration } from '../grammar/literals.ts';
import type { Palette } from './colour.ts';
import { type Cell, type Column, renderGrid } from './grid.ts';
import { formatBytes } from './render.ts';

/** The statement kinds shown as a table. */
export const TABLE_VIEWS = ['show_partitions', 'show_storages', 'show_operations', 'show_clouds', 'show_orphans', 'show_pipeline'] as const;

/** A statement kind shown as a table. */
export type TableView = (typeof TABLE_VIEWS)[number];

/** Whether statements of `kind` are shown as a table. */
export function isTableView(kind: string): kind is TableView {
  return (TABLE_VIEWS as readonly string[]).includes(kind);
}

type Row = Readonly<Record<string, unknown>>;

const two = (n: number): string => String(n).padStart(2, '0');

/** Microseconds since the epoch as local `YYYY-MM-DD HH:MM:SS`; 0 (never) as `-`. */
export function formatTime(us: unknown): string {
  const n = Number(us);
  if (!Number.isFinite(n) || n <= 0) return '-';
  const d = new Date(Math.floor(n / 1000));
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Control characters (line breaks, escapes) that would break a line or drive the terminal. */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

/** A value as a cell; control characters in it (a key from a bucket, an error) shown as `\uXXXX`, as JSON would. */
const plain = (v: unknown): Cell => {
  if (v === null || v === undefined || v === '') return { text: '-' };
  return { text: String(v).replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) };
};
const bytes = (v: unknown): Cell => ({ text: formatBytes(Number(v)) });
const orDash = (v: unknown, f: (v: unknown) => Cell): Cell => (v === null || v === undefined ? { text: '-' } : f(v));
/** A column of numbers (ids, counts, sizes): never cut; `drop`: may be left out (the highest first). */
const count = (title: string, drop?: number): Column => ({ title, align: 'right', ...(drop === undefined ? {} : { drop }) });
/** A column of words that are never cut (kinds, states, times). */
const word = (title: string, drop?: number): Column => ({ title, align: 'left', ...(drop === undefined ? {} : { drop }) });
/** A column of text that may be cut to fit (names, paths, keys, errors). */
const text = (title: string, drop?: number): Column => ({ ...word(title, drop), cut: true });

/** Where a partition's file is: `local`, `cloud`, `local+cloud`, or `-` (events in memory only). */
function fileOf(r: Row): string {
  const where = [r.on_storage === true ? 'local' : null, r.on_cloud === true ? 'cloud' : null].filter((w) => w !== null);
  return where.length === 0 ? '-' : where.join('+');
}

interface Table {
  readonly columns: readonly Column[];
  readonly cells: (r: Row, i: number) => Cell[];
  readonly noun: readonly [string, string];
}

const tables: Record<TableView, (rows: readonly Row[]) => Table> = {
  show_partitions: (rows) => {
    const errors = rows.some((r) => r.cloud_error !== null && r.cloud_error !== undefined);
    return {
      columns: [
        count('min'), count('max'), text('storage'), count('events'), count('in memory', 2), count('size'), word('file', 1),
        word('created', 3), word('refreshed', 4), ...(errors ? [text('cloud error')] : []),
      ],
      cells: (r) => [
        plain(r.min), plain(r.max), plain(r.storage), plain(r.events), plain(r.events_heap), bytes(r.size), { text: fileOf(r) },
        { text: formatTime(r.created) }, { text: formatTime(r.refreshed) }, ...(errors ? [plain(r.cloud_error)] : []),
      ],
      noun: ['partition', 'partitions'],
    };
  },
  show_storages: () => ({
    columns: [
      text('name'), count('partitions'), count('events'), count('in memory', 2), count('size'), text('path', 4), text('cloud'), word('format', 3), word('compression', 5),
    ],
    cells: (r) => {
      const stats = (r.stats ?? {}) as Row;
      const config = (r.config ?? {}) as Row;
      return [
        plain(r.name), plain(stats.partitions), plain(stats.events), plain(stats.events_heap), bytes(stats.size),
        // '' and '.' both name the database directory
        config.path === '' ? { text: '.' } : plain(config.path), plain(config.cloud), plain(config.format), plain(config.compression),
      ];
    },
    noun: ['storage', 'storages'],
  }),
  show_operations: () => ({
    columns: [word('kind'), count('partition'), text('source'), text('destination'), count('done'), count('of'), word('started', 1), word('state'), text('error')],
    cells: (r) => [
      plain(r.kind), plain(r.partition), plain(r.source), plain(r.destination), bytes(r.bytes_done), bytes(r.bytes_total),
      { text: formatTime(r.started) }, plain(r.state), plain(r.error),
    ],
    noun: ['operation', 'operations'],
  }),
  show_clouds: () => ({
    columns: [text('name'), word('type'), text('url'), text('region', 2), text('bucket'), text('access_key', 3), word('path_style', 1)],
    cells: (r) => [plain(r.name), plain(r.type), plain(r.url), plain(r.region), plain(r.bucket), plain(r.access_key), plain(r.path_style)],
    noun: ['cloud', 'clouds'],
  }),
  show_orphans: () => ({
    columns: [text('cloud', 1), text('bucket', 2), text('storage'), count('size'), word('state'), text('key'), text('error')],
    cells: (r) => [plain(r.cloud), plain(r.bucket), plain(r.storage), bytes(r.size), plain(r.state), plain(r.key), plain(r.error)],
    noun: ['object', 'objects'],
  }),
  show_pipeline: () => ({
    columns: [count('tier'), text('storage'), count('partitions'), count('size'), count('events'), count('duration')],
    cells: (r, i) => [
      { text: String(i + 1) }, plain(r.storage), plain(r.partitions), orDash(r.size, bytes), plain(r.events),
      orDash(r.duration, (d) => ({ text: formatDuration(BigInt(d as bigint | number)) })),
    ],
    noun: ['tier', 'tiers'],
  }),
};

/**
 * The result of a statement of `kind` as a table that fits `width` characters, or
 * null when the result is not the array the view answers (the caller prints JSON).
 */
export function renderView(kind: TableView, result: unknown, width: number, p: Palette): string | null {
  if (!Array.isArray(result)) return null;
  const rows = result as Row[];
  const t = tables[kind](rows);
  const dash = (c: Cell): Cell => (c.text === '-' ? { text: '-', paint: p.dim } : c);
  const footer = `(${rows.length} ${rows.length === 1 ? t.noun[0] : t.noun[1]})`;
  return renderGrid(t.columns, rows.map((r, i) => t.cells(r, i).map(dash)), width, p, footer);
}
