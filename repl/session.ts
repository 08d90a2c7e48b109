/**
 * Opening the database for the console: what the open recovered (on standard error),
 * the banner of the interactive console, and the package version.
 *
 * @module
 */
import * as fs from 'node:fs';
import type { Strata } from '../src/index.ts';
import { PACKAGE_ROOT } from './package-root.ts';

/** The version of this package (package.json). */
export function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The lines that tell what `open` recovered: `open: replayed 3 wal records (120 events)`,
 * the records skipped because partition files already hold them, and what it did with
 * the WAL: torn tails cut, and what a recovery mode dropped. Nothing when nothing
 * happened.
 */
export function openReportLines(db: Strata): string[] {
  const r = db.openReport;
  const lines = [
    ...r.rolledBack,
    ...r.completed,
    ...r.orphansRemoved.map((n) => `removed orphan ${n}`),
    ...r.damaged.map((d) => `DAMAGED ${d}`),
    ...r.cloud,
  ];
  if (r.wal !== null) lines.push(...walLines(r.wal));
  return lines.map((l) => `open: ${l}`);
}

/** What open did with the WAL, one line per torn tail cut and per span dropped. */
function walLines(w: NonNullable<Strata['openReport']['wal']>): string[] {
  const lines: string[] = [];
  for (const t of w.truncated) {
    lines.push(t.offset === 0 ? `wal: deleted torn segment ${t.file} (${t.bytes} bytes)` : `wal: cut the torn tail of ${t.file} at offset ${t.offset} (${t.bytes} bytes)`);
  }
  for (const d of w.dropped) {
    const what = d.offset === 0 ? `${d.file} whole` : `${d.file} at offset ${d.offset}`;
    lines.push(`wal recovery ${w.recovery}: DROPPED ${what} (${d.bytes} bytes): ${count(d.records, 'record')}, ${count(d.events, 'event')}`);
  }
  if (w.dropped.length > 1) {
    const records = w.dropped.reduce((n, d) => n + d.records, 0);
    const events = w.dropped.reduce((n, d) => n + d.events, 0);
    lines.push(`wal recovery ${w.recovery}: DROPPED ${count(records, 'record')}, ${count(events, 'event')} in all`);
  }
  for (const f of w.kept) lines.push(`wal: ${f} keeps the damage skipped (a damaged partition needs its records); the next open reports it again`);
  // replayed and skipped apart: a log whose records are all in partition files replays nothing
  if (w.replayedEvents > 0) lines.push(`replayed ${count(w.replayedRecords, 'wal record')} (${count(w.replayedEvents, 'event')})`);
  if (w.skipped > 0) lines.push(`skipped ${count(w.skippedRecords, 'wal record')} (${count(w.skipped, 'event')}): already refreshed or dropped`);
  return lines;
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * The one-line banner: version, directory, storages, how to get help. It runs no
 * statement, so that the console shows it before it loads the grammar.
 */
export function banner(db: Strata, dir: string): string {
  return `strata ${version()} on ${dir} (storages: ${db.storages.join(', ')}); \\help for help, Tab completes, \\q or Ctrl-D quits`;
}
