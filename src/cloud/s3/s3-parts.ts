/**
 * The sizes of multipart uploads, as S3 limits them: parts of 5 MiB to 5 GiB (the last
 * one may be smaller), at most 10,000 of them, objects of at most 5 TiB.
 *
 * @module
 */

const MiB = 1024 * 1024;

/** The least part size S3 accepts (but for the last part). */
export const MIN_PART_SIZE = 5 * MiB;
/** The largest part size S3 accepts. */
export const MAX_PART_SIZE = 5 * 1024 * MiB;
/** The most parts of one upload. */
export const MAX_PARTS = 10_000;
/** The largest object S3 stores. */
export const MAX_OBJECT_SIZE = 5 * 1024 * 1024 * MiB;
/** The part size when the options give none. */
export const DEFAULT_PART_SIZE = 16 * MiB;

/**
 * The part size of an upload of `size` bytes: `partSize`, or the least whole number
 * of MiB that cuts `size` into at most {@link MAX_PARTS} parts when `partSize` would
 * make more. REQUIRES: `partSize` is valid ({@link checkPartSize}) and `size` at most
 * {@link MAX_OBJECT_SIZE}, so the result is at most {@link MAX_PART_SIZE}.
 */
export function partSizeFor(size: number, partSize: number): number {
  if (Math.ceil(size / partSize) <= MAX_PARTS) return partSize;
  return Math.ceil(size / MAX_PARTS / MiB) * MiB;
}

/** The parts of an upload of `size` bytes in parts of `partSize` (the last one may be smaller). */
export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

/** Why `partSize` is no valid part size, or null when it is. */
export function checkPartSize(partSize: number): string | null {
  if (!Number.isSafeInteger(partSize) || partSize < MIN_PART_SIZE || partSize > MAX_PART_SIZE) {
    return `partSize must be a whole number of bytes from ${MIN_PART_SIZE} (5 MiB) to ${MAX_PART_SIZE} (5 GiB), not ${partSize}`;
  }
  return null;
}
