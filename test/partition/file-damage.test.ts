// Partition file format with damaged input: every flipped byte is caught (at open,
// or by the crc of its region, encrypted or not), truncated tails, lengths and offsets
// that run past the end, unknown versions and bad magics, regions that pass their crc
// but do not decompress or decrypt. Offsets follow docs/partition-format.md.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { crc32 } from '../../src/codec/crc.ts';
import { Encryption, decryptRegion, encryptRegion, generateKey } from '../../src/codec/encryption.ts';
import { INDEX_AAD } from '../../src/partition/file-format.ts';
import { PartitionFileWriter } from '../../src/partition/file-writer.ts';
import { PartitionFile } from '../../src/partition/file-reader.ts';
import { error } from '../expect-error.ts';
import { WIDE } from './records.ts';

/** Version-2 footer size; field offsets inside it follow docs/partition-format.md. */
const FOOTER = 112;

let dir = '';
let seq = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-damage-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const KEY = generateKey();

/**
 * Writes `n` events (ids 0, 1, 2...; key "k<i>"; 40-byte values) in regions of ~200
 * bytes; encrypted with KEY when `key` is given.
 */
function good(codec: number, n = 20, key: Uint8Array | null = null): { path: string; bytes: Buffer } {
  const path = join(dir, `${seq++}.part`);
  const encryption = key === null ? Encryption.none : Encryption.aes;
  const w = new PartitionFileWriter(path, { regionSize: 200, codec, level: 1, encryption, key, sync: false, identity: WIDE });
  const rec = Buffer.alloc(14 + 8 + 40);
  for (let i = 0; i < n; i++) {
    const key = Buffer.from(`k${i}`);
    rec.writeBigUInt64LE(BigInt(i), 0);
    rec.writeUInt32LE(40, 8);
    rec[12] = key.length;
    rec.set(key, 14);
    rec.fill(i, 14 + key.length, 14 + key.length + 40);
    w.add(rec, 0);
  }
  w.finish();
  return { path, bytes: readFileSync(path) };
}

/** Writes `bytes` to a new file and returns its path. */
function damaged(bytes: Uint8Array): string {
  const path = join(dir, `${seq++}.bad`);
  writeFileSync(path, bytes);
  return path;
}


/** Where the footer, the index and each region are in `b`. */
function layout(b: Buffer) {
  const footer = b.length - FOOTER;
  const indexOffset = Number(b.readBigUInt64LE(footer));
  return { footer, indexOffset, indexSize: b.readUInt32LE(footer + 8), regions: b.readUInt32LE(footer + 80) };
}

/** Recomputes the index crc and the footer crc of `b` after an edit. */
function reseal(b: Buffer): Buffer {
  const { footer, indexOffset, indexSize } = layout(b);
  b.writeUInt32LE(crc32(b.subarray(indexOffset, indexOffset + indexSize)), footer + 12);
  b.writeUInt32LE(crc32(b.subarray(footer, footer + 100)), footer + 100);
  return b;
}

/** The plain index of `b`: decrypted with `key` when the file is encrypted. */
function plainIndex(b: Buffer, key: Uint8Array | null): Buffer {
  const { indexOffset, indexSize } = layout(b);
  const stored = b.subarray(indexOffset, indexOffset + indexSize);
  return Buffer.from(key === null ? stored : decryptRegion(key, INDEX_AAD, stored));
}

/** Writes `plain` back as the index of `b` (encrypted again with `key`) and fixes the crcs. */
function putIndex(b: Buffer, key: Uint8Array | null, plain: Buffer): Buffer {
  const { indexOffset, indexSize } = layout(b);
  const stored = key === null ? plain : encryptRegion(key, INDEX_AAD, plain);
  expect(stored.length).toBe(indexSize);
  b.set(stored, indexOffset);
  return reseal(b);
}

/** The stored offset and size of region `i`, from its entry in the plain `index` (entries of 42 + 2 + 2..3 bytes). */
function region(index: Buffer, i: number): { off: number; size: number; entry: number } {
  let entry = 0;
  for (let k = 0; k < i; k++) entry += 42 + index[entry + 40]! + index[entry + 41 + index[entry + 40]!]!;
  return { off: Number(index.readBigUInt64LE(entry)), size: index.readUInt32LE(entry + 8), entry };
}

describe('damaged regions', () => {
  for (const codec of [Codec.none, Codec.zstd, Codec.lz4]) for (const key of [null, KEY]) {
    it(`codec ${codec}, ${key === null ? 'plain' : 'encrypted'}: every flipped byte of region k fails region k only, naming file, region and crcs`, () => {
      const { bytes } = good(codec, 20, key);
      const f0 = PartitionFile.open(damaged(bytes), key);
      const { offsets, sizes } = f0.index;
      const want = Array.from({ length: f0.regions }, (_, i) => Buffer.from(f0.readRegion(i)));
      expect(f0.regions).toBeGreaterThan(3);
      for (let k = 0; k < f0.regions; k++) {
        for (let at = offsets[k]!; at < offsets[k]! + sizes[k]!; at++) {
          const b = Buffer.from(bytes);
          b[at]! ^= 0x40;
          const path = damaged(b);
          const f = PartitionFile.open(path, key);
          const e = error(() => f.readRegion(k));
          expect(e.code).toBe('CORRUPTION');
          expect(e.message).toMatch(new RegExp(`^read region: ${path}: region ${k} crc mismatch \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\)$`));
          for (let i = 0; i < f.regions; i++) if (i !== k) expect(Buffer.from(f.readRegion(i)).equals(want[i]!)).toBe(true);
          f.close();
        }
      }
      f0.close();
    });
  }

  /**
   * Rewrites the stored bytes of region `i` with `edit`, then fixes its crc in the
   * index (decrypted and encrypted again with `key`: a forger needs the key) and the
   * index and footer crcs.
   */
  function forge(bytes: Buffer, i: number, edit: (stored: Buffer) => void, key: Uint8Array | null = null): Buffer {
    const b = Buffer.from(bytes);
    const index = plainIndex(b, key);
    const { off, size, entry } = region(index, i);
    edit(b.subarray(off, off + size));
    index.writeUInt32LE(crc32(b.subarray(off, off + size)), entry + 20);
    return putIndex(b, key, index);
  }

  /** Opens `b` and reads region `i`; returns the error and the path, and checks region `other` still reads. */
  function readForged(b: Buffer, i: number, other: number, key: Uint8Array | null = null): { e: { code: string; message: string }; path: string } {
    const path = damaged(b);
    const f = PartitionFile.open(path, key);
    const e = error(() => f.readRegion(i));
    expect(f.readRegion(other).length).toBeGreaterThan(0);
    f.close();
    return { e, path };
  }

  for (const codec of [Codec.zstd, Codec.lz4]) {
    it(`codec ${codec}: a region that matches its crc but does not decompress fails as CORRUPTION naming the region`, () => {
      const { e, path } = readForged(forge(good(codec).bytes, 0, (s) => s.fill(0x55)), 0, 1);
      expect(e.code).toBe('CORRUPTION');
      expect(e.message).toContain(`read region: ${path}: region 0: decompress:`);
    });
  }

  it('an lz4 block whose size prefix is right but whose body is garbage fails as CORRUPTION', () => {
    const { e, path } = readForged(forge(good(Codec.lz4).bytes, 1, (s) => s.fill(0xff, 4)), 1, 0);
    expect(e).toMatchObject({ code: 'CORRUPTION', message: `read region: ${path}: region 1: decompress: lz4 data is damaged` });
    const short = readForged(forge(good(Codec.lz4).bytes, 1, (s) => s.writeUInt32LE(7, 0)), 1, 0);
    expect(short.e.message).toMatch(/^read region: .*: region 1: decompress: lz4 block claims 7 bytes, expected \d+$/);
  });

  for (const codec of [Codec.none, Codec.lz4]) {
    it(`codec ${codec}: an encrypted region changed with its crc fixed fails authentication, naming file and region`, () => {
      const { e, path } = readForged(forge(good(codec, 20, KEY).bytes, 2, (s) => (s[s.length >> 1]! ^= 1), KEY), 2, 3, KEY);
      expect(e).toMatchObject({ code: 'CORRUPTION', message: `read region: ${path}: region 2: decrypt: authentication failed (wrong key or damaged data)` });
    });
  }

  it('encrypted regions swapped in place, crcs and all, fail authentication (the region number is authenticated)', () => {
    const { bytes } = good(Codec.none, 20, KEY);
    const b = Buffer.from(bytes);
    const index = plainIndex(b, KEY);
    const r0 = region(index, 0);
    const r1 = region(index, 1);
    expect(r0.size).toBe(r1.size);
    const first = Buffer.from(b.subarray(r0.off, r0.off + r0.size));
    b.copy(b, r0.off, r1.off, r1.off + r1.size);
    first.copy(b, r1.off);
    const crc0 = index.readUInt32LE(r0.entry + 20);
    index.writeUInt32LE(index.readUInt32LE(r1.entry + 20), r0.entry + 20);
    index.writeUInt32LE(crc0, r1.entry + 20);
    const path = damaged(putIndex(b, KEY, index));
    const f = PartitionFile.open(path, KEY);
    for (const i of [0, 1]) expect(error(() => f.readRegion(i)).message).toBe(`read region: ${path}: region ${i}: decrypt: authentication failed (wrong key or damaged data)`);
    expect(f.readRegion(2).length).toBeGreaterThan(0);
    f.close();
  });
});

describe('damaged header, index and footer', () => {
  it('every flipped byte outside the regions fails open with CORRUPTION', () => {
    const { bytes } = good(Codec.zstd, 6);
    const { indexOffset } = layout(bytes);
    for (const at of [...Array(16).keys(), ...Array.from({ length: bytes.length - indexOffset }, (_, i) => indexOffset + i)]) {
      for (const bit of [0x01, 0x80]) {
        const b = Buffer.from(bytes);
        b[at]! ^= bit;
        const path = damaged(b);
        const e = error(() => PartitionFile.open(path));
        expect([e.code, at]).toEqual(['CORRUPTION', at]);
        expect(e.message.startsWith(`open partition file: ${path}: `)).toBe(true);
      }
    }
  });

  it('every truncation of the last 64 bytes, and every shorter prefix, fails open', () => {
    const { bytes } = good(Codec.none, 4);
    for (let n = 0; n < bytes.length; n++) {
      const e = error(() => PartitionFile.open(damaged(bytes.subarray(0, n))));
      expect([e.code, n]).toEqual(['CORRUPTION', n]);
    }
    expect(error(() => PartitionFile.open(damaged(bytes.subarray(0, 83)))).message).toMatch(/truncated: 83 bytes, shorter than header and version-1 footer \(84\)$/);
    expect(error(() => PartitionFile.open(damaged(bytes.subarray(0, bytes.length - 1)))).message).toMatch(/bad footer magic/);
  });

  it('names the fault: magic, version, index crc, index offset, key lengths', () => {
    const { bytes } = good(Codec.none, 4);
    const { footer, indexOffset, regions } = layout(bytes);
    const open = (edit: (b: Buffer) => void): string => {
      const b = Buffer.from(bytes);
      edit(b);
      return error(() => PartitionFile.open(damaged(b))).message;
    };
    expect(open((b) => b.write('STRQ', footer + 108, 'latin1'))).toMatch(/bad footer magic 0x51525453; truncated or not a partition file$/);
    expect(open((b) => b.write('XTRP', 0, 'latin1'))).toMatch(/bad header magic 0x50525458; not a partition file$/);
    expect(open((b) => b.writeUInt32LE(3, footer + 104))).toMatch(/unknown footer version 3 \(this build reads 1 and 2\)$/);
    expect(open((b) => b.writeUInt32LE(7, 4))).toMatch(/header version 7 differs from footer version 2$/);
    expect(open((b) => b.writeUInt32LE(1, 4))).toMatch(/header version 1 differs from footer version 2$/);
    expect(open((b) => b.writeUInt32LE(1, 8))).toMatch(/non-zero header flags/);
    expect(open((b) => (b[footer]! ^= 1))).toMatch(/footer crc mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/);
    expect(open((b) => (b[indexOffset + 3]! ^= 1))).toMatch(/index crc mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/);
    // with the crcs recomputed, the structural checks speak
    const sealed = (edit: (b: Buffer) => void) => open((b) => reseal((edit(b), b)));
    expect(sealed((b) => b.writeBigUInt64LE(BigInt(bytes.length + 100), footer))).toMatch(
      new RegExp(`index \\(offset ${bytes.length + 100}, size \\d+\\) does not end where the footer starts \\(${footer}\\)`),
    );
    expect(sealed((b) => b.writeUInt32LE(1 << 20, footer + 8))).toMatch(/does not end where the footer starts/);
    expect(sealed((b) => b.writeBigUInt64LE(4n, footer))).toMatch(/does not end where the footer starts/);
    expect(sealed((b) => b.writeUInt32LE(regions + 1, footer + 80))).toMatch(new RegExp(`index entry ${regions} runs past the end of the index`));
    expect(sealed((b) => b.writeUInt32LE(regions - 1, footer + 80))).toMatch(new RegExp(`index has \\d+ bytes after its ${regions - 1} entries`));
    expect(sealed((b) => (b[indexOffset + 40] = 255))).toMatch(/index entry 0 min key \(length 255\) runs past the end of the index/);
    expect(sealed((b) => (b[indexOffset + 43] = 255))).toMatch(/index entry 0 max key \(length 255\) runs past the end of the index/);
    expect(sealed((b) => b.writeBigUInt64LE(17n, indexOffset))).toMatch(/region 0 offset 17 is not the end of the previous region \(16\)/);
    expect(sealed((b) => b.writeUInt32LE(99, indexOffset + 16))).toMatch(/region 0 has impossible sizes/);
    expect(sealed((b) => b.writeUInt32LE(999, footer + 16))).toMatch(/footer counts \(events 999, .*disagree with the index/);
    expect(sealed((b) => b.writeUInt32LE(9, footer + 32))).toMatch(/footer min\/max ids disagree with the index/);
    expect(sealed((b) => (b[footer + 84] = 7))).toMatch(/unknown compression codec id 7/);
    expect(sealed((b) => (b[footer + 85] = 2))).toMatch(/unknown encryption id 2/);
  });

  it('regions out of order in the index fail open', () => {
    const { bytes } = good(Codec.none, 4);
    const { indexOffset } = layout(bytes);
    const b = Buffer.from(bytes);
    // first entry: max id 4, past the min id 3 of the second region
    expect(layout(b).regions).toBe(2);
    b.writeUInt32LE(4, indexOffset + 32);
    const e = error(() => PartitionFile.open(damaged(reseal(b))));
    expect(e.message).toMatch(/region 1 does not sort after region 0/);
  });

  it('a plain file whose footer is forged to say aes: no key is INVALID_INPUT; with a key the index does not authenticate', () => {
    const { bytes } = good(Codec.none, 4);
    const b = Buffer.from(bytes);
    b[layout(b).footer + 85] = Encryption.aes;
    const path = damaged(reseal(b));
    expect(error(() => PartitionFile.open(path))).toMatchObject({
      code: 'INVALID_INPUT', message: `open partition file: ${path} is encrypted and no key was given`,
    });
    expect(error(() => PartitionFile.open(path, KEY))).toMatchObject({
      code: 'CORRUPTION', message: expect.stringMatching(/index: decrypt: authentication failed/),
    });
  });

  it('a missing file is an IO error', () => {
    expect(error(() => PartitionFile.open(join(dir, 'none.part'))).code).toBe('IO');
  });
});
