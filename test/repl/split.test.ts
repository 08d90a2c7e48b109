/**
 * The grammar's help for the console: where statements end (splitScript, inputState)
 * and which existing names fit at the cursor (expectedNames).
 */
import { describe, expect, test } from 'vitest';
import { expectedNames, inputState, splitScript } from '../../grammar/index.ts';

describe('splitScript', () => {
  test('cuts at ; outside strings, quoted names and comments, with positions', () => {
    const text = "SHOW WAL; INSERT (1, 'a;b')\n  -- c; d\n;\"x;y\" ; SELECT";
    expect(splitScript(text).map(({ text: t, line, column, terminated }) => [t, line, column, terminated])).toEqual([
      ['SHOW WAL', 1, 1, true],
      ["INSERT (1, 'a;b')", 1, 11, true],
      ['"x;y"', 3, 2, true],
      ['SELECT', 3, 10, false],
    ]);
  });

  test('offsets point into the text; empty statements are left out', () => {
    const text = ';; SHOW WAL ;;\n';
    const parts = splitScript(text);
    expect(parts).toHaveLength(1);
    expect(text.slice(parts[0]!.offset, parts[0]!.offset + parts[0]!.text.length)).toBe('SHOW WAL');
    // end: just past the ; that ends it, comments and spaces between included
    expect(text.slice(parts[0]!.offset, parts[0]!.end)).toBe('SHOW WAL ;');
    const [a, b] = splitScript('SHOW WAL -- x;\n ; SELECT');
    expect([a!.end, b!.end]).toEqual([17, 24]);
    expect(splitScript('  -- only a comment\n')).toEqual([]);
  });

  test('an unterminated string runs to the end, a ; in it does not split', () => {
    expect(splitScript("SHOW WAL; INSERT (1, 'a;\nb").map((p) => [p.text, p.terminated])).toEqual([
      ['SHOW WAL', true],
      ["INSERT (1, 'a;\nb", false],
    ]);
    expect(splitScript("'abc; def").map((p) => p.text)).toEqual(["'abc; def"]);
  });
});

describe('inputState', () => {
  test.each([
    ['', 'empty'],
    [' ;; -- x', 'empty'],
    ['SHOW WAL', 'complete'],
    ['SELECT', 'complete'],
    ['SHOW WAL;', 'complete'],
    ['SHOW', 'incomplete'],
    ['EXPLAIN', 'incomplete'],
    ["CREATE STORAGE hot (path 'x',", 'incomplete'],
    ["INSERT (1, 'abc", 'incomplete'],
    ['SHOW STORAGE "Cold', 'incomplete'],
    ['SHOW WAL; SHOW', 'incomplete'],
    ['SELEKT', 'error'],
    ["SELEKT 'abc", 'error'],
    ['SHOW WAL SHOW', 'error'],
    ['SET x TO 10x', 'error'],
    ['SHOW PARTITION 99999999999999999999', 'error'],
  ])('%j is %s', (text, state) => {
    expect(inputState(text)).toBe(state);
  });
});

describe('expectedNames', () => {
  test.each([
    ['SHOW STORAGE ', ['storage'], ''],
    ['SHOW STORAGE co', ['storage'], 'co'],
    ['show partitions ', ['storage'], ''],
    ['SHOW ', ['setting'], ''],
    ['SHOW CONFIG ', ['setting'], ''],
    ['SHOW interval, ', ['setting'], ''],
    ['SET ', ['setting'], ''],
    ['SET wal', ['setting'], 'wal'],
    ['SHOW PARTITION ', ['partition'], ''],
    ['MOVE PARTITION 30', ['partition'], '30'],
    ['MOVE PARTITION 3 INTO ', ['storage'], ''],
    ['MOVE PARTITIONS FROM 0 TO ', ['partition'], ''],
    ['REFRESH PARTITION IF EXISTS ', ['partition'], ''],
    ['DROP PARTITIONS BETWEEN ', ['partition'], ''],
    ['ALTER PIPELINE ', ['storage'], ''],
    ['ALTER PIPELINE hot (size 1G), c', ['storage'], 'c'],
    ['ALTER STORAGE ', ['storage'], ''],
    ['ALTER STORAGE hot SET ', ['storage_option'], ''],
    ['CREATE STORAGE cold (', ['storage_option'], ''],
    ['DROP STORAGE IF EXISTS ', ['storage'], ''],
    ['ALTER CLOUD ', ['cloud'], ''],
    ['SHOW CLOUD ', ['cloud'], ''],
    ['CHECKPOINT; SHOW STORAGE ', ['storage'], ''],
    // a new name, a value, an id that is not a partition: nothing to list
    ['CREATE STORAGE ', [], ''],
    ['CREATE CLOUD c (', [], ''],
    ['SET interval TO ', [], ''],
    ['SELECT FROM ', [], ''],
    ['INSERT (', [], ''],
    ['', [], ''],
    ["SHOW STORAGE 'x", [], ''],
  ])('%j expects %j', (text, kinds, partial) => {
    expect(expectedNames(text)).toEqual({ kinds, partial });
  });
});
