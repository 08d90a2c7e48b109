// The WAL byte layout: names, segment header, record header, damage detection.
import { describe, expect, it } from 'vitest';
import {
  RecordHeaderWriter,
  WAL_BATCH,
  WAL_RETIRED_DROP_RANGE,
  checkSegmentHeader,
  decodeRecord,
  encodeSegmentHeader,
  newRecordHeader,
  parseWalSegmentName,
  walSegmentName,
} from '../../src/wal/wal-format.ts';
import { crc32 } from '../../src/codec/crc.ts';

/** The 16-byte payload of a retired drop-range record (type 2): u64 min, u64 max. */
function dropRange(min: bigint, max: bigint): Uint8Array {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, min, true);
  v.setBigUint64(8, max, true);
  return b;
}

/** A segment image: header for lsn 1 and the records, each built by RecordHeaderWriter. */
function segment(records: { lsn: bigint; type: number; payload: Uint8Array; count: number }[], crc = true): Uint8Array {
  const parts: Uint8Array[] = [encodeSegmentHeader(1n)];
  const w = new RecordHeaderWriter();
  for (const r of records) {
    w.fill(r.lsn, r.type, r.payload, r.count, crc);
    parts.push(w.bytes.slice(), r.payload);
  }
  return new Uint8Array(Buffer.concat(parts)); // a plain Uint8Array: slice() copies
}

describe('segment names', () => {
  it('are the first lsn in 20 zero-padded digits', () => {
    expect(walSegmentName(1n)).toBe('00000000000000000001.wal');
    expect(walSegmentName(18446744073709551615n)).toBe('18446744073709551615.wal');
    expect(() => walSegmentName(-1n)).toThrow(RangeError);
    expect(() => walSegmentName(1n << 64n)).toThrow(RangeError);
  });

  it('parse back, and nothing else parses', () => {
    expect(parseWalSegmentName('00000000000000004096.wal')).toBe(4096n);
    expect(parseWalSegmentName('0000000000000004096.wal')).toBeNull();
    expect(parseWalSegmentName('00000000000000004096.wal.tmp')).toBeNull();
    expect(parseWalSegmentName('99999999999999999999.wal')).toBeNull();
    expect(parseWalSegmentName('manifest.db')).toBeNull();
  });
});

describe('segment header', () => {
  it('is magic, version 1 and the first lsn, little-endian', () => {
    expect(Array.from(encodeSegmentHeader(0x0102030405060708n))).toEqual([
      0x53, 0x54, 0x52, 0x57, 1, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1,
    ]);
  });

  it('is checked for length, magic, version and the lsn of the name', () => {
    const h = encodeSegmentHeader(7n);
    expect(checkSegmentHeader(h, 7n)).toBeNull();
    expect(checkSegmentHeader(h.subarray(0, 15), 7n)).toMatch(/short segment header \(15 of 16 bytes\)/);
    expect(checkSegmentHeader(h, 8n)).toMatch(/header first lsn 7 differs from the file name \(lsn 8\)/);
    const badMagic = h.slice();
    badMagic[3] = 0x58;
    expect(checkSegmentHeader(badMagic, 7n)).toMatch(/bad magic/);
    const v2 = h.slice();
    v2[4] = 2;
    expect(checkSegmentHeader(v2, 7n)).toMatch(/unknown segment version 2/);
  });
});

describe('record header', () => {
  it('lays out crc, length, lsn, count, type, flags, reserved', () => {
    const w = new RecordHeaderWriter();
    const p = Uint8Array.from([9, 8, 7]);
    w.fill(0x0a0b0c0d01020304n, WAL_BATCH, p, 0x11223344, true);
    const b = w.bytes;
    expect(Array.from(b.subarray(4))).toEqual([
      3, 0, 0, 0, 4, 3, 2, 1, 0x0d, 0x0c, 0x0b, 0x0a, 0x44, 0x33, 0x22, 0x11, 1, 1, 0, 0,
    ]);
    const crc = crc32(Buffer.concat([b.subarray(4), p]));
    expect(Buffer.from(b).readUInt32LE(0)).toBe(crc);
    w.fill(5n, WAL_RETIRED_DROP_RANGE, new Uint8Array(16), 0, false);
    expect(Array.from(b.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    expect(b[20]).toBe(2);
    expect(b[21]).toBe(0);
  });

  it('decodes what was encoded, crc on and off', () => {
    for (const crc of [true, false]) {
      const p = Uint8Array.from([1, 2, 3, 4, 5]);
      const seg = segment([{ lsn: 1n, type: WAL_BATCH, payload: p, count: 2 }, { lsn: 2n, type: WAL_RETIRED_DROP_RANGE, payload: dropRange(10n, 20n), count: 0 }], crc);
      const out = newRecordHeader();
      expect(decodeRecord(seg, 16, 1n, out)).toBeNull();
      expect(out).toEqual({ lsn: 1n, length: 5, count: 2, type: WAL_BATCH });
      expect(decodeRecord(seg, 16 + 24 + 5, 2n, out)).toBeNull();
      expect(out).toEqual({ lsn: 2n, length: 16, count: 0, type: WAL_RETIRED_DROP_RANGE });
      expect(seg.subarray(16 + 24 + 5 + 24)).toEqual(dropRange(10n, 20n));
    }
  });

  it('names every kind of damage', () => {
    const p = Uint8Array.from([1, 2, 3, 4, 5]);
    const seg = segment([{ lsn: 1n, type: WAL_BATCH, payload: p, count: 1 }]);
    const out = newRecordHeader();
    const damaged = (edit: (b: Uint8Array) => void, end = seg.length): string | null => {
      const b = seg.slice(0, end);
      edit(b);
      return decodeRecord(b, 16, 1n, out);
    };
    expect(damaged(() => {}, 16 + 23)).toMatch(/^short record header \(23 of 24 bytes\)$/);
    expect(damaged(() => {}, 16 + 24 + 4)).toMatch(/^record length 5 runs past the end of the file \(4 bytes left\)$/);
    expect(damaged((b) => (b[16 + 24 + 2]! ^= 1))).toMatch(/^crc mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/);
    expect(damaged((b) => (b[16 + 8]! ^= 1))).toMatch(/^crc mismatch/);
    expect(damaged((b) => (b[16 + 20] = 3))).toBe('unknown record type 3');
    expect(damaged((b) => (b[16 + 20] = 0))).toBe('unknown record type 0');
    expect(damaged((b) => (b[16 + 21] = 3))).toMatch(/unknown record flags 0x3/);
    expect(damaged((b) => (b[16 + 23] = 1))).toMatch(/reserved bits set/);
    expect(decodeRecord(seg, 16, 2n, out)).toBe('lsn 1 where 2 was expected');
    // crc off: a non-zero crc field is damage, a payload flip is not detected (by design)
    const off = segment([{ lsn: 1n, type: WAL_BATCH, payload: p, count: 1 }], false);
    const flipped = off.slice();
    flipped[40] = flipped[40]! ^ 0xff;
    expect(decodeRecord(flipped, 16, 1n, out)).toBeNull();
    const stray = off.slice();
    stray[16] = 1;
    expect(decodeRecord(stray, 16, 1n, out)).toMatch(/crc field 0x00000001 set on a record without the crc flag/);
  });

  it('still reads a retired drop range (type 2) as a record, of 16 bytes', () => {
    const seg = segment([{ lsn: 1n, type: WAL_RETIRED_DROP_RANGE, payload: new Uint8Array(8), count: 0 }]);
    expect(decodeRecord(seg, 16, 1n, newRecordHeader())).toBe('drop-range record of length 8, not 16');
  });
});
