/**
 * Reading the log for replay: walk the segments record by record and, past damage,
 * find the next valid record (resync), so that replay knows what lies after a damage
 * before it decides what to do about it (wal-replay.ts). Reads only; changes nothing.
 *
 * A **valid record** is one that passes every check of {@link decodeRecord} (a whole
 * header, a known type, no unknown flag or reserved bit, a length within the file, the
 * crc when its flag is set) with an lsn its place allows: the expected lsn or above,
 * at most the segment's first lsn plus the number of records that fit before it (a
 * record takes at least 24 bytes), and below the next segment's first lsn. A record
 * without the crc flag is judged by its header alone.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getU32 } from '../codec/record.ts';
import { ioError } from '../errors.ts';
import {
  WAL_BATCH,
  WAL_RETIRED_DROP_RANGE,
  WAL_FLAG_CRC,
  WAL_RECORD_HEADER,
  WAL_SEGMENT_HEADER,
  checkSegmentHeader,
  decodeRecord,
  newRecordHeader,
  type WalRecordHeader,
} from './wal-format.ts';
import type { WalSegment } from './wal-segments.ts';

/** {@link LogScanner.next}: the log has nothing more. */
export const SCAN_END = 0;
/** {@link LogScanner.next}: a valid record, in `rec`, at `offset` of segment `seg`. */
export const SCAN_RECORD = 1;
/** {@link LogScanner.next}: damaged bytes, in `span`. */
export const SCAN_DAMAGE = 2;

/** Bytes of one segment that fail their checks, up to the next valid record or the end of the file. */
export interface DamageSpan {
  /** Index of the segment in the list the scanner walks. */
  readonly seg: number;
  /** The segment's file name. */
  readonly file: string;
  /** Offset of the damage: where a record failed its check, or 0 for a damaged segment header. */
  readonly offset: number;
  /** Where the span ends (exclusive): the next valid record, or the end of the file. */
  readonly end: number;
  /** What failed at `offset`, for messages (at offset 0: what is wrong with the segment header). */
  readonly problem: string;
  /** The lsn the log reached before the span (0: none). */
  readonly before: bigint;
  /**
   * Lsns the span held: up to the lsn of the valid record after it; at the end of a
   * segment, up to the next segment's first lsn; at the end of the log, the records
   * whose header can be read, plus one if bytes are left after them.
   */
  readonly records: number;
  /** Events of the span's records whose header is intact (their count is read, not verified). */
  readonly events: number;
}

const SAFE = 2n ** 53n;

/**
 * Walks the segments `segs[start..]` of `dir` in lsn order. Each {@link LogScanner.next}
 * returns the next valid record or the next damaged span; after a damage it resumes at
 * the next valid record, whose lsn becomes the expected one. Reads each segment whole,
 * once; allocates nothing per valid record but the lsn and the payload view.
 */
export class LogScanner {
  /** The record of the last {@link SCAN_RECORD}. Reused: read it before the next call. */
  readonly rec: WalRecordHeader = newRecordHeader();
  /** The span of the last {@link SCAN_DAMAGE}. */
  span: DamageSpan | null = null;
  /** Index of the segment of the last record or span. */
  seg: number;
  /** Offset of the last record in its segment. */
  offset = 0;
  /** Segment files read so far. */
  segmentsRead = 0;
  /** The lsn the next record must have (0: none known yet). */
  expected: bigint;

  private b: Uint8Array | null = null;
  private first = 0n; // the current segment's first lsn (its name)
  private limit: bigint | null = null; // the next segment's first lsn
  private off = 0;
  private damaged = false; // in a damaged span: looking for the next valid record
  private dStart = 0;
  private dProblem = '';
  private dBefore = 0n;
  private dBase = 0n; // the lsn of the span's first record
  private readonly found = newRecordHeader();
  private readonly chain = newRecordHeader();

  /** `expected`: the lsn the first record of `segs[start]` may not be below (0: any). */
  constructor(
    private readonly dir: string,
    private readonly segs: readonly WalSegment[],
    start: number,
    expected: bigint,
  ) {
    this.seg = start - 1;
    this.expected = expected;
  }

  /** The next valid record or damaged span, or {@link SCAN_END}. Throws `IO` if a segment cannot be read. */
  next(): number {
    for (;;) {
      const b = this.b;
      if (b === null) {
        if (this.seg + 1 >= this.segs.length) return SCAN_END;
        this.load(this.seg + 1);
        continue;
      }
      if (!this.damaged) {
        if (this.off >= b.length) {
          this.b = null;
          continue;
        }
        const bad = decodeRecord(b, this.off, this.expected, this.rec);
        if (bad === null) {
          this.offset = this.off;
          this.off += WAL_RECORD_HEADER + this.rec.length;
          this.expected++;
          return SCAN_RECORD;
        }
        this.startDamage(this.off, bad, this.expected);
        this.off++;
      }
      const p = findRecord(b, this.off, this.expected, this.first, this.limit, this.found);
      this.span = this.endDamage(b, p < 0 ? b.length : p, p < 0 ? null : this.found.lsn);
      this.damaged = false;
      if (p < 0) {
        this.b = null;
      } else {
        this.off = p;
        this.expected = this.found.lsn;
      }
      return SCAN_DAMAGE;
    }
  }

  /** The payload of the last record: a view into the segment's buffer (no copy). */
  payload(): Uint8Array {
    const body = this.offset + WAL_RECORD_HEADER;
    return this.b!.subarray(body, body + this.rec.length);
  }

  /** Reads segment `i` and checks its header; a bad one starts a damaged span at 0. */
  private load(i: number): void {
    const s = this.segs[i]!;
    const path = join(this.dir, s.name);
    let b: Uint8Array;
    try {
      // a plain Uint8Array over the Buffer: views handed out must slice() as copies
      const buf = readFileSync(path);
      b = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      throw ioError('wal replay', path, e);
    }
    this.segmentsRead++;
    s.size = b.length;
    this.seg = i;
    this.b = b;
    this.first = s.firstLsn;
    this.limit = this.segs[i + 1]?.firstLsn ?? null;
    this.off = WAL_SEGMENT_HEADER;
    let bad = checkSegmentHeader(b, s.firstLsn);
    if (bad === null && s.firstLsn < this.expected) {
      bad = `starts at lsn ${s.firstLsn} but the previous segment reaches lsn ${this.expected - 1n}`;
    }
    if (bad === null) {
      this.expected = s.firstLsn;
      return;
    }
    const base = this.expected > s.firstLsn ? this.expected : s.firstLsn;
    this.startDamage(0, bad, base);
    this.expected = base;
  }

  private startDamage(offset: number, problem: string, base: bigint): void {
    this.damaged = true;
    this.dStart = offset;
    this.dProblem = problem;
    this.dBefore = this.expected > 0n ? this.expected - 1n : 0n;
    this.dBase = base;
  }

  /** The span from the damage to `end`; `next` is the lsn of the valid record at `end`, if any. */
  private endDamage(b: Uint8Array, end: number, next: bigint | null): DamageSpan {
    // the records whose header is intact, one after the other from the damage: their counts
    let q = this.dStart < WAL_SEGMENT_HEADER ? WAL_SEGMENT_HEADER : this.dStart;
    let lsn = this.dBase;
    let n = 0;
    let events = 0;
    while (q < end && decodeRecord(b, q, lsn, this.chain, false) === null && q + WAL_RECORD_HEADER + this.chain.length <= end) {
      n++;
      events += this.chain.count;
      q += WAL_RECORD_HEADER + this.chain.length;
      lsn++;
    }
    let records: number;
    if (next !== null) records = Number(next - this.dBase);
    else if (this.limit !== null) records = this.limit > this.dBase ? Number(this.limit - this.dBase) : 0;
    else records = n + (q < end ? 1 : 0);
    const file = this.segs[this.seg]!.name;
    return { seg: this.seg, file, offset: this.dStart, end, problem: this.dProblem, before: this.dBefore, records, events };
  }
}

/**
 * The offset of the first valid record (see the module comment) at or after `from` in
 * the segment `b` whose first lsn is `first`, with an lsn of at least `lo` and below
 * `limit` (null: no bound), or -1. Tries every byte offset: the cheap byte checks
 * first, the crc last. Fills `out` with the record found.
 */
export function findRecord(b: Uint8Array, from: number, lo: bigint, first: bigint, limit: bigint | null, out: WalRecordHeader): number {
  const last = b.length - WAL_RECORD_HEADER;
  const numeric = lo < SAFE && first + BigInt(b.length) < SAFE;
  const loN = Number(lo);
  const firstN = Number(first);
  const limitN = limit === null ? Infinity : Number(limit);
  for (let p = from < WAL_SEGMENT_HEADER ? WAL_SEGMENT_HEADER : from; p <= last; p++) {
    const type = b[p + 20];
    if (type !== WAL_BATCH && type !== WAL_RETIRED_DROP_RANGE) continue;
    const flags = b[p + 21]!;
    if (flags > WAL_FLAG_CRC || b[p + 22] !== 0 || b[p + 23] !== 0) continue;
    if (getU32(b, p + 4) > last - p) continue;
    if (flags === 0 && getU32(b, p) !== 0) continue;
    const most = Math.floor((p - WAL_SEGMENT_HEADER) / WAL_RECORD_HEADER);
    const hi = getU32(b, p + 12);
    let lsn: bigint;
    if (numeric && hi < 0x20_0000) {
      const n = hi * 0x1_0000_0000 + getU32(b, p + 8);
      if (n < loN || n >= limitN || n > firstN + most) continue;
      lsn = BigInt(n);
    } else {
      lsn = (BigInt(hi) << 32n) | BigInt(getU32(b, p + 8));
      if (lsn < lo || (limit !== null && lsn >= limit) || lsn > first + BigInt(most)) continue;
    }
    if (decodeRecord(b, p, lsn, out) === null) return p;
  }
  return -1;
}
