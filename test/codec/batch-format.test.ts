import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  BATCH_HEADER,
  BatchBuilder,
  FLAG_DELETE,
  FLAG_SERIAL,
  RECORD_HEADER,
  putU32,
  recIdHi,
  recIdLo,
  recSize,
  validateBatch,
} from '../../src/codec/index.ts';
import { StrataError } from '../../src/errors.ts';

function sample(): Uint8Array {
  return new BatchBuilder()
    .insert(1n, 'k', 'value')
    .append(undefined, 'serial')
    .delete(2n ** 64n - 1n, 'x'.repeat(255))
    .insert(0, undefined, new Uint8Array(0))
    .finish()
    .slice();
}

function expectInvalid(b: Uint8Array, pattern: RegExp): void {
  try {
    validateBatch(b);
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    expect((e as StrataError).code).toBe('INVALID_INPUT');
    expect((e as Error).message).toMatch(/^write: malformed batch: /);
    expect((e as Error).message).toMatch(pattern);
    return;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('batch format v1', () => {
  test('round trip through the builder', () => {
    const b = sample();
    expect(validateBatch(b)).toEqual({ count: 4, serials: 1 });
    const recs: { hi: number; lo: number; flags: number; key: string; value: string }[] = [];
    for (let off = BATCH_HEADER; off < b.length; off += recSize(b, off)) {
      const klen = b[off + 12]!;
      const vlen = recSize(b, off) - RECORD_HEADER - klen;
      recs.push({
        hi: recIdHi(b, off),
        lo: recIdLo(b, off),
        flags: b[off + 13]!,
        key: Buffer.from(b.subarray(off + RECORD_HEADER, off + RECORD_HEADER + klen)).toString(),
        value: Buffer.from(b.subarray(off + RECORD_HEADER + klen, off + RECORD_HEADER + klen + vlen)).toString(),
      });
    }
    expect(recs).toEqual([
      { hi: 0, lo: 1, flags: 0, key: 'k', value: 'value' },
      { hi: 0, lo: 0, flags: FLAG_SERIAL, key: '', value: 'serial' },
      { hi: 0xffffffff, lo: 0xffffffff, flags: FLAG_DELETE, key: 'x'.repeat(255), value: '' },
      { hi: 0, lo: 0, flags: 0, key: '', value: '' },
    ]);
  });

  test('the header bytes are as documented', () => {
    const b = new BatchBuilder().insert(7n, undefined, 'ab').finish();
    expect([...b.subarray(0, 16)]).toEqual([0x53, 0x54, 0x52, 0x42, 1, 0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0]);
    expect([...b.subarray(16)]).toEqual([7, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0x61, 0x62]);
  });

  test('an empty batch is valid', () => {
    expect(validateBatch(new BatchBuilder().finish())).toEqual({ count: 0, serials: 0 });
  });

  test('bad magic', () => {
    const b = sample();
    b[0] = 0x58;
    expectInvalid(b, /bad magic/);
  });

  test('unknown version', () => {
    const b = sample();
    b[4] = 2;
    expectInvalid(b, /unknown version 2/);
  });

  test('reserved header flags', () => {
    const b = sample();
    b[6] = 1;
    expectInvalid(b, /header flags/);
  });

  test('shorter than the header', () => {
    expectInvalid(sample().subarray(0, 10), /shorter than the 16-byte header/);
  });

  test('truncated tail: every cut is rejected', () => {
    const b = sample();
    for (let n = BATCH_HEADER; n < b.length; n++) {
      const cut = b.slice(0, n);
      putU32(cut, 12, n - BATCH_HEADER); // even with a consistent body length
      expectInvalid(cut, /runs past the end|trailing/);
    }
  });

  test('a value length that runs past the end', () => {
    const b = sample();
    putU32(b, BATCH_HEADER + 8, 1_000_000);
    expectInvalid(b, /record 0 at offset 16 runs past the end/);
  });

  test('body length that does not match', () => {
    const b = sample();
    putU32(b, 12, b.length);
    expectInvalid(b, /body length/);
  });

  test('trailing bytes after the records', () => {
    const b = sample();
    putU32(b, 8, 3);
    expectInvalid(b, /trailing bytes after 3 records/);
  });

  test('unknown record flags', () => {
    const b = sample();
    b[BATCH_HEADER + 13] = 0x80;
    expectInvalid(b, /unknown flags/);
  });

  test('a delete that carries a value', () => {
    const b = new BatchBuilder().insert(1n, undefined, 'v').finish().slice();
    b[BATCH_HEADER + 13] = FLAG_DELETE;
    expectInvalid(b, /delete with a 1-byte value/);
  });

  test('a serial record with an id', () => {
    const b = new BatchBuilder().insert(5n, undefined, 'v').finish().slice();
    b[BATCH_HEADER + 13] = FLAG_SERIAL;
    expectInvalid(b, /serial id but carries id 5/);
  });

  test('a serial delete (flags 0x03) is refused, as docs/batch-format.md says', () => {
    const b = new BatchBuilder().delete(0n, 'k').finish().slice();
    b[BATCH_HEADER + 13] = FLAG_DELETE | FLAG_SERIAL;
    expectInvalid(b, /record 0 is a delete with the serial flag/);
  });

  test('the builder rejects a key over 255 bytes and bad ids', () => {
    expect(() => new BatchBuilder().insert(1n, 'x'.repeat(256), '')).toThrow(/key of 256 bytes/);
    expect(() => new BatchBuilder().insert(-1, '', '')).toThrow(StrataError);
    expect(() => new BatchBuilder().insert(2 ** 60, '', '')).toThrow(/pass it as a bigint/);
    expect(() => new BatchBuilder().insert(2n ** 64n, '', '')).toThrow(/outside/);
  });

  test('property: any mutation either validates or fails with INVALID_INPUT', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(sample().length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat(64), (edits, cut) => {
        const b = sample();
        for (const [i, v] of edits) b[i] = v;
        const m = b.subarray(0, Math.max(0, b.length - cut));
        try {
          validateBatch(m);
        } catch (e) {
          expect(e).toBeInstanceOf(StrataError);
          expect((e as StrataError).code).toBe('INVALID_INPUT');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
