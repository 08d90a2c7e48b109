/**
 * Opening the database for the console: what the open recovered (on standard error),
 * the banner of the interactive console, and the package version.
 *
 * @module
 */
import * as fs from 'node:fs';
import type { Strata } from '../src/index.ts';

/** The version of this package (package.json). */
export function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The lines that tell what `open` recovered: `open: replayed 3 wal records (120 events)`. */
export function openReportLines(db: Strata): string[] {
  const r = db.openReport;
  const lines = [
    ...r.rolledBack,
    ...r.completed,
    ...r.orphansRemoved.map((n) => `removed orphan ${n}`),
    ...r.damaged.map((d) => `DAMAGED ${d}`),
    ...r.cloud,
  ];
  if (r.wal !== null && r.wal.records > 0) lines.push(`replayed ${r.wal.records} wal records (${r.wal.events} events)`);
  return lines.map((l) => `open: ${l}`);
}

/** The one-line banner: version, directory, storages, how to get help. */
export async function banner(db: Strata, dir: string): Promise<string> {
  let storages = '';
  try {
    storages = ((await db.execute('SHOW STORAGES')) as { name: string }[]).map((s) => s.name).join(', ');
  } catch {
    storages = '?';
  }
  return `strata ${version()} on ${dir} (storages: ${storages}); \\help for help, Tab completes, \\q or Ctrl-D quits`;
}
