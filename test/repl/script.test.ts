/**
 * The runner in-process, against a real database: what the interactive console and
 * scripts print for results and errors (the process-level behaviour is in cli.test.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { palette } from '../../repl/colour.ts';
import { type Runner, runScript } from '../../repl/runner.ts';
import { runSources } from '../../repl/script.ts';
import { SHOW_ROWS } from '../../repl/select.ts';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

let tmp: { dir: string; cleanup: () => void };
let db: Strata;
let out: string;
let err: string;

function runner(interactive: boolean, timing = false): Runner {
  return {
    db,
    out: { write: (t: string) => (out += t) },
    err: { write: (t: string) => (err += t) },
    outColour: palette(false),
    errColour: palette(false),
    interactive,
    pretty: interactive,
    progress: null,
    timing,
    json: false,
    columns: () => 80,
  };
}

beforeEach(async () => {
  tmp = tempDir();
  db = await Strata.open(path.join(tmp.dir, 'db'), { workers: 0 });
  out = '';
  err = '';
});
afterEach(async () => {
  await db.close();
  tmp.cleanup();
});

describe('the interactive console prints', () => {
  test('ok for statements that only act, pretty JSON for the others, the time with \\timing', async () => {
    expect(await runScript(runner(true, true), "INSERT (1, 'a'); SHOW ssn, serial", false)).toBe(true);
    expect(out).toMatch(/^ok\ntime: [\d.]+ ms\n\{"ssn":0,"serial":true\}\ntime: [\d.]+ ms\n$/);
    expect(err).toBe('');
  });

  test('SELECT as a table of the bytes: text, or hex when they are not printable', async () => {
    await db.write(new BatchBuilder().insert(1, 'k', 'text').insert(2, new Uint8Array([0xff, 0xfe]), new Uint8Array([0x01, 0x00])));
    expect(await runScript(runner(true), 'SELECT', false)).toBe(true);
    expect(out).toBe('id | key    | value\n---+--------+-------\n 1 | k      | text\n 2 | 0xfffe | 0x0100\n(2 rows)\n');
  });

  test('SELECT without LIMIT shows the first rows and says so; with LIMIT, what was asked', async () => {
    const b = new BatchBuilder();
    for (let i = 0; i < SHOW_ROWS + 5; i++) b.insert(i, undefined, 'v');
    await db.write(b);
    await runScript(runner(true), 'SELECT', false);
    expect(out).toContain(`(${SHOW_ROWS} rows)\n(the first ${SHOW_ROWS} rows; LIMIT n or FROM/TO show others)\n`);
    out = '';
    await runScript(runner(true), `SELECT LIMIT ${SHOW_ROWS + 2}`, false);
    expect(out).toMatch(new RegExp(`\\(${SHOW_ROWS + 2} rows\\)\\n$`));
  });

  test('a syntax error with the line and a caret; the statements before it ran, not those after', async () => {
    const source = "INSERT (1, 'a');\nSHOW\n  STORAGE;\nINSERT (2, 'b')";
    expect(await runScript(runner(true), source, false)).toBe(false);
    expect(out).toBe('ok\n');
    expect(err).toBe("error: SYNTAX: syntax error at line 3, column 10: unexpected ';'; expected name in SHOW STORAGE name\n    STORAGE;\n           ^\n");
    expect(await db.execute('SELECT')).toEqual([{ id: 1n, key: null, value: 'a' }]);
  });
});

describe('scripts print', () => {
  test('one JSON result per line; a syntax error names the line of the file', async () => {
    const file = path.join(tmp.dir, 'x.sql');
    fs.writeFileSync(file, "INSERT (1, 'a');\nSELECT;\n\n   MOVE PARTITION 0 TO main;\nSHOW ssn\n");
    expect(await runSources(runner(false), [{ kind: 'file', path: file }], Readable.from([]), false)).toBe(false);
    expect(out).toBe('null\n[{"id":1,"key":null,"value":"a"}]\n');
    expect(err).toBe("error: SYNTAX: syntax error at line 4, column 21: unexpected 'TO'; expected INTO in MOVE PARTITION [IF EXISTS] id INTO storage\n");
  });

  test('-f - reads standard input; a missing file is an IO error; --continue-on-error goes on', async () => {
    const sources = [
      { kind: 'file', path: path.join(tmp.dir, 'missing.sql') },
      { kind: 'file', path: '-' },
      { kind: 'sql', text: 'SHOW nothing; SHOW ssn' },
    ] as const;
    expect(await runSources(runner(false), sources, Readable.from([Buffer.from("INSERT (1, 'a');"), Buffer.from(' SELECT')]), true)).toBe(false);
    expect(out).toBe('null\n[{"id":1,"key":null,"value":"a"}]\n{"ssn":0}\n');
    expect(err).toMatch(/^error: IO: -f: cannot read .*missing\.sql: ENOENT.*\nerror: NOT_FOUND: show: unknown setting 'nothing'; SHOW CONFIG lists them\n$/);
  });
});
