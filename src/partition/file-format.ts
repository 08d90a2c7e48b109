/**
 * The partition file format: constants, header, footer and region index encoding,
 * and the checks a reader applies before it trusts any offset. The byte layout is
 * documented in `docs/partition-format.md`; a change here changes that page.
 *
 * ```
 * file   := header region* index footer
 * header := "STRP" | u32 version | u32 flags | u32 reserved              (16 bytes)
 * index  := entry * region_count
 * footer := 68 (version 1) or 112 (version 2) bytes ending in u32 version | "STRP"
 * ```
 *
 * The footer is in `file-footer.ts`.
 *
 * All integers are little-endian. Ids are carried as u32 halves (`hi`, `lo`); file
 * offsets and counts as `number` (exact up to 2^53).
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import type { Footer } from './file-footer.ts';
import {
  ENCRYPTION_OVERHEAD,
  getU32,
  putU32,
  RECORD_HEADER,
  REC_KEY_LEN,
} from '../codec/index.ts';

/** The magic "STRP" read as a u32 little-endian (bytes 53 54 52 50). */
export const MAGIC = 0x50525453;
/** Size of the file header, in bytes. */
export const HEADER_SIZE = 16;
/** Size of an index entry without its two keys, in bytes. */
export const ENTRY_FIXED = 42;
/** Default uncompressed size of a region, in bytes. */
export const DEFAULT_REGION_SIZE = 128 * 1024;
/** Largest region size a writer accepts, in bytes. */
export const MAX_REGION_SIZE = 64 * 1024 * 1024;

const TWO_32 = 4294967296;

/** Writes `v` (an integer in 0..2^53) as a u64 little-endian at `off`. */
export function putU64(b: Uint8Array, off: number, v: number): void {
  putU32(b, off, v % TWO_32);
  putU32(b, off + 4, Math.floor(v / TWO_32));
}

/** Reads a u64 little-endian at `off` as a number (inexact above 2^53). */
export function getU64(b: Uint8Array, off: number): number {
  return getU32(b, off + 4) * TWO_32 + getU32(b, off);
}

/** Formats a checksum as `0x` and eight hex digits. */
export function hex32(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

/** Builds the `CORRUPTION` error of `operation` on file `path`. */
export function corruption(operation: string, path: string, what: string, cause?: unknown): StrataError {
  return new StrataError('CORRUPTION', `${operation}: ${path}: ${what}`, { cause });
}

/** Associated data of the encrypted region index: distinct from every region's. */
export const INDEX_AAD = new Uint8Array([0x69, 0x6e, 0x64, 0x65, 0x78]); // "index"

/**
 * The additional authenticated data of region `i` of an encrypted file: `i` as a u32
 * little-endian, so that a region copied to another place in the file fails to decrypt.
 */
export function regionAad(i: number): Uint8Array {
  const b = new Uint8Array(4);
  putU32(b, 0, i);
  return b;
}

/** Returns the 16 header bytes of a new file of format `version`. */
export function encodeHeader(version: number): Uint8Array {
  const b = new Uint8Array(HEADER_SIZE);
  putU32(b, 0, MAGIC);
  putU32(b, 4, version);
  return b;
}

/**
 * Checks the 16 header bytes in `b` against the footer's `version`.
 * @throws StrataError `CORRUPTION` on a bad magic, a version other than the footer's,
 *   or non-zero flags.
 */
export function checkHeader(b: Uint8Array, path: string, version: number): void {
  const op = 'open partition file';
  if (getU32(b, 0) !== MAGIC) throw corruption(op, path, `bad header magic ${hex32(getU32(b, 0))}; not a partition file`);
  const v = getU32(b, 4);
  if (v !== version) throw corruption(op, path, `header version ${v} differs from footer version ${version}`);
  if (getU32(b, 8) !== 0 || getU32(b, 12) !== 0) throw corruption(op, path, 'non-zero header flags or reserved field');
}

/**
 * Writes the index entry of one region at `pos` in `dst` and returns the position
 * after it. The min id and key are copied from the record at `first` in `fb`, the
 * max from the record at `last` in `lb`. REQUIRES: `dst` has room for
 * ENTRY_FIXED + both key lengths.
 */
export function encodeEntry(
  dst: Uint8Array, pos: number, offset: number, size: number, sizeUncompressed: number, events: number,
  crc: number, fb: Uint8Array, first: number, lb: Uint8Array, last: number,
): number {
  putU64(dst, pos, offset);
  putU32(dst, pos + 8, size);
  putU32(dst, pos + 12, sizeUncompressed);
  putU32(dst, pos + 16, events);
  putU32(dst, pos + 20, crc);
  // the record starts with its id as a u64 little-endian: the same bytes as the entry
  dst.set(fb.subarray(first, first + 8), pos + 24);
  dst.set(lb.subarray(last, last + 8), pos + 32);
  const a = fb[first + REC_KEY_LEN]!;
  dst[pos + 40] = a;
  dst.set(fb.subarray(first + RECORD_HEADER, first + RECORD_HEADER + a), pos + 41);
  const b = lb[last + REC_KEY_LEN]!;
  dst[pos + 41 + a] = b;
  dst.set(lb.subarray(last + RECORD_HEADER, last + RECORD_HEADER + b), pos + 42 + a);
  return pos + ENTRY_FIXED + a + b;
}

/**
 * Writes entry `i` of the parsed index `x` at `pos` in `dst`, as {@link encodeEntry}
 * wrote it (the same offset, sizes, count, crc, ids and keys), and returns the
 * position after it. REQUIRES: `dst` has room for ENTRY_FIXED + both key lengths.
 */
export function encodeIndexEntry(dst: Uint8Array, pos: number, x: RegionIndex, i: number): number {
  putU64(dst, pos, x.offsets[i]!);
  putU32(dst, pos + 8, x.sizes[i]!);
  putU32(dst, pos + 12, x.sizesUncompressed[i]!);
  putU32(dst, pos + 16, x.events[i]!);
  putU32(dst, pos + 20, x.crcs[i]!);
  putU32(dst, pos + 24, x.minLo[i]!);
  putU32(dst, pos + 28, x.minHi[i]!);
  putU32(dst, pos + 32, x.maxLo[i]!);
  putU32(dst, pos + 36, x.maxHi[i]!);
  const a = x.minKeys[i]!;
  const b = x.maxKeys[i]!;
  dst[pos + 40] = a.length;
  dst.set(a, pos + 41);
  dst[pos + 41 + a.length] = b.length;
  dst.set(b, pos + 42 + a.length);
  return pos + ENTRY_FIXED + a.length + b.length;
}

/**
 * The region index of an open file, one slot per region, as parsed and checked
 * by {@link decodeIndex}. Owned by the file: readers must not modify it. Keys are
 * views into the index bytes (empty arrays for empty keys).
 */
export interface RegionIndex {
  /** File offset of each region's stored bytes. */
  readonly offsets: Float64Array;
  /** Stored size of each region (compressed, plus nonce and tag if encrypted). */
  readonly sizes: Uint32Array;
  /** Size of each region's records once decompressed. */
  readonly sizesUncompressed: Uint32Array;
  /** Number of events in each region (at least 1). */
  readonly events: Uint32Array;
  /** crc32 of each region's stored bytes (after compression and encryption). */
  readonly crcs: Uint32Array;
  /** Id halves of each region's first and last event. */
  readonly minHi: Uint32Array;
  readonly minLo: Uint32Array;
  readonly maxHi: Uint32Array;
  readonly maxLo: Uint32Array;
  /** Key of each region's first and last event. */
  readonly minKeys: readonly Uint8Array[];
  readonly maxKeys: readonly Uint8Array[];
}

/** Compares `(id, key)` pairs given as halves and key bytes: negative, zero or positive. */
export function compareIdKey(ah: number, al: number, ak: Uint8Array, bh: number, bl: number, bk: Uint8Array): number {
  if (ah !== bh) return ah < bh ? -1 : 1;
  if (al !== bl) return al < bl ? -1 : 1;
  return Buffer.compare(ak, bk);
}

/**
 * Parses the index bytes `b` (whose crc the caller has checked against the footer)
 * and checks them against the footer `f`: each key inside the index, regions that
 * tile the file from the header to the index, at least one event and 14 bytes per
 * event in each region, room for nonce and tag in each encrypted region, stored size
 * equal to uncompressed size (plus nonce and tag if encrypted) without compression,
 * regions in strictly ascending `(id, key)` order, and counts, sizes and min/max ids
 * that agree with the footer.
 * @throws StrataError `CORRUPTION` naming `path` and the first entry at fault.
 */
export function decodeIndex(b: Uint8Array, f: Footer, path: string): RegionIndex {
  const n = f.regions;
  const x: RegionIndex = {
    offsets: new Float64Array(n), sizes: new Uint32Array(n), sizesUncompressed: new Uint32Array(n),
    events: new Uint32Array(n), crcs: new Uint32Array(n), minHi: new Uint32Array(n), minLo: new Uint32Array(n),
    maxHi: new Uint32Array(n), maxLo: new Uint32Array(n), minKeys: [], maxKeys: [],
  };
  const minKeys = x.minKeys as Uint8Array[];
  const maxKeys = x.maxKeys as Uint8Array[];
  const bad = (what: string): StrataError => corruption('open partition file', path, what);
  // bytes an encrypted region stores beyond its (compressed) data: nonce and tag
  const overhead = f.encryption === 0 ? 0 : ENCRYPTION_OVERHEAD;
  let pos = 0;
  let next = HEADER_SIZE;
  let events = 0;
  let sizeU = 0;
  for (let i = 0; i < n; i++) {
    if (pos + ENTRY_FIXED > b.length) throw bad(`index entry ${i} runs past the end of the index (size ${b.length})`);
    const a = b[pos + 40]!;
    if (pos + ENTRY_FIXED + a > b.length) {
      throw bad(`index entry ${i} min key (length ${a}) runs past the end of the index (size ${b.length})`);
    }
    const k = b[pos + 41 + a]!;
    if (pos + ENTRY_FIXED + a + k > b.length) {
      throw bad(`index entry ${i} max key (length ${k}) runs past the end of the index (size ${b.length})`);
    }
    const offset = getU64(b, pos);
    const size = getU32(b, pos + 8);
    const su = getU32(b, pos + 12);
    const ev = getU32(b, pos + 16);
    if (offset !== next) throw bad(`region ${i} offset ${offset} is not the end of the previous region (${next})`);
    if (size <= overhead || ev === 0 || su < ev * RECORD_HEADER) {
      throw bad(`region ${i} has impossible sizes (stored ${size}, uncompressed ${su}, events ${ev})`);
    }
    if (f.codec === 0 && size !== su + overhead) {
      throw bad(`region ${i} stored size ${size} differs from its size ${su}${overhead === 0 ? '' : ` plus nonce and tag (${overhead})`}`);
    }
    x.offsets[i] = offset;
    x.sizes[i] = size;
    x.sizesUncompressed[i] = su;
    x.events[i] = ev;
    x.crcs[i] = getU32(b, pos + 20);
    x.minLo[i] = getU32(b, pos + 24);
    x.minHi[i] = getU32(b, pos + 28);
    x.maxLo[i] = getU32(b, pos + 32);
    x.maxHi[i] = getU32(b, pos + 36);
    minKeys.push(b.subarray(pos + 41, pos + 41 + a));
    maxKeys.push(b.subarray(pos + 42 + a, pos + 42 + a + k));
    const order = compareIdKey(x.minHi[i]!, x.minLo[i]!, minKeys[i]!, x.maxHi[i]!, x.maxLo[i]!, maxKeys[i]!);
    if (order > 0 || (order === 0) !== (ev === 1)) throw bad(`region ${i} min and max keys are out of order`);
    if (i > 0 && compareIdKey(x.maxHi[i - 1]!, x.maxLo[i - 1]!, maxKeys[i - 1]!, x.minHi[i]!, x.minLo[i]!, minKeys[i]!) >= 0) {
      throw bad(`region ${i} does not sort after region ${i - 1}`);
    }
    next = offset + size;
    events += ev;
    sizeU += su;
    pos += ENTRY_FIXED + a + k;
  }
  if (pos !== b.length) throw bad(`index has ${b.length - pos} bytes after its ${n} entries`);
  if (next !== f.indexOffset) throw bad(`regions end at ${next}, index starts at ${f.indexOffset}`);
  if (events !== f.events || sizeU !== f.sizeUncompressed) {
    throw bad(`footer counts (events ${f.events}, size ${f.sizeUncompressed}) disagree with the index (${events}, ${sizeU})`);
  }
  const ids = n === 0
    ? [0, 0, 0, 0]
    : [x.minHi[0]!, x.minLo[0]!, x.maxHi[n - 1]!, x.maxLo[n - 1]!];
  if (ids[0] !== f.minHi || ids[1] !== f.minLo || ids[2] !== f.maxHi || ids[3] !== f.maxLo) {
    throw bad('footer min/max ids disagree with the index');
  }
  return x;
}
