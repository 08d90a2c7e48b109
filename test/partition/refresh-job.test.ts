// The refresh job: the append refresh (the old file's regions copied, new regions after
// them) against a full rewrite, for every codec, with and without encryption; when the
// job appends and when it must rewrite; and the bulk merge (stretches, deletes, newest
// source wins) against a record-by-record model, on real memtables in real arena slabs.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { Encryption, generateKey } from '../../src/codec/encryption.ts';
import { PartitionFileWriter, type FileWriterOptions } from '../../src/partition/file-writer.ts';
import { PartitionFile } from '../../src/partition/file-reader.ts';
import { Arena, Memtable, type MemtableRun, type RefreshJob, runRefreshJob } from '../../src/partition/index.ts';
import { error } from '../expect-error.ts';
import { type Ev, encode } from './records.ts';
import { toVersion1 } from './version1.ts';

let dir = '';
let seq = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-job-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (): string => join(dir, `${seq++}.part`);

const KEY = generateKey();
const CODECS = [Codec.none, Codec.zstd, Codec.lz4];
const IDENTITY = { min: 0n, max: 1n << 40n, generation: 7, lsn: 99n };

/** An event to write, or a delete marker (`del`). */
interface Op extends Ev {
  del?: boolean;
}

const ev = (id: number | bigint, key = 'k', value = `value of ${id}`.padEnd(40 + (Number(id) % 60), '.')): Op => ({
  id: BigInt(id), key: Buffer.from(key), value: Buffer.from(value),
});
const range = (from: number, to: number): Op[] => Array.from({ length: to - from }, (_, i) => ev(from + i));
const cmp = (a: Ev, b: Ev): number => (a.id === b.id ? Buffer.compare(a.key, b.key) : a.id < b.id ? -1 : 1);

function opts(o: Partial<FileWriterOptions> = {}): FileWriterOptions {
  return { regionSize: 4096, codec: Codec.zstd, level: 1, encryption: Encryption.none, key: null, sync: false, identity: IDENTITY, ...o };
}

/** Writes the sorted events `evs` into a new file with `o`; returns its path. */
function writeFile(evs: readonly Ev[], o: Partial<FileWriterOptions> = {}): string {
  const path = fresh();
  const { buf, offs } = encode(evs);
  const w = new PartitionFileWriter(path, opts(o));
  for (const off of offs) w.add(buf, off);
  w.finish();
  return path;
}

/**
 * A frozen memtable holding `batches`, as the write path fills one: each batch copied
 * into the arena with one copy, then each of its records inserted (a later one with
 * the same `(id, key)` replaces the earlier).
 */
function memtable(arena: Arena, batches: readonly (readonly Op[])[]): MemtableRun {
  const mt = new Memtable(arena);
  for (const batch of batches) {
    const parts = batch.map((e) => encode([e], e.del === true ? 1 : 0).buf);
    const bytes = Buffer.concat(parts);
    const at = arena.copy(bytes, 0, bytes.length);
    let off = at.off;
    for (const p of parts) {
      mt.insert(at.slab, off);
      off += p.length;
    }
  }
  return mt.run();
}

/** Every record of the file at `path`, decoded, as events. */
function scanFile(path: string, key: Uint8Array | null = null): Ev[] {
  const f = PartitionFile.open(path, key);
  try {
    const out: Ev[] = [];
    for (let i = 0; i < f.regions; i++) {
      const r = Buffer.from(f.readRegion(i));
      for (let p = 0; p < r.length;) {
        const kl = r[p + 12]!;
        const vl = r.readUInt32LE(p + 8);
        out.push({ id: r.readBigUInt64LE(p), key: r.subarray(p + 14, p + 14 + kl), value: r.subarray(p + 14 + kl, p + 14 + kl + vl) });
        p += 14 + kl + vl;
      }
    }
    return out;
  } finally {
    f.close();
  }
}

/** What a refresh must produce: the old events, then the batches in order; later wins; deletes remove. */
function model(old: readonly Ev[], batches: readonly (readonly Op[])[]): Ev[] {
  const m = new Map<string, Op>();
  const k = (e: Ev): string => `${e.id}/${Buffer.from(e.key).toString('hex')}`;
  for (const e of old) m.set(k(e), e);
  for (const b of batches) for (const e of b) m.set(k(e), e);
  return [...m.values()].filter((e) => e.del !== true).sort(cmp);
}

const same = (a: readonly Ev[], b: readonly Ev[]): void => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < a.length; i++) {
    expect([a[i]!.id, Buffer.from(a[i]!.key).toString('hex'), Buffer.from(a[i]!.value).toString('hex')])
      .toEqual([b[i]!.id, Buffer.from(b[i]!.key).toString('hex'), Buffer.from(b[i]!.value).toString('hex')]);
  }
};

function job(oldPath: string | null, runs: MemtableRun[], o: Partial<FileWriterOptions>, append: boolean, oldKey: Uint8Array | null = o.key ?? null): RefreshJob {
  return { oldPath, oldKey, runs, newPath: fresh(), writer: opts(o), append };
}

describe('the append refresh', () => {
  for (const codec of CODECS) {
    for (const encryption of [Encryption.none, Encryption.aes]) {
      it(`codec ${codec}, encryption ${encryption}: copies the old regions but the last, numbers the new ones on, and makes the regions of a rewrite`, () => {
        const o = { codec, encryption, key: encryption === Encryption.aes ? KEY : null };
        const old = range(0, 300);
        const oldPath = writeFile(old, o);
        const batches = [range(300, 350), range(350, 600)];
        const runs = [memtable(new Arena(64 * 1024), batches)];
        const a = job(oldPath, runs, o, true);
        const b = job(oldPath, runs, o, false);
        const ra = runRefreshJob(a);
        const rb = runRefreshJob(b);
        expect([ra.appended, rb.appended]).toEqual([true, false]);
        expect([ra.events, rb.events, ra.sizeUncompressed, ra.regions]).toEqual([600, 600, rb.sizeUncompressed, rb.regions]);
        // both pass every check of the reader, and hold the same events
        const want = model(old, batches);
        same(scanFile(a.newPath, o.key), want);
        same(scanFile(b.newPath, o.key), want);
        // without encryption (no random nonces) the append is the rewrite, byte for byte
        if (encryption === Encryption.none) expect(readFileSync(a.newPath).equals(readFileSync(b.newPath))).toBe(true);
        const f = PartitionFile.open(a.newPath, o.key);
        const g = PartitionFile.open(oldPath, o.key);
        const h = PartitionFile.open(b.newPath, o.key);
        try {
          expect([f.version, f.identity, f.codec, f.encryption, f.size]).toEqual([2, IDENTITY, codec, encryption, ra.size]);
          expect(g.regions).toBeGreaterThan(2);
          expect(f.regions).toBeGreaterThan(g.regions);
          // the old regions but the last, byte for byte, at the same offsets, with the same index entries
          const kept = g.regions - 1;
          const end = g.index.offsets[kept]!;
          expect(readFileSync(a.newPath).subarray(0, end).equals(readFileSync(oldPath).subarray(0, end))).toBe(true);
          for (let i = 0; i < kept; i++) {
            expect([f.index.offsets[i], f.index.sizes[i], f.index.crcs[i], f.index.events[i]])
              .toEqual([g.index.offsets[i], g.index.sizes[i], g.index.crcs[i], g.index.events[i]]);
          }
          // the regions are cut where the rewrite cut them
          expect([...f.index.events]).toEqual([...h.index.events]);
          expect([...f.index.sizesUncompressed]).toEqual([...h.index.sizesUncompressed]);
          // every new region decodes (an encrypted one only under its own number as AAD)
          for (let i = kept; i < f.regions; i++) expect(f.readRegion(i).length).toBe(f.index.sizesUncompressed[i]);
        } finally {
          f.close();
          g.close();
          h.close();
        }
      });
    }
  }

  it('appends again to an appended file, and to a version-1 file (which gets a version-2 header)', () => {
    const o = { codec: Codec.lz4, encryption: Encryption.aes, key: KEY };
    const first = writeFile(range(0, 100), o);
    const v1 = fresh();
    writeFileSync(v1, toVersion1(readFileSync(first)));
    const j1 = job(v1, [memtable(new Arena(), [range(100, 200)])], o, true);
    expect(runRefreshJob(j1).appended).toBe(true);
    const j2 = job(j1.newPath, [memtable(new Arena(), [range(200, 250)]), memtable(new Arena(), [range(250, 300)])], o, true);
    expect(runRefreshJob(j2)).toMatchObject({ appended: true, events: 300 });
    same(scanFile(j2.newPath, KEY), range(0, 300));
    expect(readFileSync(j2.newPath).readUInt32LE(4)).toBe(2);
  });

  it('drops delete markers that sort after the old file; nothing written after them is lost', () => {
    const o = { codec: Codec.none };
    const oldPath = writeFile(range(0, 100), o);
    const batches = [[...range(100, 110), { ...ev(120), del: true }, ev(130)], [{ ...ev(105), del: true }]];
    const j = job(oldPath, [memtable(new Arena(), batches)], o, true);
    expect(runRefreshJob(j)).toMatchObject({ appended: true, events: 110 });
    same(scanFile(j.newPath), model(range(0, 100), batches));
  });

  it('rewrites when an event does not sort after the old file, the settings or key differ, the job is a move, or the old file is empty', () => {
    const o = { codec: Codec.zstd, encryption: Encryption.aes, key: KEY };
    const old = range(0, 100);
    const oldPath = writeFile(old, o);
    const cases: [string, Op[][], Partial<FileWriterOptions>, boolean][] = [
      ['the old last event replaced', [[ev(99, 'k', 'new value of 99'), ...range(100, 110)]], o, true],
      ['an event before the old last', [[ev(42, 'a'), ...range(100, 110)]], o, true],
      ['the old last event deleted', [[{ ...ev(99), del: true }]], o, true],
      ['another codec', [range(100, 110)], { ...o, codec: Codec.lz4 }, true],
      ['no encryption', [range(100, 110)], { codec: Codec.zstd }, true],
      ['another key', [range(100, 110)], { ...o, key: generateKey() }, true],
      ['a move', [range(100, 110)], o, false],
    ];
    for (const [what, batches, w, append] of cases) {
      const j = job(oldPath, [memtable(new Arena(), batches)], w, append, KEY);
      const r = runRefreshJob(j);
      expect([what, r.appended]).toEqual([what, false]);
      same(scanFile(j.newPath, w.key ?? null), model(old, batches));
    }
    // an empty old file is rewritten (nothing to copy)
    const empty = writeFile([], o);
    const j = job(empty, [memtable(new Arena(), [range(5, 9)])], o, true);
    expect(runRefreshJob(j)).toMatchObject({ appended: false, events: 4 });
  });

  it('a memtable out of order fails the job with INTERNAL and leaves no file (append and rewrite)', () => {
    const oldPath = writeFile(range(0, 10));
    // records 20, 30, 25 back to back in one slab, listed in that (wrong) order
    const { buf } = encode([ev(20), ev(30), ev(25)]);
    const slab = new Uint8Array(new SharedArrayBuffer(buf.length));
    slab.set(buf);
    const sizes = [0, 1, 2].map((i) => encode([[ev(20), ev(30), ev(25)][i]!]).buf.length);
    const bad: MemtableRun = { slabs: [slab], slab: Uint32Array.of(0, 0, 0), off: Uint32Array.of(0, sizes[0]!, sizes[0]! + sizes[1]!) };
    for (const append of [true, false]) {
      const j = job(oldPath, [bad], {}, append);
      expect(error(() => runRefreshJob(j))).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/does not sort after the previous record/) });
      expect(existsSync(j.newPath)).toBe(false);
    }
  });

  it('an old file whose region is damaged fails a rewrite with CORRUPTION and leaves no file', () => {
    const oldPath = writeFile(range(0, 200), { codec: Codec.none });
    const f = PartitionFile.open(oldPath);
    const at = f.index.offsets[1]! + 20;
    f.close();
    const bytes = readFileSync(oldPath);
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(oldPath, bytes);
    // an event before the old last: the job must read the old regions
    const j = job(oldPath, [memtable(new Arena(), [[ev(5, 'a')]])], { codec: Codec.none }, true);
    expect(error(() => runRefreshJob(j))).toMatchObject({ code: 'CORRUPTION', message: expect.stringMatching(/region 1 crc mismatch/) });
    expect(readdirSync(dir).includes(j.newPath.slice(dir.length + 1))).toBe(false);
  });
});

describe('the bulk merge', () => {
  const idArb = fc.integer({ min: 0, max: 400 });
  const opArb = fc.record({
    id: idArb,
    key: fc.constantFrom('', 'a', 'b', 'zz'),
    value: fc.integer({ min: 0, max: 300 }),
    del: fc.integer({ min: 0, max: 4 }).map((x) => x === 0),
  });
  const batchArb = fc.oneof(
    fc.array(opArb, { maxLength: 30 }),
    // in order, as serial ids are written: long stretches
    fc.record({ from: idArb, n: fc.integer({ min: 1, max: 120 }), key: fc.constantFrom('', 'k') }).map(({ from, n, key }) =>
      Array.from({ length: n }, (_, i) => ({ id: from + i, key, value: (from + i) % 250, del: false }))),
  );
  const toOp = (o: { id: number; key: string; value: number; del: boolean }): Op => ({
    ...ev(o.id, o.key, 'v'.repeat(o.value)), ...(o.del ? { del: true } : {}),
  });

  it('writes what a record-by-record merge writes, byte for byte, for any memtables and old file', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 150 }),
        fc.array(fc.array(batchArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.constantFrom(Codec.none, Codec.zstd),
        fc.boolean(),
        (oldOps, memtables, regionSize, codec, append) => {
          const old = model([], [oldOps.map((o) => toOp({ ...o, del: false }))]);
          const oldPath = old.length === 0 ? null : writeFile(old, { regionSize: 1 + (regionSize % 700), codec });
          const arena = new Arena(8 * 1024);
          const batches = memtables.map((m) => m.map((b) => b.map(toOp)));
          const runs = batches.map((m) => memtable(arena, m));
          const o = { regionSize, codec };
          const j = job(oldPath, runs, o, append);
          const r = runRefreshJob(j);
          const want = model(old, batches.flat());
          expect(r.events).toBe(want.length);
          if (want.length === 0) {
            expect(existsSync(j.newPath)).toBe(false);
            return;
          }
          same(scanFile(j.newPath), want);
          // the same file, written one record at a time (after the old file's regions but
          // the last when it appended)
          const path = fresh();
          let w: PartitionFileWriter;
          let kept = 0;
          if (r.appended) {
            const f = PartitionFile.open(oldPath!);
            for (let i = 0; i < f.regions - 1; i++) kept += f.regionEvents(i);
            w = PartitionFileWriter.append(path, opts(o), f, f.regions - 1);
            f.close();
          } else {
            w = new PartitionFileWriter(path, opts(o));
          }
          const { buf, offs } = encode(want.slice(kept));
          for (const off of offs) w.add(buf, off);
          expect(w.finish()).toEqual({ regions: r.regions, events: r.events, size: r.size, sizeUncompressed: r.sizeUncompressed });
          expect(readFileSync(j.newPath).equals(readFileSync(path))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('an append makes the file a rewrite makes, byte for byte, when the events come after the old file', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { minLength: 1, maxLength: 150 }),
        fc.array(fc.array(batchArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.constantFrom(Codec.none, Codec.zstd, Codec.lz4),
        (oldOps, memtables, regionSize, codec) => {
          const old = model([], [oldOps.map((o) => toOp({ ...o, del: false }))]);
          const o = { regionSize, codec };
          const oldPath = writeFile(old, o);
          // every memtable event after the old file's last
          const batches = memtables.map((m) => m.map((b) => b.map((x) => toOp({ ...x, id: x.id + 1000 }))));
          const arena = new Arena(8 * 1024);
          const runs = batches.map((m) => memtable(arena, m));
          const a = job(oldPath, runs, o, true);
          const b = job(oldPath, runs, o, false);
          const ra = runRefreshJob(a);
          const rb = runRefreshJob(b);
          const f = PartitionFile.open(oldPath);
          const regions = f.regions;
          f.close();
          expect(ra.appended).toBe(regions >= 2);
          expect({ ...ra, appended: false }).toEqual(rb);
          expect(readFileSync(a.newPath).equals(readFileSync(b.newPath))).toBe(true);
          same(scanFile(a.newPath), model(old, batches.flat()));
        },
      ),
      { numRuns: 100 },
    );
  });
});
