import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StrataError } from '../../src/errors.ts';
import type { ErrorCode } from '../../src/errors.ts';
import { Manifest, SCHEMA_VERSION } from '../../src/manifest/index.ts';
import type { ConfigValue, PartitionRecord, StorageRecord } from '../../src/manifest/index.ts';

const U64_MAX = (1n << 64n) - 1n;

let dir: string;
let file: string;
const opened: Manifest[] = [];

function open(): Manifest {
  const m = Manifest.open(file);
  opened.push(m);
  return m;
}

/** Reopens: closes every handle, then opens again (what survives is on disk). */
function reopen(): Manifest {
  for (const m of opened.splice(0)) m.close();
  return open();
}

/** Runs `fn`, expects a StrataError of `code` whose message starts with `manifest:`. */
function failure(fn: () => unknown, code: ErrorCode): StrataError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a StrataError').toBeInstanceOf(StrataError);
  const e = caught as StrataError;
  expect(e.code, e.message).toBe(code);
  expect(e.message.startsWith('manifest:'), e.message).toBe(true);
  return e;
}

/** Writes a big-endian u32 into the SQLite header of the (closed) database file. */
function patchHeader(offset: number, value: number): void {
  expect(fs.existsSync(`${file}-wal`), 'the WAL is checkpointed on close').toBe(false);
  const fd = fs.openSync(file, 'r+');
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value);
  fs.writeSync(fd, b, 0, 4, offset);
  fs.closeSync(fd);
}

function storage(name: string, extra: Partial<StorageRecord> = {}): StorageRecord {
  return { name, uuid: `uuid-${name}`, path: path.join(dir, name), options: {}, created: 1_700_000_000_000_000, ...extra };
}

function partition(min: bigint, max: bigint, extra: Partial<PartitionRecord> = {}): PartitionRecord {
  return {
    min, max, storage: 'main', file: 0, lsn: 0n, events: 0, regions: 0, size: 0, sizeUncompressed: 0,
    created: 1_700_000_000_000_001, refreshed: 0, refreshes: 0, onStorage: true, onCloud: false, ...extra,
  };
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-manifest-'));
  file = path.join(dir, 'manifest.db');
});

afterEach(() => {
  for (const m of opened.splice(0)) m.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('open', () => {
  it('creates the database once, then reopens it', () => {
    const m = open();
    expect(m.created).toBe(true);
    expect(m.path).toBe(file);
    expect(fs.existsSync(file)).toBe(true);
    expect(m.getConfig().size).toBe(0);
    expect(m.listStorages()).toEqual([]);
    expect(m.listPartitions()).toEqual([]);
    expect(m.listOperations()).toEqual([]);
    expect(reopen().created).toBe(false);
  });

  it('keeps every table across a reopen', () => {
    const m = open();
    m.setConfig('interval', 1_000_000);
    m.insertStorage(storage('main', { options: { compression: 'zstd', level: 3, encrypt: false } }));
    m.insertStorage(storage('cold', { path: '/mnt/cold' }));
    const p = partition(1000n, 1999n, { file: 7, lsn: U64_MAX, events: 12, regions: 2, size: 4096, sizeUncompressed: 9000, refreshed: 5, refreshes: 3 });
    m.insertPartition(p);
    const id = m.insertOperation({ kind: 'refresh', partition: 1000n, storage: 'main', file: 8, oldFile: 7, started: 42, detail: '{"x":1}' });

    const r = reopen();
    expect(r.getConfig()).toEqual(new Map([['interval', 1_000_000]]));
    expect(r.listStorages()).toEqual([
      storage('cold', { path: '/mnt/cold' }),
      storage('main', { options: { compression: 'zstd', level: 3, encrypt: false } }),
    ]);
    expect(r.getStorage('main')?.options).toEqual({ compression: 'zstd', level: 3, encrypt: false });
    expect(r.getStorage('nope')).toBeUndefined();
    expect(r.listPartitions()).toEqual([p]);
    expect(r.getPartition(1000n)).toEqual(p);
    expect(r.getPartition(1001n)).toBeUndefined();
    expect(r.listOperations()).toEqual([
      { id, kind: 'refresh', partition: 1000n, storage: 'main', file: 8, oldFile: 7, started: 42, detail: '{"x":1}' },
    ]);
  });

  it('uses a WAL journal', () => {
    open().setConfig('a', 1);
    expect(fs.existsSync(`${file}-wal`)).toBe(true);
  });

  it('refuses a file that is not a SQLite database, and leaves it alone', () => {
    for (const garbage of ['x', 'this is not a database\n'.repeat(200)]) {
      fs.writeFileSync(file, garbage);
      const e = failure(() => Manifest.open(file), 'CORRUPTION');
      expect(e.message).toContain(file);
      expect(fs.readFileSync(file, 'utf8')).toBe(garbage);
    }
  });

  it('refuses a schema newer than the code', () => {
    open().setConfig('a', 1);
    for (const m of opened.splice(0)) m.close();
    patchHeader(60, SCHEMA_VERSION + 6); // user_version
    const e = failure(() => Manifest.open(file), 'NOT_SUPPORTED');
    expect(e.message).toBe(
      `manifest: schema version ${SCHEMA_VERSION + 6} is newer than this Strata (knows ${SCHEMA_VERSION}); upgrade Strata`,
    );
  });

  it('refuses a SQLite database of another application', () => {
    open();
    for (const m of opened.splice(0)) m.close();
    patchHeader(68, 0x12345678); // application_id
    expect(failure(() => Manifest.open(file), 'CORRUPTION').message).toContain(file);
  });

  it('fails with IO when the directory does not exist', () => {
    failure(() => Manifest.open(path.join(dir, 'missing', 'manifest.db')), 'IO');
  });

  it('throws CLOSED after close', () => {
    const m = open();
    m.close();
    m.close();
    failure(() => m.getConfig(), 'CLOSED');
    failure(() => m.transaction(() => 1), 'CLOSED');
  });
});

describe('config', () => {
  const values: [string, ConfigValue][] = [
    ['big0', 0n],
    ['bigmax', U64_MAX],
    ['bigneg', -(1n << 70n)],
    ['yes', true],
    ['no', false],
    ['empty', ''],
    ['text', 'zstd ünïcødé \'quoted\''],
    ['numeric text', '42'],
    ['zero', 0],
    ['negzero', -0],
    ['float', 0.1 + 0.2],
    ['large', Number.MAX_SAFE_INTEGER],
    ['inf', -Infinity],
  ];

  it('round-trips every type exactly, across a reopen', () => {
    open().setConfigMany(values);
    const got = reopen().getConfig();
    expect(got.size).toBe(values.length);
    for (const [name, value] of values) {
      expect(typeof got.get(name), name).toBe(typeof value);
      expect(Object.is(got.get(name), value), `${name}: ${String(got.get(name))}`).toBe(true);
    }
  });

  it('replaces a value and its type', () => {
    const m = open();
    m.setConfig('serial', true);
    m.setConfig('serial', 'off');
    m.setConfig('ssn', 5);
    m.setConfig('ssn', 6n);
    expect(reopen().getConfig()).toEqual(new Map<string, ConfigValue>([['serial', 'off'], ['ssn', 6n]]));
  });

  it('setConfigMany is all or nothing', () => {
    const m = open();
    const bad = [['a', 1], ['b', undefined as unknown as ConfigValue]] as [string, ConfigValue][];
    failure(() => m.setConfigMany(bad), 'INVALID_INPUT');
    expect(m.getConfig().size).toBe(0);
  });
});

describe('transaction', () => {
  it('commits and returns the value of fn', () => {
    const m = open();
    m.insertStorage(storage('main'));
    const n = m.transaction(() => {
      m.setConfig('a', 1);
      m.insertPartition(partition(0n, 9n));
      return 7;
    });
    expect(n).toBe(7);
    const r = reopen();
    expect(r.getConfig().get('a')).toBe(1);
    expect(r.listPartitions()).toHaveLength(1);
  });

  it('rolls everything back when fn throws, and rethrows its error', () => {
    const m = open();
    m.insertStorage(storage('main'));
    m.insertPartition(partition(0n, 9n));
    const boom = new Error('boom');
    let caught: unknown;
    try {
      m.transaction(() => {
        m.setConfig('a', 1);
        m.insertStorage(storage('cold'));
        m.insertPartition(partition(10n, 19n));
        m.updatePartition(partition(0n, 9n, { file: 3 }));
        m.deleteStorage('cold');
        m.insertOperation({ kind: 'refresh', partition: 0n, storage: 'main', file: 4, oldFile: 3, started: 1, detail: '' });
        throw boom;
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBe(boom);
    const unchanged = (r: Manifest): void => {
      expect(r.getConfig().size).toBe(0);
      expect(r.listStorages().map((s) => s.name)).toEqual(['main']);
      expect(r.listPartitions()).toEqual([partition(0n, 9n)]);
      expect(r.listOperations()).toEqual([]);
    };
    unchanged(m);
    unchanged(reopen());
  });
});

describe('storages', () => {
  it('refuses a duplicate name or uuid', () => {
    const m = open();
    m.insertStorage(storage('main'));
    failure(() => m.insertStorage(storage('main', { uuid: 'other' })), 'ALREADY_EXISTS');
    failure(() => m.insertStorage(storage('cold', { uuid: 'uuid-main' })), 'ALREADY_EXISTS');
    expect(m.listStorages()).toEqual([storage('main')]);
  });

  it('renames, and partitions and options follow', () => {
    const m = open();
    m.insertStorage(storage('hot', { options: { watermark: 10n } }));
    m.insertStorage(storage('main'));
    m.insertPartition(partition(0n, 9n, { storage: 'hot' }));
    m.insertPartition(partition(10n, 19n, { storage: 'main' }));
    m.updateStorage('hot', storage('fast', { uuid: 'uuid-hot', options: { watermark: 20n, zone: 'a' } }));
    const r = reopen();
    expect(r.getStorage('hot')).toBeUndefined();
    expect(r.getStorage('fast')).toEqual(storage('fast', { uuid: 'uuid-hot', options: { watermark: 20n, zone: 'a' } }));
    expect(r.listPartitions().map((p) => p.storage)).toEqual(['fast', 'main']);
  });

  it('refuses to rename onto another storage, and to update a missing one', () => {
    const m = open();
    m.insertStorage(storage('hot'));
    m.insertStorage(storage('main'));
    failure(() => m.updateStorage('hot', storage('main', { uuid: 'uuid-hot' })), 'ALREADY_EXISTS');
    failure(() => m.updateStorage('nope', storage('nope')), 'NOT_FOUND');
    expect(m.listStorages().map((s) => s.name)).toEqual(['hot', 'main']);
  });

  it('deletes a storage only once it holds no partitions', () => {
    const m = open();
    m.insertStorage(storage('hot', { options: { a: 1 } }));
    m.insertPartition(partition(0n, 9n, { storage: 'hot' }));
    failure(() => m.deleteStorage('hot'), 'INVALID_INPUT');
    m.deletePartition(0n);
    m.deleteStorage('hot');
    failure(() => m.deleteStorage('hot'), 'NOT_FOUND');
    m.insertStorage(storage('hot'));
    expect(m.getStorage('hot')?.options).toEqual({});
  });
});

describe('partitions', () => {
  it('sort numerically, not as text', () => {
    const m = open();
    m.insertStorage(storage('main'));
    m.insertPartition(partition(U64_MAX - 255n, U64_MAX));
    m.insertPartition(partition(10n, 19n));
    m.insertPartition(partition(100n, 100n));
    m.insertPartition(partition(9n, 9n));
    expect(reopen().listPartitions().map((p) => p.min)).toEqual([9n, 10n, 100n, U64_MAX - 255n]);
  });

  it('refuses a duplicate min and an overlapping range', () => {
    const m = open();
    m.insertStorage(storage('main'));
    m.insertPartition(partition(10n, 19n));
    m.insertPartition(partition(30n, 39n));
    failure(() => m.insertPartition(partition(10n, 12n)), 'ALREADY_EXISTS');
    failure(() => m.insertPartition(partition(5n, 10n)), 'INVALID_INPUT');
    failure(() => m.insertPartition(partition(19n, 25n)), 'INVALID_INPUT');
    failure(() => m.insertPartition(partition(0n, U64_MAX)), 'INVALID_INPUT');
    m.insertPartition(partition(20n, 29n));
    expect(m.listPartitions().map((p) => p.min)).toEqual([10n, 20n, 30n]);
  });

  it('updates by min; missing -> NOT_FOUND; overlap -> INVALID_INPUT and no change', () => {
    const m = open();
    m.insertStorage(storage('main'));
    m.insertPartition(partition(10n, 19n));
    m.insertPartition(partition(20n, 29n));
    const next = partition(10n, 19n, { file: 2, lsn: 99n, events: 5, regions: 1, size: 10, sizeUncompressed: 20, refreshed: 3, refreshes: 1 });
    m.updatePartition(next);
    expect(reopen().getPartition(10n)).toEqual(next);
    const r = opened[0]!;
    failure(() => r.updatePartition(partition(11n, 12n)), 'NOT_FOUND');
    failure(() => r.updatePartition(partition(10n, 20n)), 'INVALID_INPUT');
    expect(r.getPartition(10n)).toEqual(next);
    failure(() => r.deletePartition(11n), 'NOT_FOUND');
  });

  it('refuses values out of range and an unknown storage', () => {
    const m = open();
    m.insertStorage(storage('main'));
    failure(() => m.insertPartition(partition(-1n, 5n)), 'INVALID_INPUT');
    failure(() => m.insertPartition(partition(0n, U64_MAX + 1n)), 'INVALID_INPUT');
    failure(() => m.insertPartition(partition(9n, 8n)), 'INVALID_INPUT');
    failure(() => m.insertPartition(partition(0n, 5n, { events: 1.5 })), 'INVALID_INPUT');
    failure(() => m.insertPartition(partition(0n, 5n, { storage: 'nope' })), 'NOT_FOUND');
    expect(m.listPartitions()).toEqual([]);
  });
});

describe('operations', () => {
  it('lists by id; ids are never reused', () => {
    const m = open();
    const op = { kind: 'move', partition: U64_MAX, storage: 'cold', file: 2, oldFile: 1, started: 5, detail: '' };
    const a = m.insertOperation(op);
    const b = m.insertOperation({ ...op, kind: 'upload' });
    expect(b).toBeGreaterThan(a);
    m.deleteOperation(b);
    failure(() => m.deleteOperation(b), 'NOT_FOUND');
    const c = reopen().insertOperation({ ...op, kind: 'drop' });
    expect(c).toBeGreaterThan(b);
    expect(opened[0]!.listOperations()).toEqual([
      { id: a, ...op },
      { id: c, ...op, kind: 'drop' },
    ]);
  });
});

describe('pipeline (schema v2)', () => {
  it('set, get, reset; storages must exist; renames follow', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-manifest-pipe-'));
    try {
      const m = Manifest.open(path.join(dir, 'manifest.db'));
      m.insertStorage({ name: 'hot', uuid: '1', path: '', options: {}, created: 1 });
      m.insertStorage({ name: 'cold', uuid: '2', path: '', options: {}, created: 1 });
      const tiers = [
        { storage: 'hot', partitions: 2, size: null, events: null, duration: 86_400_000_000n },
        { storage: 'cold', partitions: null, size: 10 * 2 ** 30, events: 5, duration: null },
      ];
      m.setPipeline(tiers);
      expect(m.getPipeline()).toEqual(tiers);
      expect(() => m.setPipeline([{ storage: 'nope', partitions: null, size: null, events: null, duration: null }])).toThrow(/storage 'nope' not found/);
      expect(m.getPipeline()).toEqual(tiers);
      m.updateStorage('hot', { name: 'warm', uuid: '1', path: '', options: {}, created: 1 });
      expect(m.getPipeline()[0]!.storage).toBe('warm');
      m.setPipeline([]);
      expect(m.getPipeline()).toEqual([]);
      m.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
