// Partition files in Parquet (docs/parquet-format.md): a property test of the writer and
// both readers (a local file, and the same bytes read as a cloud object's tail and
// regions) against the events given, and a damage test that flips bytes in every part of
// a file: each is caught as CORRUPTION (at open, or by its row group's crc32), never
// read as other events.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { PartitionFile, PartitionFileWriter, RemoteFile } from '../../src/partition/index.ts';
import { StrataError } from '../../src/errors.ts';
import { type Ev, encode, WIDE } from '../partition/records.ts';

let dir = '';
let seq = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-parquet-format-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `evs` (sorted, unique) as a Parquet file in regions of `regionSize`; returns its path. */
function write(evs: readonly Ev[], regionSize: number, codec: number = Codec.zstd): string {
  const path = join(dir, `${seq++}.part`);
  const w = new PartitionFileWriter(path, { regionSize, codec, level: 1, encryption: 0, key: null, sync: false, identity: WIDE, format: 'parquet' });
  const { buf, offs } = encode(evs);
  for (const o of offs) w.add(buf, o);
  w.finish();
  return path;
}

/** Every event of a local file, region by region. */
function readLocal(path: string): Ev[] {
  const f = PartitionFile.open(path);
  try {
    expect(f.format).toBe('parquet');
    const out: Ev[] = [];
    for (let r = 0; r < f.regions; r++) out.push(...decode(f.readRegion(r)));
    return out;
  } finally {
    f.close();
  }
}

/** Every event of the same bytes read as a cloud object: the tail, then each region's span. */
function readRemote(bytes: Buffer): Ev[] {
  const size = bytes.length;
  const tail = bytes.subarray(size - RemoteFile.tailGuess(size, 1, 'parquet'));
  const start = RemoteFile.indexStart('obj', size, tail);
  const f = RemoteFile.open('obj', size, bytes.subarray(Math.min(start, size - tail.length)), null, true);
  const out: Ev[] = [];
  for (let r = 0; r < f.regions; r++) {
    const [a, b] = f.span(r);
    out.push(...decode(f.decode(r, bytes.subarray(a, b))));
  }
  return out;
}

function decode(buf: Uint8Array): Ev[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Ev[] = [];
  for (let o = 0; o < b.length;) {
    const v = b.readUInt32LE(o + 8);
    const k = b[o + 12]!;
    out.push({ id: b.readBigUInt64LE(o), key: Uint8Array.from(b.subarray(o + 14, o + 14 + k)), value: Uint8Array.from(b.subarray(o + 14 + k, o + 14 + k + v)) });
    o += 14 + k + v;
  }
  return out;
}

const event = fc.record({
  id: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  key: fc.uint8Array({ maxLength: 12 }),
  value: fc.uint8Array({ maxLength: 300 }),
});

test('property: what the Parquet writer takes, both readers give back, region by region', () => {
  fc.assert(
    fc.property(fc.array(event, { maxLength: 300 }), fc.integer({ min: 64, max: 4096 }), fc.boolean(), (raw, regionSize, zstd) => {
      const seen = new Set<string>();
      const evs = raw
        .filter((e) => {
          const k = `${e.id}/${Buffer.from(e.key).toString('hex')}`;
          return seen.has(k) ? false : (seen.add(k), true);
        })
        .sort((a, b) => (a.id !== b.id ? (a.id < b.id ? -1 : 1) : Buffer.compare(a.key, b.key)));
      const path = write(evs, regionSize, zstd ? Codec.zstd : Codec.none);
      expect(readLocal(path)).toEqual(evs);
      expect(readRemote(readFileSync(path))).toEqual(evs);
      const f = PartitionFile.open(path);
      expect(f.events).toBe(evs.length);
      if (evs.length > 0) {
        // seeking by id finds the region of the first event at or after it
        const mid = evs[evs.length >> 1]!.id;
        const r = f.seek(Number(mid >> 32n), Number(mid & 0xffffffffn));
        expect(decode(f.readRegion(r)).some((e) => e.id === mid)).toBe(true);
      }
      f.close();
    }),
    { numRuns: 60 },
  );
});

/** The events of the damage test: 60 of them, in regions of about 400 bytes. */
const EVENTS: Ev[] = Array.from({ length: 60 }, (_, i) => ({ id: 2n ** 63n + BigInt(i), key: Uint8Array.from(Buffer.from(`k${i % 4}`)), value: new Uint8Array(30 + (i % 9)).fill(i) }));

test('damage: every byte flipped is caught as CORRUPTION at open or by its row group, or reads the same events', () => {
  const path = write(EVENTS, 400);
  const bytes = readFileSync(path);
  let atOpen = 0;
  let inRegion = 0;
  let harmless = 0;
  const footerStart = bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8);
  for (let at = 0; at < bytes.length; at++) {
    const bad = Buffer.from(bytes);
    bad[at]! ^= 0x41;
    const p = join(dir, `${seq++}.bad`);
    writeFileSync(p, bad);
    let f: PartitionFile;
    try {
      f = PartitionFile.open(p);
    } catch (e) {
      expect(e, `byte ${at}`).toBeInstanceOf(StrataError);
      expect((e as StrataError).code, `byte ${at}: ${(e as Error).message}`).toBe('CORRUPTION');
      atOpen++;
      continue;
    }
    try {
      const got: Ev[] = [];
      let failed = false;
      for (let r = 0; r < f.regions; r++) {
        try {
          got.push(...decode(f.readRegion(r)));
        } catch (e) {
          expect((e as StrataError).code, `byte ${at}: ${(e as Error).message}`).toBe('CORRUPTION');
          expect((e as Error).message).toMatch(/row group \d+/);
          failed = true;
        }
      }
      // a flip in a row group is seen by its crc32; one the footer's checks let through
      // lies in a field no reader of events uses (created_by, a column's total sizes): the
      // events read are exactly those written
      if (failed) inRegion++;
      else {
        expect(at, `byte ${at} inside a row group was not caught`).toBeGreaterThanOrEqual(footerStart);
        expect(got, `byte ${at} was read as other events`).toEqual(EVENTS);
        harmless++;
      }
    } finally {
      f.close();
    }
  }
  expect(atOpen).toBeGreaterThan(0);
  expect(inRegion).toBe(footerStart - 4);
  expect(harmless).toBeLessThan((bytes.length - footerStart) / 2);
});

test('damage: a truncated file, a footer length past the start, and a file that is not Strata\'s are refused', () => {
  const bytes = readFileSync(write(EVENTS, 400));
  for (const cut of [1, 8, 100, bytes.length - 12]) {
    const p = join(dir, `${seq++}.bad`);
    writeFileSync(p, bytes.subarray(0, bytes.length - cut));
    expect(() => PartitionFile.open(p)).toThrow(StrataError);
  }
  const long = Buffer.from(bytes);
  long.writeUInt32LE(bytes.length, bytes.length - 8);
  const p = join(dir, `${seq++}.bad`);
  writeFileSync(p, long);
  expect(() => PartitionFile.open(p)).toThrow(/footer length/);
});
