/**
 * The byte copy both directions of the Arrow layer use for keys and values: short runs
 * a 32-bit word at a time through `DataView`s (no allocation per copy), long ones with
 * one `set` (a `subarray` then costs less than the loop).
 *
 * @module
 */

/** Runs from this length on are copied with one `set`. */
const LONG = 256;

/** A `DataView` over exactly the bytes of `b`. */
export function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Copies `len` bytes of `src` (viewed as `srcView`) from `from` to `out` (viewed as
 * `outView`) at `at`; returns the offset after them.
 */
export function copyBytes(out: Uint8Array, outView: DataView, at: number, src: Uint8Array, srcView: DataView, from: number, len: number): number {
  if (len >= LONG) {
    out.set(src.subarray(from, from + len), at);
    return at + len;
  }
  let j = 0;
  for (; j + 4 <= len; j += 4) outView.setUint32(at + j, srcView.getUint32(from + j, true), true);
  for (; j < len; j++) out[at + j] = src[from + j]!;
  return at + len;
}
