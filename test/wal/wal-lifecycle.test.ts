// WAL life cycle: states, group-committed sync, rotation, release, stats, close.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StrataError } from '../../src/errors.ts';
import { WAL_BATCH, Wal, walSegmentName } from '../../src/wal/index.ts';
import { cfg, collect, payload, readAll, removeDirs, segFiles, thrown, tmpDir } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => removeDirs(dirs));

/** Open file descriptors of this process (Linux). */
function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** A begun log in a fresh directory. */
function begun(over: Parameters<typeof cfg>[1] = {}): { wal: Wal; dir: string } {
  const dir = tmpDir(dirs);
  const wal = Wal.open(cfg(dir, over));
  collect(wal);
  wal.begin(0n);
  return { wal, dir };
}

describe('states', () => {
  it('append before begin and replay after begin are refused', async () => {
    const dir = tmpDir(dirs);
    const wal = Wal.open(cfg(dir));
    expect(thrown(() => wal.append(WAL_BATCH, payload(0, 1), 1), 'INTERNAL').message).toBe('wal append: needs begin() first');
    expect(segFiles(dir)).toEqual([]);
    wal.begin(0n);
    thrown(() => collect(wal), 'INTERNAL');
    thrown(() => wal.begin(0n), 'INTERNAL');
    await wal.close();
  });

  it('after close, append throws CLOSED and sync rejects CLOSED; close is idempotent', async () => {
    const { wal } = begun();
    wal.append(WAL_BATCH, payload(0, 10), 1);
    const closing = wal.close();
    expect(thrown(() => wal.append(WAL_BATCH, payload(0, 1), 1), 'CLOSED').message).toBe('wal append: the WAL is closed');
    await closing;
    await wal.close();
    thrown(() => wal.append(WAL_BATCH, payload(0, 1), 1), 'CLOSED');
    thrown(() => wal.rotate(), 'CLOSED');
    thrown(() => wal.release(10n), 'CLOSED');
    await expect(wal.sync()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('rejects invalid records without writing', async () => {
    const { wal, dir } = begun();
    thrown(() => wal.append(3, payload(0, 1), 1), 'INVALID_INPUT');
    // type 2, the retired drop range, even well formed (16 bytes); the door does not name it
    thrown(() => wal.append(2, payload(0, 16), 0), 'INVALID_INPUT');
    expect(Object.keys(await import('../../src/wal/index.ts')).filter((k) => /DROP|DropRange/.test(k))).toEqual([]);
    thrown(() => wal.append(WAL_BATCH, payload(0, 1), -1), 'INVALID_INPUT');
    thrown(() => wal.append(WAL_BATCH, payload(0, 1), 2 ** 32), 'INVALID_INPUT');
    thrown(() => wal.append(WAL_BATCH, payload(0, 1), 1.5), 'INVALID_INPUT');
    expect(wal.append(WAL_BATCH, payload(0, 1), 1)).toBe(1n);
    await wal.close();
    expect((await readAll(cfg(dir))).recs.length).toBe(1);
  });

  it('rejects a bad watermark', () => {
    thrown(() => Wal.open(cfg(tmpDir(dirs), { rotateWm: 0 })), 'INVALID_INPUT');
  });
});

describe('write failure', () => {
  it('a failed write is IO and the log refuses every later append', async () => {
    const { wal, dir } = begun();
    expect(wal.append(WAL_BATCH, payload(0, 10), 1)).toBe(1n);
    // fault injection on the real file: swap the segment's descriptor for a read-only one
    const seg = path.join(dir, walSegmentName(1n));
    const fd = fs.readdirSync('/proc/self/fd').map(Number).find((n) => {
      try {
        return fs.readlinkSync(`/proc/self/fd/${n}`) === fs.realpathSync(seg);
      } catch {
        return false;
      }
    });
    expect(fd).toBeDefined();
    fs.closeSync(fd!);
    expect(fs.openSync('/dev/null', 'r')).toBe(fd); // the lowest free number: the Wal now owns it
    const e = thrown(() => wal.append(WAL_BATCH, payload(1, 10), 1), 'IO');
    expect(e.message).toMatch(/^wal append: .*00000000000000000001\.wal: .*refuses further appends/);
    expect(e.retryable).toBe(false);
    expect(thrown(() => wal.append(WAL_BATCH, payload(2, 10), 1), 'IO').message).toMatch(/^wal append: the WAL refuses writes after an earlier failure/);
    thrown(() => wal.rotate(), 'IO');
    await wal.close().catch(() => {});
    expect((await readAll(cfg(dir))).recs.map((r) => r.lsn)).toEqual([1n]);
  });
});

describe('sync', () => {
  it('concurrent callers all resolve and every append is on disk', async () => {
    const { wal, dir } = begun({ rotateWm: 8192 });
    const syncs: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      wal.append(WAL_BATCH, payload(i, 100 + i), 1);
      syncs.push(wal.sync());
    }
    await Promise.all(syncs);
    expect(segFiles(dir).length).toBeGreaterThan(3);
    const { recs } = await readAll(cfg(dir)); // another handle: what is in the files
    expect(recs.map((r) => r.lsn)).toEqual(Array.from({ length: 200 }, (_, i) => BigInt(i + 1)));
    expect(recs[199]!.payload).toEqual(payload(199, 299));
    await wal.close();
  });

  it('callers share flushes: one in flight, the next one for all who came later', async () => {
    const { wal } = begun();
    wal.append(WAL_BATCH, payload(0, 10), 1);
    const first = wal.sync();
    expect(wal.sync()).toBe(first); // nothing appended since the flush started: it covers this caller
    wal.append(WAL_BATCH, payload(1, 10), 1);
    const second = wal.sync();
    expect(second).not.toBe(first);
    expect(wal.sync()).toBe(second);
    wal.append(WAL_BATCH, payload(2, 10), 1);
    expect(wal.sync()).toBe(second); // still waiting: the next flush covers this append too
    await Promise.all([first, second]);
    const done = wal.sync();
    expect(await done).toBeUndefined(); // nothing new: resolves at once
    await wal.close();
  });

  for (const syncOnRotate of [false, true]) {
    it(`a sync pending across rotations resolves, and no descriptor leaks (syncOnRotate ${syncOnRotate})`, async () => {
      const before = openFds();
      const { wal, dir } = begun({ rotateWm: 1024, syncOnRotate });
      wal.append(WAL_BATCH, payload(0, 500), 1);
      const early = wal.sync();
      for (let i = 1; i < 40; i++) wal.append(WAL_BATCH, payload(i, 500), 1);
      const late = wal.sync();
      expect(segFiles(dir).length).toBeGreaterThan(15);
      await Promise.all([early, late]);
      for (let i = 40; i < 80; i++) wal.append(WAL_BATCH, payload(i, 500), 1);
      await wal.close();
      expect(openFds()).toBe(before);
      expect((await readAll(cfg(dir))).recs.length).toBe(80);
    });
  }
});

describe('rotate, release, stats', () => {
  /** A log of segments starting at lsns 1, 4, 7, 10 (current): 3 records of 100 bytes each. */
  function fourSegments(): { wal: Wal; dir: string } {
    const b = begun({ rotateWm: 16 + 3 * 124 });
    for (let i = 0; i < 9; i++) b.wal.append(WAL_BATCH, payload(i, 100), 1);
    expect(segFiles(b.dir)).toEqual([1n, 4n, 7n, 10n].map(walSegmentName));
    return b;
  }

  it('release deletes exactly the segments whose records are all below the lsn', async () => {
    const { wal, dir } = fourSegments();
    expect(wal.release(0n)).toBe(0);
    expect(wal.release(3n)).toBe(0); // segment 1 holds lsn 3
    expect(segFiles(dir)).toEqual([1n, 4n, 7n, 10n].map(walSegmentName));
    expect(wal.release(4n)).toBe(1);
    await wal.released(); // unlinked on the thread pool
    expect(segFiles(dir)).toEqual([4n, 7n, 10n].map(walSegmentName));
    expect(wal.release(8n)).toBe(1);
    await wal.released();
    expect(segFiles(dir)).toEqual([7n, 10n].map(walSegmentName));
    expect(wal.release(1000n)).toBe(1); // never the current segment
    await wal.released();
    expect(segFiles(dir)).toEqual([walSegmentName(10n)]);
    expect(wal.release(1000n)).toBe(0);
    expect(wal.stats()).toEqual({ segments: 1, bytes: 16, firstLsn: 10n, lastLsn: 9n });
    wal.append(WAL_BATCH, payload(9, 100), 1);
    await wal.close();
    const { recs, report } = await readAll(cfg(dir));
    expect(recs.map((r) => r.lsn)).toEqual([10n]);
    expect(report.lastLsn).toBe(10n);
  });

  it('release before begin keeps the last segment', async () => {
    const { wal, dir } = fourSegments();
    await wal.close();
    fs.unlinkSync(path.join(dir, walSegmentName(10n)));
    const again = Wal.open(cfg(dir));
    expect(again.release(1000n)).toBe(2);
    await again.released();
    expect(segFiles(dir)).toEqual([walSegmentName(7n)]);
    expect(collect(again).recs.map((r) => r.lsn)).toEqual([7n, 8n, 9n]);
    await again.close();
  });

  it('released() reports a segment that could not be unlinked; the log goes on', async () => {
    const { wal, dir } = fourSegments();
    // a directory where the segment was: unlink fails with EISDIR/EPERM, not ENOENT
    fs.unlinkSync(path.join(dir, walSegmentName(1n)));
    fs.mkdirSync(path.join(dir, walSegmentName(1n)));
    expect(wal.release(4n)).toBe(1);
    await expect(wal.released()).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/^wal release: /) });
    wal.append(WAL_BATCH, payload(9, 100), 1);
    await wal.close();
    fs.rmdirSync(path.join(dir, walSegmentName(1n)));
  });

  it('stats count segments, bytes and the lsn range', async () => {
    const { wal, dir } = fourSegments();
    const bytes = segFiles(dir).reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0);
    expect(bytes).toBe(3 * (16 + 3 * 124) + 16);
    expect(wal.stats()).toEqual({ segments: 4, bytes, firstLsn: 1n, lastLsn: 9n });
    expect(wal.lastLsn).toBe(9n);
    await wal.close();
    expect(Wal.open(cfg(dir)).stats()).toEqual({ segments: 4, bytes, firstLsn: 1n, lastLsn: 0n });
  });

  it('rotate starts a segment at the next lsn, and is a no-op on an empty segment', async () => {
    const { wal, dir } = begun();
    wal.rotate();
    expect(segFiles(dir)).toEqual([walSegmentName(1n)]);
    wal.append(WAL_BATCH, payload(0, 10), 1);
    wal.rotate();
    wal.rotate();
    expect(segFiles(dir)).toEqual([walSegmentName(1n), walSegmentName(2n)]);
    expect(wal.append(WAL_BATCH, payload(1, 10), 1)).toBe(2n);
    await wal.close();
    expect((await readAll(cfg(dir))).recs.map((r) => r.lsn)).toEqual([1n, 2n]);
  });

  it('errors are StrataErrors whose message starts with the operation', async () => {
    const dir = tmpDir(dirs);
    fs.writeFileSync(path.join(dir, 'file'), '');
    try {
      Wal.open(cfg(path.join(dir, 'file', 'wal')));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StrataError);
      expect((e as StrataError).code).toBe('IO');
      expect((e as StrataError).message).toMatch(/^wal open: /);
    }
  });
});
