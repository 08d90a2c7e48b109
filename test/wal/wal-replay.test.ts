// WAL replay: round trips across rotations, torn tails cut, damage before the tail refused.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WAL_BATCH, Wal, walSegmentName } from '../../src/wal/index.ts';
import { RecordHeaderWriter, WAL_RETIRED_DROP_RANGE } from '../../src/wal/wal-format.ts';
import { cfg, collect, patch, payload, readAll, recordStarts, removeDirs, segFiles, thrown, tmpDir, writeLog } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => removeDirs(dirs));

describe('round trip', () => {
  it('an empty directory replays nothing and begins at lsn 1', async () => {
    const dir = path.join(tmpDir(dirs), 'wal', 'nested');
    const wal = Wal.open(cfg(dir));
    expect(fs.existsSync(dir)).toBe(true);
    expect(segFiles(dir)).toEqual([]);
    const { recs, report } = collect(wal);
    expect(recs).toEqual([]);
    expect(report).toEqual({ segments: 0, records: 0, events: 0, lastLsn: 0n, truncated: [], recovery: 'tail', dropped: [] });
    wal.begin(0n);
    expect(segFiles(dir)).toEqual(['00000000000000000001.wal']);
    expect(wal.append(WAL_BATCH, payload(1, 10), 1)).toBe(1n);
    await wal.close();
  });

  for (const crc of [true, false]) {
    it(`many records survive across rotations (crc ${crc ? 'on' : 'off'})`, async () => {
      const dir = tmpDir(dirs);
      const config = cfg(dir, { rotateWm: 4096, crc });
      const lengths = Array.from({ length: 500 }, (_, i) => (i * 37) % 700);
      const written = await writeLog(config, lengths);
      expect(written.map((r) => r.lsn)).toEqual(lengths.map((_, i) => BigInt(i + 1)));
      const files = segFiles(dir);
      expect(files.length).toBeGreaterThan(20);
      const { recs, report } = await readAll(config);
      expect(recs).toEqual(written);
      expect(report.records).toBe(500);
      expect(report.events).toBe(written.reduce((s, r) => s + r.count, 0));
      expect(report.lastLsn).toBe(500n);
      expect(report.segments).toBe(files.length);
      expect(report.truncated).toEqual([]);
      // every segment is named by the lsn of its first record, and none passes the watermark by more than a record
      const firsts = new Set(recs.map((r) => walSegmentName(r.lsn)));
      for (const f of files) {
        expect(firsts.has(f) || f === walSegmentName(501n)).toBe(true);
        expect(fs.statSync(path.join(dir, f)).size).toBeLessThan(4096 + 24 + 700);
      }
    });
  }

  it('replays from an lsn, skipping whole segments below it', async () => {
    const dir = tmpDir(dirs);
    const config = cfg(dir, { rotateWm: 1024 });
    const written = await writeLog(config, Array.from({ length: 100 }, () => 100));
    // damage a segment that the replay does not need: it is not even read
    patch(path.join(dir, segFiles(dir)[0]!), 16 + 24, [0xff]);
    const wal = Wal.open(config);
    const { recs, report } = collect(wal, 60n);
    expect(recs).toEqual(written.slice(59));
    expect(report.records).toBe(41);
    expect(report.lastLsn).toBe(100n);
    expect(report.segments).toBeLessThan(segFiles(dir).length);
    await wal.close();
  });

  it('hands a retired drop-range record (type 2, written by hand) to the caller, not cut as a torn tail', async () => {
    const dir = tmpDir(dirs);
    const wal = Wal.open(cfg(dir));
    wal.begin(0n);
    wal.append(WAL_BATCH, payload(0, 30), 3);
    await wal.close();
    // what a development build wrote: the log's API cannot write it any more
    const range = new Uint8Array(16);
    new DataView(range.buffer).setBigUint64(0, 100n, true);
    new DataView(range.buffer).setBigUint64(8, 199n, true);
    const w = new RecordHeaderWriter();
    w.fill(2n, WAL_RETIRED_DROP_RANGE, range, 0, true);
    fs.appendFileSync(path.join(dir, segFiles(dir)[0]!), Buffer.concat([w.bytes, range]));
    const { recs, report } = await readAll(cfg(dir));
    expect(recs.map((r) => [r.type, r.lsn, r.count])).toEqual([
      [WAL_BATCH, 1n, 3],
      [2, 2n, 0],
    ]);
    expect(recs[1]!.payload).toEqual(range);
    expect(report.truncated).toEqual([]);
  });
});

describe('torn tail', () => {
  // two segments: the first holds 2 records, the last holds 3; the last record is 60 bytes
  const lengths = [200, 200, 50, 10, 60];
  const config = (dir: string) => cfg(dir, { rotateWm: 16 + 2 * 224 });

  it('is cut at every byte length of the last record, and the log goes on', async () => {
    const src = tmpDir(dirs);
    const written = await writeLog(config(src), lengths);
    const files = segFiles(src);
    expect(files).toEqual([walSegmentName(1n), walSegmentName(3n)]);
    const last = fs.readFileSync(path.join(src, files[1]!));
    const start = recordStarts([50, 10, 60])[2]!;
    expect(last.length).toBe(start + 24 + 60);
    for (let cut = start; cut < last.length; cut++) {
      const dir = tmpDir(dirs);
      fs.copyFileSync(path.join(src, files[0]!), path.join(dir, files[0]!));
      fs.writeFileSync(path.join(dir, files[1]!), last.subarray(0, cut));
      const wal = Wal.open(config(dir));
      const { recs, report } = collect(wal);
      expect(recs).toEqual(written.slice(0, 4));
      expect(report.lastLsn).toBe(4n);
      expect(report.truncated).toEqual(cut === start ? [] : [{ file: files[1], offset: start, bytes: cut - start }]);
      expect(fs.statSync(path.join(dir, files[1]!)).size).toBe(start);
      wal.begin(0n);
      expect(wal.append(WAL_BATCH, payload(99, 33), 1)).toBe(5n);
      await wal.close();
      const again = await readAll(config(dir));
      expect(again.recs).toEqual([...written.slice(0, 4), { type: WAL_BATCH, lsn: 5n, payload: payload(99, 33), count: 1 }]);
      expect(again.report.truncated).toEqual([]);
      removeDirs(dirs.splice(1));
    }
  });

  it('a crc mismatch in the last record of the last segment is a torn tail: cut', async () => {
    const dir = tmpDir(dirs);
    const written = await writeLog(config(dir), lengths);
    const file = segFiles(dir)[1]!;
    const starts = recordStarts([50, 10, 60]);
    patch(path.join(dir, file), starts[2]! + 24 + 3, [0x5a]);
    const { recs, report } = await readAll(config(dir));
    expect(recs).toEqual(written.slice(0, 4));
    expect(report.truncated).toEqual([{ file, offset: starts[2], bytes: 24 + 60 }]);
    expect(report.dropped).toEqual([]);
    expect(fs.statSync(path.join(dir, file)).size).toBe(starts[2]);
  });

  it('a crc mismatch in an earlier segment is CORRUPTION, and nothing is cut', async () => {
    const dir = tmpDir(dirs);
    await writeLog(config(dir), lengths);
    const [first, second] = segFiles(dir);
    patch(path.join(dir, first!), 16 + 224 + 24 + 100, [0x00, 0x01]);
    const sizes = segFiles(dir).map((f) => fs.statSync(path.join(dir, f)).size);
    const wal = Wal.open(config(dir));
    const e = thrown(() => collect(wal), 'CORRUPTION');
    expect(e.message).toMatch(
      new RegExp(
        `^wal replay: ${first}: crc mismatch at offset 240 \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\); ` +
          '3 valid records lie after it \\(9 events\\), 0 in this segment and 3 in later segments: the log is damaged before its tail\\. ' +
          "Nothing was changed; choose a recovery: 'point_in_time' .*'skip' .*\\(docs/wal-format\\.md\\)$",
      ),
    );
    expect(segFiles(dir).map((f) => fs.statSync(path.join(dir, f)).size)).toEqual(sizes);
    expect(segFiles(dir)).toEqual([first, second]);
    thrown(() => wal.begin(0n), 'CORRUPTION');
    await wal.close();
  });

  it('with crc off, a length past the end of the file is still found', async () => {
    const dir = tmpDir(dirs);
    const written = await writeLog(cfg(dir, { crc: false }), [10, 20, 30]);
    const file = segFiles(dir)[0]!;
    const starts = recordStarts([10, 20, 30]);
    patch(path.join(dir, file), starts[2]! + 4, [31]);
    const { recs, report } = await readAll(cfg(dir, { crc: false }));
    expect(recs).toEqual(written.slice(0, 2));
    expect(report.truncated).toEqual([{ file, offset: starts[2], bytes: 24 + 30 }]);
  });

  it('an lsn out of sequence in the last record of the log is cut', async () => {
    const dir = tmpDir(dirs);
    const written = await writeLog(cfg(dir, { crc: false }), [10, 20, 30]);
    const file = segFiles(dir)[0]!;
    const starts = recordStarts([10, 20, 30]);
    patch(path.join(dir, file), starts[2]! + 8, [7]);
    const { recs, report } = await readAll(cfg(dir, { crc: false }));
    expect(recs).toEqual(written.slice(0, 2));
    expect(report.truncated).toEqual([{ file, offset: starts[2], bytes: 24 + 30 }]);
  });

  it('begin without replay checks and cuts the tail', async () => {
    const dir = tmpDir(dirs);
    await writeLog(cfg(dir), [10, 20, 30]);
    const file = path.join(dir, segFiles(dir)[0]!);
    fs.truncateSync(file, fs.statSync(file).size - 1);
    const wal = Wal.open(cfg(dir));
    wal.begin(0n);
    expect(wal.lastLsn).toBe(2n);
    expect(wal.append(WAL_BATCH, payload(5, 5), 1)).toBe(3n);
    await wal.close();
    expect((await readAll(cfg(dir))).recs.map((r) => r.lsn)).toEqual([1n, 2n, 3n]);
  });
});

describe('segment headers', () => {
  /** A log of two segments (records 1-2 and 3-4); returns the file names. */
  async function twoSegments(dir: string): Promise<string[]> {
    await writeLog(cfg(dir, { rotateWm: 16 + 2 * 124 }), [100, 100, 100, 100]);
    const files = segFiles(dir);
    expect(files).toEqual([walSegmentName(1n), walSegmentName(3n), walSegmentName(5n)]);
    fs.unlinkSync(path.join(dir, files[2]!)); // the empty segment the last rotation made
    return files.slice(0, 2);
  }

  for (const [what, offset, byte, message] of [
    ['bad magic', 0, 0x00, 'bad magic \\(not a Strata WAL segment\\)'],
    ['unknown version', 4, 9, 'unknown segment version 9 \\(this build reads 1\\)'],
    ['first lsn unlike the name', 8, 4, 'header first lsn 4 differs from the file name \\(lsn 3\\)'],
  ] as const) {
    it(`${what}, records after it: CORRUPTION in the last segment and in an earlier one; the modes`, async () => {
      const dir = tmpDir(dirs);
      const [first, second] = await twoSegments(dir);
      patch(path.join(dir, second!), offset, [byte]);
      const wal = Wal.open(cfg(dir));
      const e = thrown(() => collect(wal), 'CORRUPTION');
      expect(e.message).toMatch(new RegExp(`^wal replay: ${second}: segment header \\(offset 0\\): ${message}; 2 valid records lie after it \\(5 events\\), 2 in this segment and 0 in later segments: the log is damaged before its tail\\.`));
      await wal.close();
      expect(segFiles(dir)).toEqual([first, second]);
      // skip: the header goes, the records stay
      const skipped = Wal.open(cfg(dir));
      const s = skipped.replay(0n, () => {}, 'skip');
      expect(s.lastLsn).toBe(4n);
      expect(s.dropped).toEqual([{ file: second, offset: 0, bytes: 16, records: 0, events: 0 }]);
      await skipped.close();
      expect(segFiles(dir)).toEqual([first, second]);
      // point in time: the segment goes
      const cut = Wal.open(cfg(dir));
      const p = cut.replay(0n, () => {}, 'point_in_time');
      expect(p.lastLsn).toBe(2n);
      expect(p.dropped).toEqual([{ file: second, offset: 0, bytes: 16 + 2 * 124, records: 2, events: 5 }]);
      await cut.close();
      expect(segFiles(dir)).toEqual([first]);

      const dir2 = tmpDir(dirs);
      const [first2] = await twoSegments(dir2);
      patch(path.join(dir2, first2!), offset, [offset === 8 ? 4 : byte]);
      const wal2 = Wal.open(cfg(dir2));
      const e2 = thrown(() => collect(wal2), 'CORRUPTION');
      const expected = `^wal replay: ${first2}: segment header \\(offset 0\\): ${message.replace('lsn 3', 'lsn 1')}; 4 valid records lie after it \\(6 events\\), 2 in this segment and 2 in later segments: the log is damaged before its tail\\.`;
      expect(e2.message).toMatch(new RegExp(expected));
      await wal2.close();
    });
  }

  it('a last segment shorter than its header is a torn creation: deleted', async () => {
    for (const size of [0, 1, 15]) {
      const dir = tmpDir(dirs);
      const [first, second] = await twoSegments(dir);
      fs.truncateSync(path.join(dir, second!), size);
      const wal = Wal.open(cfg(dir));
      const { recs, report } = collect(wal);
      expect(recs.map((r) => r.lsn)).toEqual([1n, 2n]);
      expect(report.truncated).toEqual([{ file: second, offset: 0, bytes: size }]);
      expect(segFiles(dir)).toEqual([first]);
      wal.begin(0n);
      expect(wal.append(WAL_BATCH, payload(1, 1), 1)).toBe(3n);
      await wal.close();
      expect(segFiles(dir)).toEqual([first, second]);
    }
  });

  it('a last segment with no record is replaced by begin', async () => {
    const dir = tmpDir(dirs);
    await writeLog(cfg(dir, { rotateWm: 16 + 2 * 124 }), [100, 100]);
    expect(segFiles(dir)).toEqual([walSegmentName(1n), walSegmentName(3n)]);
    const wal = Wal.open(cfg(dir));
    expect(collect(wal).report.lastLsn).toBe(2n);
    wal.begin(0n);
    expect(wal.append(WAL_BATCH, payload(1, 1), 1)).toBe(3n);
    await wal.close();
    expect((await readAll(cfg(dir))).recs.map((r) => r.lsn)).toEqual([1n, 2n, 3n]);
  });

  it('begin past the last lsn leaves a gap that replay accepts', async () => {
    const dir = tmpDir(dirs);
    await writeLog(cfg(dir), [10, 10]);
    const wal = Wal.open(cfg(dir));
    collect(wal);
    wal.begin(1000n);
    expect(wal.lastLsn).toBe(1000n);
    expect(wal.append(WAL_BATCH, payload(1, 1), 1)).toBe(1001n);
    await wal.close();
    expect(segFiles(dir)).toEqual([walSegmentName(1n), walSegmentName(1001n)]);
    expect((await readAll(cfg(dir))).recs.map((r) => r.lsn)).toEqual([1n, 2n, 1001n]);
  });
});
