/**
 * Region compression. Each codec has a stable numeric id that partition files
 * record, so a file can always be read whatever the storage's settings are now.
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as Lz4 from 'lz4-napi';
import type * as Zstd from 'zstd-napi';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { getU32 } from './record.ts';
import { StrataError } from '../errors.ts';

/**
 * Compression codecs and their ids in partition files: `none` (the bytes as they
 * are), `zstd` (one zstd frame), `lz4` (one lz4 block after its u32 LE size).
 */
export const Codec = { none: 0, zstd: 1, lz4: 2 } as const;
/** Name of a compression codec (the value of the `compression` setting). */
export type CodecName = keyof typeof Codec;
/** Numeric id of a compression codec as stored in files. */
export type CodecId = (typeof Codec)[CodecName];

/** Default zstd level: fast to write, a good ratio for event data. */
export const DEFAULT_ZSTD_LEVEL = 1;

const require = createRequire(import.meta.url);

/**
 * The native codecs, loaded on first use: a process that compresses nothing (the
 * console before its banner, a database without files yet) does not pay for loading
 * them.
 */
let zstdLib: typeof Zstd | undefined;
let lz4Lib: typeof Lz4 | undefined;
const zstd = (): typeof Zstd => (zstdLib ??= require('zstd-napi') as typeof Zstd);
const lz4 = (): typeof Lz4 => (lz4Lib ??= require('lz4-napi') as typeof Lz4);

const compressors = new Map<number, Zstd.Compressor>();

/**
 * zstd's native binding (`zstd-napi/binding`: a CommonJS module whose names ESM cannot
 * see), for `ZSTD_decompressDCtx` into a buffer the caller gives. Loaded on first use.
 */
let dctx: ZstdBinding.DCtx | undefined;
function decompressContext(): ZstdBinding.DCtx {
  if (dctx === undefined) {
    const binding = require('zstd-napi/binding.js') as typeof ZstdBinding;
    dctx = new binding.DCtx();
  }
  return dctx;
}

/** Returns the codec id of `name`, or throws `INVALID_INPUT` naming the choices. */
export function codecId(name: string, operation: string): CodecId {
  if (Object.hasOwn(Codec, name)) return Codec[name as CodecName];
  throw new StrataError(
    'INVALID_INPUT',
    `${operation}: unknown compression '${name}'; use one of ${Object.keys(Codec).join(', ')}`,
  );
}

/** Name of codec id `id`, or undefined when the id is unknown. */
export function codecName(id: number): CodecName | undefined {
  for (const [name, v] of Object.entries(Codec)) if (v === id) return name as CodecName;
  return undefined;
}

/**
 * Compresses `data` with codec `id` (`level` is used by zstd only). With `none` the
 * input is returned as is (not copied). The result is a new buffer otherwise.
 */
export function compress(id: number, level: number, data: Uint8Array): Uint8Array {
  if (id === Codec.none) return data;
  if (id === Codec.zstd) {
    let c = compressors.get(level);
    if (c === undefined) {
      c = new (zstd().Compressor)();
      c.setParameters({ compressionLevel: level });
      compressors.set(level, c);
    }
    return c.compress(data);
  }
  if (id === Codec.lz4) return lz4().compressSync(asBuffer(data));
  throw new StrataError('INVALID_INPUT', `compress: unknown codec id ${id}`);
}

/**
 * Decompresses `data` written by {@link compress} with codec `id`; the result must
 * be `size` bytes long.
 * @throws StrataError `CORRUPTION` when the data does not decompress to `size` bytes;
 *   the caller adds which file and region.
 */
export function decompress(id: number, data: Uint8Array, size: number): Uint8Array {
  let out: Uint8Array;
  if (id === Codec.none) {
    out = data;
  } else if (id === Codec.zstd) {
    try {
      out = zstd().decompress(data);
    } catch (cause) {
      throw new StrataError('CORRUPTION', `decompress: zstd data is damaged`, { cause });
    }
  } else if (id === Codec.lz4) {
    // the block starts with its decompressed size: check it before lz4 allocates that much
    if (data.length < 4) throw new StrataError('CORRUPTION', `decompress: lz4 block of ${data.length} bytes has no size`);
    const claimed = getU32(data, 0);
    if (claimed !== size) throw new StrataError('CORRUPTION', `decompress: lz4 block claims ${claimed} bytes, expected ${size}`);
    try {
      out = lz4().uncompressSync(data);
    } catch (cause) {
      throw new StrataError('CORRUPTION', `decompress: lz4 data is damaged`, { cause });
    }
  } else {
    throw new StrataError('CORRUPTION', `decompress: unknown codec id ${id}`);
  }
  if (out.length !== size) {
    throw new StrataError('CORRUPTION', `decompress: expected ${size} bytes, got ${out.length}`);
  }
  return out;
}

/**
 * Decompresses `data` written by {@link compress} with codec `id` into `out`, which
 * must come out filled exactly (`out.length` is the expected size). zstd decompresses
 * straight into `out` (one native call, nothing allocated); lz4-napi has no such call,
 * so lz4 decompresses into a new buffer that is then copied; `none` copies.
 * @throws StrataError `CORRUPTION` when the data does not decompress to `out.length`
 *   bytes (`out` may then hold partial output); the caller adds which file and region.
 */
export function decompressInto(id: number, data: Uint8Array, out: Uint8Array): void {
  if (id === Codec.zstd) {
    let n: number;
    try {
      n = decompressContext().decompress(out, data);
    } catch (cause) {
      throw new StrataError('CORRUPTION', `decompress: zstd data is damaged or larger than the expected ${out.length} bytes`, { cause });
    }
    if (n !== out.length) throw new StrataError('CORRUPTION', `decompress: expected ${out.length} bytes, got ${n}`);
    return;
  }
  out.set(decompress(id, data, out.length));
}

/** `data` as a Buffer over the same bytes (no copy), for APIs typed with Buffer. */
function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
