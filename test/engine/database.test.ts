import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BatchBuilder, MAX_ID, Strata, StrataError } from '../../src/index.ts';
import { partitionFile, scan, tempDir } from './helpers.ts';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

async function expectCode(p: Promise<unknown> | (() => unknown), code: string, message?: RegExp): Promise<void> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(StrataError);
    expect((e as StrataError).code).toBe(code);
    if (message !== undefined) expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
}

const cfg = { workers: 0 } as const;

describe('open (the directory lock: lock.test.ts)', () => {
  test('a second open of the same directory fails until the first closes', async () => {
    const db = await Strata.open(dir, cfg);
    await expectCode(Strata.open(dir, cfg), 'LOCKED', /already open in this process/);
    await db.close();
    const again = await Strata.open(dir, cfg);
    await again.close();
  });

  test('settings persist across reopen; bad settings are refused', async () => {
    let db = await Strata.open(dir, { ...cfg, interval: 100 });
    await db.close();
    db = await Strata.open(dir);
    expect(db.config.interval).toBe(100n);
    expect(db.config.workers).toBe(0);
    await db.close();
    await expectCode(Strata.open(dir, { interval: 0 }), 'INVALID_INPUT', /interval must be at least 1/);
    await expectCode(Strata.open(dir, { compression: 'gzip' }), 'INVALID_INPUT', /compression must be one of/);
    await expectCode(Strata.open(dir, { nope: 1 } as never), 'NOT_FOUND', /unknown setting 'nope'/);
  });

  test('storages: the names SHOW STORAGES lists, in its order, without parsing a statement', async () => {
    const db = await Strata.open(dir, cfg);
    expect(db.storages).toEqual(['main']);
    await db.execute('CREATE STORAGE hot; CREATE STORAGE "Cold Archive"');
    expect(db.storages).toEqual(['Cold Archive', 'hot', 'main']);
    expect(db.storages).toEqual(((await db.execute('SHOW STORAGES')) as { name: string }[]).map((s) => s.name));
    await db.close();
  });

  test('a setting chosen at creation cannot change later', async () => {
    const uuid = '12345678-1234-1234-1234-123456789abc';
    let db = await Strata.open(dir, { ...cfg, uuid });
    await db.close();
    await expectCode(Strata.open(dir, { uuid: '00000000-0000-0000-0000-000000000000' }), 'INVALID_INPUT', /uuid is chosen when the database is created/);
    db = await Strata.open(dir, { uuid });
    expect(db.config.uuid).toBe(uuid);
    await db.close();
  });

  test('calls after close fail with CLOSED', async () => {
    const db = await Strata.open(dir, cfg);
    await db.write(new BatchBuilder().insert(1, undefined, 'a'));
    const c = db.cursor();
    await db.close();
    await expectCode(db.write(new BatchBuilder().insert(2, undefined, 'b')), 'CLOSED');
    await expectCode(() => db.cursor(), 'CLOSED');
    await expectCode(() => c.next(), 'CLOSED');
  });
});

describe('writes', () => {
  test('a malformed batch changes nothing, not even the serial number', async () => {
    const db = await Strata.open(dir, cfg);
    await db.write(new BatchBuilder().append(undefined, 'one'));
    const bad = new BatchBuilder().append(undefined, 'two').append(undefined, 'three').finish().slice();
    const cut = bad.subarray(0, bad.length - 2);
    await expectCode(db.write(cut), 'INVALID_INPUT', /^write: malformed batch/);
    const r = await db.write(new BatchBuilder().append(undefined, 'four'));
    expect(r.serial).toEqual({ first: 2n, count: 1 });
    expect(scan(db).map((e) => e.value)).toEqual(['one', 'four']);
    await db.close();
    const again = await Strata.open(dir, cfg);
    expect(scan(again).map((e) => [e.id, e.value])).toEqual([
      [1n, 'one'],
      [2n, 'four'],
    ]);
    await again.close();
  });

  test('a write that fails half-way leaves no partition behind', async () => {
    const db = await Strata.open(dir, { ...cfg, ssn: MAX_ID - 1n });
    await expectCode(db.write(new BatchBuilder().append(undefined, 'a').append(undefined, 'b')), 'INVALID_INPUT', /serial numbers are exhausted/);
    expect(await db.execute('SHOW PARTITIONS')).toEqual([]);
    const r = await db.write(new BatchBuilder().append(undefined, 'last'));
    expect(r.serial).toEqual({ first: MAX_ID, count: 1 });
    await db.close();
  });

  test('serial records are refused when serial mode is off', async () => {
    const db = await Strata.open(dir, { ...cfg, serial: false });
    await expectCode(db.write(new BatchBuilder().append(undefined, 'x')), 'INVALID_INPUT', /serial mode is off/);
    expect(scan(db)).toEqual([]);
    await db.close();
  });

  test('ids 0, 2^53+1 and 2^64-1 keep every bit through files and reopen', async () => {
    const db = await Strata.open(dir, cfg);
    const ids = [0n, 2n ** 53n + 1n, 2n ** 63n, MAX_ID];
    const b = new BatchBuilder();
    for (const id of ids) b.insert(id, undefined, `v${id}`);
    await db.write(b);
    expect(scan(db).map((e) => e.id)).toEqual(ids);
    await db.checkpoint();
    await db.close();
    const again = await Strata.open(dir, cfg);
    expect(scan(again).map((e) => [e.id, e.value])).toEqual(ids.map((id) => [id, `v${id}`]));
    await again.close();
  });

  test('partitions are interval wide and aligned; SHOW PARTITIONS reports them', async () => {
    const db = await Strata.open(dir, { ...cfg, interval: 100 });
    await db.write(new BatchBuilder().insert(150, undefined, 'a').insert(5, undefined, 'b').insert(99, 'k', 'c'));
    await db.refresh(5n);
    const parts = (await db.execute('SHOW PARTITIONS')) as { min: bigint; max: bigint; events: number; events_heap: number; refreshes: number; size: number }[];
    expect(parts.map((p) => [p.min, p.max, p.events, p.events_heap, p.refreshes])).toEqual([
      [0n, 99n, 2, 0, 1],
      [100n, 199n, 0, 1, 0],
    ]);
    expect(parts[0]!.size).toBeGreaterThan(0);
    await expectCode(db.refresh(1000n), 'NOT_FOUND', /no partition holds id 1000/);
    await expectCode(db.execute('DROP TABLE x'), 'SYNTAX', /unexpected 'TABLE'/);
    await expectCode(db.execute('UPLOAD PARTITION 0'), 'INVALID_INPUT', /storage 'main', which has no cloud/);
    await db.close();
  });
});

describe('cursors', () => {
  test('from, to and key bound the scan', async () => {
    const db = await Strata.open(dir, { ...cfg, interval: 10 });
    const b = new BatchBuilder();
    for (let i = 0; i < 40; i++) for (const k of ['a', 'b', 'c']) b.insert(i, k, `${i}${k}`);
    await db.write(b);
    await db.refresh(15n);
    expect(scan(db, 14n, 16n).map((e) => e.value)).toEqual(['14a', '14b', '14c', '15a', '15b', '15c', '16a', '16b', '16c']);
    const c = db.cursor({ from: 15, key: 'b', to: 16 });
    const got: string[] = [];
    for (const e of c) got.push(Buffer.from(e.value).toString());
    expect(got).toEqual(['15b', '15c', '16a', '16b', '16c']);
    expect(scan(db, 20n, 10n)).toEqual([]);
    await db.close();
  });

  test('a damaged region fails with the file named; other partitions stay readable', async () => {
    const db = await Strata.open(dir, { ...cfg, interval: 100, compression: 'none' });
    const b = new BatchBuilder();
    for (let i = 0; i < 200; i++) b.insert(i, undefined, 'x'.repeat(50));
    await db.write(b);
    await db.checkpoint();
    await db.close();
    const storage = fs.readdirSync(dir).find((n) => /^[0-9a-f-]{36}$/.test(n))!;
    const file = partitionFile(path.join(dir, storage), 0);
    const bytes = fs.readFileSync(file);
    bytes[40] = bytes[40]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const again = await Strata.open(dir, cfg);
    await expectCode(() => scan(again), 'CORRUPTION', /0{20}\.1\.part: region 0 crc mismatch/);
    expect(scan(again, 100n).length).toBe(100);
    await again.close();
  });

  test('a partition whose file is damaged or missing at open: the database opens, the others stay readable', async () => {
    const db = await Strata.open(dir, { ...cfg, interval: 100 });
    const b = new BatchBuilder();
    for (let i = 0; i < 300; i++) b.insert(i, undefined, 'x'.repeat(20));
    await db.write(b);
    await db.checkpoint();
    await db.close();
    const storage = fs.readdirSync(dir).find((n) => /^[0-9a-f-]{36}$/.test(n))!;
    const file = (min: number) => partitionFile(path.join(dir, storage), min);
    const bytes = fs.readFileSync(file(100));
    const inIndex = bytes.length - 112 - 20; // inside the index, before the 112-byte footer
    bytes[inIndex] = bytes[inIndex]! ^ 0xff;
    fs.writeFileSync(file(100), bytes);
    fs.rmSync(file(200));
    const again = await Strata.open(dir, cfg);
    expect(again.openReport.damaged).toEqual([
      expect.stringMatching(/^partition 100: open partition file: .*0{17}100\.\d+\.part: index crc mismatch/),
      expect.stringMatching(/^partition 200: open: partition 200: its file .* is missing/),
    ]);
    expect(scan(again, 0n, 99n).length).toBe(100);
    await expectCode(() => scan(again, 100n, 150n), 'CORRUPTION', /index crc mismatch/);
    await expectCode(() => scan(again, 250n), 'CORRUPTION', /is missing/);
    await again.execute('DROP PARTITION 100; DROP PARTITION 200');
    expect(scan(again).length).toBe(100);
    await again.close();
  });

  test('scans stay sorted and complete while writes and background refreshes run', async () => {
    const db = await Strata.open(dir, { workers: 2, interval: 1000, refresh_wm: 8 * 1024, region_size: 2048 });
    let written = 0;
    const writer = (async () => {
      for (let k = 0; k < 300; k++) {
        const b = new BatchBuilder();
        for (let j = 0; j < 20; j++) b.insert((k * 7919 + j * 104729) % 20000, 'k', `v${k}`);
        await db.write(b);
        written = k + 1;
        if (k % 50 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    let scans = 0;
    while (written < 300) {
      const before = written;
      const rows = scan(db);
      for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.id < rows[i]!.id).toBe(true);
      // every id written by batches acknowledged before the scan is there
      const ids = new Set(rows.map((r) => r.id));
      for (let k = 0; k < before; k++) for (let j = 0; j < 20; j++) expect(ids.has(BigInt((k * 7919 + j * 104729) % 20000))).toBe(true);
      scans++;
      await new Promise((r) => setImmediate(r));
    }
    await writer;
    expect(scans).toBeGreaterThan(1);
    await db.checkpoint();
    expect(new Set(scan(db).map((r) => r.id)).size).toBe(new Set([...Array(300 * 20).keys()].map((i) => ((Math.floor(i / 20) * 7919 + (i % 20) * 104729) % 20000))).size);
    await db.close();
  });
});

describe('refresh', () => {
  test('the old file is gone when a refresh resolves, and when close returns after background refreshes', async () => {
    const db = await Strata.open(dir, { workers: 1, interval: 1000, refresh_wm: 4096, region_size: 1024 });
    const folder = path.join(dir, fs.readdirSync(dir).find((n) => /^[0-9a-f-]{36}$/.test(n))!);
    const batch = (first: number): BatchBuilder => {
      const b = new BatchBuilder();
      for (let i = 0; i < 20; i++) b.insert(first + i, 'k', 'v'.repeat(100));
      return b;
    };
    for (let k = 0; k < 20; k++) await db.write(batch(k * 20));
    await db.refresh(0n);
    expect(partitionFile(folder, 0)).toMatch(/\.part$/); // exactly one file of partition 0
    // background refreshes (refresh_wm, writes moving on to partition 1000) while writing
    for (let k = 20; k < 60; k++) await db.write(batch(k * 20));
    await db.close();
    expect([partitionFile(folder, 0), partitionFile(folder, 1000)].length).toBe(2);
    const again = await Strata.open(dir, { workers: 0 });
    expect(scan(again).length).toBe(1200);
    await again.close();
  });
});

describe('the WAL', () => {
  test('segments are released once their events are in partition files', async () => {
    const db = await Strata.open(dir, { ...cfg, wal_rotate_wm: 4096 });
    for (let k = 0; k < 50; k++) await db.write(new BatchBuilder().append(undefined, 'y'.repeat(200)));
    const walFiles = () => fs.readdirSync(path.join(dir, 'wal')).filter((n) => n.endsWith('.wal')).length;
    expect(walFiles()).toBeGreaterThan(2);
    await db.checkpoint();
    expect(walFiles()).toBe(1);
    await db.close();
  });

  test('a torn tail is cut on open and reported; acknowledged writes survive', async () => {
    const db = await Strata.open(dir, cfg);
    await db.write(new BatchBuilder().insert(1, undefined, 'a').insert(2, undefined, 'b'));
    await db.close();
    const wal = path.join(dir, 'wal');
    const seg = fs.readdirSync(wal).sort().at(-1)!;
    fs.appendFileSync(path.join(wal, seg), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]));
    const again = await Strata.open(dir, cfg);
    expect(again.openReport.wal?.truncated.length).toBe(1);
    expect(scan(again).map((e) => e.value)).toEqual(['a', 'b']);
    await again.close();
  });

  test('with the WAL off, close refreshes everything so nothing is lost', async () => {
    const db = await Strata.open(dir, { ...cfg, wal: false });
    await db.write(new BatchBuilder().insert(1, undefined, 'a'));
    await db.close();
    const again = await Strata.open(dir, cfg);
    expect(scan(again).map((e) => e.value)).toEqual(['a']);
    await again.close();
  });
});

describe('dropped partitions stay dropped', () => {
  test('a hand-made partition narrower than interval: its events do not come back on replay', async () => {
    let db = await Strata.open(dir, cfg);
    await db.execute("CREATE PARTITION 0 99; INSERT (10, 'a'); INSERT (500, 'b'); DROP PARTITION 0");
    await db.close();
    db = await Strata.open(dir, cfg);
    expect(scan(db).map((r) => r.value)).toEqual(['b']);
    await db.close();
  });

  test('a partition created again after a drop survives reopen, with only its new events', async () => {
    let db = await Strata.open(dir, cfg);
    await db.execute("CREATE PARTITION 0 99; INSERT (10, 'old'); DROP PARTITION 0; CREATE PARTITION 0 99; INSERT (11, 'new')");
    await db.close();
    db = await Strata.open(dir, cfg);
    expect(scan(db).map((r) => r.value)).toEqual(['new']);
    expect(((await db.execute('SHOW PARTITIONS')) as { min: bigint; max: bigint }[]).map((p) => [p.min, p.max])).toEqual([[0n, 99n]]);
    await db.close();
  });

  test('turning the WAL off after a drop cannot resurrect the range later', async () => {
    let db = await Strata.open(dir, cfg);
    await db.execute("INSERT (10, 'a'); INSERT (5000000, 'b'); DROP PARTITION 0");
    await db.close();
    db = await Strata.open(dir, { wal: false });
    await db.close();
    db = await Strata.open(dir, { wal: true });
    expect(scan(db).map((r) => r.value)).toEqual(['b']);
    await db.close();
  });
});

describe('clouds', () => {
  test('persist across reopen; the secret key never shows', async () => {
    let db = await Strata.open(dir, cfg);
    await db.execute("CREATE CLOUD backup (type 's3', endpoint 'http://127.0.0.1:9000', login 'ak', password 'very-secret', path_style true)");
    await db.close();
    db = await Strata.open(dir, cfg);
    const clouds = (await db.execute('SHOW CLOUDS')) as Record<string, unknown>[];
    expect(clouds).toEqual([
      { name: 'backup', type: 's3', url: 'http://127.0.0.1:9000', region: 'us-east-1', bucket: null, access_key: 'ak', secret_key: '(secret)', path_style: true, debug: false },
    ]);
    expect(JSON.stringify(await db.execute('SHOW CLOUD backup'))).not.toContain('very-secret');
    await db.execute('DROP CLOUD backup');
    await db.close();
    db = await Strata.open(dir, cfg);
    expect(await db.execute('SHOW CLOUDS')).toEqual([]);
    await db.close();
  });
});
