/**
 * The console's tables for SHOW PARTITIONS, STORAGES, OPERATIONS, CLOUDS, ORPHANS and
 * PIPELINE: what the rows say (human sizes and times), how a table fits a narrow
 * terminal (text cut, columns left out, numbers and times never cut), and JSON for
 * scripts and after `\json`.
 */
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { palette } from '../../repl/colour.ts';
import { renderGrid } from '../../repl/grid.ts';
import { type Runner, runScript } from '../../repl/runner.ts';
import { formatTime, renderView } from '../../repl/show-tables.ts';
import { Strata } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

const plain = palette(false);
const savedTz = process.env['TZ'];

beforeAll(() => {
  process.env['TZ'] = 'UTC';
});
afterAll(() => {
  if (savedTz === undefined) delete process.env['TZ'];
  else process.env['TZ'] = savedTz;
});

describe('cells', () => {
  test('times are local YYYY-MM-DD HH:MM:SS (here UTC); never is -', () => {
    expect(formatTime(Date.UTC(2026, 11, 2, 10, 15, 3, 250) * 1000)).toBe('2026-12-02 10:15:03');
    expect(formatTime(0)).toBe('-');
  });
});

describe('a grid that does not fit', () => {
  const columns = [
    { title: 'id', align: 'right' as const },
    { title: 'name', align: 'left' as const, cut: true },
    { title: 'when', align: 'left' as const, drop: 1 },
  ];
  const rows = [[{ text: '18446744073709551615' }, { text: 'a'.repeat(60) }, { text: '2026-12-02 10:15:03' }]];

  test('leaves out a droppable column, then cuts text; the number stays whole', () => {
    const wide = renderGrid(columns, rows, 120, plain, '(1 row)').split('\n');
    expect(wide[0]).toBe(`${'id'.padStart(20)} | name${' '.repeat(56)} | when`);
    expect(wide[2]).toBe(`18446744073709551615 | ${'a'.repeat(60)} | 2026-12-02 10:15:03`);
    const narrow = renderGrid(columns, rows, 60, plain, '(1 row)').split('\n');
    expect(narrow[2]).toBe(`18446744073709551615 | ${'a'.repeat(35)}…`);
    expect(Math.max(...narrow.map((l) => l.length))).toBeLessThanOrEqual(59);
    expect(narrow[3]).toBe('(1 row)');
  });
});

describe('the views as tables', () => {
  let tmp: { dir: string; cleanup: () => void };
  let db: Strata;
  let out: string;

  function runner(interactive: boolean, json = false, width = 200): Runner {
    return {
      db, out: { write: (t: string) => (out += t) }, err: { write: (t: string) => (out += t) }, outColour: plain, errColour: plain,
      interactive, pretty: interactive, progress: null, timing: false, json, columns: () => width,
    };
  }

  beforeEach(async () => {
    tmp = tempDir();
    db = await Strata.open(path.join(tmp.dir, 'db'), { workers: 0, interval: 1000 });
    out = '';
    await db.execute(
      "CREATE STORAGE cold (compression 'lz4'); INSERT (1, 'a'); INSERT (1500, 'b'); INSERT (2500, 'c'); MOVE PARTITION 0 INTO cold; " +
        'REFRESH PARTITION 1000; ALTER PIPELINE main (partitions 5, size 10G), cold (duration 30d)',
    );
  });
  afterEach(async () => {
    await db.close();
    tmp.cleanup();
  });

  test('SHOW PARTITIONS: one line per partition, sizes and times for people', async () => {
    await runScript(runner(true), 'SHOW PARTITIONS', false);
    const parts = (await db.execute('SHOW PARTITIONS')) as { size: number; created: number }[];
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ +min \| +max \| storage \| events \| in memory \| +size \| file +\| created +\| refreshed$/);
    expect(lines[2]).toMatch(new RegExp(`^ +0 \\| +999 \\| cold +\\| +1 \\| +0 \\| +${parts[0]!.size} B \\| local \\| ${formatTime(parts[0]!.created)} \\| \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`));
    expect(lines[4]).toMatch(/^2000 \| 2999 \| main +\| +0 \| +1 \| +0 B \| - +\| \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \| -$/);
    expect(lines.at(-1)).toBe('(3 partitions)');
  });

  test('SHOW STORAGES, SHOW PIPELINE, SHOW OPERATIONS, SHOW CLOUDS', async () => {
    await runScript(runner(true), "SHOW STORAGES; SHOW PIPELINE; SHOW OPERATIONS; CREATE CLOUD s3 (type 's3', url 'http://127.0.0.1:1', access_key 'a', secret_key 'b'); SHOW CLOUDS", false);
    expect(out).toContain('name | partitions | events | in memory |  size | path | cloud | format | compression\n');
    expect(out).toMatch(/\ncold \| +1 \| +1 \| +0 \| +\d+ B \| \. +\| - +\| strata \| lz4\n/);
    expect(out).toContain(
      'tier | storage | partitions |     size | events | duration\n' +
        '-----+---------+------------+----------+--------+---------\n' +
        '   1 | main    |          5 | 10.0 GiB |      - |        -\n' +
        '   2 | cold    |          - |        - |      - |      30d\n' +
        '(2 tiers)\n',
    );
    expect(out).toContain('kind | partition | source | destination | done | of | started | state | error\n');
    expect(out).toContain('(0 operations)\n');
    expect(out).toContain('s3   | s3   | http://127.0.0.1:1 | us-east-1 | -      | a          | true\n(1 cloud)\n');
  });

  test('a narrow terminal: the least needed columns are left out', async () => {
    await runScript(runner(true, false, 80), 'SHOW PARTITIONS', false);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ +min \| +max \| storage \| events \| in memory \| +size \| file$/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(79);
  });

  test('\\json, and scripts: the exact JSON', async () => {
    await runScript(runner(true, true), 'SHOW PIPELINE; SELECT LIMIT 1', false);
    expect(out).toContain('"duration": 2592000000000');
    expect(out).toContain('[{"id":1,"key":null,"value":"a"}]\n');
    out = '';
    await runScript(runner(false), 'SHOW PARTITIONS', false);
    expect(JSON.parse(out)).toHaveLength(3);
  });

  test('control characters in a value cannot break a line or drive the terminal', () => {
    const orphan = { cloud: 's3', bucket: 'b', storage: 'cold', size: 5, state: 'orphan', key: 'a\nb\x1b[31mc', error: null };
    const lines = renderView('show_orphans', [orphan], 200, plain)!.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toContain('a\\u000ab\\u001b[31mc');
    expect(lines[2]).not.toContain('\x1b');
  });

  test('what is not an array is JSON', () => {
    expect(renderView('show_partitions', { not: 'rows' }, 80, plain)).toBeNull();
  });
});
