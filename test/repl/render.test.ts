/**
 * How the console prints: coloured JSON, errors with a caret, SELECT tables with hex
 * for bytes that are not text, and figures for people.
 */
import { describe, expect, test } from 'vitest';
import { palette, stripAnsi, wantsColour } from '../../repl/colour.ts';
import { colourJson, errorLine, formatBytes, formatCount, formatElapsed, renderError, renderJson } from '../../repl/render.ts';
import { renderTable } from '../../repl/table.ts';
import { StrataError } from '../../src/index.ts';

const colours = palette(true);
const plain = palette(false);
const bytes = (s: string | number[]): Uint8Array => (typeof s === 'string' ? new TextEncoder().encode(s) : new Uint8Array(s));

describe('JSON', () => {
  test('pretty JSON colours keys, strings, numbers, booleans and null; u64 values stay exact', () => {
    const text = renderJson({ name: 'hot', min: 18446744073709551615n, sync: true, cloud: null, n: -3 }, true, colours, 40);
    expect(text).toContain('\x1b[36m"name"\x1b[39m: \x1b[32m"hot"\x1b[39m');
    expect(text).toContain('\x1b[36m"min"\x1b[39m: \x1b[33m18446744073709551615\x1b[39m');
    expect(text).toContain('\x1b[35mtrue\x1b[39m');
    expect(text).toContain('\x1b[2mnull\x1b[22m');
    expect(text).toContain('\x1b[33m-3\x1b[39m');
    expect(stripAnsi(text)).toBe('{\n  "name": "hot",\n  "min": 18446744073709551615,\n  "sync": true,\n  "cloud": null,\n  "n": -3\n}');
  });

  test('a string that looks like a key or a number keeps its one colour', () => {
    expect(colourJson('{"a": "b: 12 true"}', colours)).toBe('{\x1b[36m"a"\x1b[39m: \x1b[32m"b: 12 true"\x1b[39m}');
    expect(colourJson('["x\\"y"]', colours)).toBe('[\x1b[32m"x\\"y"\x1b[39m]');
  });

  test('pretty but short: one line, coloured', () => {
    expect(renderJson({ ssn: 0 }, true, colours)).toBe('{\x1b[36m"ssn"\x1b[39m:\x1b[33m0\x1b[39m}');
    expect(stripAnsi(renderJson({ a: 'x'.repeat(70) }, true, colours, 80))).toBe(`{"a":"${'x'.repeat(70)}"}`);
    expect(stripAnsi(renderJson({ a: 'x'.repeat(95) }, true, colours, 200))).toBe(`{\n  "a": "${'x'.repeat(95)}"\n}`);
  });

  test('not pretty: one line, no colour', () => {
    expect(renderJson([{ id: 1n, v: 'a' }], false, colours)).toBe('[{"id":1,"v":"a"}]');
    expect(renderJson(null, false, colours)).toBe('null');
  });
});

describe('errors', () => {
  test('error: CODE: message', () => {
    expect(errorLine(new StrataError('NOT_FOUND', 'show: no x'), plain)).toBe('error: NOT_FOUND: show: no x');
    expect(errorLine(new Error('boom'), plain)).toBe('error: boom');
    expect(errorLine(new StrataError('IO', 'x'), colours)).toBe('\x1b[31merror: IO: x\x1b[39m');
  });

  test('a syntax error shows its line with a caret under the column, tabs kept', () => {
    const e = new StrataError('SYNTAX', "syntax error at line 2, column 9: unexpected 'TO'; expected INTO in ...");
    expect(renderError(e, 'SHOW WAL;\n\tMOVE 5 TO cold', plain)).toBe(
      "error: SYNTAX: syntax error at line 2, column 9: unexpected 'TO'; expected INTO in ...\n  \tMOVE 5 TO cold\n  \t       ^",
    );
  });

  test('other errors, or a position outside the text, give the error line alone', () => {
    expect(renderError(new StrataError('NOT_FOUND', 'x'), 'SHOW WAL', plain)).toBe('error: NOT_FOUND: x');
    expect(renderError(new StrataError('SYNTAX', 'syntax error at line 9, column 1: x'), 'SHOW', plain)).toBe('error: SYNTAX: syntax error at line 9, column 1: x');
  });
});

describe('SELECT tables', () => {
  test('text when printable, hex otherwise; ids right-aligned; a row count', () => {
    const table = renderTable(
      [
        { id: 1n, key: bytes(''), value: bytes('one') },
        { id: 20n, key: bytes('sensor-1'), value: bytes([0xff, 0x00, 0x10]) },
        { id: 300n, key: bytes('a\u0001b'), value: bytes('tab\there é') },
      ],
      80,
      plain,
    );
    expect(table.split('\n')).toEqual([
      ' id | key      | value',
      '----+----------+-----------',
      '  1 |          | one',
      ' 20 | sensor-1 | 0xff0010',
      '300 | 0x610162 | tab here é',
      '(3 rows)',
    ]);
  });

  test('long values are cut to the width, with …', () => {
    const table = renderTable([{ id: 1n, key: bytes('k'), value: bytes('x'.repeat(500)) }], 60, plain);
    const row = table.split('\n')[2]!;
    expect(row.length).toBeLessThanOrEqual(60);
    expect(row.endsWith('x…')).toBe(true);
    expect(renderTable([], 80, plain).split('\n')).toEqual(['id | key | value', '---+-----+------', '(0 rows)']);
  });

  test('hex is dimmed when colours are on', () => {
    expect(renderTable([{ id: 1n, key: bytes([0]), value: bytes('v') }], 80, colours)).toContain('\x1b[2m0x00\x1b[22m');
  });
});

describe('colour choice', () => {
  test('on a terminal unless NO_COLOR or --no-color', () => {
    expect(wantsColour({ isTTY: true }, {}, null)).toBe(true);
    expect(wantsColour({ isTTY: false }, {}, null)).toBe(false);
    expect(wantsColour({}, {}, null)).toBe(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '1' }, null)).toBe(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: '' }, null)).toBe(true);
    expect(wantsColour({ isTTY: true }, {}, false)).toBe(false);
    // FORCE_COLOR is not consulted: colour follows the stream, NO_COLOR and --no-color
    expect(wantsColour({ isTTY: false }, { FORCE_COLOR: '1' }, null)).toBe(false);
    expect(wantsColour({ isTTY: true }, { FORCE_COLOR: '0' }, null)).toBe(true);
  });

  test('an enabled palette colours whatever the streams and the environment of this process', () => {
    // util.styleText would check process.stdout (not a terminal here) and NO_COLOR
    const saved = process.env['NO_COLOR'];
    process.env['NO_COLOR'] = '1';
    try {
      expect(palette(true).key('k')).toBe('\x1b[36mk\x1b[39m');
      expect(palette(true).dim('d')).toBe('\x1b[2md\x1b[22m');
      expect(palette(false).key('k')).toBe('k');
    } finally {
      if (saved === undefined) delete process.env['NO_COLOR'];
      else process.env['NO_COLOR'] = saved;
    }
  });
});

describe('figures for people', () => {
  test.each([
    [formatBytes(512), '512 B'],
    [formatBytes(1536), '1.5 KiB'],
    [formatBytes(3 * 1024 ** 3), '3.0 GiB'],
    [formatCount(950), '950'],
    [formatCount(12_345), '12.3K'],
    [formatCount(4_560_000), '4.56M'],
    [formatElapsed(2.5), '2.500 ms'],
    [formatElapsed(850), '850 ms'],
    [formatElapsed(2300), '2.3s'],
    [formatElapsed(65_000), '1m05s'],
  ])('%s', (got, want) => {
    expect(got).toBe(want);
  });
});
