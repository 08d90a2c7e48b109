/**
 * The WAL on-disk format: segment names, the 16-byte segment header and the 24-byte
 * record header. Pure byte work, no I/O. The byte-level description is
 * `docs/wal-format.md`; a change here changes that page in the same commit.
 *
 * ```
 * segment header (16 bytes)           record header (24 bytes), then `length` payload bytes
 * 0  4  magic "STRW"                   0  u32 crc32 of bytes [4, 24 + length), or 0
 * 4  u32 version = 1                   4  u32 payload length
 * 8  u64 first lsn                     8  u64 lsn
 *                                      16 u32 event count
 *                                      20 u8  type (1 batch; 2 retired)
 *                                      21 u8  flags (bit 0: crc present)
 *                                      22 u16 reserved, 0
 * ```
 *
 * All integers are little-endian.
 *
 * @module
 */
import { crc32 } from '../codec/crc.ts';
import { getU32, putU32 } from '../codec/record.ts';

/** Record type: the payload is a batch of event records (`count` of them). The one type the log writes. */
export const WAL_BATCH = 1;
/**
 * Record type 2, retired: a drop range (payload u64 min, u64 max: 16 bytes; count 0),
 * which development builds wrote before a drop became a tombstone in the manifest.
 * Nothing writes it, and it is not part of the WAL's API (index.ts does not export it,
 * `Wal.append` refuses it). A reader still knows its shape, so that a log holding one
 * reads as that record rather than as damage (never cut as a torn tail), and replay
 * hands it to the caller, which refuses it as a type it does not know.
 */
export const WAL_RETIRED_DROP_RANGE = 2;
/** Size of a retired drop-range payload, in bytes. */
const RETIRED_DROP_RANGE_SIZE = 16;
/** The four magic bytes that open a segment: `STRW`. */
export const WAL_MAGIC: readonly number[] = [0x53, 0x54, 0x52, 0x57];
/** The segment format version this code writes and reads. */
export const WAL_VERSION = 1;
/** Size of the segment header, in bytes. */
export const WAL_SEGMENT_HEADER = 16;
/** Size of the record header, in bytes. */
export const WAL_RECORD_HEADER = 24;
/** Record flag: the crc field holds the crc32 of the record. */
export const WAL_FLAG_CRC = 1;
/** Largest payload a record can hold (the length field is a u32). */
export const WAL_MAX_PAYLOAD = 0xffff_ffff;
/** File name suffix of a segment. */
export const WAL_SUFFIX = '.wal';

const NAME_RE = /^(\d{20})\.wal$/;
const U64_MAX = 0xffff_ffff_ffff_ffffn;

/**
 * The file name of the segment whose first record has lsn `firstLsn`: 20 zero-padded
 * decimal digits and `.wal`, so that names sort like lsns. Throws a RangeError if
 * `firstLsn` is not a u64.
 */
export function walSegmentName(firstLsn: bigint): string {
  if (firstLsn < 0n || firstLsn > U64_MAX) throw new RangeError(`wal: lsn ${firstLsn} is not a u64`);
  return firstLsn.toString().padStart(20, '0') + WAL_SUFFIX;
}

/** The first lsn a segment file name stands for, or null if `name` is not a segment name. */
export function parseWalSegmentName(name: string): bigint | null {
  const m = NAME_RE.exec(name);
  if (m === null) return null;
  const lsn = BigInt(m[1]!);
  return lsn > U64_MAX ? null : lsn;
}

/** The 16-byte header of a new segment whose first lsn is `firstLsn`. */
export function encodeSegmentHeader(firstLsn: bigint): Uint8Array {
  const b = new Uint8Array(WAL_SEGMENT_HEADER);
  b.set(WAL_MAGIC, 0);
  putU32(b, 4, WAL_VERSION);
  new DataView(b.buffer).setBigUint64(8, firstLsn, true);
  return b;
}

/**
 * Checks the segment header at the start of `b` against the lsn of the file name.
 * Returns null when it is sound, or what is wrong (for an error message).
 */
export function checkSegmentHeader(b: Uint8Array, nameLsn: bigint): string | null {
  if (b.length < WAL_SEGMENT_HEADER) return `short segment header (${b.length} of ${WAL_SEGMENT_HEADER} bytes)`;
  for (let i = 0; i < 4; i++) {
    if (b[i] !== WAL_MAGIC[i]) return 'bad magic (not a Strata WAL segment)';
  }
  const version = getU32(b, 4);
  if (version !== WAL_VERSION) return `unknown segment version ${version} (this build reads ${WAL_VERSION})`;
  const first = new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(8, true);
  if (first !== nameLsn) return `header first lsn ${first} differs from the file name (lsn ${nameLsn})`;
  return null;
}

/**
 * Builds record headers into one reused 24-byte buffer, so that appending allocates
 * nothing. `bytes` is overwritten by each {@link RecordHeaderWriter.fill}.
 */
export class RecordHeaderWriter {
  /** The header of the last filled record. Owned by the writer: write it out before the next fill. */
  readonly bytes = new Uint8Array(WAL_RECORD_HEADER);
  private readonly view = new DataView(this.bytes.buffer);
  private readonly covered = this.bytes.subarray(4);

  /**
   * Fills the header of the record `lsn` holding `payload`. With `crc`, computes the
   * crc32 of header bytes [4, 24) chained with the payload; without, stores 0.
   * REQUIRES: `type` is a known type, `count` and the payload length fit a u32.
   */
  fill(lsn: bigint, type: number, payload: Uint8Array, count: number, crc: boolean): void {
    const v = this.view;
    v.setUint32(4, payload.length, true);
    v.setBigUint64(8, lsn, true);
    v.setUint32(16, count, true);
    v.setUint8(20, type);
    v.setUint8(21, crc ? WAL_FLAG_CRC : 0);
    v.setUint16(22, 0, true);
    v.setUint32(0, crc ? crc32(payload, crc32(this.covered)) : 0, true);
  }
}

/** A decoded record header; reused across records by {@link decodeRecord}. */
export interface WalRecordHeader {
  lsn: bigint;
  length: number;
  count: number;
  type: number;
}

/** A fresh {@link WalRecordHeader} to pass to {@link decodeRecord}. */
export function newRecordHeader(): WalRecordHeader {
  return { lsn: 0n, length: 0, count: 0, type: 0 };
}

/**
 * Decodes and validates the record at `off` in `b` (a whole segment; the record must
 * end by `b.length`), expecting lsn `expectedLsn`. On success fills `out` and returns
 * null; otherwise returns what is wrong, for an error message. Checks, in order: a
 * whole header, known type, flags and reserved bits, the length against the end of the
 * segment, the crc (when its flag is set; a zero crc field otherwise), the lsn.
 *
 * With `verifyCrc` false the two crc checks are left out: the header alone is judged
 * (used to read the event count of a damaged record, never to accept one).
 */
export function decodeRecord(b: Uint8Array, off: number, expectedLsn: bigint, out: WalRecordHeader, verifyCrc = true): string | null {
  const left = b.length - off;
  if (left < WAL_RECORD_HEADER) return `short record header (${left} of ${WAL_RECORD_HEADER} bytes)`;
  const v = new DataView(b.buffer, b.byteOffset + off, WAL_RECORD_HEADER);
  const stored = v.getUint32(0, true);
  const length = v.getUint32(4, true);
  const type = v.getUint8(20);
  const flags = v.getUint8(21);
  if (type !== WAL_BATCH && type !== WAL_RETIRED_DROP_RANGE) return `unknown record type ${type}`;
  if ((flags & ~WAL_FLAG_CRC) !== 0 || v.getUint16(22, true) !== 0) {
    return `unknown record flags 0x${flags.toString(16)} or reserved bits set`;
  }
  if (length > left - WAL_RECORD_HEADER) {
    return `record length ${length} runs past the end of the file (${left - WAL_RECORD_HEADER} bytes left)`;
  }
  if (type === WAL_RETIRED_DROP_RANGE && length !== RETIRED_DROP_RANGE_SIZE) return `drop-range record of length ${length}, not 16`;
  if (verifyCrc && (flags & WAL_FLAG_CRC) !== 0) {
    const body = off + WAL_RECORD_HEADER;
    const computed = crc32(b.subarray(body, body + length), crc32(b.subarray(off + 4, body)));
    if (computed !== stored) return `crc mismatch (stored ${hex(stored)}, computed ${hex(computed)})`;
  } else if (verifyCrc && stored !== 0) {
    return `crc field ${hex(stored)} set on a record without the crc flag`;
  }
  const lsn = v.getBigUint64(8, true);
  if (lsn !== expectedLsn) return `lsn ${lsn} where ${expectedLsn} was expected`;
  out.lsn = lsn;
  out.length = length;
  out.count = v.getUint32(16, true);
  out.type = type;
  return null;
}

function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
