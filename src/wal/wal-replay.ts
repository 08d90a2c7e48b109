/**
 * Replay of the WAL segments: read each segment, check every record, hand the records
 * to a callback, cut a torn tail in the last segment, refuse damage before it.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError, ioError } from '../errors.ts';
import { WAL_RECORD_HEADER, WAL_SEGMENT_HEADER, checkSegmentHeader, decodeRecord, newRecordHeader } from './wal-format.ts';
import { cutSegment, removeSegment, syncDir, type WalSegment } from './wal-segments.ts';

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
  /** The lsn of the last intact record of the log (0 if the log holds none). */
  lastLsn: bigint;
  /**
   * Torn tails cut off the last segment: the file, the offset of the first damaged
   * record (0: the segment was deleted as a torn creation) and the bytes removed.
   */
  truncated: { file: string; offset: number; bytes: number }[];
}

/**
 * Replays the segments `segs` (in lsn order) of `dir`: calls `fn` for every record with
 * lsn >= `fromLsn`. A segment whose records all lie below `fromLsn` (known from the
 * next segment's first lsn) is skipped without being read; the last one is always read.
 *
 * Damage in the last segment is a torn tail: the file is truncated at the damaged
 * record and fsynced (a bad header deletes the segment) and `segs` is updated. Damage in
 * an earlier segment throws `CORRUPTION` naming file and offset. File errors throw
 * `IO`. An error thrown by `fn` propagates unchanged (nothing is cut then).
 */
export function replaySegments(dir: string, segs: WalSegment[], fromLsn: bigint, fn: WalReplayFn): WalReplayReport {
  const report: WalReplayReport = { segments: 0, records: 0, events: 0, lastLsn: 0n, truncated: [] };
  const rec = newRecordHeader();
  let expected = 0n; // lsn of the next record; 0: nothing known yet
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const next = segs[i + 1];
    if (next !== undefined && next.firstLsn <= fromLsn) {
      expected = next.firstLsn;
      continue;
    }
    const path = join(dir, seg.name);
    let b: Uint8Array;
    try {
      // a plain Uint8Array over the Buffer: views handed out must slice() as copies
      const buf = readFileSync(path);
      b = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      throw ioError('wal replay', path, e);
    }
    report.segments++;
    const badHeader = checkSegmentHeader(b, seg.firstLsn);
    if (badHeader !== null) {
      if (next !== undefined) {
        throw new StrataError('CORRUPTION', `wal replay: ${seg.name}: segment header: ${badHeader}; the log is damaged before its tail`);
      }
      // torn creation: the segment never received a durable header
      removeSegment(dir, seg.name, 'wal replay');
      syncDir(dir, 'wal replay');
      segs.pop();
      report.truncated.push({ file: seg.name, offset: 0, bytes: b.length });
      break;
    }
    if (seg.firstLsn < expected) {
      throw new StrataError(
        'CORRUPTION',
        `wal replay: ${seg.name}: segment starts at lsn ${seg.firstLsn} but the previous segment reaches lsn ${expected - 1n}; the log is damaged`,
      );
    }
    expected = seg.firstLsn;
    let off = WAL_SEGMENT_HEADER;
    while (off < b.length) {
      const bad = decodeRecord(b, off, expected, rec);
      if (bad !== null) {
        if (next !== undefined) throw damaged(seg.name, bad, off);
        cutSegment(path, off);
        report.truncated.push({ file: seg.name, offset: off, bytes: b.length - off });
        break;
      }
      const body = off + WAL_RECORD_HEADER;
      if (rec.lsn >= fromLsn) {
        fn(rec.type, rec.lsn, b.subarray(body, body + rec.length), rec.count);
        report.records++;
        report.events += rec.count;
      }
      expected++;
      off = body + rec.length;
    }
    seg.size = off;
  }
  report.lastLsn = expected === 0n ? 0n : expected - 1n;
  return report;
}

/** `CORRUPTION` for damage before the tail: `what` gets the offset after its first clause. */
function damaged(file: string, what: string, offset: number): StrataError {
  const i = what.indexOf(' (');
  const where = i < 0 ? `${what} at offset ${offset}` : `${what.slice(0, i)} at offset ${offset}${what.slice(i)}`;
  return new StrataError('CORRUPTION', `wal replay: ${file}: ${where}; the log is damaged before its tail`);
}
