// Region compression: every codec round-trips any bytes; damaged input fails with
// CORRUPTION, never with a crash or a result of the wrong size.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Codec, codecId, codecName, compress, decompress, decompressInto } from '../../src/codec/compression.ts';
import { error } from '../expect-error.ts';

const CODECS = [Codec.none, Codec.zstd, Codec.lz4] as const;


describe('codec ids', () => {
  it('maps names and ids both ways; an unknown name is INVALID_INPUT naming the choices', () => {
    expect(Codec).toEqual({ none: 0, zstd: 1, lz4: 2 });
    expect(CODECS.map((c) => codecName(c))).toEqual(['none', 'zstd', 'lz4']);
    expect(codecId('lz4', 'x')).toBe(2);
    expect(codecName(3)).toBeUndefined();
    expect(error(() => codecId('snappy', 'alter storage'))).toMatchObject({
      code: 'INVALID_INPUT', message: "alter storage: unknown compression 'snappy'; use one of none, zstd, lz4",
    });
  });
});

describe('compress / decompress', () => {
  it('round-trips any bytes with every codec, from views with an offset too', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 4000 }), fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff))),
        fc.constantFrom(...CODECS),
        fc.nat({ max: 9 }),
        (data, codec, pad) => {
          const host = new Uint8Array(pad + data.length);
          host.set(data, pad);
          const stored = compress(codec, 3, host.subarray(pad));
          expect(Buffer.from(decompress(codec, stored, data.length)).equals(data)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lz4 stores a block after its u32 LE size, and compresses repetitive data', () => {
    const data = new Uint8Array(100_000).map((_, i) => i % 64);
    const stored = Buffer.from(compress(Codec.lz4, 1, data));
    expect(stored.readUInt32LE(0)).toBe(data.length);
    expect(stored.length).toBeLessThan(data.length / 10);
  });

  it('fails with CORRUPTION on damaged lz4 and zstd data, and on a wrong size', () => {
    const data = new Uint8Array(5000).map((_, i) => (i * 13) % 97);
    const lz4 = Buffer.from(compress(Codec.lz4, 1, data));
    const garbage = Buffer.from(lz4);
    garbage.fill(0xff, 4);
    expect(error(() => decompress(Codec.lz4, garbage, data.length))).toMatchObject({ code: 'CORRUPTION', message: 'decompress: lz4 data is damaged' });
    expect(error(() => decompress(Codec.lz4, lz4, data.length + 1))).toMatchObject({
      code: 'CORRUPTION', message: `decompress: lz4 block claims ${data.length} bytes, expected ${data.length + 1}`,
    });
    expect(error(() => decompress(Codec.lz4, lz4.subarray(0, 3), 3)).message).toBe('decompress: lz4 block of 3 bytes has no size');
    expect(error(() => decompress(Codec.lz4, lz4.subarray(0, lz4.length - 5), data.length)).code).toBe('CORRUPTION');
    // a truncated block may still decode to a shorter output: the size check catches it
    for (let n = 4; n < lz4.length; n += 7) expect(error(() => decompress(Codec.lz4, lz4.subarray(0, n), data.length)).code).toBe('CORRUPTION');
    const zstd = Buffer.from(compress(Codec.zstd, 1, data));
    expect(error(() => decompress(Codec.zstd, zstd.subarray(0, zstd.length - 3), data.length)).code).toBe('CORRUPTION');
    expect(error(() => decompress(Codec.zstd, zstd, data.length - 1)).message).toBe(`decompress: expected ${data.length - 1} bytes, got ${data.length}`);
    expect(error(() => decompress(9, zstd, 1)).message).toBe('decompress: unknown codec id 9');
  });
});

describe('decompressInto', () => {
  it('fills the given buffer with what decompress returns, with every codec, into views with an offset too', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 4000 }), fc.integer({ min: 0, max: 70_000 }).map((n) => new Uint8Array(n).fill(n & 0xff))),
        fc.constantFrom(...CODECS),
        fc.nat({ max: 9 }),
        (data, codec, pad) => {
          const stored = compress(codec, 1, data);
          const host = new Uint8Array(pad + data.length + 3).fill(0xee);
          decompressInto(codec, stored, host.subarray(pad, pad + data.length));
          expect(Buffer.from(host.subarray(pad, pad + data.length)).equals(data)).toBe(true);
          // nothing written outside the view
          expect(host.subarray(0, pad).every((b) => b === 0xee)).toBe(true);
          expect(host.subarray(pad + data.length).every((b) => b === 0xee)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fails with CORRUPTION on damaged data and on a buffer of the wrong size', () => {
    const data = new Uint8Array(5000).map((_, i) => (i * 13) % 97);
    const zstd = Buffer.from(compress(Codec.zstd, 1, data));
    expect(error(() => decompressInto(Codec.zstd, zstd.subarray(0, zstd.length - 3), new Uint8Array(data.length))).code).toBe('CORRUPTION');
    expect(error(() => decompressInto(Codec.zstd, zstd, new Uint8Array(data.length - 1)))).toMatchObject({
      code: 'CORRUPTION', message: `decompress: zstd data is damaged or larger than the expected ${data.length - 1} bytes`,
    });
    expect(error(() => decompressInto(Codec.zstd, zstd, new Uint8Array(data.length + 1))).message).toBe(`decompress: expected ${data.length + 1} bytes, got ${data.length}`);
    const garbage = Buffer.from(zstd).fill(0x5a, 4);
    expect(error(() => decompressInto(Codec.zstd, garbage, new Uint8Array(data.length))).code).toBe('CORRUPTION');
    const lz4 = Buffer.from(compress(Codec.lz4, 1, data));
    expect(error(() => decompressInto(Codec.lz4, lz4, new Uint8Array(data.length + 1))).code).toBe('CORRUPTION');
    expect(error(() => decompressInto(Codec.none, data, new Uint8Array(data.length + 1))).code).toBe('CORRUPTION');
  });
});
