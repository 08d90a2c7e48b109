/**
 * Replay of the WAL segments: read each segment, check every record, hand the valid
 * records to a callback, and deal with damage as the recovery mode says: a torn tail
 * (damage that nothing valid follows) is cut in every mode; damage that valid records
 * follow is refused (`tail`), cut with everything after it (`point_in_time`), or
 * stepped over (`skip`). The scanner is wal-scan.ts, the cut and the error
 * wal-recovery.ts.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import { WAL_RECOVERY_MODES, cutLog, damageError, type WalCut, type WalDropped, type WalRecovery } from './wal-recovery.ts';
import { LogScanner, SCAN_DAMAGE, SCAN_END, type DamageSpan } from './wal-scan.ts';
import type { WalSegment } from './wal-segments.ts';

/**
 * Receives one record during replay. `payload` is a view into the segment's read
 * buffer (no copy): it stays valid, but keeping it keeps the whole segment in memory,
 * so copy what you keep. `count` is the record's event count.
 */
export type WalReplayFn = (type: number, lsn: bigint, payload: Uint8Array, count: number) => void;

/** What a replay did. */
export interface WalReplayReport {
  /** Segment files read (segments skipped because all their records are below `fromLsn` are not counted). */
  segments: number;
  /** Records handed to the callback. */
  records: number;
  /** Sum of the event counts of those records. */
  events: number;
  /** The lsn of the last record of the log as replay leaves it (0 if the log holds none). */
  lastLsn: bigint;
  /**
   * Torn tails cut: per file, the offset of the first damaged byte (0: the segment was
   * deleted: a torn creation, or a segment after the damage that held nothing valid)
   * and the bytes removed.
   */
  truncated: { file: string; offset: number; bytes: number }[];
  /** The recovery mode of this replay. */
  recovery: WalRecovery;
  /**
   * What the recovery dropped, per file (see {@link WalDropped}): with `point_in_time`
   * everything from the first damage on, with `skip` each damaged span. Empty with
   * `tail` (such damage throws) and when the log has no damage but a torn tail.
   */
  dropped: WalDropped[];
}

/**
 * Replays the segments `segs` (in lsn order) of `dir`: calls `fn` for every valid record
 * with lsn >= `fromLsn`. A segment whose records all lie below `fromLsn` (known from the
 * next segment's first lsn) is skipped without being read; the last one is always read.
 *
 * Damage that no valid record follows (in its segment or any later one) is a torn
 * tail: later segments are deleted, the damaged one truncated at the damage (deleted if
 * its header is damaged), with fsyncs, in every mode. Damage that valid records follow:
 * `tail` throws `CORRUPTION` (see {@link damageError}) and changes nothing;
 * `point_in_time` replays up to the damage and cuts the log there (crash-safe order,
 * {@link cutLog}); `skip` replays every valid record and changes nothing but a torn
 * tail. `segs` is updated after a cut. File errors throw `IO`. An error thrown by `fn`
 * propagates unchanged (nothing is cut then).
 */
export function replaySegments(dir: string, segs: WalSegment[], fromLsn: bigint, fn: WalReplayFn, recovery: WalRecovery = 'tail'): WalReplayReport {
  if (!WAL_RECOVERY_MODES.includes(recovery)) {
    throw new StrataError('INVALID_INPUT', `wal replay: unknown recovery mode '${String(recovery)}'; one of ${WAL_RECOVERY_MODES.join(', ')}`);
  }
  const report: WalReplayReport = { segments: 0, records: 0, events: 0, lastLsn: 0n, truncated: [], recovery, dropped: [] };
  let start = 0;
  while (start + 1 < segs.length && segs[start + 1]!.firstLsn <= fromLsn) start++;
  const scan = new LogScanner(dir, segs, start, start > 0 ? segs[start]!.firstLsn : 0n);
  const spans: DamageSpan[] = [];
  let settled = 0; // spans before the last valid record: the rest are a torn tail
  // valid records after the first damage, per segment, where they are not replayed
  let afterRecords: number[] = [];
  let afterEvents: number[] = [];
  const replayAll = recovery === 'skip';
  for (let kind = scan.next(); kind !== SCAN_END; kind = scan.next()) {
    if (kind === SCAN_DAMAGE) {
      if (spans.length === 0 && !replayAll) {
        afterRecords = new Array<number>(segs.length).fill(0);
        afterEvents = new Array<number>(segs.length).fill(0);
      }
      spans.push(scan.span!);
      continue;
    }
    const rec = scan.rec;
    settled = spans.length;
    if (settled > 0 && !replayAll) {
      afterRecords[scan.seg]!++;
      afterEvents[scan.seg]! += rec.count;
    } else if (rec.lsn >= fromLsn) {
      fn(rec.type, rec.lsn, scan.payload(), rec.count);
      report.records++;
      report.events += rec.count;
    }
  }
  report.segments = scan.segmentsRead;
  report.lastLsn = scan.expected > 0n ? scan.expected - 1n : 0n;
  if (settled < spans.length) {
    // nothing valid follows spans[settled]: a torn tail (with settled 0, the first damage)
    const torn = spans[settled]!;
    if (settled === 0 || replayAll) {
      for (const c of cutLog(dir, segs, torn.seg, torn.offset)) report.truncated.push({ file: c.file, offset: c.offset, bytes: c.bytes });
      report.lastLsn = torn.before;
    }
  }
  if (settled === 0) return report;
  const first = spans[0]!;
  if (recovery === 'tail') {
    let later = 0;
    let laterEvents = 0;
    for (let j = first.seg + 1; j < afterRecords.length; j++) {
      later += afterRecords[j]!;
      laterEvents += afterEvents[j]!;
    }
    throw damageError(first, afterRecords[first.seg]!, afterEvents[first.seg]!, later, laterEvents);
  }
  if (recovery === 'point_in_time') {
    const cuts = cutLog(dir, segs, first.seg, first.offset);
    report.dropped = cuts.map((c) => dropped(c, spans, afterRecords[c.seg]!, afterEvents[c.seg]!));
    report.lastLsn = first.before;
    return report;
  }
  report.dropped = spans.slice(0, settled).map((s) => ({ file: s.file, offset: s.offset, bytes: s.end - s.offset, records: s.records, events: s.events }));
  return report;
}

/** What the cut `c` dropped: the valid records in it and the damaged spans of its segment. */
function dropped(c: WalCut, spans: readonly DamageSpan[], records: number, events: number): WalDropped {
  let r = records;
  let e = events;
  for (const s of spans) {
    if (s.seg !== c.seg) continue;
    r += s.records;
    e += s.events;
  }
  return { file: c.file, offset: c.offset, bytes: c.bytes, records: r, events: e };
}
