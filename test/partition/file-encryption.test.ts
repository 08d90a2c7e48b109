// Partition files with every codec and encryption: round trips, the file records its
// own codec and encryption, keys (missing, wrong, wrong size, ignored), random nonces,
// and the refresh job moving a file between keys and codecs, inline and in a worker
// (the new file's identity included).
import { createDecipheriv } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { crc32 } from '../../src/codec/crc.ts';
import { Encryption, ENCRYPTION_OVERHEAD, generateKey } from '../../src/codec/encryption.ts';
import { PartitionFileWriter, type FileWriterOptions } from '../../src/partition/file-writer.ts';
import { PartitionFile } from '../../src/partition/file-reader.ts';
import { Arena, Memtable, partitionJobs, type RefreshJob, type RefreshResult, runRefreshJob } from '../../src/partition/index.ts';
import { WorkerPool } from '../../src/workers/pool.ts';
import { error } from '../expect-error.ts';
import { WIDE } from './records.ts';

let dir = '';
let seq = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-enc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fresh = (): string => join(dir, `${seq++}.part`);

const KEY = generateKey();
const CODECS = [Codec.none, Codec.zstd, Codec.lz4];

/** `n` records with ids from `first`, key "k", values of varied size (compressible). */
function records(n: number, first = 0): { buf: Buffer; offs: number[] } {
  const parts: Buffer[] = [];
  const offs: number[] = [];
  let o = 0;
  for (let i = 0; i < n; i++) {
    const value = Buffer.alloc((i * 53) % 700, `event ${i} `);
    const r = Buffer.alloc(15 + value.length);
    r.writeBigUInt64LE(BigInt(first + i), 0);
    r.writeUInt32LE(value.length, 8);
    r[12] = 1;
    r[14] = 0x6b;
    value.copy(r, 15);
    parts.push(r);
    offs.push(o);
    o += r.length;
  }
  return { buf: Buffer.concat(parts), offs };
}

function opts(o: Partial<FileWriterOptions>): FileWriterOptions {
  return { regionSize: 4096, codec: Codec.none, level: 1, encryption: Encryption.none, key: null, sync: false, identity: WIDE, ...o };
}

/** Writes `n` records with `o`; returns the path, the record bytes and the summary. */
function write(o: Partial<FileWriterOptions>, n = 300) {
  const path = fresh();
  const { buf, offs } = records(n);
  const w = new PartitionFileWriter(path, opts(o));
  for (const off of offs) w.add(buf, off);
  return { path, buf, summary: w.finish() };
}

function readAll(f: PartitionFile): Buffer {
  return Buffer.concat(Array.from({ length: f.regions }, (_, i) => f.readRegion(i)));
}


describe('round trip: codec x encryption x region size', () => {
  for (const codec of CODECS) {
    for (const encryption of [Encryption.none, Encryption.aes]) {
      it(`codec ${codec}, encryption ${encryption}`, () => {
        const key = encryption === Encryption.aes ? KEY : null;
        for (const regionSize of [1, 500, 4096, 128 * 1024]) {
          const { path, buf, summary } = write({ codec, encryption, key, regionSize, level: 3 });
          const f = PartitionFile.open(path, key);
          expect([f.codec, f.encryption]).toEqual([codec, encryption]);
          expect([f.size, f.events, f.sizeUncompressed]).toEqual([statSync(path).size, 300, buf.length]);
          expect(f.regions).toBe(summary.regions);
          expect(readAll(f).equals(buf)).toBe(true);
          // the stored size counts nonce and tag; with codec none it is exactly the records plus them
          const { sizes, sizesUncompressed } = f.index;
          for (let i = 0; i < f.regions; i++) {
            if (codec === Codec.none) expect(sizes[i]).toBe(sizesUncompressed[i]! + (key === null ? 0 : ENCRYPTION_OVERHEAD));
          }
          // the footer's codec and encryption bytes (84 and 85 of the 112-byte footer)
          const bytes = readFileSync(path);
          expect([bytes[bytes.length - 28], bytes[bytes.length - 27]]).toEqual([codec, encryption]);
          // encrypted regions do not show the records (the value text is plain in a codec none region)
          const region0 = bytes.subarray(16, 16 + sizes[0]!);
          const shows = region0.includes(Buffer.from('event 1'));
          if (key !== null) expect(shows).toBe(false);
          else if (codec === Codec.none && sizesUncompressed[0]! > 100) expect(shows).toBe(true);
          f.close();
        }
      });
    }
  }

  it('a file with a single record larger than the region size, encrypted', () => {
    const path = fresh();
    const { buf } = records(1);
    const big = Buffer.alloc(14 + 200_000);
    big.writeBigUInt64LE(7n, 0);
    big.writeUInt32LE(200_000, 8);
    big.fill(3, 14);
    const w = new PartitionFileWriter(path, opts({ codec: Codec.lz4, encryption: Encryption.aes, key: KEY, regionSize: 100 }));
    w.add(buf, 0);
    w.add(big, 0);
    expect(w.finish().regions).toBe(2);
    const f = PartitionFile.open(path, KEY);
    expect(Buffer.from(f.readRegion(1)).equals(big)).toBe(true);
    f.close();
  });

  it('an empty encrypted file (no regions) still needs its key to open', () => {
    const path = fresh();
    new PartitionFileWriter(path, opts({ encryption: Encryption.aes, key: KEY })).finish();
    expect(error(() => PartitionFile.open(path)).code).toBe('INVALID_INPUT');
    const f = PartitionFile.open(path, KEY);
    expect([f.regions, f.encryption]).toEqual([0, Encryption.aes]);
    f.close();
  });
});

describe('keys', () => {
  let path = '';
  let buf: Buffer = Buffer.alloc(0);
  beforeAll(() => {
    ({ path, buf } = write({ codec: Codec.zstd, encryption: Encryption.aes, key: KEY, regionSize: 1000 }));
  });

  it('an encrypted file opened without a key is INVALID_INPUT, and nothing stays open', () => {
    const fds = (): number => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);
    const before = fds();
    expect(error(() => PartitionFile.open(path))).toEqual(expect.objectContaining({
      code: 'INVALID_INPUT', message: `open partition file: ${path} is encrypted and no key was given`,
    }));
    expect(error(() => PartitionFile.open(path, null)).code).toBe('INVALID_INPUT');
    expect(fds()).toBe(before);
  });

  it('a wrong key fails at open with CORRUPTION naming the file: the index is encrypted too', () => {
    expect(error(() => PartitionFile.open(path, generateKey()))).toEqual(expect.objectContaining({
      code: 'CORRUPTION', message: expect.stringMatching(new RegExp(`${path}: index: decrypt: authentication failed \\(wrong key or damaged data\\)$`)),
    }));
    const g = PartitionFile.open(path, KEY);
    expect(readAll(g).equals(buf)).toBe(true);
    g.close();
  });

  it('a key of the wrong size is INVALID_INPUT at open', () => {
    expect(error(() => PartitionFile.open(path, new Uint8Array(16)))).toEqual(expect.objectContaining({
      code: 'INVALID_INPUT', message: `open partition file: ${path}: an encryption key is 32 bytes (AES-256); got 16 bytes`,
    }));
  });

  it('a key given for a plain file is ignored: files record their own encryption', () => {
    const plain = write({ codec: Codec.lz4 });
    const f = PartitionFile.open(plain.path, KEY);
    expect(f.encryption).toBe(Encryption.none);
    expect(readAll(f).equals(plain.buf)).toBe(true);
    f.close();
  });

  it('the writer and the reader copy the key: wiping the caller\'s array changes nothing', () => {
    const key = generateKey();
    const copy = Uint8Array.from(key);
    const p = fresh();
    const { buf, offs } = records(50);
    const w = new PartitionFileWriter(p, opts({ encryption: Encryption.aes, key, regionSize: 300 }));
    key.fill(0);
    for (const off of offs) w.add(buf, off);
    w.finish();
    const f = PartitionFile.open(p, copy);
    copy.fill(0);
    expect(readAll(f).equals(buf)).toBe(true);
    f.close();
  });

  it('the same records encrypt to different bytes in two files (random nonce), same sizes', () => {
    const a = write({ codec: Codec.lz4, encryption: Encryption.aes, key: KEY });
    const b = write({ codec: Codec.lz4, encryption: Encryption.aes, key: KEY });
    const ba = readFileSync(a.path);
    const bb = readFileSync(b.path);
    expect(ba.length).toBe(bb.length);
    expect(a.summary).toEqual(b.summary);
    const f = PartitionFile.open(a.path, KEY);
    for (let i = 0; i < f.regions; i++) {
      const { offsets, sizes } = f.index;
      const [s, e] = [offsets[i]!, offsets[i]! + sizes[i]!];
      expect(ba.subarray(s, e).equals(bb.subarray(s, e))).toBe(false);
    }
    f.close();
    // plain files of the same records are identical
    expect(readFileSync(write({ codec: Codec.lz4 }).path).equals(readFileSync(write({ codec: Codec.lz4 }).path))).toBe(true);
  });
});

describe('refresh job across keys and codecs', () => {
  /** A memtable run of `n` records with ids from `first`. */
  function run(n: number, first: number) {
    const arena = new Arena(64 * 1024);
    const mt = new Memtable(arena);
    const { buf, offs } = records(n, first);
    offs.forEach((off, i) => {
      const at = arena.copy(buf, off, offs[i + 1] ?? buf.length);
      mt.insert(at.slab, at.off);
    });
    return mt.run();
  }

  function job(oldPath: string, oldKey: Uint8Array | null, newKey: Uint8Array | null, codec: number): RefreshJob {
    return {
      oldPath, oldKey, runs: [run(20, 1000)], newPath: fresh(), append: true,
      writer: opts({ codec, encryption: newKey === null ? Encryption.none : Encryption.aes, key: newKey, regionSize: 2000, identity: IDENTITY }),
    };
  }
  /** The identity every job's new file records (bigints cross the structured clone to a worker). */
  const IDENTITY = { min: 0n, max: (1n << 63n) + 3n, generation: 9, lsn: (1n << 60n) + 1n };

  function check(result: RefreshResult, path: string, key: Uint8Array | null, codec: number, old: Buffer): void {
    expect(result.events).toBe(320);
    const f = PartitionFile.open(path, key);
    expect([f.codec, f.encryption, f.events, f.identity]).toEqual([codec, key === null ? 0 : 1, 320, IDENTITY]);
    const all = readAll(f);
    expect(all.subarray(0, old.length).equals(old)).toBe(true);
    f.close();
  }

  it('inline: an encrypted zstd file becomes a file under another key and lz4, then a plain file, and back', () => {
    const other = generateKey();
    const src = write({ codec: Codec.zstd, encryption: Encryption.aes, key: KEY });
    const j1 = job(src.path, KEY, other, Codec.lz4);
    check(runRefreshJob(j1), j1.newPath, other, Codec.lz4, src.buf);
    const j2 = job(j1.newPath, other, null, Codec.none);
    check(runRefreshJob(j2), j2.newPath, null, Codec.none, src.buf);
    const j3 = job(j2.newPath, null, KEY, Codec.zstd);
    check(runRefreshJob(j3), j3.newPath, KEY, Codec.zstd, src.buf);
  });

  it('inline: the old file with the wrong old key fails with CORRUPTION and leaves no new file', () => {
    const src = write({ codec: Codec.none, encryption: Encryption.aes, key: KEY });
    const j = job(src.path, generateKey(), KEY, Codec.lz4);
    expect(error(() => runRefreshJob(j))).toEqual(expect.objectContaining({ code: 'CORRUPTION', message: expect.stringMatching(/index: decrypt: authentication failed/) }));
    expect(() => statSync(j.newPath)).toThrow();
    expect(error(() => runRefreshJob({ ...job(src.path, null, null, Codec.none) })).code).toBe('INVALID_INPUT');
  });

  it('in a worker thread: the job (keys included) survives the structured clone, lz4 and aes work there', async () => {
    const pool = new WorkerPool({ size: 1, module: partitionJobs });
    try {
      const src = write({ codec: Codec.lz4, encryption: Encryption.aes, key: KEY });
      const other = generateKey();
      const j = job(src.path, KEY, other, Codec.lz4);
      check(await pool.run<RefreshResult>('refresh', j), j.newPath, other, Codec.lz4, src.buf);
      const bad = job(src.path, other, other, Codec.zstd);
      await expect(pool.run('refresh', bad)).rejects.toMatchObject({ code: 'CORRUPTION' });
    } finally {
      await pool.close();
    }
  });
});

describe('worked note of docs/partition-format.md (encrypted regions)', () => {
  it('has the documented layout, and decrypts with plain node:crypto to the example records', () => {
    const recs = Buffer.from('0100000000000000 02000000 01 00 61 6869 0200000000000000 01000000 00 00 78'.replaceAll(' ', ''), 'hex');
    const path = fresh();
    const w = new PartitionFileWriter(path, opts({ encryption: Encryption.aes, key: KEY }));
    w.add(recs, 0);
    w.add(recs, 17);
    expect(w.finish()).toEqual({ regions: 1, events: 2, size: 259, sizeUncompressed: 32 });
    const b = readFileSync(path);
    expect([b[b.length - 28], b[b.length - 27]]).toEqual([0, 1]); // codec none, encryption aes
    // the index at 76 is sealed too: nonce (12) | 43 bytes of entry | tag (16), AAD "index"
    const di = createDecipheriv('aes-256-gcm', KEY, b.subarray(76, 88));
    di.setAAD(Buffer.from('index'));
    di.setAuthTag(b.subarray(131, 147));
    const entry = Buffer.concat([di.update(b.subarray(88, 131)), di.final()]);
    // the entry: offset 16, size 60, size_uncompressed 32, events 2, crc of bytes 16..75
    expect([Number(entry.readBigUInt64LE(0)), entry.readUInt32LE(8), entry.readUInt32LE(12), entry.readUInt32LE(16)]).toEqual([16, 60, 32, 2]);
    expect(entry.readUInt32LE(20)).toBe(crc32(b.subarray(16, 76)));
    expect(entry.subarray(40, 43).toString('hex')).toBe('016100'); // min key "a", max key "" (now encrypted)
    expect(b.includes(Buffer.from('hi'))).toBe(false); // no event byte in clear
    const d = createDecipheriv('aes-256-gcm', KEY, b.subarray(16, 28));
    d.setAAD(Buffer.from('00000000', 'hex'));
    d.setAuthTag(b.subarray(60, 76));
    expect(Buffer.concat([d.update(b.subarray(28, 60)), d.final()]).equals(recs)).toBe(true);
  });
});
