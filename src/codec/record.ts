/**
 * The event record: the one byte layout an event has everywhere in Strata, in a
 * batch body, in a WAL record, in a memtable arena and in a partition file region.
 * Because the layout is shared, events move between those places by copying bytes.
 *
 * ```
 * offset size  field
 * 0      8     id            u64 little-endian
 * 8      4     value length  u32 little-endian
 * 12     1     key length    u8 (0..255)
 * 13     1     flags         bit 0 DELETE, bit 1 SERIAL, bits 2-7 zero
 * 14     k     key bytes
 * 14+k   v     value bytes
 * ```
 *
 * Ids are handled as two u32 halves (`hi`, `lo`) on hot paths so that nothing
 * allocates a BigInt per event.
 *
 * @module
 */

/** Size of the fixed record header, in bytes. */
export const RECORD_HEADER = 14;
/** Offset of the u32 value length. */
export const REC_VALUE_LEN = 8;
/** Offset of the u8 key length. */
export const REC_KEY_LEN = 12;
/** Offset of the u8 flags. */
export const REC_FLAGS = 13;
/** Largest key, in bytes. */
export const MAX_KEY = 255;
/** Flag: the record deletes the event `(id, key)`. */
export const FLAG_DELETE = 1;
/** Flag: the id was (in a batch: is to be) assigned from the serial number. */
export const FLAG_SERIAL = 2;
/** Every flag bit that has a meaning; the others must be zero. */
export const FLAGS_KNOWN = FLAG_DELETE | FLAG_SERIAL;

/** Low 32 bits of the record id at `off`. */
export function recIdLo(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** High 32 bits of the record id at `off`. */
export function recIdHi(b: Uint8Array, off: number): number {
  return (b[off + 4]! | (b[off + 5]! << 8) | (b[off + 6]! << 16) | (b[off + 7]! << 24)) >>> 0;
}

/** Value length of the record at `off`. */
export function recValueLen(b: Uint8Array, off: number): number {
  return (b[off + 8]! | (b[off + 9]! << 8) | (b[off + 10]! << 16) | (b[off + 11]! << 24)) >>> 0;
}

/** Total size in bytes of the record at `off`. */
export function recSize(b: Uint8Array, off: number): number {
  return RECORD_HEADER + b[off + REC_KEY_LEN]! + recValueLen(b, off);
}

/** Writes the id halves of the record at `off`. */
export function recSetId(b: Uint8Array, off: number, hi: number, lo: number): void {
  b[off] = lo;
  b[off + 1] = lo >>> 8;
  b[off + 2] = lo >>> 16;
  b[off + 3] = lo >>> 24;
  b[off + 4] = hi;
  b[off + 5] = hi >>> 8;
  b[off + 6] = hi >>> 16;
  b[off + 7] = hi >>> 24;
}

/** Writes a u32 little-endian at `off` (for header fields). */
export function putU32(b: Uint8Array, off: number, v: number): void {
  b[off] = v;
  b[off + 1] = v >>> 8;
  b[off + 2] = v >>> 16;
  b[off + 3] = v >>> 24;
}

/** Reads a u32 little-endian at `off`. */
export function getU32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/**
 * Compares the keys (bytewise, a shorter prefix first) of two records.
 * Returns a negative number, zero or a positive number.
 */
export function compareRecKeys(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  const al = a[ao + REC_KEY_LEN]!;
  const bl = b[bo + REC_KEY_LEN]!;
  const n = al < bl ? al : bl;
  const i = ao + RECORD_HEADER;
  const j = bo + RECORD_HEADER;
  for (let k = 0; k < n; k++) {
    const d = a[i + k]! - b[j + k]!;
    if (d !== 0) return d;
  }
  return al - bl;
}

/**
 * Compares two records by `(id, key)`: negative if the record at `ao` in `a` sorts
 * first, zero if both have the same primary key, positive otherwise.
 */
export function compareRecs(a: Uint8Array, ao: number, b: Uint8Array, bo: number): number {
  const ah = recIdHi(a, ao);
  const bh = recIdHi(b, bo);
  if (ah !== bh) return ah < bh ? -1 : 1;
  const al = recIdLo(a, ao);
  const bl = recIdLo(b, bo);
  if (al !== bl) return al < bl ? -1 : 1;
  return compareRecKeys(a, ao, b, bo);
}
