// inspectPartitionFile: a file described from its header and footer alone (what
// `strata repair` lists), plain, compressed and encrypted (no key needed), version 1
// and 2; and each damage it can see from those bytes, named with the file.
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Codec } from '../../src/codec/compression.ts';
import { crc32 } from '../../src/codec/crc.ts';
import { Encryption, generateKey } from '../../src/codec/encryption.ts';
import { PartitionFileWriter } from '../../src/partition/file-writer.ts';
import { PartitionFile } from '../../src/partition/file-reader.ts';
import { inspectPartitionFile } from '../../src/partition/index.ts';
import { error } from '../expect-error.ts';
import { V1_EXAMPLE } from './version1.ts';

const FOOTER = 112;
const KEY = generateKey();
const IDENTITY = { min: 4000n, max: 4999n, generation: 12, lsn: 77n };

let dir = '';
let seq = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-inspect-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `n` events with ids 4100, 4103, 4106...; compressible 100-byte values. */
function write(n: number, codec: number, key: Uint8Array | null): string {
  const path = join(dir, `${seq++}.part`);
  const encryption = key === null ? Encryption.none : Encryption.aes;
  const w = new PartitionFileWriter(path, { regionSize: 1000, codec, level: 3, encryption, key, sync: false, identity: IDENTITY });
  const rec = Buffer.alloc(14 + 100);
  for (let i = 0; i < n; i++) {
    rec.writeBigUInt64LE(4100n + 3n * BigInt(i), 0);
    rec.writeUInt32LE(100, 8);
    rec.fill(`value ${i % 7} `, 14);
    w.add(rec, 0);
  }
  w.finish();
  return path;
}

/** Writes `bytes` to a new file and returns its path. */
function put(bytes: Uint8Array): string {
  const path = join(dir, `${seq++}.bad`);
  writeFileSync(path, bytes);
  return path;
}

const fds = (): number => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);

describe('describes a file from its header and footer', () => {
  for (const [codec, key] of [[Codec.none, null], [Codec.zstd, null], [Codec.lz4, KEY], [Codec.zstd, KEY]] as const) {
    it(`codec ${codec}, ${key === null ? 'plain' : 'encrypted, without the key'}`, () => {
      const path = write(50, codec, key);
      const before = fds();
      const d = inspectPartitionFile(path);
      expect(fds()).toBe(before);
      const f = PartitionFile.open(path, key);
      expect(d).toEqual({
        path, version: 2, identity: IDENTITY, events: 50, regions: f.regions, size: statSync(path).size,
        sizeUncompressed: 50 * 114, codec, encryption: key === null ? 0 : 1, firstId: 4100n, lastId: 4100n + 3n * 49n,
      });
      expect(f.regions).toBeGreaterThan(3);
      if (codec !== Codec.none) expect(d.size).toBeLessThan(d.sizeUncompressed / 2);
      f.close();
    });
  }

  it('an empty file: no first or last id', () => {
    const path = write(0, Codec.zstd, KEY);
    // header, the sealed empty index (nonce and tag) and the footer
    expect(inspectPartitionFile(path)).toMatchObject({ version: 2, identity: IDENTITY, events: 0, regions: 0, size: 16 + 28 + 112, firstId: null, lastId: null });
  });

  it('a version-1 file: version 1, no identity', () => {
    const path = put(V1_EXAMPLE);
    expect(inspectPartitionFile(path)).toEqual({
      path, version: 1, identity: null, events: 2, regions: 1, size: 159, sizeUncompressed: 32, codec: 0, encryption: 0, firstId: 1n, lastId: 2n,
    });
  });

  it('reads no index and no region: a damaged index or region is for the open and the scan to find', () => {
    const path = write(50, Codec.lz4, KEY);
    const b = readFileSync(path);
    const indexOffset = Number(b.readBigUInt64LE(b.length - FOOTER));
    b[indexOffset + 20]! ^= 1;
    b[40]! ^= 1;
    const bad = put(b);
    expect(inspectPartitionFile(bad)).toMatchObject({ identity: IDENTITY, events: 50 });
    expect(error(() => PartitionFile.open(bad, KEY)).message).toMatch(/index crc mismatch/);
  });
});

describe('damage it sees, as CORRUPTION naming the file', () => {
  let good: Buffer = Buffer.alloc(0);
  beforeAll(() => {
    good = readFileSync(write(30, Codec.zstd, null));
  });

  /** The message of inspecting `good` after `edit`, checked to be CORRUPTION naming the file; the footer crc fixed up when `seal`. */
  function inspect(edit: (b: Buffer, footer: number) => unknown, seal = false): string {
    let b = Buffer.from(good);
    const out = edit(b, b.length - FOOTER);
    if (out instanceof Buffer) b = out;
    if (seal) {
      const f = b.length - FOOTER;
      b.writeUInt32LE(crc32(b.subarray(f, f + 100)), f + 100);
    }
    const path = put(b);
    const before = fds();
    const e = error(() => inspectPartitionFile(path));
    expect(fds()).toBe(before);
    expect(e.code, e.message).toBe('CORRUPTION');
    const head = `open partition file: ${path}: `;
    expect(e.message.startsWith(head), e.message).toBe(true);
    return e.message.slice(head.length);
  }

  it('magic, version, crc, size, index bounds, header, codec and encryption ids, identity', () => {
    expect(inspect((b, f) => b.write('STRX', f + 108, 'latin1'))).toBe('bad footer magic 0x58525453; truncated or not a partition file');
    expect(inspect((b, f) => b.writeUInt32LE(3, f + 104))).toBe('unknown footer version 3 (this build reads 1 and 2)');
    expect(inspect((b, f) => (b[f + 50]! ^= 4))).toMatch(/^footer crc mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/);
    expect(inspect((b, f) => (b[f + 100]! ^= 4))).toMatch(/^footer crc mismatch/);
    expect(inspect((b) => b.subarray(0, b.length - 1))).toMatch(/^bad footer magic/);
    // the header and the footer's last bytes: too short for the version the footer says
    expect(inspect((b) => Buffer.concat([b.subarray(0, 16), b.subarray(b.length - 84)]))).toBe('truncated: 100 bytes, shorter than header and version-2 footer (128)');
    expect(inspect((b) => b.subarray(b.length - 50))).toBe('truncated: 50 bytes, shorter than header and version-1 footer (84)');
    // a file cut in the middle (its tail kept) or grown: the index is not where the footer says
    expect(inspect((b) => Buffer.concat([b.subarray(0, 16), b.subarray(b.length - 200)]))).toMatch(/^index \(offset \d+, size \d+\) does not end where the footer starts \(104\); truncated or damaged$/);
    expect(inspect((b, f) => b.writeBigUInt64LE(8n, f), true)).toMatch(/^index \(offset 8, size \d+\) does not end where the footer starts/);
    expect(inspect((b, f) => b.writeUInt32LE(b.readUInt32LE(f + 8) + 1, f + 8), true)).toMatch(/does not end where the footer starts/);
    expect(inspect((b) => b.write('XTRP', 0, 'latin1'))).toBe('bad header magic 0x50525458; not a partition file');
    expect(inspect((b) => b.writeUInt32LE(1, 4))).toBe('header version 1 differs from footer version 2');
    expect(inspect((b) => b.writeUInt32LE(1, 12))).toBe('non-zero header flags or reserved field');
    expect(inspect((b, f) => (b[f + 84] = 9), true)).toBe('unknown compression codec id 9');
    expect(inspect((b, f) => (b[f + 85] = 9), true)).toBe('unknown encryption id 9');
    expect(inspect((b, f) => b.writeBigUInt64LE(4101n, f + 48), true)).toBe('footer min id 4100 lies outside the range [4101, 4999]');
    expect(inspect((b, f) => b.writeBigUInt64LE(0n, f + 64), true)).toBe('footer generation 0 is outside 1..2^53-1');
  });

  it('bytes appended to a file: its last bytes are no footer', () => {
    const path = put(good);
    appendFileSync(path, Buffer.alloc(10));
    expect(error(() => inspectPartitionFile(path))).toMatchObject({ code: 'CORRUPTION', message: `open partition file: ${path}: bad footer magic 0x00000000; truncated or not a partition file` });
  });

  it('a missing file is IO', () => {
    const path = join(dir, 'missing.part');
    expect(error(() => inspectPartitionFile(path))).toMatchObject({ code: 'IO', message: expect.stringContaining(path) });
  });
});
