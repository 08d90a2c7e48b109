// WAL damage: a torn tail (nothing valid after the damage) is cut in every mode; damage
// that valid records follow is CORRUPTION in `tail` (and changes nothing), a cut in
// `point_in_time`, a skipped span in `skip`. docs/wal-format.md is the reference.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WAL_BATCH, Wal, isWalDamage, walSegmentName } from '../../src/wal/index.ts';
import type { WalConfig, WalRecovery } from '../../src/wal/index.ts';
import { type Rec, cfg, patch, payload, removeDirs, segFiles, thrown, tmpDir } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => removeDirs(dirs));

// 9 records of 100 payload bytes (124 bytes each); a segment holds 3 of them (records
// at offsets 16, 140, 264), so the log is segments 1, 4, 7 and the header-only 10 that
// the last rotation made. Record lsn k holds k events.
const LEN = 100;
const SIZE = 24 + LEN;
const at = (i: number): number => 16 + i * SIZE;
const config = (dir: string, over: Partial<WalConfig> = {}): WalConfig => cfg(dir, { rotateWm: 16 + 3 * SIZE, ...over });
const [S1, S4, S7, S10] = [1n, 4n, 7n, 10n].map(walSegmentName) as [string, string, string, string];

async function nineRecords(dir: string, over: Partial<WalConfig> = {}): Promise<Rec[]> {
  const wal = Wal.open(config(dir, over));
  wal.replay(0n, () => {});
  wal.begin(0n);
  const recs: Rec[] = [];
  for (let k = 1; k <= 9; k++) {
    const p = payload(k, LEN);
    recs.push({ type: WAL_BATCH, lsn: wal.append(WAL_BATCH, p, k), payload: p, count: k });
  }
  await wal.close();
  expect(segFiles(dir)).toEqual([S1, S4, S7, S10]);
  return recs;
}

/** Every file of `dir` and its bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  return new Map(segFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

/** Opens `dir`, replays in `mode`, closes; returns what replay handed out and reported. */
async function replay(dir: string, mode: WalRecovery, over: Partial<WalConfig> = {}) {
  const wal = Wal.open(config(dir, over));
  const recs: Rec[] = [];
  const report = wal.replay(0n, (type, lsn, p, count) => recs.push({ type, lsn, payload: p.slice(), count }), mode);
  await wal.close();
  return { recs, report, lsns: recs.map((r) => Number(r.lsn)) };
}

/** Replays `dir` in `tail` mode: the CORRUPTION it throws. */
async function refused(dir: string, over: Partial<WalConfig> = {}) {
  const wal = Wal.open(config(dir, over));
  const e = thrown(() => wal.replay(0n, () => {}), 'CORRUPTION');
  expect(isWalDamage(e)).toBe(true);
  thrown(() => wal.begin(0n), 'CORRUPTION');
  await wal.close();
  return e;
}

describe('damage in the last segment', () => {
  it('with a valid record after it: tail refuses and changes nothing; point_in_time cuts; skip steps over', async () => {
    const dir = tmpDir(dirs);
    await nineRecords(dir);
    patch(path.join(dir, S7), at(1) + 24 + 50, [0x5a]); // the payload of record 8
    const before = snapshot(dir);
    const e = await refused(dir);
    expect(e.message).toMatch(
      new RegExp(`^wal replay: ${S7}: crc mismatch at offset 140 \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\); 1 valid record lies after it \\(9 events\\), 1 in this segment and 0 in later segments: the log is damaged before its tail\\. Nothing was changed`),
    );
    expect(snapshot(dir)).toEqual(before);

    const skipped = await replay(dir, 'skip');
    expect(skipped.lsns).toEqual([1, 2, 3, 4, 5, 6, 7, 9]);
    expect(skipped.report).toMatchObject({ recovery: 'skip', records: 8, events: 45 - 8, lastLsn: 9n, truncated: [] });
    expect(skipped.report.dropped).toEqual([{ file: S7, offset: at(1), bytes: SIZE, records: 1, events: 8 }]);
    expect(snapshot(dir)).toEqual(before);

    const cut = await replay(dir, 'point_in_time');
    expect(cut.lsns).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(cut.report).toMatchObject({ recovery: 'point_in_time', lastLsn: 7n, truncated: [] });
    expect(cut.report.dropped).toEqual([
      { file: S7, offset: at(1), bytes: 2 * SIZE, records: 2, events: 17 },
      { file: S10, offset: 0, bytes: 16, records: 0, events: 0 },
    ]);
    expect(segFiles(dir)).toEqual([S1, S4, S7]);
    expect(fs.statSync(path.join(dir, S7)).size).toBe(at(1));
    const clean = await replay(dir, 'tail');
    expect(clean.lsns).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(clean.report).toMatchObject({ truncated: [], dropped: [] });
  });

  it('with nothing valid after it: a torn tail, cut the same way in every mode', async () => {
    for (const mode of ['tail', 'point_in_time', 'skip'] as const) {
      const dir = tmpDir(dirs);
      await nineRecords(dir);
      patch(path.join(dir, S7), at(2) + 30, [0x01]); // record 9, the last
      const r = await replay(dir, mode);
      expect(r.lsns).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(r.report.truncated).toEqual([
        { file: S7, offset: at(2), bytes: SIZE },
        { file: S10, offset: 0, bytes: 16 },
      ]);
      expect(r.report.dropped).toEqual([]);
      expect(r.report.lastLsn).toBe(8n);
      expect(segFiles(dir)).toEqual([S1, S4, S7]);
      // the log goes on from the cut
      const wal = Wal.open(config(dir));
      wal.replay(0n, () => {});
      wal.begin(0n);
      expect(wal.append(WAL_BATCH, payload(0, 5), 1)).toBe(9n);
      await wal.close();
    }
  });

  it('the valid record after the damage is found at any byte offset (a damaged length hides the boundary)', async () => {
    const dir = tmpDir(dirs);
    await nineRecords(dir);
    patch(path.join(dir, S7), at(0) + 4, [37]); // record 7's length: 37 instead of 100
    const e = await refused(dir);
    expect(e.message).toMatch(/offset 16 .*2 valid records lie after it \(17 events\), 2 in this segment/);
    const r = await replay(dir, 'skip');
    expect(r.lsns).toEqual([1, 2, 3, 4, 5, 6, 8, 9]);
    // the damaged header still reads as a record of 7 events: its count is reported
    expect(r.report.dropped).toEqual([{ file: S7, offset: 16, bytes: SIZE, records: 1, events: 7 }]);
  });

  it('a record out of place is damage; one after the damage whose lsn is below the expected one is not valid', async () => {
    const dir = tmpDir(dirs);
    await nineRecords(dir);
    const seg = fs.readFileSync(path.join(dir, S7));
    seg.copyWithin(at(1), at(0), at(1)); // record 8's place holds a copy of record 7
    fs.writeFileSync(path.join(dir, S7), seg);
    const e = await refused(dir);
    expect(e.message).toMatch(/lsn 7 where 8 was expected at offset 140; 1 valid record lies after it \(9 events\)/);
    const r = await replay(dir, 'skip');
    expect(r.lsns).toEqual([1, 2, 3, 4, 5, 6, 7, 9]);
    expect(r.report.dropped).toEqual([{ file: S7, offset: at(1), bytes: SIZE, records: 1, events: 0 }]);

    // record 9's place holds a copy of record 7, and record 8 is damaged: nothing valid
    // follows the damage (the copy's lsn is below 8), so it is a torn tail
    const dir2 = tmpDir(dirs);
    await nineRecords(dir2);
    const seg2 = fs.readFileSync(path.join(dir2, S7));
    seg2.copyWithin(at(2), at(0), at(1));
    seg2[at(1) + 40] = seg2[at(1) + 40]! ^ 0xff;
    fs.writeFileSync(path.join(dir2, S7), seg2);
    const cut = await replay(dir2, 'tail');
    expect(cut.lsns).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(cut.report.truncated).toEqual([
      { file: S7, offset: at(1), bytes: 2 * SIZE },
      { file: S10, offset: 0, bytes: 16 },
    ]);
  });
});

describe('damage in an earlier segment', () => {
  it('tail: CORRUPTION with the counts in its segment and the later ones', async () => {
    const dir = tmpDir(dirs);
    await nineRecords(dir);
    patch(path.join(dir, S4), at(1) + 24, [0xff, 0xff]); // record 5
    const before = snapshot(dir);
    const e = await refused(dir);
    expect(e.message).toMatch(new RegExp(`^wal replay: ${S4}: crc mismatch at offset 140 .*; 4 valid records lie after it \\(30 events\\), 1 in this segment and 3 in later segments`));
    expect(snapshot(dir)).toEqual(before);
  });

  it('point_in_time deletes the later segments and truncates at the damage; skip keeps the rest', async () => {
    const dir = tmpDir(dirs);
    const written = await nineRecords(dir);
    patch(path.join(dir, S4), at(1) + 24, [0xff, 0xff]);
    const before = snapshot(dir);
    const skipped = await replay(dir, 'skip');
    expect(skipped.recs).toEqual(written.filter((r) => r.lsn !== 5n));
    expect(skipped.report.dropped).toEqual([{ file: S4, offset: at(1), bytes: SIZE, records: 1, events: 5 }]);
    expect(snapshot(dir)).toEqual(before);

    const cut = await replay(dir, 'point_in_time');
    expect(cut.recs).toEqual(written.slice(0, 4));
    expect(cut.report.dropped).toEqual([
      { file: S4, offset: at(1), bytes: 2 * SIZE, records: 2, events: 11 },
      { file: S7, offset: 0, bytes: 3 * SIZE + 16, records: 3, events: 24 },
      { file: S10, offset: 0, bytes: 16, records: 0, events: 0 },
    ]);
    expect(segFiles(dir)).toEqual([S1, S4]);
    expect(fs.statSync(path.join(dir, S4)).size).toBe(at(1));
    expect((await replay(dir, 'tail')).recs).toEqual(written.slice(0, 4));
  });

  it('a damaged earlier segment cut to the end of its file loses the lsns up to the next segment', async () => {
    const dir = tmpDir(dirs);
    const written = await nineRecords(dir);
    fs.truncateSync(path.join(dir, S4), at(1) + 30); // a short record 5, record 6 gone
    const e = await refused(dir);
    expect(e.message).toMatch(/record length 100 runs past the end of the file at offset 140 .*3 valid records lie after it \(24 events\), 0 in this segment and 3 in later segments/);
    const r = await replay(dir, 'skip');
    expect(r.recs).toEqual(written.filter((x) => x.lsn !== 5n && x.lsn !== 6n));
    // record 5's header runs past the file: its count is not read
    expect(r.report.dropped).toEqual([{ file: S4, offset: at(1), bytes: 30, records: 2, events: 0 }]);
  });

  it('later segments holding only a header, or nothing, count as nothing: a torn tail', async () => {
    for (const later of ['header', 'empty', 'short'] as const) {
      const dir = tmpDir(dirs);
      const written = await nineRecords(dir);
      fs.unlinkSync(path.join(dir, S10));
      // segment 7 holds no record any more: only its header, or nothing at all
      fs.truncateSync(path.join(dir, S7), later === 'header' ? 16 : later === 'empty' ? 0 : 9);
      patch(path.join(dir, S4), at(2) + 60, [0x77]); // record 6, the last of segment 4
      for (const mode of ['tail', 'skip'] as const) {
        const copy = tmpDir(dirs);
        for (const f of segFiles(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
        const r = await replay(copy, mode);
        expect(r.recs).toEqual(written.slice(0, 5));
        expect(r.report.truncated).toEqual([
          { file: S4, offset: at(2), bytes: SIZE },
          { file: S7, offset: 0, bytes: later === 'header' ? 16 : later === 'empty' ? 0 : 9 },
        ]);
        expect(r.report.dropped).toEqual([]);
        expect(segFiles(copy)).toEqual([S1, S4]);
        // the log goes on after the cut with the next lsn, in a segment after segment 4
        const wal = Wal.open(config(copy));
        wal.replay(0n, () => {});
        wal.begin(0n);
        expect(wal.append(WAL_BATCH, payload(0, 5), 1)).toBe(6n);
        await wal.close();
        expect((await replay(copy, 'tail')).lsns).toEqual([1, 2, 3, 4, 5, 6]);
      }
    }
  });
});

describe('point_in_time: a crash in the middle of the cut', () => {
  /** Segment 4 damaged at record 5; the cut would delete segments 10, 7, then truncate 4. */
  async function damagedLog(dir: string): Promise<Rec[]> {
    const written = await nineRecords(dir);
    patch(path.join(dir, S4), at(1) + 24, [0xff]);
    return written;
  }

  it('after some later segments are deleted, the next open judges the log the same way', async () => {
    const dir = tmpDir(dirs);
    const written = await damagedLog(dir);
    fs.unlinkSync(path.join(dir, S10)); // the first deletion done, then the crash
    const e = await refused(dir);
    expect(e.message).toMatch(new RegExp(`^wal replay: ${S4}: crc mismatch at offset 140 .*1 in this segment and 3 in later segments`));
    const cut = await replay(dir, 'point_in_time');
    expect(cut.recs).toEqual(written.slice(0, 4));
    expect(segFiles(dir)).toEqual([S1, S4]);
  });

  it('after every later segment is deleted, before the truncation: damage still there, nothing past it replayed', async () => {
    const dir = tmpDir(dirs);
    const written = await damagedLog(dir);
    fs.unlinkSync(path.join(dir, S10));
    fs.unlinkSync(path.join(dir, S7));
    // record 6, after the damage in the same segment, is still valid: tail still refuses
    const e = await refused(dir);
    expect(e.message).toMatch(/1 valid record lies after it \(6 events\), 1 in this segment and 0 in later segments/);
    const cut = await replay(dir, 'point_in_time');
    expect(cut.recs).toEqual(written.slice(0, 4));
    expect(cut.report.dropped).toEqual([{ file: S4, offset: at(1), bytes: 2 * SIZE, records: 2, events: 11 }]);
    expect((await replay(dir, 'tail')).recs).toEqual(written.slice(0, 4));
  });

  it('when the damage is the last record of its segment, the next open cuts it as a torn tail: the same result', async () => {
    const dir = tmpDir(dirs);
    const written = await nineRecords(dir);
    patch(path.join(dir, S4), at(2) + 24, [0xff]); // record 6
    fs.unlinkSync(path.join(dir, S10));
    fs.unlinkSync(path.join(dir, S7));
    const r = await replay(dir, 'tail');
    expect(r.recs).toEqual(written.slice(0, 5));
    expect(r.report.truncated).toEqual([{ file: S4, offset: at(2), bytes: SIZE }]);
  });
});

describe('crc off', () => {
  it('a changed payload is not seen (the weakness of crc off); a bad header is', async () => {
    const dir = tmpDir(dirs);
    const written = await nineRecords(dir, { crc: false });
    patch(path.join(dir, S4), at(1) + 24 + 10, [0xee]);
    const blind = await replay(dir, 'tail', { crc: false });
    expect(blind.lsns).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(blind.recs[4]!.payload).not.toEqual(written[4]!.payload);

    patch(path.join(dir, S4), at(1) + 20, [9]); // record 5's type
    const e = await refused(dir, { crc: false });
    expect(e.message).toMatch(new RegExp(`^wal replay: ${S4}: unknown record type 9 at offset 140; 4 valid records lie after it \\(30 events\\)`));
    const r = await replay(dir, 'skip', { crc: false });
    expect(r.lsns).toEqual([1, 2, 3, 4, 6, 7, 8, 9]);
    expect(r.report.dropped).toEqual([{ file: S4, offset: at(1), bytes: SIZE, records: 1, events: 0 }]);
  });

  it('a torn tail is cut as with the crc', async () => {
    const dir = tmpDir(dirs);
    await nineRecords(dir, { crc: false });
    fs.unlinkSync(path.join(dir, S10));
    fs.truncateSync(path.join(dir, S7), at(2) + 50);
    const r = await replay(dir, 'tail', { crc: false });
    expect(r.lsns).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.report.truncated).toEqual([{ file: S7, offset: at(2), bytes: 50 }]);
  });
});

describe('skip', () => {
  it('the lsn sequence continues from the record it resumes at; the log goes on after the last one', async () => {
    const dir = tmpDir(dirs);
    await nineRecords(dir);
    fs.unlinkSync(path.join(dir, S10));
    patch(path.join(dir, S1), at(0) + 8, [0x33]); // record 1's lsn: crc mismatch
    patch(path.join(dir, S7), at(1) + 24, [0x33]); // record 8
    const r = await replay(dir, 'skip');
    expect(r.lsns).toEqual([2, 3, 4, 5, 6, 7, 9]);
    expect(r.report.dropped).toEqual([
      { file: S1, offset: 16, bytes: SIZE, records: 1, events: 0 }, // its lsn is damaged: its count is not trusted
      { file: S7, offset: at(1), bytes: SIZE, records: 1, events: 8 },
    ]);
    const wal = Wal.open(config(dir));
    wal.replay(0n, () => {}, 'skip');
    wal.begin(0n);
    expect(wal.append(WAL_BATCH, payload(0, 5), 1)).toBe(10n);
    await wal.close();
  });

  it('a torn tail after skipped damage is cut', async () => {
    const dir = tmpDir(dirs);
    await nineRecords(dir);
    fs.unlinkSync(path.join(dir, S10));
    patch(path.join(dir, S4), at(0) + 24, [0x33]); // record 4
    fs.truncateSync(path.join(dir, S7), at(2) + 7); // record 9 torn
    const r = await replay(dir, 'skip');
    expect(r.lsns).toEqual([1, 2, 3, 5, 6, 7, 8]);
    expect(r.report.dropped).toEqual([{ file: S4, offset: 16, bytes: SIZE, records: 1, events: 4 }]);
    expect(r.report.truncated).toEqual([{ file: S7, offset: at(2), bytes: 7 }]);
    expect(r.report.lastLsn).toBe(8n);
  });
});

describe('the recovery mode', () => {
  it('an unknown mode is refused before anything is read', async () => {
    const dir = tmpDir(dirs);
    await nineRecords(dir);
    const wal = Wal.open(config(dir));
    const e = thrown(() => wal.replay(0n, () => {}, 'rescue' as WalRecovery), 'INVALID_INPUT');
    expect(e.message).toBe("wal replay: unknown recovery mode 'rescue'; one of tail, point_in_time, skip");
    expect(isWalDamage(e)).toBe(false);
    await wal.close();
  });
});
