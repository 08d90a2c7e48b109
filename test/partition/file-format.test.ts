// Partition file format: round trips, seek, writer contract, lifecycle, and the
// exact bytes of the worked example in docs/partition-format.md.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { PartitionFileWriter } from '../../src/partition/file-writer.ts';
import type { FileWriterOptions } from '../../src/partition/file-writer.ts';
import { PartitionFile } from '../../src/partition/file-reader.ts';
import { DEFAULT_REGION_SIZE } from '../../src/partition/file-format.ts';
import { FileIterator } from '../../src/partition/file-iterator.ts';
import { RegionBuffers } from '../../src/partition/region-buffers.ts';
import { type Ev, encode, WIDE } from './records.ts';

const ev = (id: bigint, key: string | Uint8Array, value: string | Uint8Array): Ev => ({
  id,
  key: typeof key === 'string' ? Buffer.from(key) : key,
  value: typeof value === 'string' ? Buffer.from(value) : value,
});

let dir = '';
let seq = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (): string => join(dir, `${seq++}.part`);
const opts = (o: Partial<FileWriterOptions> = {}): FileWriterOptions => ({
  regionSize: DEFAULT_REGION_SIZE, codec: Codec.none, level: 1, encryption: 0, key: null, sync: false, identity: WIDE, ...o,
});

/** Writes `evs` with `o`, record by record, and returns the path and the summary. */
function write(evs: readonly Ev[], o: Partial<FileWriterOptions> = {}) {
  const path = fresh();
  const { buf, offs } = encode(evs);
  const w = new PartitionFileWriter(path, opts(o));
  for (const off of offs) w.add(buf, off);
  return { path, buf, summary: w.finish() };
}

/** All regions of `f`, concatenated. */
function readAll(f: PartitionFile): Buffer {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < f.regions; i++) parts.push(f.readRegion(i));
  return Buffer.concat(parts);
}

/** 300 events with ids 0, 10, 20... (some with two keys) and values of varied size. */
function sample(): Ev[] {
  const evs: Ev[] = [];
  for (let i = 0; i < 300; i++) {
    const value = Buffer.alloc((i * 37) % 500, i & 0xff);
    evs.push(ev(BigInt(i * 10), '', value));
    if (i % 3 === 0) evs.push(ev(BigInt(i * 10), `k${i}`, 'v'));
    if (i === 149) evs.push(ev(1495n, 'big', Buffer.alloc(20_000, 7))); // larger than the small region sizes
  }
  return evs;
}

describe('partition file round trip', () => {
  for (const codec of [Codec.none, Codec.zstd, Codec.lz4]) {
    for (const regionSize of [1, 100, 4096, DEFAULT_REGION_SIZE]) {
      it(`codec ${codec}, region size ${regionSize}`, () => {
        const evs = sample();
        const { path, buf, summary } = write(evs, { codec, regionSize, sync: regionSize === 4096 });
        const f = PartitionFile.open(path);
        expect(summary.size).toBe(statSync(path).size);
        expect(f.size).toBe(summary.size);
        expect([f.regions, f.events, f.sizeUncompressed]).toEqual([summary.regions, evs.length, buf.length]);
        expect(summary.sizeUncompressed).toBe(buf.length);
        expect(f.codec).toBe(codec);
        expect([f.minHi, f.minLo, f.maxHi, f.maxLo]).toEqual([0, 0, 0, 2990]);
        expect(readAll(f).equals(buf)).toBe(true);
        let n = 0;
        for (let i = 0; i < f.regions; i++) {
          const r = f.readRegion(i);
          n += f.regionEvents(i);
          // a region holds at most regionSize bytes unless it is one big record
          if (r.length > regionSize) expect(f.regionEvents(i)).toBe(1);
          // and is cut only when the next record does not fit
          if (i + 1 < f.regions) {
            const next = Buffer.from(f.readRegion(i + 1));
            expect(r.length + 14 + next[12]! + next.readUInt32LE(8)).toBeGreaterThan(regionSize);
          }
        }
        expect(n).toBe(evs.length);
        if (regionSize === 1) expect(f.regions).toBe(evs.length);
        if (buf.length <= regionSize) expect(f.regions).toBe(1);
        if (codec !== Codec.none) expect(f.size).toBeLessThan(buf.length / 2);
        f.close();
      });
    }
  }

  for (const codec of [Codec.none, Codec.zstd, Codec.lz4]) {
    it(`codec ${codec}: regions read into reused buffers hold what fresh reads hold, and retired buffers stay intact until released`, () => {
      const evs = sample();
      const { path, buf } = write(evs, { codec, regionSize: 4096 });
      const f = PartitionFile.open(path);
      const buffers = new RegionBuffers();
      const seen = new Set<ArrayBufferLike>();
      let held: { copy: Buffer; view: Uint8Array } | null = null;
      for (let i = 0; i < f.regions; i++) {
        const r = f.readRegion(i, buffers);
        expect(Buffer.from(r).equals(Buffer.from(f.readRegion(i)))).toBe(true);
        seen.add(r.buffer);
        // the previous region was retired, not released: its bytes are as they were
        if (held !== null) expect(Buffer.from(held.view).equals(held.copy)).toBe(true);
        if (held !== null) buffers.release();
        buffers.retire(r);
        held = { copy: Buffer.from(r), view: r };
      }
      // lz4 decodes into new buffers (lz4-napi has no call that decodes into a given one)
      if (codec === Codec.lz4) expect(seen.size).toBe(f.regions);
      else expect(seen.size).toBeLessThanOrEqual(2);
      // a FileIterator over the same buffers walks the same records
      const it = new FileIterator(f, buffers);
      it.seek(new Uint8Array(14), 0, false);
      const parts: Buffer[] = [];
      while (it.valid) {
        const n = 14 + it.buf[it.off + 12]! + Buffer.from(it.buf.buffer, it.buf.byteOffset).readUInt32LE(it.off + 8);
        parts.push(Buffer.from(it.buf.subarray(it.off, it.off + n)));
        it.next();
        buffers.release();
      }
      expect(Buffer.concat(parts).equals(buf)).toBe(true);
      f.close();
    });
  }

  it('keeps extreme ids and keys: ids 0 and 2^64-1, keys of 0 and 255 bytes', () => {
    const max = (1n << 64n) - 1n;
    const k255 = Buffer.alloc(255, 0xff);
    const evs = [ev(0n, '', ''), ev(0n, k255, 'a'), ev(1n << 32n, 'x', ''), ev(max, '', 'z'), ev(max, k255, '')];
    for (const regionSize of [1, 1000]) {
      const { path, buf } = write(evs, { regionSize });
      const f = PartitionFile.open(path);
      expect([f.minHi, f.minLo, f.maxHi, f.maxLo]).toEqual([0, 0, 0xffffffff, 0xffffffff]);
      expect(readAll(f).equals(buf)).toBe(true);
      const last = f.regions - 1;
      expect(Buffer.from(f.index.maxKeys[last]!).equals(k255)).toBe(true);
      expect(f.index.minKeys[0]!.length).toBe(0);
      expect(f.seek(0xffffffff, 0xffffffff)).toBe(regionSize === 1 ? 3 : 0);
      f.close();
    }
  });

  it('writes and reads an empty file (0 events, 0 regions, ids 0)', () => {
    const { path, summary } = write([]);
    expect(summary).toEqual({ regions: 0, events: 0, size: 128, sizeUncompressed: 0 });
    const f = PartitionFile.open(path);
    expect([f.regions, f.events, f.minHi, f.minLo, f.maxHi, f.maxLo]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(f.seek(0, 0)).toBe(0);
    f.close();
  });

  it('addRun writes the same bytes as add, record by record', () => {
    const evs = sample();
    const { buf, offs } = encode(evs);
    for (const regionSize of [1, 700, 50_000]) {
      const a = write(evs, { regionSize, codec: Codec.zstd });
      const path = fresh();
      const w = new PartitionFileWriter(path, opts({ regionSize, codec: Codec.zstd }));
      // runs of 1, 2, 3... records
      for (let i = 0, len = 1; i < offs.length; i += len, len++) {
        const j = Math.min(i + len, offs.length);
        w.addRun(buf, offs[i]!, offs[j] ?? buf.length, j - i, offs[j - 1]!);
      }
      expect(w.finish()).toEqual(a.summary);
      expect(readFileSync(path).equals(readFileSync(a.path))).toBe(true);
    }
  });
});

describe('seek', () => {
  it('finds the first region whose last id is >= the id, for every id near a boundary', () => {
    const evs: Ev[] = [];
    for (let i = 0; i < 200; i++) for (let k = 0; k < 1 + (i % 4); k++) evs.push(ev(BigInt(i * 3) + (1n << 33n), `${k}`, 'xx'));
    const { path } = write(evs, { regionSize: 64 });
    const f = PartitionFile.open(path);
    expect(f.regions).toBeGreaterThan(50);
    // expected from the decoded regions themselves
    const lastIds = Array.from({ length: f.regions }, (_, i) => {
      const r = Buffer.from(f.readRegion(i));
      let o = 0;
      let last = 0n;
      while (o < r.length) {
        last = r.readBigUInt64LE(o);
        o += 14 + r[o + 12]! + r.readUInt32LE(o + 8);
      }
      return last;
    });
    for (let id = 0n; id < 620n; id++) {
      const probe = id + (1n << 33n) - 5n;
      const want = lastIds.findIndex((l) => l >= probe);
      expect(f.seek(Number(probe >> 32n), Number(probe & 0xffffffffn))).toBe(want === -1 ? f.regions : want);
    }
    expect(f.seek(0, 0)).toBe(0);
    expect(f.seek(0xffffffff, 0xffffffff)).toBe(f.regions);
    f.close();
  });
});

describe('writer contract', () => {
  const two = encode([ev(5n, 'b', ''), ev(5n, 'a', ''), ev(5n, 'b', '')]);

  it('rejects a record that does not sort after the previous one, or a duplicate', () => {
    for (const second of [1, 2]) {
      const w = new PartitionFileWriter(fresh(), opts());
      w.add(two.buf, two.offs[0]!);
      expect(() => w.add(two.buf, two.offs[second]!)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
      w.abort();
    }
  });

  it('rejects delete records and records that run past their buffer', () => {
    const del = encode([ev(1n, '', 'x')], 1);
    const w = new PartitionFileWriter(fresh(), opts());
    expect(() => w.add(del.buf, 0)).toThrow(/delete/);
    expect(() => w.add(two.buf.subarray(0, 10), 0)).toThrow(/runs past/);
    expect(() => w.add(two.buf, two.buf.length - 3)).toThrow(/runs past/);
    w.abort();
  });

  it('rejects bad options before creating anything, and an existing path', () => {
    const path = fresh();
    expect(() => new PartitionFileWriter(path, opts({ regionSize: 0 }))).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    expect(() => new PartitionFileWriter(path, opts({ codec: 9 }))).toThrow(/unknown codec id 9/);
    expect(() => new PartitionFileWriter(path, opts({ encryption: 2 }))).toThrow(/unknown encryption id 2/);
    const noKey = /^write partition file: .*: an encryption key is 32 bytes \(AES-256\); got none$/;
    expect(() => new PartitionFileWriter(path, opts({ encryption: 1 }))).toThrow(noKey);
    expect(() => new PartitionFileWriter(path, opts({ encryption: 1, key: new Uint8Array(16) }))).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringMatching(/got 16 bytes$/) }),
    );
    expect(existsSync(path)).toBe(false);
    writeFileSync(path, 'taken');
    expect(() => new PartitionFileWriter(path, opts())).toThrow(expect.objectContaining({ code: 'IO' }));
    expect(readFileSync(path, 'utf8')).toBe('taken');
  });

  it('abort removes the partial file; after finish it keeps the file; a used writer refuses more', () => {
    const path = fresh();
    const w = new PartitionFileWriter(path, opts({ regionSize: 1 }));
    w.add(two.buf, 0);
    expect(existsSync(path)).toBe(true);
    w.abort();
    w.abort();
    expect(existsSync(path)).toBe(false);
    expect(() => w.add(two.buf, 0)).toThrow(/finished or aborted/);
    const done = write([ev(1n, '', '')]);
    const w2 = new PartitionFileWriter(fresh(), opts());
    w2.finish();
    w2.abort();
    expect(() => w2.finish()).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(existsSync(done.path)).toBe(true);
  });
});

describe('file lifetime', () => {
  it('close waits for the last unref; a closed file refuses reads', () => {
    const { path } = write([ev(1n, '', 'a'), ev(2n, '', 'b')], { regionSize: 1 });
    const f = PartitionFile.open(path);
    f.ref();
    f.ref();
    f.close();
    f.close();
    expect(f.readRegion(1).length).toBe(15);
    f.unref();
    expect(f.isOpen).toBe(true);
    f.unref();
    expect(f.isOpen).toBe(false);
    expect(() => f.readRegion(0)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(() => f.ref()).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    expect(() => f.unref()).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    f.close();
  });

  it('rejects a region number out of range', () => {
    const { path } = write([ev(1n, '', 'a')]);
    const f = PartitionFile.open(path);
    for (const i of [-1, 1, 0.5, NaN]) expect(() => f.readRegion(i)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    f.close();
  });
});

describe('worked example of docs/partition-format.md', () => {
  it('has exactly the documented bytes', () => {
    const identity = { min: 0n, max: 999n, generation: 7, lsn: 42n };
    const { path, summary } = write([ev(1n, 'a', 'hi'), ev(2n, '', 'x')], { identity });
    expect(summary).toEqual({ regions: 1, events: 2, size: 203, sizeUncompressed: 32 });
    const hex = [
      '53545250 02000000 00000000 00000000', // header: magic, version 2, flags, reserved
      '0100000000000000 02000000 01 00 61 6869', // record (1, "a", "hi")
      '0200000000000000 01000000 00 00 78', // record (2, "", "x")
      '1000000000000000 20000000 20000000 02000000 1d01f57d', // index entry: offset, sizes, events, crc
      '0100000000000000 0200000000000000 01 61 00', // min id, max id, min key "a", max key ""
      '3000000000000000 2b000000 01ad5886', // footer at 91: index offset, size, crc
      '0200000000000000 0100000000000000 0200000000000000', // events, min id, max id
      '2000000000000000', // size_uncompressed
      '0000000000000000 e703000000000000 0700000000000000 2a00000000000000', // range min, max, generation, lsn
      '01000000 00 00 0000 000000000000000000000000', // regions, codec, encryption, reserved (14 bytes)
      'cce0283b 02000000 53545250', // footer crc, version 2, magic
    ].join('').replaceAll(' ', '');
    expect(readFileSync(path).toString('hex')).toBe(hex);
    const f = PartitionFile.open(path);
    expect([f.version, f.identity]).toEqual([2, identity]);
    f.close();
  });
});
