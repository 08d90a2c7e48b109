// Read-ahead of cloud partitions, through the real remote path (RemoteObject,
// RegionWindow, FileIterator) from a real s3rver, with the client's ranged GETs
// recorded on their way: the first region alone, then adjacent regions several per
// GET, within the bounds in regions and bytes, never past the scan's last region; and
// at the database level, the settings and the cursor options that set them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cloud, openCloud } from '../../src/cloud/index.ts';
import { Codec } from '../../src/codec/compression.ts';
import { recIdLo, recSize } from '../../src/codec/record.ts';
import { StorageCloud } from '../../src/engine/cloud/cloud-link.ts';
import { type ReadAhead, RegionWindow, RemoteObject } from '../../src/engine/cloud/remote-object.ts';
import { BatchBuilder, Strata, StrataError } from '../../src/index.ts';
import { FileIterator, type FileIdentity, PartitionFileWriter, RegionBuffers } from '../../src/partition/index.ts';
import { tempDir } from '../engine/helpers.ts';
import { createCloudSql } from './engine-helpers.ts';
import { FAST_RETRY, s3Config } from './helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

const IDENTITY: FileIdentity = { min: 0n, max: 1_000_000n, generation: 1, lsn: 0n };
const EVENTS = 3000;

let server: S3Server;
let client: Cloud;
/** The ranged GETs made through `link`, as [start, end) byte ranges. */
const gets: [number, number][] = [];
let link: StorageCloud;
let dir = '';
let seq = 0;

beforeAll(async () => {
  server = await startS3Server();
  client = openCloud('backup', s3Config(server.url, 'strata-read-ahead'), FAST_RETRY);
  await client.ensureBucket();
  // the real client, its ranged GETs noted on the way
  const recording = Object.create(client) as Cloud;
  recording.getRange = (key: string, start: number, end: number) => {
    gets.push([start, end]);
    return client.getRange(key, start, end);
  };
  link = new StorageCloud('backup', recording, 'uuid');
  dir = mkdtempSync(join(tmpdir(), 'strata-read-ahead-'));
});

afterAll(async () => {
  client?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Uploads a zstd file of EVENTS events (ids 0, 1, ...) in regions of about 1 KiB; returns its object, loaded, and its records. */
async function object(): Promise<{ remote: RemoteObject; records: Buffer }> {
  const path = join(dir, `${seq++}.part`);
  const w = new PartitionFileWriter(path, { regionSize: 1024, codec: Codec.zstd, level: 1, encryption: 0, key: null, sync: false, identity: IDENTITY });
  const all: Buffer[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const rec = Buffer.alloc(14 + 50);
    rec.writeBigUInt64LE(BigInt(i), 0);
    rec.writeUInt32LE(50, 8);
    rec.fill(`value ${i} ${(i * 7919) % 1000} `, 14);
    w.add(rec, 0);
    all.push(rec);
  }
  const summary = w.finish();
  const name = `uuid/${String(seq).padStart(20, '0')}.1.part`;
  await client.put(name, readFileSync(path));
  const remote = new RemoteObject(link, name, summary.size, summary.regions, null, true);
  await remote.load();
  return { remote, records: Buffer.concat(all) };
}

/**
 * Reads `window` as a cursor does, from id `from` to id `to` (at most `limit` events);
 * returns the records, and the GETs made meanwhile.
 */
async function read(window: RegionWindow, from = 0, limit = Infinity, to = Infinity): Promise<{ records: Buffer; gets: [number, number][] }> {
  const mark = gets.length;
  const it = new FileIterator(window, new RegionBuffers());
  const probe = Buffer.alloc(14);
  probe.writeBigUInt64LE(BigInt(from), 0);
  const out: Buffer[] = [];
  it.seek(probe, 0, false);
  while (out.length < limit) {
    while (it.stalled) {
      await window.fetch(it.waitingFor);
      it.resume();
    }
    if (!it.valid || recIdLo(it.buf, it.off) > to) break;
    out.push(Buffer.from(it.buf.subarray(it.off, it.off + recSize(it.buf, it.off))));
    it.next();
  }
  return { records: Buffer.concat(out), gets: gets.slice(mark) };
}

/** Checks that `ranges` cover regions [first, last] of `remote` exactly once each, region by region. */
function coverRegions(remote: RemoteObject, ranges: [number, number][], first: number, last: number): void {
  const f = remote.file!;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let region = first;
  for (const [start, end] of sorted) {
    expect(start).toBe(f.span(region)[0]);
    while (region <= last && f.span(region)[1] <= end) region++;
    expect(f.span(region - 1)[1]).toBe(end);
  }
  expect(region).toBe(last + 1);
}

describe('RegionWindow', () => {
  it('readAhead 0: one GET per region, for exactly its bytes, one at a time', async () => {
    const { remote, records } = await object();
    const regions = remote.file!.regions;
    expect(regions).toBeGreaterThan(100);
    const r = await read(new RegionWindow(remote, { regions: 0, bytes: 1 << 30 }));
    expect(r.records.equals(records)).toBe(true);
    expect(r.gets).toHaveLength(regions);
    coverRegions(remote, r.gets, 0, regions - 1);
  });

  it('a sequential scan: the first region alone, then adjacent regions several per GET, each region fetched once', async () => {
    const { remote, records } = await object();
    const regions = remote.file!.regions;
    const window = new RegionWindow(remote, { regions: 1024, bytes: 16 << 20 });
    const r = await read(window);
    expect(r.records.equals(records)).toBe(true);
    expect(r.gets[0]).toEqual(remote.file!.span(0));
    expect(r.gets.length).toBeLessThan(regions / 8);
    coverRegions(remote, r.gets, 0, regions - 1);
  });

  for (const ahead of [{ regions: 6, bytes: 1 << 30 }, { regions: 1024, bytes: 4000 }, { regions: 3, bytes: 0 }] as ReadAhead[]) {
    it(`holds at most ${ahead.regions} regions and ${ahead.bytes} bytes ahead of the reader (at least one region)`, async () => {
      const { remote, records } = await object();
      const window = new RegionWindow(remote, ahead);
      const r = await read(window);
      expect(r.records.equals(records)).toBe(true);
      coverRegions(remote, r.gets, 0, remote.file!.regions - 1);
      const largest = Math.max(...remote.file!.index.sizes);
      expect(window.highWater.regions).toBeGreaterThan(0);
      expect(window.highWater.regions).toBeLessThanOrEqual(ahead.regions);
      expect(window.highWater.bytes).toBeLessThanOrEqual(Math.max(ahead.bytes, largest));
    });
  }

  it('a lookup fetches only the region it reads; a scan reads nothing past the region of its last id', async () => {
    const { remote, records } = await object();
    const f = remote.file!;
    const at = f.seek(0, 1500);
    const one = await read(new RegionWindow(remote, { regions: 1024, bytes: 16 << 20 }), 1500, 1);
    expect(one.gets).toEqual([f.span(at)]);
    expect(recIdLo(one.records, 0)).toBe(1500);
    // to 1500: regions up to the one holding it, however far the read-ahead could go
    const bounded = new RegionWindow(remote, { regions: 1024, bytes: 16 << 20 }, 0, 1500);
    const r = await read(bounded, 0, Infinity, 1500);
    expect(r.records.equals(records.subarray(0, 64 * 1501))).toBe(true);
    coverRegions(remote, r.gets, 0, at);
  });

  it('a read-ahead that fails is requested again: the scan goes on where it was once the server is back', async () => {
    const { remote, records } = await object();
    const window = new RegionWindow(remote, { regions: 64, bytes: 1 << 20 });
    const it = new FileIterator(window, new RegionBuffers());
    it.seek(Buffer.alloc(14), 0, false);
    const out: Buffer[] = [];
    let failures = 0;
    while (it.valid || it.stalled) {
      if (it.stalled) {
        try {
          await window.fetch(it.waitingFor);
        } catch (e) {
          expect((e as StrataError).code).toBe('CLOUD');
          failures++;
          await server.restart();
          continue;
        }
        it.resume();
        continue;
      }
      out.push(Buffer.from(it.buf.subarray(it.off, it.off + recSize(it.buf, it.off))));
      // the server goes away with read-ahead requests in flight
      if (out.length === 700) await server.stop();
      it.next();
    }
    expect(failures).toBeGreaterThan(0);
    expect(Buffer.concat(out).equals(records)).toBe(true);
  });
});

describe('settings and cursor options', () => {
  it('read_ahead and read_ahead_size set the default of every cursor; readAhead and readAheadSize override them', async () => {
    const { dir: dbDir, cleanup } = tempDir('strata-read-ahead-db-');
    const db = await Strata.open(dbDir, { workers: 0, interval: 1_000_000, region_size: 1024 });
    try {
      expect(await db.execute('SHOW read_ahead, read_ahead_size')).toEqual({ read_ahead: 1024, read_ahead_size: 16 * 1024 * 1024 });
      await db.execute(`${createCloudSql(server.url)}; CREATE STORAGE cold (cloud 's3', cloud_drop_local true); ALTER PIPELINE cold`);
      const b = new BatchBuilder();
      for (let i = 0; i < 2000; i++) b.insert(i, undefined, `value ${i}`.padEnd(60, '.'));
      await db.write(b);
      await db.checkpoint();
      await db.execute('UPLOAD PARTITION 0');
      const [p] = (await db.execute('SHOW PARTITIONS')) as { regions: number; on_storage: boolean }[];
      expect(p!.on_storage).toBe(false);
      const ranged = async () => ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests.range ?? 0;
      const scan = async (options = {}) => {
        const before = await ranged();
        const c = db.cursor(options);
        let n = 0;
        while (c.next() || (await c.nextAsync())) n++;
        expect(n).toBe(2000);
        return (await ranged()) - before;
      };
      await scan(); // loads the index
      expect(await scan()).toBeLessThan(p!.regions / 4);
      expect(await scan({ readAhead: 0 })).toBe(p!.regions);
      await db.execute('SET read_ahead TO 0');
      expect(await scan()).toBe(p!.regions);
      expect(await scan({ readAhead: 16, readAheadSize: 1 << 20 })).toBeLessThan(p!.regions / 2);
      await db.execute('SET read_ahead TO 1024');
      await db.execute('SET read_ahead_size TO 0');
      // at least one region ahead, one per GET
      expect(await scan()).toBe(p!.regions);
      for (const [options, message] of [
        [{ readAhead: 65537 }, 'cursor: readAhead is an integer in 0..65536, got 65537'],
        [{ readAhead: -1 }, 'cursor: readAhead is an integer in 0..65536, got -1'],
        [{ readAheadSize: 1.5 }, 'cursor: readAheadSize is an integer in 0..2^40, got 1.5'],
      ] as const) {
        expect(() => db.cursor(options)).toThrow(StrataError);
        expect(() => db.cursor(options)).toThrow(message);
      }
      await expect(db.execute('SET read_ahead TO 70000')).rejects.toThrow('set: read_ahead must be in 0..65536, got 70000');
    } finally {
      await db.close();
      cleanup();
    }
  });
});
