/**
 * The footer of a partition file, in both versions this build reads: version 1 (68
 * bytes, the events' totals) and version 2 (112 bytes: also the partition's range,
 * the file's generation and the WAL lsn it covers, so that a file says which
 * partition it is). Writers write version 2 only. The byte layouts are in
 * `docs/partition-format.md`; a change here changes that page.
 *
 * Every version ends with `u32 footer crc32 | u32 version | "STRP"`, so a reader
 * learns the version, and with it the footer's size, from the file's last 8 bytes.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import { codecName, crc32, encryptionName, getU32, idHi, idJoin, idLo, MAX_ID, putU32 } from '../codec/index.ts';
import { corruption, getU64, HEADER_SIZE, hex32, MAGIC, putU64 } from './file-format.ts';
import type { ParquetFooter } from '../parquet/index.ts';

/** Size of a version-1 footer, in bytes. */
export const FOOTER_SIZE_V1 = 68;
/** Size of a version-2 footer (the one writers write), in bytes. */
export const FOOTER_SIZE = 112;
/** The largest footer of any version this build reads: what a reader fetches first. */
export const MAX_FOOTER_SIZE = FOOTER_SIZE;
/** The smallest file of any version: a header and a version-1 footer. */
export const MIN_FILE_SIZE = HEADER_SIZE + FOOTER_SIZE_V1;
/** The version writers write. */
export const VERSION = 2;

const OP = 'open partition file';
const MAX_GENERATION = BigInt(Number.MAX_SAFE_INTEGER);

/** Size in bytes of the footer of `version`, or undefined for a version this build does not read. */
export function footerSize(version: number): number | undefined {
  return version === 1 ? FOOTER_SIZE_V1 : version === 2 ? FOOTER_SIZE : undefined;
}

/**
 * Which partition a file is: what a version-2 footer records beyond the events, so
 * that a lost manifest can be rebuilt from the files (`strata repair`). Plain data
 * (bigints included): it crosses the structured clone to a worker thread.
 */
export interface FileIdentity {
  /** Lowest id of the partition's range `[min, max]` (may be below the file's first event). */
  readonly min: bigint;
  /** Highest id of the range (may be above the file's last event); `min <= max`. */
  readonly max: bigint;
  /** The file's generation: the number in its name `<min>.<generation>.part`, >= 1. */
  readonly generation: number;
  /** The highest WAL lsn whose events the file holds (the manifest row's `lsn`); 0 if none. */
  readonly lsn: bigint;
}

/** The fields of a footer. Ids are u32 halves; when `events` is 0 they are all 0. */
export interface Footer {
  /**
   * The file's format: Strata's own (`docs/partition-format.md`), or Parquet
   * (`docs/parquet-format.md`), told apart by the file's last 4 bytes.
   */
  readonly format: FileFormat;
  /** The format version: 1 or 2 (a Parquet file: 2, as it records its identity too). */
  readonly version: number;
  readonly indexOffset: number;
  readonly indexSize: number;
  readonly indexCrc: number;
  readonly regions: number;
  readonly events: number;
  readonly minHi: number;
  readonly minLo: number;
  readonly maxHi: number;
  readonly maxLo: number;
  readonly sizeUncompressed: number;
  readonly codec: number;
  readonly encryption: number;
  /** What partition the file is; null in a version-1 footer, which does not record it. */
  readonly identity: FileIdentity | null;
  /** A Parquet file's parsed footer, with its row groups (the regions); absent for a Strata file. */
  readonly parquet?: ParquetFooter;
}

/** The formats of a partition file: the storage option `format`. */
export type FileFormat = 'strata' | 'parquet';

/**
 * Checks `identity` as a writer takes it: `min` and `max` in 0..2^64-1 with
 * `min <= max`, `generation` an integer in 1..2^53-1, `lsn` in 0..2^64-1.
 * @throws StrataError `INVALID_INPUT` starting with `operation`, naming the field.
 */
export function checkIdentity(identity: FileIdentity, operation: string): void {
  // a caller from plain JavaScript may pass nothing: say so rather than fail with a TypeError
  const { min, max, generation, lsn }: Partial<FileIdentity> = identity ?? {};
  const u64 = (v: unknown): boolean => typeof v === 'bigint' && v >= 0n && v <= MAX_ID;
  const bad = (what: string): StrataError => new StrataError('INVALID_INPUT', `${operation}: ${what}`);
  if (!u64(min) || !u64(max)) throw bad(`partition range [${String(min)}, ${String(max)}] is not two ids in 0..2^64-1`);
  if (min! > max!) throw bad(`partition range min ${min} is greater than max ${max}`);
  if (!Number.isSafeInteger(generation) || generation! < 1) throw bad(`generation ${String(generation)} is outside 1..2^53-1`);
  if (!u64(lsn)) throw bad(`lsn ${String(lsn)} is outside 0..2^64-1`);
}

/** Writes the u64 `v` (a bigint in 0..2^64-1) little-endian at `off`. */
function putBig(b: Uint8Array, off: number, v: bigint): void {
  putU32(b, off, idLo(v));
  putU32(b, off + 4, idHi(v));
}

/** Reads a u64 little-endian at `off` as a bigint. */
function getBig(b: Uint8Array, off: number): bigint {
  return idJoin(getU32(b, off + 4), getU32(b, off));
}

/**
 * Writes the FOOTER_SIZE bytes of a version-2 footer of `f` at `off` in `b`, with its
 * crc, version and magic. REQUIRES: `f.identity` passed {@link checkIdentity}.
 */
export function encodeFooter(b: Uint8Array, off: number, f: Omit<Footer, 'format' | 'version' | 'identity'> & { identity: FileIdentity }): void {
  const id = f.identity;
  b.fill(0, off, off + FOOTER_SIZE);
  putU64(b, off, f.indexOffset);
  putU32(b, off + 8, f.indexSize);
  putU32(b, off + 12, f.indexCrc);
  putU64(b, off + 16, f.events);
  putU32(b, off + 24, f.minLo);
  putU32(b, off + 28, f.minHi);
  putU32(b, off + 32, f.maxLo);
  putU32(b, off + 36, f.maxHi);
  putU64(b, off + 40, f.sizeUncompressed);
  putBig(b, off + 48, id.min);
  putBig(b, off + 56, id.max);
  putU64(b, off + 64, id.generation);
  putBig(b, off + 72, id.lsn);
  putU32(b, off + 80, f.regions);
  b[off + 84] = f.codec;
  b[off + 85] = f.encryption;
  // bytes 86..99 are reserved (zero) for a next version
  putU32(b, off + 100, crc32(b.subarray(off, off + 100)));
  putU32(b, off + 104, VERSION);
  putU32(b, off + 108, MAGIC);
}

/**
 * Decodes the footer at the end of `tail`, the last bytes of a file of `size` bytes
 * (at least `min(size, MAX_FOOTER_SIZE)` of them). Checks, in order: the file is not
 * shorter than the smallest file, magic, version, the file is not shorter than a
 * header and a footer of that version, footer crc, reserved bytes, encryption, codec;
 * in version 2 then the range (`min <= max`), the generation (1..2^53-1) and the
 * events' first and last ids (inside the range, when there are events). Offsets are
 * checked by the caller.
 * @throws StrataError `CORRUPTION` naming `path` and the fault (the field, for a
 *   version-2 identity); `INTERNAL` if `tail` is shorter than required.
 */
export function decodeFooter(tail: Uint8Array, size: number, path: string): Footer {
  if (size < MIN_FILE_SIZE) {
    throw corruption(OP, path, `truncated: ${size} bytes, shorter than header and version-1 footer (${MIN_FILE_SIZE})`);
  }
  if (tail.length < Math.min(size, MAX_FOOTER_SIZE)) {
    throw new StrataError('INTERNAL', `${OP}: ${path}: ${tail.length} bytes given for the footer, ${Math.min(size, MAX_FOOTER_SIZE)} needed`);
  }
  const end = tail.length;
  const magic = getU32(tail, end - 4);
  if (magic !== MAGIC) throw corruption(OP, path, `bad footer magic ${hex32(magic)}; truncated or not a partition file`);
  const version = getU32(tail, end - 8);
  const n = footerSize(version);
  if (n === undefined) throw corruption(OP, path, `unknown footer version ${version} (this build reads 1 and 2)`);
  if (size < HEADER_SIZE + n) {
    throw corruption(OP, path, `truncated: ${size} bytes, shorter than header and version-${version} footer (${HEADER_SIZE + n})`);
  }
  const b = tail.subarray(end - n);
  return version === 1 ? decodeV1(b, path) : decodeV2(b, path);
}

/** Checks the crc of the footer `b` whose crc is at `at` and covers bytes [0, at). */
function checkCrc(b: Uint8Array, at: number, path: string): void {
  const stored = getU32(b, at);
  const computed = crc32(b.subarray(0, at));
  if (stored !== computed) throw corruption(OP, path, `footer crc mismatch (stored ${hex32(stored)}, computed ${hex32(computed)})`);
}

/** Checks the codec and encryption ids. */
function checkCodes(codec: number, encryption: number, path: string): void {
  if (encryptionName(encryption) === undefined) throw corruption(OP, path, `unknown encryption id ${encryption}`);
  if (codecName(codec) === undefined) throw corruption(OP, path, `unknown compression codec id ${codec}`);
}

/** Decodes the 68 bytes of a version-1 footer. */
function decodeV1(b: Uint8Array, path: string): Footer {
  checkCrc(b, 56, path);
  if (b[54] !== 0 || b[55] !== 0) throw corruption(OP, path, 'non-zero footer reserved field');
  checkCodes(b[52]!, b[53]!, path);
  return {
    format: 'strata',
    version: 1,
    indexOffset: getU64(b, 0),
    indexSize: getU32(b, 8),
    indexCrc: getU32(b, 12),
    regions: getU32(b, 16),
    events: getU64(b, 20),
    minLo: getU32(b, 28),
    minHi: getU32(b, 32),
    maxLo: getU32(b, 36),
    maxHi: getU32(b, 40),
    sizeUncompressed: getU64(b, 44),
    codec: b[52]!,
    encryption: b[53]!,
    identity: null,
  };
}

/**
 * Checks what a footer records of its partition: `min <= max`, a generation in
 * 1..2^53-1, and (when it holds events) its first and last id inside the range.
 * @throws StrataError `CORRUPTION` naming `path` and the fault.
 */
export function checkRecorded(
  path: string, min: bigint, max: bigint, generation: bigint, events: number, minHi: number, minLo: number, maxHi: number, maxLo: number,
): void {
  if (min > max) throw corruption(OP, path, `footer range min ${min} is greater than range max ${max}`);
  if (generation < 1n || generation > MAX_GENERATION) throw corruption(OP, path, `footer generation ${generation} is outside 1..2^53-1`);
  if (events > 0) {
    // the events are sorted: the first and the last inside the range puts them all there
    const first = idJoin(minHi, minLo);
    const last = idJoin(maxHi, maxLo);
    if (first < min || first > max) throw corruption(OP, path, `footer min id ${first} lies outside the range [${min}, ${max}]`);
    if (last < min || last > max) throw corruption(OP, path, `footer max id ${last} lies outside the range [${min}, ${max}]`);
  }
}

/** Decodes the 112 bytes of a version-2 footer. */
function decodeV2(b: Uint8Array, path: string): Footer {
  checkCrc(b, 100, path);
  for (let i = 86; i < 100; i++) if (b[i] !== 0) throw corruption(OP, path, 'non-zero footer reserved field');
  checkCodes(b[84]!, b[85]!, path);
  const min = getBig(b, 48);
  const max = getBig(b, 56);
  const generation = getBig(b, 64);
  const events = getU64(b, 16);
  const [minLo, minHi, maxLo, maxHi] = [getU32(b, 24), getU32(b, 28), getU32(b, 32), getU32(b, 36)];
  checkRecorded(path, min, max, generation, events, minHi, minLo, maxHi, maxLo);
  return {
    format: 'strata',
    version: 2,
    indexOffset: getU64(b, 0),
    indexSize: getU32(b, 8),
    indexCrc: getU32(b, 12),
    regions: getU32(b, 80),
    events,
    minHi,
    minLo,
    maxHi,
    maxLo,
    sizeUncompressed: getU64(b, 40),
    codec: b[84]!,
    encryption: b[85]!,
    identity: { min, max, generation: Number(generation), lsn: getBig(b, 72) },
  };
}
