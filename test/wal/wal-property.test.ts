// Property: any record sequence survives append/close/replay; a cut of the last
// segment's tail loses exactly the records that did not fit before the cut.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { WAL_BATCH, Wal } from '../../src/wal/index.ts';
import { cfg, collect, readAll, removeDirs, segFiles, tmpDir } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => removeDirs(dirs));

const record = fc.record({
  payload: fc.uint8Array({ maxLength: 300 }),
  count: fc.nat({ max: 1000 }),
});

describe('WAL property', () => {
  it('records that fit wholly before a random cut of the tail come back, the rest do not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 0, maxLength: 40 }),
        fc.integer({ min: 1, max: 2048 }),
        fc.boolean(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        async (records, rotateWm, crc, cutAt) => {
          const dir = tmpDir(dirs);
          const config = cfg(dir, { rotateWm, crc });
          const wal = Wal.open(config);
          collect(wal);
          wal.begin(0n);
          const lsns = records.map((r) => wal.append(WAL_BATCH, r.payload, r.count));
          await wal.close();
          expect(lsns).toEqual(records.map((_, i) => BigInt(i + 1)));

          // cut the last segment somewhere in [0, size]
          const files = segFiles(dir);
          const last = files[files.length - 1]!;
          const lastPath = path.join(dir, last);
          const size = fs.statSync(lastPath).size;
          const cut = Math.floor(cutAt * size);
          fs.truncateSync(lastPath, cut);

          // the model: records of earlier segments all survive; in the last, those ending by the cut
          const firstOfLast = Number(BigInt(last.slice(0, 20)));
          let end = 16;
          let survivors = firstOfLast - 1;
          // a cut on a record boundary (or right after the header) tears nothing
          const boundaries = [16];
          for (let i = firstOfLast - 1; i < records.length; i++) {
            end += 24 + records[i]!.payload.length;
            boundaries.push(end);
            if (cut >= 16 && end <= cut) survivors = i + 1;
          }

          const again = Wal.open(config);
          const { recs, report } = collect(again);
          expect(recs.length).toBe(survivors);
          recs.forEach((r, i) => {
            expect(r.lsn).toBe(BigInt(i + 1));
            expect(r.payload).toEqual(records[i]!.payload);
            expect(r.count).toBe(records[i]!.count);
          });
          expect(report.lastLsn).toBe(BigInt(survivors));
          expect(report.truncated.length).toBe(boundaries.includes(cut) ? 0 : 1);
          again.begin(0n);
          const payload = Uint8Array.from([1, 2, 3]);
          expect(again.append(WAL_BATCH, payload, 9)).toBe(BigInt(survivors + 1));
          await again.close();
          const final = await readAll(config);
          expect(final.recs.map((r) => r.lsn)).toEqual(Array.from({ length: survivors + 1 }, (_, i) => BigInt(i + 1)));
          expect(final.recs[survivors]!.payload).toEqual(payload);
          expect(final.report.truncated).toEqual([]);
          removeDirs(dirs);
        },
      ),
      { numRuns: Number(process.env.WAL_RUNS ?? 150) },
    );
  });
});
