/**
 * Decodes one row group of a Parquet partition file into Strata's record layout, the
 * bytes every reader of the partition layer walks (`codec/record.ts`). The page
 * headers are parsed with hyparquet; the pages Strata writes (data page v2, PLAIN,
 * required columns, zstd or none) are decoded here straight into the output, with no
 * object per event.
 *
 * @module
 */
import { parquetHeader } from 'hyparquet/src/column.js';
import { Codec, decompressInto, RECORD_HEADER } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import type { ParquetIndex } from './layout.ts';

const OP = 'read region';
/** The record header's size, as a constant of this module: the loop below reads it per row. */
const HEADER = RECORD_HEADER;

/**
 * Reused page buffers of the `id` and `key` columns, and DataViews of them (decoding
 * is synchronous: one row group at a time per thread).
 */
const scratch: Buffer[] = [Buffer.allocUnsafeSlow(1 << 16), Buffer.allocUnsafeSlow(1 << 16)];
const views: DataView[] = scratch.map((b) => new DataView(b.buffer, b.byteOffset, b.byteLength));

/**
 * Decodes row group `g` from its `stored` bytes (as `index.offsets`/`sizes` locate
 * them) into `out` when given (exactly `index.sizesUncompressed[g]` bytes), else into
 * a new buffer; returns the records. With `verifyCrc`, the bytes are first checked
 * against the crc32 Strata recorded.
 * @throws StrataError `CORRUPTION` naming `name`, the row group and the fault: a crc
 *   mismatch, a page header that does not parse, a page Strata does not write (another
 *   page type or encoding, levels), data that does not decompress to its size, or
 *   values that do not fill the records.
 */
export function decodeRowGroup(
  name: string, index: ParquetIndex, g: number, stored: Uint8Array, compressed: boolean, verifyCrc: boolean,
  crc: (b: Uint8Array) => number, out?: Uint8Array,
): Uint8Array {
  const fail = (what: string, cause?: unknown): StrataError =>
    new StrataError('CORRUPTION', `${OP}: ${name}: row group ${g}: ${what}`, cause === undefined ? undefined : { cause });
  if (verifyCrc) {
    const c = crc(stored);
    if (c !== index.crcs[g]) throw fail(`crc mismatch (stored ${hex(index.crcs[g]!)}, computed ${hex(c)})`);
  }
  const rows = index.events[g]!;
  const size = index.sizesUncompressed[g]!;
  const at = index.chunks;
  const dst = out ?? Buffer.allocUnsafe(size);
  if (dst.length !== size) throw new StrataError('INTERNAL', `${OP}: ${name}: row group ${g}: output of ${dst.length} bytes for ${size}`);
  const o = dst instanceof Buffer ? dst : Buffer.from(dst.buffer, dst.byteOffset, dst.byteLength);
  const idLen = readChunk(stored, at[3 * g]!, at[3 * g + 1]!, rows, compressed, 0, fail, null, 0);
  const keyLen = readChunk(stored, at[3 * g + 1]!, at[3 * g + 2]!, rows, compressed, 1, fail, null, 0);
  // PLAIN: 8 bytes per id; a u32 length before each key and value
  if (idLen !== 8 * rows) throw fail(`the id column holds ${idLen} bytes for ${rows} rows`);
  const valueLen = size - HEADER * rows - (keyLen - 4 * rows) + 4 * rows;
  if (!(valueLen >= 4 * rows && valueLen <= size)) throw fail(`the key column holds ${keyLen} bytes: too many for ${size} bytes of events`);
  // the values go to the end of the output, then each moves forward into its record:
  // a record's value never starts after where its page copy starts (the headers and
  // keys before it are no longer than the length prefixes and the room left before the
  // page), and the length is read before the header that may cover it is written
  const base = size - valueLen;
  if (readChunk(stored, at[3 * g + 2]!, stored.length, rows, compressed, 2, fail, o, base) !== valueLen) {
    throw fail(`the key and value columns do not make ${size} bytes of events`);
  }
  const ids = views[0]!;
  const keys = scratch[1]!;
  const kv = views[1]!;
  const ov = new DataView(o.buffer, o.byteOffset, o.byteLength);
  let p = 0;
  let kp = 0;
  let vp = base;
  for (let r = 0; r < rows; r++) {
    const k = kv.getUint32(kp, true);
    const v = ov.getUint32(vp, true);
    if (k > 255 || p + HEADER + k + v > size || kp + 4 + k > keyLen || vp + 4 + v > size) {
      throw fail(`row ${r}: a key of ${k} bytes or a value of ${v} bytes runs past the row group`);
    }
    ov.setUint32(p, ids.getUint32(8 * r, true), true);
    ov.setUint32(p + 4, ids.getUint32(8 * r + 4, true), true);
    ov.setUint32(p + 8, v, true);
    o[p + 12] = k;
    o[p + 13] = 0;
    p += HEADER;
    for (let i = 0; i < k; i++) o[p + i] = keys[kp + 4 + i]!;
    p += k;
    kp += 4 + k;
    o.copyWithin(p, vp + 4, vp + 4 + v);
    p += v;
    vp += 4 + v;
  }
  if (p !== size) throw fail(`the records fill ${p} of ${size} bytes`);
  return o;
}

/**
 * Reads the pages of the column chunk at [start, end) of `stored`, decompressed, into
 * the column's scratch buffer, or with `into` into it from offset `from` (the pages
 * must fit); returns the bytes of values it holds.
 */
function readChunk(
  stored: Uint8Array, start: number, end: number, rows: number, compressed: boolean, c: number,
  fail: (what: string, cause?: unknown) => StrataError, into: Buffer | null, from: number,
): number {
  const view = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  const reader = { view, offset: start };
  let values = 0;
  let len = 0;
  while (values < rows) {
    if (reader.offset >= end) throw fail(`column ${c} ends after ${values} of ${rows} values`);
    let h: ReturnType<typeof parquetHeader>;
    try {
      h = parquetHeader(reader);
    } catch (e) {
      throw fail(`column ${c}: a page header does not parse`, e);
    }
    const v2 = h.data_page_header_v2;
    const body = reader.offset;
    const stop = body + h.compressed_page_size;
    if (h.type !== 'DATA_PAGE_V2' || v2 === undefined || v2.encoding !== 'PLAIN' || v2.num_nulls !== 0 ||
      v2.definition_levels_byte_length !== 0 || v2.repetition_levels_byte_length !== 0 || stop > end || !(v2.num_values > 0)) {
      throw fail(`column ${c}: a page Strata does not write (${h.type}, ${v2?.encoding}) or a damaged page header`);
    }
    const n = h.uncompressed_page_size;
    if (into !== null && from + len + n > into.length) throw fail(`column ${c}: pages of more than ${into.length - from} bytes`);
    const buf = into === null ? room(c, len + n) : into;
    const pos = into === null ? len : from + len;
    const data = stored.subarray(body, stop);
    if (compressed && v2.is_compressed) {
      try {
        decompressInto(Codec.zstd, data, buf.subarray(pos, pos + n));
      } catch (e) {
        throw fail(`column ${c}: ${(e as Error).message}`, e);
      }
    } else {
      if (data.length !== n) throw fail(`column ${c}: an uncompressed page of ${data.length} bytes claims ${n}`);
      buf.set(data, pos);
    }
    len += n;
    values += v2.num_values;
    reader.offset = stop;
  }
  if (values !== rows || reader.offset !== end) throw fail(`column ${c} holds ${values} values in ${reader.offset - start} of ${end - start} bytes; ${rows} rows`);
  return len;
}

/** The scratch buffer of column `c`, at least `n` bytes (its contents kept). */
function room(c: number, n: number): Buffer {
  let b = scratch[c]!;
  if (b.length < n) {
    const bigger = Buffer.allocUnsafeSlow(Math.max(n, 2 * b.length));
    b.copy(bigger);
    scratch[c] = b = bigger;
    views[c] = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  return b;
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}
