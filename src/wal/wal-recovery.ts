/**
 * What replay does about damage: the recovery modes, the cut of the log at a damage
 * (crash-safe order), and the `CORRUPTION` error that names a damage and what lies
 * after it. docs/wal-format.md ("Reading: what is damage") is the reference.
 *
 * @module
 */
import { join } from 'node:path';
import { StrataError } from '../errors.ts';
import { WAL_SEGMENT_HEADER } from './wal-format.ts';
import type { DamageSpan } from './wal-scan.ts';
import { cutSegment, removeSegment, syncDir, type WalSegment } from './wal-segments.ts';

/**
 * How replay treats damage that valid records follow (damage that nothing valid
 * follows is a torn tail: every mode cuts it):
 * - `tail`: refuse it, `CORRUPTION`, and change nothing;
 * - `point_in_time`: cut the log at the first damage (every later record is dropped);
 * - `skip`: drop only the damaged bytes and replay every valid record after them.
 */
export type WalRecovery = 'tail' | 'point_in_time' | 'skip';

/** The recovery modes, the default first. */
export const WAL_RECOVERY_MODES: readonly WalRecovery[] = ['tail', 'point_in_time', 'skip'];

/**
 * Bytes a recovery dropped from one segment file, and what they held.
 * `records`: the lsns lost, damaged records included (the valid records dropped, plus,
 * for each damaged span, the lsns up to the next valid record, or up to the next
 * segment's first lsn at the end of a segment; at the end of the log, the damaged
 * records whose header can be read, plus one for bytes left after them).
 * `events`: the events of the valid records dropped, plus those of damaged records
 * whose header is intact (their count is read but not verified).
 */
export interface WalDropped {
  readonly file: string;
  /** Offset of the first byte dropped (0: the whole segment). */
  readonly offset: number;
  readonly bytes: number;
  readonly records: number;
  readonly events: number;
}

/** A file a cut changed: segment index, name, the offset cut at (0: deleted) and the bytes removed. */
export interface WalCut {
  readonly seg: number;
  readonly file: string;
  readonly offset: number;
  readonly bytes: number;
}

/**
 * Cuts the log `segs` of `dir` at `offset` of segment `index`: deletes every later
 * segment (the last first) and fsyncs the directory, THEN truncates segment `index`
 * at `offset` and fsyncs it (a cut inside the segment header deletes it, and fsyncs the
 * directory). In this order a crash anywhere leaves the damage at `index` in place, so
 * the next replay judges the log the same way; the reverse order could leave a short
 * segment followed by records past the damage, which would look like a legal lsn gap.
 * Updates `segs` and returns what changed, in file order. Throws `IO`.
 */
export function cutLog(dir: string, segs: WalSegment[], index: number, offset: number): WalCut[] {
  const cuts: WalCut[] = [];
  for (let j = segs.length - 1; j > index; j--) {
    const s = segs[j]!;
    removeSegment(dir, s.name, 'wal replay: cut');
    cuts.push({ seg: j, file: s.name, offset: 0, bytes: s.size });
    segs.pop();
  }
  if (cuts.length > 0) syncDir(dir, 'wal replay: cut');
  const s = segs[index]!;
  if (offset < WAL_SEGMENT_HEADER) {
    removeSegment(dir, s.name, 'wal replay: cut');
    syncDir(dir, 'wal replay: cut');
    segs.pop();
    cuts.push({ seg: index, file: s.name, offset: 0, bytes: s.size });
  } else {
    cutSegment(join(dir, s.name), offset);
    cuts.push({ seg: index, file: s.name, offset, bytes: s.size - offset });
    s.size = offset;
  }
  return cuts.reverse();
}

const damageErrors = new WeakSet<StrataError>();

/** Whether `e` is the `CORRUPTION` of a damage that valid records follow, thrown by a `tail` replay. */
export function isWalDamage(e: unknown): e is StrataError {
  return e instanceof StrataError && damageErrors.has(e);
}

/**
 * The `CORRUPTION` of damage `d` that valid records follow: `inSegment` records
 * (`inSegmentEvents` events) in its segment, `later` (`laterEvents`) in later ones.
 */
export function damageError(d: DamageSpan, inSegment: number, inSegmentEvents: number, later: number, laterEvents: number): StrataError {
  const n = inSegment + later;
  const events = inSegmentEvents + laterEvents;
  const what = `${n} valid record${n === 1 ? ' lies' : 's lie'} after it (${events} event${events === 1 ? '' : 's'}), ${inSegment} in this segment and ${later} in later segments`;
  const e = new StrataError(
    'CORRUPTION',
    `wal replay: ${d.file}: ${at(d.problem, d.offset)}; ${what}: the log is damaged before its tail. ` +
      "Nothing was changed; choose a recovery: 'point_in_time' cuts the log at the damage (dropping those records), " +
      "'skip' drops only the damaged bytes (docs/wal-format.md)",
  );
  damageErrors.add(e);
  return e;
}

/** `problem` with ` at offset N` after its first clause (before a parenthesis). */
function at(problem: string, offset: number): string {
  if (offset < WAL_SEGMENT_HEADER) return `segment header (offset 0): ${problem}`;
  const i = problem.indexOf(' (');
  return i < 0 ? `${problem} at offset ${offset}` : `${problem.slice(0, i)} at offset ${offset}${problem.slice(i)}`;
}
