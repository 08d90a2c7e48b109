/**
 * CRC-32 (the IEEE polynomial of zlib, gzip and PNG) of byte ranges, through
 * Node's native `zlib.crc32`.
 *
 * @module
 */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** CRC-32 of `data`, continuing from `initial` (default 0). */
export function crc32(data: Uint8Array, initial = 0): number {
  return zlibCrc32(data, initial) >>> 0;
}
