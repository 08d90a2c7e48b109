/**
 * Version-1 partition files for the tests that check this build still reads them:
 * the worked example of version 1 (docs/partition-format.md, bytes as written by the
 * version-1 writer), and a converter that turns a version-2 file into the version-1
 * file of the same regions and index. Written from the documented layouts, not from
 * the code under test.
 */
import { crc32 } from '../../src/codec/crc.ts';

/** The version-1 worked example: `(1, "a", "hi")` and `(2, "", "x")`, codec none, 159 bytes. */
export const V1_EXAMPLE = Buffer.from([
  '53545250 01000000 00000000 00000000', // header, version 1
  '0100000000000000 02000000 01 00 61 6869', // record (1, "a", "hi")
  '0200000000000000 01000000 00 00 78', // record (2, "", "x")
  '1000000000000000 20000000 20000000 02000000 1d01f57d', // index entry: offset, sizes, events, crc
  '0100000000000000 0200000000000000 01 61 00', // min id, max id, min key "a", max key ""
  '3000000000000000 2b000000 01ad5886 01000000', // footer: index offset, size, crc, regions
  '0200000000000000 0100000000000000 0200000000000000', // events, min id, max id
  '2000000000000000 00 00 0000 0c97b922 01000000 53545250', // size, codec, encryption, reserved, crc, version, magic
].join('').replaceAll(' ', ''), 'hex');

/** The records of {@link V1_EXAMPLE}'s one region. */
export const V1_EXAMPLE_RECORDS = V1_EXAMPLE.subarray(16, 48);

const V2_FOOTER = 112;
const V1_FOOTER = 68;

/**
 * The version-1 file holding the regions and index of the version-2 file `v2`: header
 * version 1, and the footer re-encoded in the 68-byte version-1 layout (the partition's
 * range, generation and lsn are dropped).
 */
export function toVersion1(v2: Uint8Array): Buffer {
  const src = Buffer.from(v2);
  const f = src.length - V2_FOOTER;
  if (src.readUInt32LE(src.length - 8) !== 2) throw new Error('toVersion1: not a version-2 file');
  const out = Buffer.alloc(f + V1_FOOTER);
  src.copy(out, 0, 0, f);
  out.writeUInt32LE(1, 4);
  const g = f; // the version-1 footer starts where the version-2 one did
  src.copy(out, g, f, f + 16); // index offset, index size, index crc
  out.writeUInt32LE(src.readUInt32LE(f + 80), g + 16); // region count
  src.copy(out, g + 20, f + 16, f + 48); // events, min id, max id, size_uncompressed
  out[g + 52] = src[f + 84]!; // codec
  out[g + 53] = src[f + 85]!; // encryption
  out.writeUInt32LE(crc32(out.subarray(g, g + 56)), g + 56);
  out.writeUInt32LE(1, g + 60);
  out.write('STRP', g + 64, 'latin1');
  return out;
}
