// Property: any sorted set of unique events, written with any region size, codec,
// encryption and identity (a range around the events, generation, lsn), through add or
// addRun, reads back byte for byte; the index and seek agree with the decoded regions;
// the identity reads back from the footer, through the reader and inspectPartitionFile
// (no key); the same file converted to version 1 reads back the same events.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { Encryption, generateKey } from '../../src/codec/encryption.ts';
import { PartitionFileWriter } from '../../src/partition/file-writer.ts';
import { PartitionFile } from '../../src/partition/file-reader.ts';
import { inspectPartitionFile } from '../../src/partition/file-inspect.ts';
import { type Ev, encode } from './records.ts';
import { toVersion1 } from './version1.ts';

const MAX = (1n << 64n) - 1n;
const idArb = fc.oneof(fc.bigInt({ min: 0n, max: 5n }), fc.bigInt({ min: 0n, max: MAX }), fc.constant(MAX));
const keyArb = fc.oneof(fc.uint8Array({ maxLength: 3 }), fc.uint8Array({ minLength: 250, maxLength: 255 }));
const evArb = fc.record({ id: idArb, key: keyArb, value: fc.uint8Array({ maxLength: 600 }) });
const setArb = fc.uniqueArray(evArb, {
  maxLength: 120,
  selector: (e) => `${e.id}/${Buffer.from(e.key).toString('hex')}`,
});

/** How far the range reaches below the first and above the last event, and the generation and lsn. */
const widthArb = fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 1000n }), fc.constant(MAX));
const identityArb = fc.record({
  below: widthArb,
  above: widthArb,
  generation: fc.oneof(fc.integer({ min: 1, max: 10 }), fc.constant(Number.MAX_SAFE_INTEGER)),
  lsn: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: MAX })),
});

const cmp = (a: Ev, b: Ev): number => (a.id === b.id ? Buffer.compare(a.key, b.key) : a.id < b.id ? -1 : 1);

let dir = '';
let seq = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-prop-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('random sorted unique event sets round-trip exactly', () => {
  fc.assert(
    fc.property(
      setArb,
      fc.integer({ min: 1, max: 3000 }),
      fc.constantFrom(Codec.none, Codec.zstd, Codec.lz4),
      fc.constantFrom(Encryption.none, Encryption.aes),
      fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 8 }),
      identityArb,
      (set, regionSize, codec, encryption, runs, shape) => {
        const evs = [...set].sort(cmp);
        // a range around the events (any range when there are none), clamped to 0..2^64-1
        const lo = evs[0]?.id ?? MAX / 2n;
        const hi = evs.at(-1)?.id ?? MAX / 2n;
        const identity = {
          min: lo - shape.below < 0n ? 0n : lo - shape.below,
          max: hi + shape.above > MAX ? MAX : hi + shape.above,
          generation: shape.generation,
          lsn: shape.lsn,
        };
        const { buf, offs } = encode(evs);
        const total = buf.length;
        // write: runs of the given lengths, a length of 1 through add
        const path = join(dir, `${seq++}.part`);
        const key = encryption === Encryption.aes ? generateKey() : null;
        const w = new PartitionFileWriter(path, { regionSize, codec, level: 1, encryption, key, sync: false, identity });
        for (let i = 0, r = 0; i < offs.length; r++) {
          const len = runs[r % runs.length]!;
          const j = Math.min(i + len, offs.length);
          if (len === 1) w.add(buf, offs[i]!);
          else w.addRun(buf, offs[i]!, offs[j] ?? total, j - i, offs[j - 1]!);
          i = j;
        }
        const summary = w.finish();

        const f = PartitionFile.open(path, key);
        try {
          expect([f.events, f.sizeUncompressed, f.regions, f.size]).toEqual([evs.length, total, summary.regions, summary.size]);
          expect([f.codec, f.encryption]).toEqual([codec, encryption]);
          expect([f.version, f.identity]).toEqual([2, identity]);
          // the header and footer alone tell the same, without the key
          expect(inspectPartitionFile(path)).toEqual({
            path, version: 2, identity, events: evs.length, regions: f.regions, size: f.size, sizeUncompressed: total,
            codec, encryption, firstId: evs[0]?.id ?? null, lastId: evs.at(-1)?.id ?? null,
          });
          const parts: Buffer[] = [];
          const lastIds: bigint[] = [];
          for (let i = 0; i < f.regions; i++) {
            const r = Buffer.from(f.readRegion(i));
            parts.push(r);
            let p = 0;
            let n = 0;
            let first = -1;
            let last = 0;
            for (; p < r.length; p += 14 + r[p + 12]! + r.readUInt32LE(p + 8), n++) {
              if (first < 0) first = p;
              last = p;
            }
            expect(n).toBe(f.regionEvents(i));
            // index min/max keys are the first and last records' keys
            expect(Buffer.from(f.index.minKeys[i]!).equals(r.subarray(first + 14, first + 14 + r[first + 12]!))).toBe(true);
            expect(Buffer.from(f.index.maxKeys[i]!).equals(r.subarray(last + 14, last + 14 + r[last + 12]!))).toBe(true);
            if (r.length > regionSize) expect(n).toBe(1);
            lastIds.push(r.readBigUInt64LE(last));
          }
          expect(Buffer.concat(parts).equals(buf)).toBe(true);
          // the same regions and index under a version-1 footer: the same events, no identity
          const old = `${path}.v1`;
          writeFileSync(old, toVersion1(readFileSync(path)));
          const g = PartitionFile.open(old, key);
          try {
            expect([g.version, g.identity, g.events, g.regions]).toEqual([1, null, f.events, f.regions]);
            for (let i = 0; i < g.regions; i++) expect(Buffer.from(g.readRegion(i)).equals(parts[i]!)).toBe(true);
          } finally {
            g.close();
          }
          for (const e of evs.slice(0, 20)) {
            for (const probe of [e.id, e.id === 0n ? 0n : e.id - 1n, e.id === MAX ? MAX : e.id + 1n]) {
              const want = lastIds.findIndex((l) => l >= probe);
              expect(f.seek(Number(probe >> 32n), Number(probe & 0xffffffffn))).toBe(want < 0 ? f.regions : want);
            }
          }
        } finally {
          f.close();
        }
      },
    ),
    { numRuns: 150 },
  );
});
