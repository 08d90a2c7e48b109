/**
 * Reads the footer of a Parquet partition file (`docs/parquet-format.md`): hyparquet
 * parses the Thrift metadata; this file checks that it is a partition Strata wrote
 * (schema, codec, Strata's metadata entry, row groups that tile the file) and turns it
 * into a {@link ParquetFooter}, whose index the partition layer reads like a Strata
 * file's region index.
 *
 * @module
 */
import { parquetMetadata } from 'hyparquet';
import { StrataError } from '../errors.ts';
import { type ParquetFooter, type ParquetIndex, META_KEY, META_VERSION, PARQUET_MAGIC, type StrataParquetMeta } from './layout.ts';

const OP = 'open partition file';

/** Bytes at the end of every Parquet file: u32 metadata length, then the magic. */
export const PARQUET_TAIL = 8;

/** Whether a file's last 4 bytes (at the end of `tail`) are Parquet's magic. */
export function isParquetTail(tail: Uint8Array): boolean {
  const n = tail.length;
  return n >= 4 && (tail[n - 4]! | (tail[n - 3]! << 8) | (tail[n - 2]! << 16) | (tail[n - 1]! << 24)) >>> 0 === PARQUET_MAGIC;
}

/**
 * Where the footer of a Parquet file of `size` bytes starts, read from `tail` (its last
 * bytes, at least {@link PARQUET_TAIL}).
 * @throws StrataError `CORRUPTION` when the length runs past the file.
 */
export function parquetFooterStart(name: string, size: number, tail: Uint8Array): number {
  const n = tail.length;
  const len = (tail[n - 8]! | (tail[n - 7]! << 8) | (tail[n - 6]! << 16) | (tail[n - 5]! << 24)) >>> 0;
  const start = size - PARQUET_TAIL - len;
  if (start < 4) throw damaged(name, `footer length ${len} runs past the start of the file (${size} bytes)`);
  return start;
}

/**
 * Parses and checks the footer of a Parquet partition file of `size` bytes from
 * `footer`, its bytes [{@link parquetFooterStart}, size).
 * @throws StrataError `CORRUPTION` naming `name` and the fault: a footer that does not
 *   parse, another schema, a codec other than zstd or none, no or a newer Strata
 *   entry, row groups that do not lie back to back between the leading magic and the
 *   footer, or whose id statistics or sizes are missing.
 */
export function readParquetFooter(name: string, size: number, footer: Uint8Array): ParquetFooter {
  let meta: ReturnType<typeof parquetMetadata>;
  try {
    meta = parquetMetadata(footer);
  } catch (e) {
    throw damaged(name, `the Parquet footer does not parse (${(e as Error).message})`, e);
  }
  const s = meta.schema;
  if (s.length !== 4 || s[1]?.name !== 'id' || s[1].type !== 'INT64' || s[2]?.name !== 'key' || s[2].type !== 'BYTE_ARRAY' || s[3]?.name !== 'value' || s[3].type !== 'BYTE_ARRAY') {
    throw damaged(name, `the Parquet schema is not a Strata partition's (id INT64, key BYTE_ARRAY, value BYTE_ARRAY)`);
  }
  const entry = meta.key_value_metadata?.find((kv) => kv.key === META_KEY)?.value;
  let strata: StrataParquetMeta;
  try {
    strata = JSON.parse(entry ?? '') as StrataParquetMeta;
  } catch (e) {
    throw damaged(name, `the footer has no valid '${META_KEY}' metadata entry: not a Strata partition file, or damaged`, e);
  }
  if (strata.version !== META_VERSION) {
    throw damaged(name, `Strata Parquet metadata version ${String(strata.version)}; this build reads ${META_VERSION}: upgrade Strata`);
  }
  const groups = meta.row_groups;
  const n = groups.length;
  if (!Array.isArray(strata.crcs) || !Array.isArray(strata.sizes) || strata.crcs.length !== n || strata.sizes.length !== n) {
    throw damaged(name, `Strata's metadata lists ${String(strata.crcs?.length)} row groups, the file has ${n}`);
  }
  let identity;
  try {
    identity = { min: BigInt(strata.min), max: BigInt(strata.max), generation: strata.generation, lsn: BigInt(strata.lsn) };
  } catch (e) {
    throw damaged(name, `Strata's metadata has a bad range or lsn`, e);
  }
  const x: ParquetIndex = {
    offsets: new Float64Array(n), sizes: new Uint32Array(n), sizesUncompressed: new Uint32Array(n),
    events: new Uint32Array(n), crcs: new Uint32Array(n),
    minHi: new Uint32Array(n), minLo: new Uint32Array(n), maxHi: new Uint32Array(n), maxLo: new Uint32Array(n),
    minKeys: new Array<Uint8Array>(n).fill(EMPTY), maxKeys: new Array<Uint8Array>(n).fill(EMPTY),
    chunks: new Uint32Array(3 * n),
  };
  const footerStart = size - footer.length;
  let pos = 4;
  let events = 0;
  let sizeUncompressed = 0;
  let compressed: boolean | null = null;
  for (let g = 0; g < n; g++) {
    const cols = groups[g]!.columns;
    if (cols.length !== 3) throw damaged(name, `row group ${g} has ${cols.length} column chunks, not 3`);
    const start = pos;
    for (let c = 0; c < 3; c++) {
      const m = cols[c]!.meta_data;
      if (m === undefined) throw damaged(name, `row group ${g} column ${c} has no metadata`);
      const zstd = m.codec === 'ZSTD';
      if (!zstd && m.codec !== 'UNCOMPRESSED') throw damaged(name, `row group ${g} uses codec ${m.codec}; Strata writes ZSTD or UNCOMPRESSED`);
      if (compressed !== null && compressed !== zstd) throw damaged(name, `row group ${g} mixes codecs`);
      compressed = zstd;
      const first = Number(m.dictionary_page_offset ?? m.data_page_offset);
      if (first !== pos) throw damaged(name, `row group ${g} column ${c} starts at ${first}, not at ${pos} where the previous chunk ends`);
      x.chunks[3 * g + c] = pos - start;
      pos += Number(m.total_compressed_size);
    }
    const rows = Number(groups[g]!.num_rows);
    const st = cols[0]!.meta_data!.statistics;
    const lo = st?.min_value;
    const hi = st?.max_value;
    if (typeof lo !== 'bigint' || typeof hi !== 'bigint') throw damaged(name, `row group ${g} has no min/max statistics of id`);
    const bytes = strata.sizes[g]!;
    if (!(rows >= 1) || !Number.isSafeInteger(bytes) || bytes < rows * 14 || pos - start > 0xffffffff) {
      throw damaged(name, `row group ${g} has ${rows} rows and ${String(bytes)} bytes of events`);
    }
    x.offsets[g] = start;
    x.sizes[g] = pos - start;
    x.sizesUncompressed[g] = bytes;
    x.events[g] = rows;
    x.crcs[g] = strata.crcs[g]! >>> 0;
    x.minHi[g] = Number(lo >> 32n);
    x.minLo[g] = Number(lo & 0xffffffffn);
    x.maxHi[g] = Number(hi >> 32n);
    x.maxLo[g] = Number(hi & 0xffffffffn);
    events += rows;
    sizeUncompressed += bytes;
  }
  if (pos !== footerStart) throw damaged(name, `the row groups end at ${pos}, the footer starts at ${footerStart}`);
  return {
    regions: n, events, sizeUncompressed, compressed: compressed ?? true,
    minHi: n === 0 ? 0 : x.minHi[0]!, minLo: n === 0 ? 0 : x.minLo[0]!,
    maxHi: n === 0 ? 0 : x.maxHi[n - 1]!, maxLo: n === 0 ? 0 : x.maxLo[n - 1]!,
    identity, index: x, footerStart,
  };
}

const EMPTY = new Uint8Array(0);

function damaged(name: string, what: string, cause?: unknown): StrataError {
  return new StrataError('CORRUPTION', `${OP}: ${name}: ${what}`, cause === undefined ? undefined : { cause });
}
