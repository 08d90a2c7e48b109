/**
 * `strata` as a process without a terminal: -e, -f, standard input, exit statuses,
 * --continue-on-error, the bin script, and `strata bench --json`. Each run starts a
 * process (about a second), so each test checks several things; the finer points of
 * scripts are tested in-process in script.test.ts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Strata } from '../../src/index.ts';
import { runStrata, tempDir } from './helpers.ts';

let tmp: { dir: string; cleanup: () => void };
let n = 0;
/** A new database directory for each test (they run concurrently). */
const newDir = (): string => path.join(tmp.dir, `db${n++}`);

beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.cleanup());

/** The events of the database in `dir`, as SELECT answers them. */
async function selectAll(dir: string): Promise<unknown> {
  const db = await Strata.open(dir);
  try {
    return await db.execute('SELECT');
  } finally {
    await db.close();
  }
}

describe.concurrent('scripts', () => {
  test('-e and -f run in order: one JSON result per line, no colour, exit 0', async () => {
    const dir = newDir();
    const file = path.join(tmp.dir, 'script.sql');
    fs.writeFileSync(file, "-- two events\nINSERT (2,\n  'b');\nINSERT (3, 'c') ;\n\nSELECT FROM 2\n");
    const r = await runStrata([dir, '-e', "INSERT (1, 'a'); SHOW CONFIG interval", '-f', file, '-e', 'SHOW ssn']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual([
      'null',
      '{"interval":3000000}',
      'null',
      'null',
      '[{"id":2,"key":null,"value":"b"},{"id":3,"key":null,"value":"c"}]',
      '{"ssn":0}',
      '',
    ]);
    expect(r.code).toBe(0);
  });

  test('standard input is a script', async () => {
    const dir = newDir();
    const r = await runStrata([dir], { input: "CREATE STORAGE hot;\nSHOW\n  PIPELINE;\nINSERT (5, 'k', 'v');\nSELECT\n" });
    expect(r.stdout).toBe('null\n[]\nnull\n[{"id":5,"key":"k","value":"v"}]\n');
    expect(r.code).toBe(0);
  });

  test('the first error stops: exit 1, the error on stderr, the statements after it not run', async () => {
    const dir = newDir();
    const r = await runStrata([dir, '-e', "INSERT (1, 'a'); MOVE PARTITION 0 INTO nowhere; INSERT (2, 'b')"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('null\n');
    expect(r.stderr).toBe("error: NOT_FOUND: move partition: no storage 'nowhere'; SHOW STORAGES lists them\n");
    expect(await selectAll(dir)).toEqual([{ id: 1n, key: null, value: 'a' }]);
  });

  test('--continue-on-error runs everything, reports each error, and still exits 1', async () => {
    const dir = newDir();
    const r = await runStrata([dir, '--continue-on-error'], { input: "SHOW nothing;\nINSERT (1, 'a');\nSELEKT;\nSELECT" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('null\n[{"id":1,"key":null,"value":"a"}]\n');
    expect(r.stderr.split('\n')).toEqual([
      "error: NOT_FOUND: show: unknown setting 'nothing'; SHOW CONFIG lists them",
      expect.stringMatching(/^error: SYNTAX: syntax error at line 3, column 1: unexpected 'SELEKT'/),
      '',
    ]);
  });

  test('WAL damage: refused at open without --wal-recovery; with it, the open says what it dropped', async () => {
    const dir = newDir();
    const db = await Strata.open(dir, { workers: 0 });
    for (const id of [1, 2, 3]) await db.execute(`INSERT (${id}, 'v${id}')`);
    await db.close();
    const wal = path.join(dir, 'wal');
    const file = fs.readdirSync(wal).sort().at(-1)!;
    const seg = fs.readFileSync(path.join(wal, file));
    const second = 16 + 24 + seg.readUInt32LE(16 + 4);
    seg[second + 30] = seg[second + 30]! ^ 0xff; // the payload of the second record
    fs.writeFileSync(path.join(wal, file), seg);

    const refused = await runStrata([dir, '-e', 'SELECT']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(new RegExp(`^error: CORRUPTION: open: wal replay: ${file}: crc mismatch at offset ${second} .*1 valid record lies after it \\(1 event\\).*--wal-recovery MODE\n$`));
    const skipped = await runStrata([dir, '--wal-recovery', 'skip', '-e', 'SELECT']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toBe('[{"id":1,"key":null,"value":"v1"},{"id":3,"key":null,"value":"v3"}]\n');
    expect(skipped.stderr.split('\n')).toEqual([
      `open: wal recovery skip: DROPPED ${file} at offset ${second} (${seg.readUInt32LE(second + 4) + 24} bytes): 1 record, 1 event`,
      'open: replayed 2 wal records (2 events)',
      '',
    ]);
    const clean = await runStrata([dir, '-e', 'SELECT']);
    expect(clean.code).toBe(0);
    expect(clean.stderr).toBe('');
  });

  test('--set gives settings to the open: creation-only ones on a new directory, units by the kind of the setting', async () => {
    const dir = newDir();
    const uuid = '0b5c3a5e-8d4b-4a39-9a56-2f6f1e0b7c11';
    const created = await runStrata([dir, '--set', `uuid=${uuid}`, '--set', 'refresh_wm=64MiB', '--set', 'read_ahead=2K', '-e', 'SHOW uuid, refresh_wm, read_ahead']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toBe(`{"uuid":"${uuid}","refresh_wm":67108864,"read_ahead":2000}\n`);
    // a unit of another kind is refused before the open, and nothing changes
    const refused = await runStrata([dir, '--set', 'refresh_wm=6h', '-e', 'SHOW refresh_wm']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: INVALID_INPUT: open: --set refresh_wm=6h: refresh_wm is a size in bytes: an integer, or one with K, M, G or T (powers of 1024: 64KiB, 10G); 6h is not\n');
    const later = await runStrata([dir, '-e', `SET uuid TO '${uuid}'`]);
    expect(later.code).toBe(1);
    expect(later.stderr).toContain(`strata DIR --set uuid=VALUE`);
    expect((await runStrata([dir, '-e', 'SHOW refresh_wm'])).stdout).toBe('{"refresh_wm":67108864}\n');
  });

  test('a bad option exits 2; --version', async () => {
    const [bad, version] = await Promise.all([runStrata(['--bogus']), runStrata(['--version'])]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("error: INVALID_INPUT: strata: unknown option '--bogus'; strata --help lists the options\n");
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^strata \d+\.\d+\.\d+\n$/);
  });
});

describe('bench', () => {
  test('--json: one line of figures; --read scans the events back; the settings given are set back', async () => {
    const dir = newDir();
    const r = await runStrata(['bench', dir, '-c', '5k', '-b', '500', '-s', '64', '-n', '-z', 'lz4', '--read', '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const f = JSON.parse(lines[0]!) as Record<string, unknown> & { read: Record<string, number> };
    expect(Object.keys(f)).toEqual([
      'events', 'bytes', 'seconds', 'events_per_second', 'mib_per_second', 'value_size', 'batch', 'wal', 'workers',
      'compression', 'rss_max', 'close_seconds', 'read',
    ]);
    expect(f).toMatchObject({ events: 5000, value_size: 64, batch: 500, wal: false, compression: 'lz4' });
    expect(f['events_per_second']).toBeGreaterThan(0);
    expect(f.read).toMatchObject({ events: 5000, bytes: 5000 * 64 });
    // with --json the summary for people goes to stderr
    expect(r.stderr).toMatch(/^wrote 5000 events .* events\/s, [\d.]+ MiB\/s\n {2}value 64 B, batch 500, wal off, workers \d+, compression lz4;.*\nread 5000 events/);
    // the events are in the database, with serial ids; wal and compression are as before
    const db = await Strata.open(dir);
    try {
      expect(await db.execute('SELECT FROM 4999 TO 5001')).toEqual([
        { id: 4999n, key: null, value: expect.stringMatching(/^[a-z]{64}$/) },
        { id: 5000n, key: null, value: expect.stringMatching(/^[a-z]{64}$/) },
      ]);
      expect(await db.execute('SHOW "wal", compression, ssn')).toEqual({ wal: true, compression: 'zstd', ssn: 5000n });
    } finally {
      await db.close();
    }
  });
});

describe('repair', () => {
  test('strata repair rebuilds a deleted manifest and prints what it found; --json; a second run changes nothing; bad keys exit 2', async () => {
    const dir = newDir();
    const db = await Strata.open(dir, { interval: 1000 });
    await db.execute("CREATE STORAGE cold; INSERT (1, 'a'); INSERT (2500, 'b'); CHECKPOINT; INSERT (3, 'c')");
    await db.close();
    for (const f of ['manifest.db', 'manifest.db-wal', 'manifest.db-shm']) fs.rmSync(path.join(dir, f), { force: true });
    const r = await runStrata(['repair', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^repair: manifest missing: rebuilt from the files\n/);
    expect(r.stdout).toMatch(/\nstorage cold \([0-9a-f-]+\): 0 partition\(s\)\n/);
    expect(r.stdout).toMatch(/\nkept: partition 0\.\.999 on main: 0{20}\.\d+\.part, 1 events\n/);
    expect(r.stdout).toMatch(/\nwal: replayed \d+ records/);
    expect(await selectAll(dir)).toEqual([
      { id: 1n, key: null, value: 'a' },
      { id: 3n, key: null, value: 'c' },
      { id: 2500n, key: null, value: 'b' },
    ]);
    const again = await runStrata(['repair', dir, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ manifest: 'sound', changed: false, skipped: [] });
    const bad = await runStrata(['repair', dir, '--key', 'cold=123']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--key takes STORAGE=KEY, the key as 64 hex digits/);
  });
});
