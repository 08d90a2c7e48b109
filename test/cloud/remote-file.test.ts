// Partition files kept as objects, read through the real remote path (RemoteObject,
// RegionWindow, FileIterator) from a real s3rver: version-2 objects give their range,
// generation and lsn; version-1 objects still read; both versions need one ranged GET
// of the tail when the guess covers the index, two when the keys are long; a damaged
// identity is CORRUPTION naming the object.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, openCloud } from '../../src/cloud/index.ts';
import { Codec } from '../../src/codec/compression.ts';
import { crc32 } from '../../src/codec/crc.ts';
import { recSize } from '../../src/codec/record.ts';
import { Encryption, generateKey } from '../../src/codec/encryption.ts';
import { StorageCloud } from '../../src/engine/cloud/cloud-link.ts';
import { RegionWindow, RemoteObject } from '../../src/engine/cloud/remote-object.ts';
import { FileIterator, type FileIdentity, PartitionFileWriter } from '../../src/partition/index.ts';
import { toVersion1, V1_EXAMPLE, V1_EXAMPLE_RECORDS } from '../partition/version1.ts';
import { FAST_RETRY, rejection, s3Config } from './helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

const KEY = generateKey();
const IDENTITY: FileIdentity = { min: 1n << 40n, max: (1n << 40n) + 99_999n, generation: 31, lsn: 1234n };

let server: S3Server;
let client: Cloud;
let link: StorageCloud;
let dir = '';
let seq = 0;

beforeAll(async () => {
  server = await startS3Server();
  client = openCloud('backup', s3Config(server.url, 'strata-remote-file'), FAST_RETRY);
  await client.ensureBucket();
  link = new StorageCloud('backup', client, 'uuid');
  dir = mkdtempSync(join(tmpdir(), 'strata-remote-file-'));
});

afterAll(async () => {
  client?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A file of `n` events (ids from 2^40 + 10, keys of `keyLength` bytes), as bytes, and its records. */
function file(n: number, keyLength: number, codec: number, key: Uint8Array | null): { bytes: Buffer; records: Buffer } {
  const path = join(dir, `${seq++}.part`);
  const encryption = key === null ? Encryption.none : Encryption.aes;
  const w = new PartitionFileWriter(path, { regionSize: 2000, codec, level: 1, encryption, key, sync: false, identity: IDENTITY });
  const all: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const rec = Buffer.alloc(14 + keyLength + 80);
    rec.writeBigUInt64LE(IDENTITY.min + 10n + BigInt(i), 0);
    rec.writeUInt32LE(80, 8);
    rec[12] = keyLength;
    rec.fill(0x6b, 14, 14 + keyLength);
    rec.fill(`value ${i} `, 14 + keyLength);
    w.add(rec, 0);
    all.push(rec);
  }
  w.finish();
  return { bytes: readFileSync(path), records: Buffer.concat(all) };
}

/** A file of `n` events, each a region of its own (region size 1), keys of `keyLength` bytes. */
function fileOf(n: number, keyLength: number): { bytes: Buffer } {
  const path = join(dir, `${seq++}.part`);
  const w = new PartitionFileWriter(path, { regionSize: 1, codec: Codec.none, level: 1, encryption: 0, key: null, sync: false, identity: IDENTITY });
  const rec = Buffer.alloc(14 + keyLength);
  rec[12] = keyLength;
  for (let i = 0; i < n; i++) {
    rec.writeBigUInt64LE(IDENTITY.min + BigInt(i), 0);
    w.add(rec, 0);
  }
  w.finish();
  return { bytes: readFileSync(path) };
}

/** Puts `bytes` as a new object; returns its RemoteObject (size and regions as the manifest would give them). */
async function upload(bytes: Uint8Array, regions: number, key: Uint8Array | null): Promise<RemoteObject> {
  const name = `uuid/${String(seq++).padStart(20, '0')}.1.part`;
  await client.put(name, bytes);
  return new RemoteObject(link, name, bytes.length, regions, key, true);
}

/** Ranged GETs made while `fn` ran. */
async function ranged(fn: () => Promise<unknown>): Promise<number> {
  const before = client.stats.range ?? 0;
  await fn();
  return (client.stats.range ?? 0) - before;
}

/** Every record of `object`, scanned as a cursor does: a FileIterator over a RegionWindow that stalls and fetches. */
async function scan(object: RemoteObject): Promise<Buffer> {
  const window = new RegionWindow(object, { regions: 0, bytes: 0 });
  const it = new FileIterator(window);
  const out: Buffer[] = [];
  it.seek(new Uint8Array(14), 0, false);
  for (;;) {
    while (it.stalled) {
      await window.fetch(it.waitingFor);
      it.resume();
    }
    if (!it.valid) break;
    out.push(Buffer.from(it.buf.subarray(it.off, it.off + recSize(it.buf, it.off))));
    it.next();
  }
  return Buffer.concat(out);
}

/** The region count a footer of either version records. */
function regionsOf(bytes: Buffer): number {
  const version = bytes.readUInt32LE(bytes.length - 8);
  return version === 1 ? bytes.readUInt32LE(bytes.length - 68 + 16) : bytes.readUInt32LE(bytes.length - 112 + 80);
}

describe('objects of both versions through the remote reader', () => {
  for (const [codec, key] of [[Codec.none, null], [Codec.zstd, KEY], [Codec.lz4, null]] as const) {
    it(`codec ${codec}, ${key === null ? 'plain' : 'encrypted'}: version 2 gives its identity, version 1 none; one ranged GET of the tail each`, async () => {
      const { bytes, records } = file(200, 6, codec, key);
      for (const [version, object] of [[2, bytes], [1, toVersion1(bytes)]] as const) {
        const regions = regionsOf(object);
        expect(regions).toBeGreaterThan(5);
        const remote = await upload(object, regions, key);
        expect(await ranged(() => remote.load())).toBe(1);
        const f = remote.file!;
        expect([f.version, f.identity, f.events, f.regions]).toEqual([version, version === 2 ? IDENTITY : null, 200, regions]);
        let got: Buffer = Buffer.alloc(0);
        expect(await ranged(async () => (got = await scan(remote)))).toBe(regions);
        expect(got.equals(records)).toBe(true);
      }
    });
  }

  it('the 159-byte version-1 worked example: one GET fetches it whole', async () => {
    const remote = await upload(V1_EXAMPLE, 1, null);
    expect(await ranged(() => remote.load())).toBe(1);
    expect([remote.file!.version, remote.file!.identity]).toEqual([1, null]);
    expect((await scan(remote)).equals(V1_EXAMPLE_RECORDS)).toBe(true);
  });

  it('the guess is min(size, 112 + 74 x regions + 64): at its edge, one GET or two, per version', async () => {
    // one event per region, keys of 17 bytes: index entries of 42 + 2 x 17 = 76 bytes,
    // 2 more per region than guessed; 64 bytes of slack cover 32 regions, not 33
    for (const [regions, v2Gets, v1Gets] of [[20, 1, 1], [32, 1, 1], [33, 2, 1], [54, 2, 1], [55, 2, 2]] as const) {
      const { bytes } = fileOf(regions, 17);
      for (const [object, gets] of [[bytes, v2Gets], [toVersion1(bytes), v1Gets]] as const) {
        expect(regionsOf(object)).toBe(regions);
        const remote = await upload(object, regions, null);
        // regions and version ride along so that a failure says which case it is
        const version = object.readUInt32LE(4);
        expect({ regions, version, gets: await ranged(() => remote.load()) }).toEqual({ regions, version, gets });
        expect(remote.file!.events).toBe(regions);
      }
    }
  });

  it('long keys: the index is longer than guessed, a second ranged GET fetches the rest, in both versions', async () => {
    const { bytes, records } = file(300, 250, Codec.none, null);
    for (const [version, object] of [[2, bytes], [1, toVersion1(bytes)]] as const) {
      const remote = await upload(object, regionsOf(object), null);
      expect(await ranged(() => remote.load())).toBe(2);
      expect([remote.file!.version, remote.file!.identity]).toEqual([version, version === 2 ? IDENTITY : null]);
      expect((await scan(remote)).equals(records)).toBe(true);
    }
  });

  it('a damaged identity (crc fixed up) fails the load with CORRUPTION naming the object; a flipped one fails the footer crc', async () => {
    const { bytes } = file(20, 2, Codec.none, null);
    const f = bytes.length - 112;
    const forged = Buffer.from(bytes);
    forged.writeBigUInt64LE(0n, f + 64); // generation 0
    forged.writeUInt32LE(crc32(forged.subarray(f, f + 100)), f + 100);
    const remote = await upload(forged, 1, null);
    const e = await rejection(remote.load(), 'CORRUPTION');
    expect(e.message).toBe(`open partition file: backup:strata-remote-file/${remote.key}: footer generation 0 is outside 1..2^53-1`);
    const flipped = Buffer.from(bytes);
    flipped[f + 75]! ^= 1; // in the lsn
    const other = await upload(flipped, 1, null);
    expect((await rejection(other.load(), 'CORRUPTION')).message).toMatch(/footer crc mismatch/);
  });
});
