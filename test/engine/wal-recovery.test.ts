// WAL damage at open, through the public API: the reproduction of the silent loss
// (69 acknowledged batches, one byte flipped in the newest segment), refused by
// default, and the recovery modes `point_in_time` and `skip` asked for by one open.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BatchBuilder, Strata, StrataError } from '../../src/index.ts';
import { RecordHeaderWriter, WAL_RETIRED_DROP_RANGE } from '../../src/wal/wal-format.ts';
import { scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const BATCHES = 69;
const PER_BATCH = 10;

/** Every file of the WAL directory and its bytes. */
function walSnapshot(): Map<string, Buffer> {
  const wal = path.join(dir, 'wal');
  return new Map(fs.readdirSync(wal).sort().map((f) => [f, fs.readFileSync(path.join(wal, f))]));
}

/** Where the records of a segment start (from their length fields). */
function recordStarts(seg: Buffer): number[] {
  const starts: number[] = [];
  for (let off = 16; off < seg.length; off += 24 + seg.readUInt32LE(off + 4)) starts.push(off);
  return starts;
}

interface Damage {
  /** The newest segment's name. */
  file: string;
  /** Offset of the damaged record. */
  offset: number;
  /** Its size in bytes. */
  size: number;
  /** Bytes from it to the end of the segment. */
  rest: number;
  /** The batch (0-based) it holds. */
  batch: number;
  /** Intact records after it. */
  after: number;
}

/**
 * Writes 69 acknowledged, fsynced batches of 10 events (ids batch * 10 + i), closes,
 * and XORs the byte at `16 + (size - 16) / 3` of the newest WAL segment.
 */
async function writeAndDamage(): Promise<Damage> {
  const db = await Strata.open(dir, { workers: 0, wal_sync_on_write: true, wal_rotate_wm: 8192 });
  for (let b = 0; b < BATCHES; b++) {
    const batch = new BatchBuilder();
    for (let i = 0; i < PER_BATCH; i++) batch.insert(b * PER_BATCH + i, undefined, `event ${b}.${i}`);
    await db.write(batch);
  }
  await db.close();
  const walDir = path.join(dir, 'wal');
  const files = fs.readdirSync(walDir).sort();
  const file = files[files.length - 1]!;
  const seg = fs.readFileSync(path.join(walDir, file));
  const at = 16 + Math.floor((seg.length - 16) / 3);
  const starts = recordStarts(seg);
  const k = starts.findLastIndex((s) => s <= at);
  seg[at] = seg[at]! ^ 0x5a;
  fs.writeFileSync(path.join(walDir, file), seg);
  const offset = starts[k]!;
  const firstLsn = Number(file.slice(0, 20));
  const end = k + 1 < starts.length ? starts[k + 1]! : seg.length;
  // the log has no gap: record lsn n holds batch n - 1
  return { file, offset, size: end - offset, rest: seg.length - offset, batch: firstLsn + k - 1, after: starts.length - k - 1 };
}

const ids = (from: number, to: number): bigint[] => Array.from({ length: to - from }, (_, i) => BigInt(from + i));

describe('WAL damage that acknowledged records follow', () => {
  test('the default open refuses it with the segment, offset and counts, and leaves the WAL byte for byte', async () => {
    const d = await writeAndDamage();
    expect(d.after).toBeGreaterThan(0);
    const before = walSnapshot();
    let error: unknown = null;
    try {
      await Strata.open(dir, { workers: 0 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StrataError);
    expect((error as StrataError).code).toBe('CORRUPTION');
    const n = d.after;
    expect((error as StrataError).message).toMatch(
      new RegExp(
        `^open: wal replay: ${d.file}: crc mismatch at offset ${d.offset} \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\); ` +
          `${n} valid records? lies? after it \\(${n * PER_BATCH} events\\), ${n} in this segment and 0 in later segments: the log is damaged before its tail\\. ` +
          "Nothing was changed; choose a recovery: 'point_in_time' .* 'skip' .*docs/wal-format\\.md\\); pass the mode as wal_recovery to Strata\\.open, or to the console as --wal-recovery MODE$",
      ),
    );
    expect(walSnapshot()).toEqual(before);
    // and again: the same answer
    await expect(Strata.open(dir, { workers: 0 })).rejects.toThrow(/valid records? lies? after it/);
    expect(walSnapshot()).toEqual(before);
  });

  test('point_in_time: drops the damaged record and everything after it, says so; the next default open is clean', async () => {
    const d = await writeAndDamage();
    let db = await Strata.open(dir, { workers: 0, wal_recovery: 'point_in_time' });
    const kept = d.batch * PER_BATCH;
    expect(scan(db).map((r) => r.id)).toEqual(ids(0, kept));
    expect(db.openReport.wal).toMatchObject({ recovery: 'point_in_time', records: d.batch, events: kept, truncated: [], kept: [] });
    expect(db.openReport.wal!.dropped).toEqual([{ file: d.file, offset: d.offset, bytes: d.rest, records: d.after + 1, events: (d.after + 1) * PER_BATCH }]);
    expect(db.config.wal_recovery).toBe('point_in_time');
    await db.write(new BatchBuilder().insert(5000, undefined, 'after'));
    await db.close();

    db = await Strata.open(dir, { workers: 0 });
    expect(db.config.wal_recovery).toBe('tail');
    expect(db.openReport.wal).toMatchObject({ recovery: 'tail', truncated: [], dropped: [], events: kept + 1 });
    expect(scan(db).map((r) => r.id)).toEqual([...ids(0, kept), 5000n]);
    await db.close();
  });

  test('skip: keeps every acknowledged event but the damaged batch, says so; after close a default open is clean', async () => {
    const d = await writeAndDamage();
    const expected = ids(0, BATCHES * PER_BATCH).filter((id) => id / BigInt(PER_BATCH) !== BigInt(d.batch));
    let db = await Strata.open(dir, { workers: 0, wal_recovery: 'skip' });
    expect(scan(db).map((r) => r.id)).toEqual(expected);
    expect(db.openReport.wal).toMatchObject({ recovery: 'skip', records: BATCHES - 1, events: (BATCHES - 1) * PER_BATCH, truncated: [], kept: [] });
    expect(db.openReport.wal!.dropped).toEqual([{ file: d.file, offset: d.offset, bytes: d.size, records: 1, events: PER_BATCH }]);
    // the replayed events are in partition files and the damaged segments are gone
    expect(fs.readdirSync(path.join(dir, 'wal')).filter((f) => f.endsWith('.wal'))).toHaveLength(1);
    expect(db.openReport.wal!.dropped.map((x) => x.file)).not.toContain(fs.readdirSync(path.join(dir, 'wal'))[0]);
    await db.close();

    db = await Strata.open(dir, { workers: 0 });
    expect(db.openReport.wal).toMatchObject({ recovery: 'tail', records: 0, truncated: [], dropped: [] });
    expect(scan(db).map((r) => r.id)).toEqual(expected);
    await db.close();
  });

  test('skip with a partition that cannot be refreshed: its segment stays, the report and the next open say so', async () => {
    let db = await Strata.open(dir, { workers: 0, interval: 1000 });
    await db.write(new BatchBuilder().insert(1, undefined, 'a'));
    await db.refresh(1); // partition 0 gets a file
    for (let b = 0; b < 5; b++) await db.write(new BatchBuilder().insert(10 + b, undefined, 'x').insert(1000 + b, undefined, 'y'));
    await db.close();
    const wal = path.join(dir, 'wal');
    const file = fs.readdirSync(wal).sort().at(-1)!;
    const seg = fs.readFileSync(path.join(wal, file));
    const starts = recordStarts(seg);
    seg[starts[2]! + 30] = seg[starts[2]! + 30]! ^ 0xff; // the second of the five batches (ids 11 and 1001)
    fs.writeFileSync(path.join(wal, file), seg);
    // partition 0's file is gone: the partition is damaged and cannot be refreshed
    const main = fs.readdirSync(dir).find((n) => fs.statSync(path.join(dir, n)).isDirectory() && n !== 'wal')!;
    for (const f of fs.readdirSync(path.join(dir, main))) fs.rmSync(path.join(dir, main, f));

    db = await Strata.open(dir, { workers: 0, wal_recovery: 'skip' });
    expect(db.openReport.damaged).toEqual([expect.stringMatching(/^partition 0: .*is missing/)]);
    expect(db.openReport.wal!.dropped).toEqual([{ file, offset: starts[2], bytes: starts[3]! - starts[2]!, records: 1, events: 2 }]);
    expect(db.openReport.wal!.kept).toEqual([file]);
    expect(scan(db, 1000n).map((r) => r.id)).toEqual([1000n, 1002n, 1003n, 1004n]);
    await db.close();
    await expect(Strata.open(dir, { workers: 0 })).rejects.toThrow(new RegExp(`wal replay: ${file}: crc mismatch at offset ${starts[2]}`));
  });
});

describe('the setting wal_recovery', () => {
  test('is chosen per open: SET refuses it, a bad value is refused, it is never stored', async () => {
    let db = await Strata.open(dir, { workers: 0, wal_recovery: 'skip' });
    expect(await db.execute('SHOW wal_recovery')).toEqual({ wal_recovery: 'skip' });
    await expect(db.execute("SET wal_recovery TO 'point_in_time'")).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'set: wal_recovery is chosen by each open and never stored; pass it to Strata.open(dir, { wal_recovery: ... }) or to the console as --wal-recovery MODE (docs/wal-format.md)',
    });
    await db.close();
    db = await Strata.open(dir, { workers: 0 });
    expect(db.config.wal_recovery).toBe('tail');
    await db.close();
    await expect(Strata.open(dir, { wal_recovery: 'rescue' as never })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: "open: wal_recovery must be one of 'tail', 'point_in_time', 'skip', got 'rescue'",
    });
  });
});

describe('a record of a type the engine does not know', () => {
  test('a retired drop range (type 2) in the WAL: open refuses it whatever the recovery mode, and changes nothing', async () => {
    const db = await Strata.open(dir, { workers: 0 });
    await db.write(new BatchBuilder().insert(5, 'k', 'v'));
    await db.close();
    // what a development build wrote for a drop: the WAL's API cannot write it any more
    const range = new Uint8Array(16);
    new DataView(range.buffer).setBigUint64(8, 999n, true);
    const w = new RecordHeaderWriter();
    w.fill(2n, WAL_RETIRED_DROP_RANGE, range, 0, true);
    const segment = path.join(dir, 'wal', fs.readdirSync(path.join(dir, 'wal')).sort().at(-1)!);
    fs.appendFileSync(segment, Buffer.concat([w.bytes, range]));
    const before = walSnapshot();
    for (const wal_recovery of ['tail', 'point_in_time', 'skip'] as const) {
      const err = await Strata.open(dir, { workers: 0, wal_recovery }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StrataError);
      expect(err).toMatchObject({ code: 'CORRUPTION', message: 'open: wal record 2 has unknown type 2' });
      expect(walSnapshot()).toEqual(before);
    }
  });
});
