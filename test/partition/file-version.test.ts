// Partition file format versions: version 2 records which partition a file is (range,
// generation, lsn) and every reader checks it; version-1 files (the worked example of
// the version-1 docs, and multi-region files of every codec) still open and scan.
// Every damage is checked through the three readers that parse a footer: the local
// reader, the remote reader (from the object's bytes) and inspectPartitionFile.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { crc32 } from '../../src/codec/crc.ts';
import { Encryption, generateKey } from '../../src/codec/encryption.ts';
import { recSize } from '../../src/codec/record.ts';
import { PartitionFileWriter, type FileWriterOptions } from '../../src/partition/file-writer.ts';
import { PartitionFile } from '../../src/partition/file-reader.ts';
import { FileIterator } from '../../src/partition/file-iterator.ts';
import { inspectPartitionFile } from '../../src/partition/file-inspect.ts';
import { RemoteFile } from '../../src/partition/remote-file.ts';
import { runRefreshJob } from '../../src/partition/refresh-job.ts';
import { error } from '../expect-error.ts';
import { WIDE } from './records.ts';
import { toVersion1, V1_EXAMPLE, V1_EXAMPLE_RECORDS } from './version1.ts';

const MAX = (1n << 64n) - 1n;
/** Version-2 footer size, and the offsets of its fields (docs/partition-format.md). */
const FOOTER = 112;
const AT = { events: 16, minId: 24, maxId: 32, rangeMin: 48, rangeMax: 56, generation: 64, lsn: 72, crc: 100, version: 104 } as const;

let dir = '';
let seq = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-version-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (): string => join(dir, `${seq++}.part`);
const KEY = generateKey();

/** Writes `n` events with ids `first`, `first + 1`...; key "k"; 60-byte values; small regions. */
function write(n: number, first: bigint, o: Partial<FileWriterOptions> = {}): { path: string; bytes: Buffer; records: Buffer } {
  const path = fresh();
  const w = new PartitionFileWriter(path, { regionSize: 300, codec: Codec.none, level: 1, encryption: 0, key: null, sync: false, identity: WIDE, ...o });
  const rec = Buffer.alloc(14 + 1 + 60);
  const all: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    rec.writeBigUInt64LE(first + BigInt(i), 0);
    rec.writeUInt32LE(60, 8);
    rec[12] = 1;
    rec[14] = 0x6b;
    rec.fill(`event ${i} `, 15);
    w.add(rec, 0);
    all.push(Buffer.from(rec));
  }
  w.finish();
  return { path, bytes: readFileSync(path), records: Buffer.concat(all) };
}

/** Writes `bytes` to a new file and returns its path. */
function put(bytes: Uint8Array): string {
  const path = join(dir, `${seq++}.bad`);
  writeFileSync(path, bytes);
  return path;
}

/** Every record of `f` through a FileIterator (the scan path), concatenated. */
function scanAll(f: PartitionFile): Buffer {
  const it = new FileIterator(f);
  it.seek(new Uint8Array(14), 0, false);
  const out: Buffer[] = [];
  for (; it.valid; it.next()) {
    out.push(Buffer.from(it.buf.subarray(it.off, it.off + recSize(it.buf, it.off))));
  }
  return Buffer.concat(out);
}

/** Opens `bytes` as a remote object (the whole object as its tail), as the engine's reader does. */
function remote(name: string, bytes: Uint8Array, key: Uint8Array | null = null): RemoteFile {
  RemoteFile.indexStart(name, bytes.length, bytes);
  return RemoteFile.open(name, bytes.length, bytes, key, true);
}

/**
 * The errors of the three footer readers on `bytes`: PartitionFile.open,
 * inspectPartitionFile and the remote reader. Each must be CORRUPTION naming the file
 * (or object); returns the part of the message after the name.
 */
function failures(bytes: Uint8Array, key: Uint8Array | null = null): string[] {
  const path = put(bytes);
  const name = `backup:bucket/${seq}.part`;
  const all: [{ code: string; message: string }, string][] = [
    [error(() => PartitionFile.open(path, key)), path],
    [error(() => inspectPartitionFile(path)), path],
    [error(() => remote(name, bytes, key)), name],
  ];
  return all.map(([e, who]) => {
    expect(e.code, e.message).toBe('CORRUPTION');
    const head = `open partition file: ${who}: `;
    expect(e.message.startsWith(head), e.message).toBe(true);
    return e.message.slice(head.length);
  });
}

/** `b` with the footer crc recomputed after an edit (a forger's fix-up). */
function reseal(b: Buffer): Buffer {
  const f = b.length - FOOTER;
  b.writeUInt32LE(crc32(b.subarray(f, f + 100)), f + AT.crc);
  return b;
}

/** A copy of `bytes` with `edit` applied to its version-2 footer (at offset 0 of the footer), crc fixed up. */
function forged(bytes: Buffer, edit: (b: Buffer, f: number) => void): Buffer {
  const b = Buffer.from(bytes);
  edit(b, b.length - FOOTER);
  return reseal(b);
}

describe('version 2: the file says which partition it is', () => {
  const identities = [
    { min: 1000n, max: 1999n, generation: 7, lsn: 42n },
    { min: 0n, max: MAX, generation: Number.MAX_SAFE_INTEGER, lsn: MAX },
    { min: 1050n, max: 1069n, generation: 1, lsn: 0n }, // exactly the events' ids
    { min: (1n << 63n) + 5n, max: (1n << 63n) + 5n, generation: 3, lsn: 1n << 40n }, // a one-id range
  ];
  for (const codec of [Codec.none, Codec.zstd, Codec.lz4]) {
    for (const key of [null, KEY]) {
      it(`codec ${codec}, ${key === null ? 'plain' : 'encrypted'}: range, generation and lsn round-trip through the writer and the local and remote readers`, () => {
        for (const identity of identities) {
          const first = identity.min === identity.max ? identity.min : 1050n;
          const n = identity.min === identity.max ? 1 : 20;
          const { path, bytes, records } = write(n, first, { codec, encryption: key === null ? 0 : Encryption.aes, key, identity });
          const f = PartitionFile.open(path, key);
          expect([f.version, f.identity]).toEqual([2, identity]);
          expect(scanAll(f).equals(records)).toBe(true);
          f.close();
          const r = remote('backup:bucket/x', bytes, key);
          expect([r.version, r.identity, r.events, r.regions]).toEqual([2, identity, n, f.regions]);
          expect(bytes.readUInt32LE(4)).toBe(2); // header version
          expect(bytes.readUInt32LE(bytes.length - 8)).toBe(2); // footer version
        }
      });
    }
  }

  it('the writer copies the identity: changing the caller\'s object after the constructor changes nothing', () => {
    const identity = { min: 0n, max: 100n, generation: 2, lsn: 9n };
    const path = fresh();
    const w = new PartitionFileWriter(path, { regionSize: 300, codec: 0, level: 1, encryption: 0, key: null, sync: false, identity });
    identity.max = 1n;
    identity.generation = 0;
    w.finish();
    expect(inspectPartitionFile(path).identity).toEqual({ min: 0n, max: 100n, generation: 2, lsn: 9n });
  });

  it('the writer refuses a bad identity with INVALID_INPUT naming the field, and creates nothing', () => {
    const bad: [unknown, RegExp][] = [
      [undefined, /partition range \[undefined, undefined\] is not two ids in 0\.\.2\^64-1$/],
      [{ ...WIDE, min: -1n }, /partition range \[-1, \d+\] is not two ids/],
      [{ ...WIDE, max: MAX + 1n }, /partition range \[0, 18446744073709551616\] is not two ids/],
      [{ ...WIDE, min: 5, max: 6n }, /partition range \[5, 6\] is not two ids/],
      [{ ...WIDE, min: 10n, max: 9n }, /partition range min 10 is greater than max 9$/],
      [{ ...WIDE, generation: 0 }, /generation 0 is outside 1\.\.2\^53-1$/],
      [{ ...WIDE, generation: 1.5 }, /generation 1\.5 is outside/],
      [{ ...WIDE, generation: 2 ** 53 }, /generation 9007199254740992 is outside/],
      [{ ...WIDE, generation: 1n }, /generation 1 is outside/],
      [{ ...WIDE, lsn: -1n }, /lsn -1 is outside 0\.\.2\^64-1$/],
      [{ ...WIDE, lsn: 3 }, /lsn 3 is outside/],
    ];
    for (const [identity, message] of bad) {
      const path = fresh();
      const opts = { regionSize: 300, codec: 0, level: 1, encryption: 0, key: null, sync: false, identity } as unknown as FileWriterOptions;
      const e = error(() => new PartitionFileWriter(path, opts));
      expect([e.code, e.message.startsWith(`write partition file: ${path}: `)]).toEqual(['INVALID_INPUT', true]);
      expect(e.message).toMatch(message);
      expect(existsSync(path)).toBe(false);
    }
  });

  it('the writer refuses to finish a file whose events lie outside its range (INTERNAL); abort removes it', () => {
    for (const [first, n] of [[99n, 2], [150n, 60], [200n, 1]] as const) {
      const path = fresh();
      const w = new PartitionFileWriter(path, { regionSize: 300, codec: 0, level: 1, encryption: 0, key: null, sync: false, identity: { min: 100n, max: 199n, generation: 1, lsn: 0n } });
      const rec = Buffer.alloc(14);
      for (let i = 0n; i < BigInt(n); i++) {
        rec.writeBigUInt64LE(first + i, 0);
        w.add(rec, 0);
      }
      expect(error(() => w.finish())).toMatchObject({
        code: 'INTERNAL', message: `write partition file: ${path}: events [${first}, ${first + BigInt(n) - 1n}] do not lie inside the partition range [100, 199]`,
      });
      w.abort();
      expect(existsSync(path)).toBe(false);
    }
  });

  it('an empty file records its range, whatever it is, and opens', () => {
    const identity = { min: 500n, max: 599n, generation: 4, lsn: 3n };
    const { path } = write(0, 0n, { identity });
    const f = PartitionFile.open(path);
    expect([f.version, f.identity, f.events, f.size]).toEqual([2, identity, 0, 128]);
    f.close();
  });
});

describe('version 1 still reads', () => {
  it('the 159-byte worked example of the version-1 docs opens and scans, with no identity', () => {
    expect(V1_EXAMPLE.length).toBe(159);
    const path = put(V1_EXAMPLE);
    const f = PartitionFile.open(path);
    expect([f.version, f.identity, f.events, f.regions, f.size, f.codec, f.encryption]).toEqual([1, null, 2, 1, 159, 0, 0]);
    expect([f.minHi, f.minLo, f.maxHi, f.maxLo]).toEqual([0, 1, 0, 2]);
    expect(Buffer.from(f.readRegion(0)).equals(V1_EXAMPLE_RECORDS)).toBe(true);
    expect(scanAll(f).equals(V1_EXAMPLE_RECORDS)).toBe(true);
    f.close();
    const r = remote('backup:bucket/v1', V1_EXAMPLE);
    expect([r.version, r.identity, r.events]).toEqual([1, null, 2]);
    expect(Buffer.from(r.decode(0, V1_EXAMPLE.subarray(...r.span(0)))).equals(V1_EXAMPLE_RECORDS)).toBe(true);
  });

  for (const codec of [Codec.none, Codec.zstd, Codec.lz4]) {
    for (const key of [null, KEY]) {
      it(`codec ${codec}, ${key === null ? 'plain' : 'encrypted'}: a version-1 file of several regions opens and scans`, () => {
        const { bytes, records } = write(40, 3n, { codec, encryption: key === null ? 0 : Encryption.aes, key });
        const old = toVersion1(bytes);
        expect([old.length, old.readUInt32LE(4), old.readUInt32LE(old.length - 8)]).toEqual([bytes.length - 44, 1, 1]);
        const f = PartitionFile.open(put(old), key);
        expect([f.version, f.identity, f.events]).toEqual([1, null, 40]);
        expect(f.regions).toBeGreaterThan(5);
        expect(scanAll(f).equals(records)).toBe(true);
        // seek works on it as on any file
        expect(f.seek(0, 3 + 39)).toBe(f.regions - 1);
        f.close();
        const r = remote('backup:bucket/v1', old, key);
        expect([r.version, r.identity, r.regions]).toEqual([1, null, f.regions]);
        const got = Array.from({ length: r.regions }, (_, i) => Buffer.from(r.decode(i, old.subarray(...r.span(i)))));
        expect(Buffer.concat(got).equals(records)).toBe(true);
      });
    }
  }

  it('a refresh job reads a version-1 file and writes its events into a version-2 file', () => {
    const { bytes, records } = write(40, 3n, { codec: Codec.lz4, encryption: Encryption.aes, key: KEY });
    const old = put(toVersion1(bytes));
    const identity = { min: 0n, max: 99n, generation: 5, lsn: 8n };
    const newPath = fresh();
    const writer = { regionSize: 4096, codec: Codec.zstd, level: 1, encryption: Encryption.none, key: null, sync: false, identity };
    expect(runRefreshJob({ oldPath: old, oldKey: KEY, runs: [], newPath, writer, append: true }).events).toBe(40);
    const f = PartitionFile.open(newPath);
    expect([f.version, f.identity, f.codec]).toEqual([2, identity, Codec.zstd]);
    expect(scanAll(f).equals(records)).toBe(true);
    f.close();
  });

  it('a version-1 footer is checked as before: every flipped byte of it fails open', () => {
    const old = toVersion1(write(6, 0n).bytes);
    for (let at = old.length - 68; at < old.length; at++) {
      const b = Buffer.from(old);
      b[at]! ^= 0x10;
      expect(failures(b).length).toBe(3);
    }
    // a version-2 header on a version-1 footer (the remote reader does not fetch the header)
    const b = Buffer.from(old);
    b.writeUInt32LE(2, 4);
    const path = put(b);
    for (const e of [error(() => PartitionFile.open(path)), error(() => inspectPartitionFile(path))]) {
      expect(e).toMatchObject({ code: 'CORRUPTION', message: `open partition file: ${path}: header version 2 differs from footer version 1` });
    }
  });
});

describe('version 2 damage', () => {
  let bytes: Buffer = Buffer.alloc(0);
  beforeAll(() => {
    ({ bytes } = write(20, 1050n, { identity: { min: 1000n, max: 1999n, generation: 7, lsn: 42n } }));
  });

  it('every byte of range, generation, lsn and reserved flipped: footer crc mismatch, in every reader', () => {
    for (let at = AT.rangeMin; at < AT.crc; at++) {
      if (at >= 80 && at < 86) continue; // regions, codec and encryption were there in version 1 too
      for (const bit of [0x01, 0x80]) {
        const b = Buffer.from(bytes);
        b[b.length - FOOTER + at]! ^= bit;
        for (const m of failures(b)) expect([m, at]).toEqual([expect.stringMatching(/^footer crc mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/), at]);
      }
    }
  });

  it('crc fixed up: events outside the range, min > max, generation 0 or past 2^53-1, non-zero reserved bytes', () => {
    const cases: [(b: Buffer, f: number) => void, string][] = [
      [(b, f) => b.writeBigUInt64LE(1051n, f + AT.rangeMin), 'footer min id 1050 lies outside the range [1051, 1999]'],
      [(b, f) => b.writeBigUInt64LE(1068n, f + AT.rangeMax), 'footer max id 1069 lies outside the range [1000, 1068]'],
      [(b, f) => b.writeBigUInt64LE(2000n, f + AT.rangeMin), 'footer range min 2000 is greater than range max 1999'],
      [(b, f) => b.writeBigUInt64LE(999n, f + AT.rangeMax), 'footer range min 1000 is greater than range max 999'],
      [(b, f) => b.writeBigUInt64LE(0n, f + AT.generation), 'footer generation 0 is outside 1..2^53-1'],
      [(b, f) => b.writeBigUInt64LE(1n << 53n, f + AT.generation), 'footer generation 9007199254740992 is outside 1..2^53-1'],
      [(b, f) => b.writeBigUInt64LE(MAX, f + AT.generation), 'footer generation 18446744073709551615 is outside 1..2^53-1'],
      [(b, f) => (b[f + 86] = 1), 'non-zero footer reserved field'],
      [(b, f) => (b[f + 99] = 1), 'non-zero footer reserved field'],
    ];
    for (const [edit, message] of cases) expect(failures(forged(bytes, edit))).toEqual([message, message, message]);
    // the lsn carries no rule: any value reads
    const f = PartitionFile.open(put(forged(bytes, (b, f) => b.writeBigUInt64LE(MAX, f + AT.lsn))));
    expect(f.identity).toEqual({ min: 1000n, max: 1999n, generation: 7, lsn: MAX });
    f.close();
  });

  it('an empty file has no events to check against its range', () => {
    const { bytes: empty } = write(0, 0n, { identity: { min: 10n, max: 20n, generation: 1, lsn: 0n } });
    expect(inspectPartitionFile(put(empty)).identity).toEqual({ min: 10n, max: 20n, generation: 1, lsn: 0n });
    expect(failures(forged(empty, (b, f) => b.writeBigUInt64LE(9n, f + AT.rangeMax)))[0]).toBe('footer range min 10 is greater than range max 9');
  });

  it('an unknown version 3 is refused by every reader, crc fixed or not', () => {
    const v3 = Buffer.from(bytes);
    v3.writeUInt32LE(3, v3.length - 8);
    expect(failures(v3)).toEqual(Array(3).fill('unknown footer version 3 (this build reads 1 and 2)'));
    const both = Buffer.from(v3);
    both.writeUInt32LE(3, 4);
    expect(failures(reseal(both))[0]).toBe('unknown footer version 3 (this build reads 1 and 2)');
    for (const v of [0, 0xffffffff]) {
      const b = Buffer.from(bytes);
      b.writeUInt32LE(v, b.length - 8);
      expect(failures(b)[1]).toBe(`unknown footer version ${v} (this build reads 1 and 2)`);
    }
  });

  it('a version-2 file cut so that only a version-1-sized footer remains is truncated, not read as version 1', () => {
    const { bytes: empty } = write(0, 0n, { identity: { min: 10n, max: 20n, generation: 1, lsn: 0n } });
    expect(empty.length).toBe(128);
    // the header and the last 68..111 bytes: long enough for a version-1 file, too short for version 2
    for (let keep = 68; keep < FOOTER; keep++) {
      const cut = Buffer.concat([empty.subarray(0, 16), empty.subarray(empty.length - keep)]);
      expect(failures(cut)).toEqual(Array(3).fill(`truncated: ${16 + keep} bytes, shorter than header and version-2 footer (128)`));
    }
    // a file with regions cut from the front to a version-1-sized file: the footer is there, the index is not
    const cut = Buffer.concat([bytes.subarray(0, 16), bytes.subarray(bytes.length - 68)]);
    expect(failures(cut)).toEqual(Array(3).fill('truncated: 84 bytes, shorter than header and version-2 footer (128)'));
    // and anything shorter than the smallest file of any version
    for (const n of [0, 8, 83]) {
      const short = bytes.subarray(bytes.length - n);
      expect(failures(short)).toEqual(Array(3).fill(`truncated: ${n} bytes, shorter than header and version-1 footer (84)`));
    }
  });
});
