/**
 * `strata repair dir`: rebuilds a lost or damaged manifest from the files on disk, or
 * checks a sound one (`Strata.repair`, docs/manifest.md#repair), and prints the report:
 * a line per finding, or JSON with `--json`.
 *
 * @module
 */
import { type RepairReport, Strata, toJson } from '../src/index.ts';
import type { RepairArgs } from './args.ts';
import { palette, wantsColour } from './colour.ts';
import { errorLine } from './render.ts';

/** The lines of a repair report, as `strata repair` prints them. */
export function repairLines(r: RepairReport): string[] {
  const what = r.manifest === 'sound' ? 'sound: checked' : `${r.manifest}: rebuilt from the files`;
  const lines = [`repair: manifest ${what}${r.changed ? '' : '; nothing changed'}`];
  for (const s of r.storages) lines.push(`storage ${s.name} (${s.uuid}${s.path === '' ? '' : `, path '${s.path}'`}): ${s.partitions} partition(s)`);
  for (const k of r.kept) lines.push(`kept: ${k}`);
  for (const k of r.skipped) lines.push(`skipped: ${k}`);
  for (const n of r.notes) lines.push(`note: ${n}`);
  if (r.wal !== null) lines.push(`wal: replayed ${r.wal.records} records (${r.wal.events} events, ${r.wal.skipped} already in files) from ${r.wal.segments} segment(s)`);
  return lines;
}

/** Runs `strata repair`; returns the exit status (0 done, 1 failed). */
export async function runRepair(args: RepairArgs): Promise<number> {
  try {
    const report = await Strata.repair(args.dir, { storagePaths: args.storagePaths, keys: args.keys });
    process.stdout.write(args.json ? `${toJson(report)}\n` : `${repairLines(report).join('\n')}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${errorLine(e, palette(wantsColour(process.stderr, process.env, null)))}\n`);
    return 1;
  }
}
