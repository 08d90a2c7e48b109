/**
 * `strata export` and `strata import` as processes: Arrow and JSON lines round trips
 * (ids above 2^53, bytes that are not text, keys, ranges), the Arrow export read by
 * apache-arrow's own reader, the Parquet export read by DuckDB and by Strata's footer
 * reader (to a file and to a pipe), and bad input refused with the line named and
 * nothing written. The line format itself is tested in-process (parseLine, eventJson);
 * `exportParquet` in test/parquet/export.test.ts.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Table, Uint64, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { eventJson } from '../../src/index.ts';
import { parseLine } from '../../repl/import.ts';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { rowsOf } from '../arrow/helpers.ts';
import { type Row, scan } from '../engine/helpers.ts';
import { duckSummary, expectedGroups, readBack, summaryOf } from '../parquet/helpers.ts';
import { childEnv, runStrata, STRATA, Terminal, tempDir } from './helpers.ts';

let tmp: { dir: string; cleanup: () => void };
let n = 0;
const newPath = (name: string): string => path.join(tmp.dir, `${name}${n++}`);

beforeAll(() => {
  tmp = tempDir('strata-transfer-');
});
afterAll(() => tmp.cleanup());

async function rowsIn(dir: string): Promise<Row[]> {
  const db = await Strata.open(dir);
  try {
    return scan(db);
  } finally {
    await db.close();
  }
}

/** A database with ids above 2^53, bytes that are not UTF-8, keys and serial ids. */
async function source(): Promise<string> {
  const dir = newPath('src');
  const db = await Strata.open(dir);
  const b = new BatchBuilder();
  b.append(undefined, 'serial one');
  b.insert(2n ** 60n, 'k', new Uint8Array([0, 1, 0xff, 0xfe]));
  b.insert((1n << 64n) - 1n, new Uint8Array([0xc3]), 'last');
  for (let i = 0; i < 2000; i++) b.insert(BigInt(100 + i), i % 3 === 0 ? `key${i}` : undefined, `value ${i} \u00e9\u{1f600}`);
  await db.write(b);
  await db.close();
  return dir;
}

describe.concurrent('round trips', () => {
  test('JSON lines: export, import, the same events; the lines as documented', async () => {
    const from = await source();
    const file = newPath('out.jsonl');
    const out = await runStrata(['export', from, '--format', 'jsonl', '-o', file]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/^export: 2.0K events, .* to .*out\.jsonl\d+\n$/);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe('{"id":1,"value":"serial one"}');
    expect(lines).toContain('{"id":"1152921504606846976","key":"k","value_base64":"AAH//g=="}');
    expect(lines).toContain('{"id":"18446744073709551615","key_base64":"ww==","value":"last"}');
    const to = newPath('dst');
    const r = await runStrata(['import', to, file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^import: 2.0K events/);
    expect(await rowsIn(to)).toEqual(await rowsIn(from));
  });

  test('Arrow: the export reads back with tableFromIPC, imports into the same events, and takes a range', async () => {
    const from = await source();
    const want = await rowsIn(from);
    const file = newPath('out.arrow');
    expect((await runStrata(['export', from, '-o', file])).code).toBe(0);
    expect(rowsOf(tableFromIPC(fs.readFileSync(file)).batches)).toEqual(want);
    const to = newPath('dst');
    expect((await runStrata(['import', to, file])).code).toBe(0);
    expect(await rowsIn(to)).toEqual(want);
    const part = newPath('part.arrow');
    expect((await runStrata(['export', from, '--from', '150', '--to', '160', '-o', part])).code).toBe(0);
    expect(rowsOf(tableFromIPC(fs.readFileSync(part)).batches)).toEqual(want.filter((x) => x.id >= 150n && x.id <= 160n));
  });

  test('an Arrow IPC file (the file format) is imported as one batch', async () => {
    const file = newPath('in.arrow');
    fs.writeFileSync(file, tableToIPC(new Table({ id: vectorFromArray([3n, null], new Uint64()), value: vectorFromArray(['c', 'serial'], new Utf8()) }), 'file'));
    const to = newPath('dst');
    const r = await runStrata(['import', to, file]);
    expect(r.code).toBe(0);
    expect(await rowsIn(to)).toEqual([
      { id: 1n, key: '', value: 'serial' },
      { id: 3n, key: '', value: 'c' },
    ]);
  });
});

/**
 * Runs `strata args...` and returns its standard output as bytes (a pipe), and its exit
 * status; with `leave`, closes the pipe at once, as a reader that goes away does.
 */
function runStrataBytes(args: readonly string[], leave = false): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  const [node, ...pre] = STRATA;
  return new Promise((resolve, reject) => {
    const child = spawn(node, [...pre, ...args], { env: childEnv(null), stdio: ['ignore', 'pipe', 'pipe'] });
    if (leave) child.stdout.destroy();
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
  });
}

describe.concurrent('Parquet', () => {
  const HIGH = 2n ** 63n;

  /** A database of region_size 1024 with 1001 events around 2^63, keys on some. */
  async function around(): Promise<string> {
    const dir = newPath('pq');
    const db = await Strata.open(dir, { region_size: 1024 });
    const b = new BatchBuilder();
    for (let i = -500; i <= 500; i++) b.insert(HIGH + BigInt(i), i % 4 === 0 ? `k${i}` : undefined, `value ${i}`.repeat(1 + (Math.abs(i) % 5)));
    await db.write(b);
    await db.close();
    return dir;
  }

  test('a range across 2^63 to a file: DuckDB and the footer reader read the scan, a row group per region_size; a pipe gets the same bytes', async () => {
    const dir = await around();
    const [from, to] = [HIGH - 300n, HIGH + 400n];
    const db = await Strata.open(dir);
    const want = scan(db, from, to);
    await db.close();
    const file = newPath('out.parquet');
    const r = await runStrata(['export', dir, '--format', 'parquet', '--from', `${from}`, '--to', `${to}`, '-o', file]);
    expect(r.stderr).toMatch(/^export: 701 events, .* to .*out\.parquet\d+\n$/);
    expect(r.code).toBe(0);
    expect(await duckSummary(file)).toEqual(summaryOf(want));
    const back = readBack(file);
    expect(back.rows).toEqual(want);
    expect(back.groupBytes).toEqual(expectedGroups(want, 1024));
    expect(back.footer.regions).toBeGreaterThan(20);
    expect(back.footer.identity).toEqual({ min: from, max: to, generation: 1, lsn: 0n });
    const piped = await runStrataBytes(['export', dir, '--format', 'parquet', '--from', `${from}`, '--to', `${to}`]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toEqual(fs.readFileSync(file));
    // a reader that goes away ends the export quietly
    const left = await runStrataBytes(['export', dir, '--format', 'parquet'], true);
    expect(left).toMatchObject({ code: 0, stderr: '' });
  });

  test('an empty range: a Parquet file with no rows', async () => {
    const dir = await around();
    const file = newPath('empty.parquet');
    const r = await runStrata(['export', dir, '--format', 'parquet', '--from', '1', '--to', '2', '-o', file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^export: 0 events, /);
    expect(await duckSummary(file)).toEqual(summaryOf([]));
    expect(readBack(file).footer.regions).toBe(0);
  });

  test('bad arguments: an unknown format lists parquet; import takes no parquet; a terminal gets no Parquet', async () => {
    const dir = await around();
    const csv = await runStrata(['export', dir, '--format', 'csv']);
    expect(csv.code).toBe(2);
    expect(csv.stderr).toMatch(/INVALID_INPUT: strata: --format takes arrow, jsonl or parquet, not 'csv'; strata export --help lists the options/);
    const imp = await runStrata(['import', dir, '-', '--format', 'parquet']);
    expect(imp.code).toBe(2);
    expect(imp.stderr).toMatch(/--format takes arrow or jsonl, not 'parquet'/);
    const t = new Terminal(['export', dir, '--format', 'parquet'], childEnv(null));
    try {
      await t.waitFor(/export: Parquet is binary and standard output is a terminal; give -o FILE, a pipe, or --format jsonl/);
      expect(await t.exited).toBe(2);
    } finally {
      t.kill();
    }
  });
});

describe.concurrent('bad input', () => {
  test('a bad line stops the import, names the line, and nothing is written', async () => {
    const file = newPath('bad.jsonl');
    fs.writeFileSync(file, '{"id": 1, "value": "a"}\n\n{"id": 2, "value": "b"}\n{"id": 3, "vaule": "c"}\n');
    const to = newPath('dst');
    const r = await runStrata(['import', to, file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: INVALID_INPUT: import: line 4: unknown field "vaule".*; nothing was written/);
    expect(await rowsIn(to)).toEqual([]);
  });

  test('a cut Arrow stream is refused; usage errors exit 2', async () => {
    const from = await source();
    const file = newPath('out.arrow');
    expect((await runStrata(['export', from, '-o', file])).code).toBe(0);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    const r = await runStrata(['import', newPath('dst'), file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/INVALID_INPUT: writeArrow: the bytes are not a whole Arrow IPC stream/);
    expect((await runStrata(['import', newPath('dst')])).stderr).toMatch(/import takes the database directory and a file/);
    expect((await runStrata(['export', from, '--format', 'csv'])).code).toBe(2);
    expect((await runStrata(['import', from, '-'])).stderr).toMatch(/standard input needs --format/);
  });
});

describe('the JSON line format', () => {
  test('eventJson: ids above 2^53 as strings, bytes that are not UTF-8 as base64, a BOM kept', () => {
    const enc = new TextEncoder();
    expect(eventJson(5n, new Uint8Array(0), enc.encode('v'))).toBe('{"id":5,"value":"v"}');
    expect(eventJson(2n ** 53n, enc.encode('\ufeffk'), new Uint8Array([0x80]))).toBe('{"id":"9007199254740992","key":"\ufeffk","value_base64":"gA=="}');
  });

  test('parseLine: every mistake named', () => {
    expect(parseLine('{"value":"v"}', 1)).toEqual({ id: null, key: undefined, value: 'v', del: false });
    expect(parseLine('{"id":"18446744073709551615","key_base64":"ww==","value":""}', 1).id).toBe((1n << 64n) - 1n);
    const bad: [string, RegExp][] = [
      ['nope', /line 7: not JSON/],
      ['[1]', /a line is a JSON object/],
      ['{"id": 9007199254740993, "value": "v"}', /write ids above 2\^53-1 as strings/],
      ['{"id": -1, "value": "v"}', /"id" -1 is not an id/],
      ['{"id": "18446744073709551616", "value": "v"}', /is not an id \(0 to 2\^64-1\)/],
      ['{"id": 1}', /no "value"/],
      ['{"id": 1, "value": 5}', /"value" is text/],
      ['{"id": 1, "value": "a", "value_base64": "YQ=="}', /both given/],
      ['{"id": 1, "value_base64": "not base64!"}', /is not base64/],
      ['{"value": "v", "delete": true}', /a delete needs the "id"/],
      ['{"id": 1, "value": "v", "delete": true}', /a delete has no value/],
      ['{"id": 1, "value": "v", "delete": "yes"}', /"delete" is true or false/],
    ];
    for (const [text, re] of bad) expect(() => parseLine(text, 7)).toThrow(re);
  });
});
