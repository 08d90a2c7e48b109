/**
 * Binary batch format v1: what `db.write()` accepts. Documented byte by byte in
 * `docs/batch-format.md`; a producer in any language needs only that page.
 *
 * ```
 * batch  := header record*
 * header := magic "STRB" | u16 version = 1 | u16 flags = 0 | u32 count | u32 body length
 * record := the event record of codec/record.ts (14-byte header, key, value)
 * ```
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import { idJoin } from './id.ts';
import {
  FLAG_DELETE,
  FLAG_SERIAL,
  FLAGS_KNOWN,
  RECORD_HEADER,
  REC_FLAGS,
  REC_KEY_LEN,
  getU32,
  recIdHi,
  recIdLo,
  recValueLen,
} from './record.ts';

/** Size of the batch header, in bytes. */
export const BATCH_HEADER = 16;
/** The magic bytes `STRB` read as a u32 little-endian. */
export const BATCH_MAGIC = 0x42525453;
/** The batch format version this code writes and reads. */
export const BATCH_VERSION = 1;

/** What {@link validateBatch} learned about a batch. */
export interface BatchInfo {
  /** Number of records. */
  readonly count: number;
  /** Number of records whose id is to be assigned from the serial number. */
  readonly serials: number;
}

function reject(detail: string): never {
  throw new StrataError('INVALID_INPUT', `write: malformed batch: ${detail}; nothing was written`);
}

/**
 * Checks every byte of the header and every record of `batch` without copying it.
 * The body is `batch.subarray(BATCH_HEADER)`.
 *
 * @throws StrataError `INVALID_INPUT` for a bad magic or version, unknown flags, a
 *   length that runs past the end, a delete that carries a value, a serial record
 *   with a non-zero id, a count that does not match, or trailing bytes.
 */
export function validateBatch(batch: Uint8Array): BatchInfo {
  const size = batch.length;
  if (size < BATCH_HEADER) reject(`${size} bytes is shorter than the ${BATCH_HEADER}-byte header`);
  const magic = getU32(batch, 0);
  if (magic !== BATCH_MAGIC) reject(`bad magic 0x${magic.toString(16).padStart(8, '0')} (expected "STRB")`);
  const version = batch[4]! | (batch[5]! << 8);
  if (version !== BATCH_VERSION) reject(`unknown version ${version} (this Strata reads version ${BATCH_VERSION})`);
  const hflags = batch[6]! | (batch[7]! << 8);
  if (hflags !== 0) reject(`header flags 0x${hflags.toString(16)} are reserved and must be 0`);
  const count = getU32(batch, 8);
  const body = getU32(batch, 12);
  if (body !== size - BATCH_HEADER) {
    reject(`body length ${body} does not match the ${size - BATCH_HEADER} bytes after the header`);
  }
  let off = BATCH_HEADER;
  let serials = 0;
  for (let i = 0; i < count; i++) {
    if (off + RECORD_HEADER > size) reject(`record ${i} at offset ${off} runs past the end (header needs ${RECORD_HEADER} bytes, ${size - off} left)`);
    const flags = batch[off + REC_FLAGS]!;
    if ((flags & ~FLAGS_KNOWN) !== 0) reject(`record ${i} at offset ${off} has unknown flags 0x${flags.toString(16)}`);
    const vlen = recValueLen(batch, off);
    const end = off + RECORD_HEADER + batch[off + REC_KEY_LEN]! + vlen;
    if (end > size) reject(`record ${i} at offset ${off} runs past the end (needs ${end - off} bytes, ${size - off} left)`);
    if ((flags & FLAG_DELETE) !== 0 && vlen !== 0) reject(`record ${i} is a delete with a ${vlen}-byte value`);
    if ((flags & FLAG_SERIAL) !== 0) {
      if ((flags & FLAG_DELETE) !== 0) reject(`record ${i} is a delete with the serial flag (a delete names an existing id)`);
      if (recIdLo(batch, off) !== 0 || recIdHi(batch, off) !== 0) reject(`record ${i} asks for a serial id but carries id ${idJoin(recIdHi(batch, off), recIdLo(batch, off))}`);
      serials++;
    }
    off = end;
  }
  if (off !== size) reject(`${size - off} trailing bytes after ${count} records`);
  return { count, serials };
}
