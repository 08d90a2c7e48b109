/**
 * Syntax errors: a StrataError with code SYNTAX whose message names line and column,
 * quotes the offending token (or says end of input) and says what was expected in
 * the statement's own terms.
 */
import { describe, expect, test } from 'vitest';
import { parse } from '../../grammar/index.ts';
import { StrataError } from '../../src/errors.ts';

/** The error `parse(text)` throws. */
function errorOf(text: string): StrataError {
  try {
    parse(text);
  } catch (e) {
    if (e instanceof StrataError) return e;
    throw e;
  }
  throw new Error(`parsed without error: ${text}`);
}

const STATEMENTS = 'SET, SHOW, CHECKPOINT, REBALANCE, EXPLAIN, CREATE, ALTER, DROP, MOVE, REFRESH, UPLOAD, DOWNLOAD, INSERT, DELETE or SELECT';
const PIPELINE = 'ALTER PIPELINE {[SET] tier [(limits)] [, tier [(limits)] ...] | RESET}';
const VALUE = 'negative integer, integer, number with a unit (10G, 1M, 6h), string, TRUE, FALSE or name';

describe('typical mistakes', () => {
  test.each([
    ['CHECKPOINT;\nMOVE PARTITION 5 TO cold', "line 2, column 18: unexpected 'TO'; expected INTO in MOVE PARTITION [IF EXISTS] id INTO storage"],
    ['SELEKT * FROM t', `line 1, column 1: unexpected 'SELEKT'; expected a statement: ${STATEMENTS}`],
    ['CHECKPOINT; foo', `line 1, column 13: unexpected 'foo'; expected a statement: ${STATEMENTS}`],
    ['CREATE STORAGE', 'line 1, column 15: unexpected end of input; expected IF or name in CREATE STORAGE [IF NOT EXISTS] name [(options)]'],
    ['SET interval 5', "line 1, column 14: unexpected '5'; expected TO in SET name TO value"],
    ['SET x TO', `line 1, column 9: unexpected end of input; expected ${VALUE} in SET name TO value`],
    ['DROP PARTITIONS BETWEEN 1', 'line 1, column 26: unexpected end of input; expected AND in DROP PARTITIONS {BETWEEN a AND b | FROM a TO b} [ON STORAGE | ON CLOUD]'],
    ['DROP PARTITIONS FROM 1 AND 2', "line 1, column 24: unexpected 'AND'; expected TO in DROP PARTITIONS {BETWEEN a AND b | FROM a TO b} [ON STORAGE | ON CLOUD]"],
    ["INSERT (1, 'a'", "line 1, column 15: unexpected end of input; expected ',' or ')' in INSERT ({id | DEFAULT}, 'value') | INSERT ({id | DEFAULT}, 'key', 'value')"],
    ['INSERT (1, 2)', "line 1, column 12: unexpected '2'; expected string in INSERT ({id | DEFAULT}, 'value') | INSERT ({id | DEFAULT}, 'key', 'value')"],
    ['SHOW PARTITION', 'line 1, column 15: unexpected end of input; expected integer in SHOW PARTITION id'],
    ['CREATE PARTITION 1', 'line 1, column 19: unexpected end of input; expected integer in CREATE PARTITION min max'],
    ['REFRESH PARTITION IF 5', "line 1, column 22: unexpected '5'; expected EXISTS in REFRESH PARTITION [IF EXISTS] id"],
    ['ALTER PIPELINE hot (partitions)', `line 1, column 31: unexpected ')'; expected integer or number with a unit (10G, 1M, 6h) in ${PIPELINE}`],
    ['ALTER PIPELINE hot (sise 10G)', `line 1, column 21: unexpected 'sise'; expected PARTITIONS, SIZE, EVENTS, DURATION, INTERVAL or ')' in ${PIPELINE}`],
    ['ALTER PIPELINE hot (duration)', `line 1, column 29: unexpected ')'; expected integer or number with a unit (10G, 1M, 6h) in ${PIPELINE}`],
    ["CREATE CLOUD IF EXISTS c (type 's3')", "line 1, column 17: unexpected 'EXISTS'; expected NOT in CREATE CLOUD [IF NOT EXISTS] name (options)"],
    ['CREATE CLOUD c', "line 1, column 15: unexpected end of input; expected '(' in CREATE CLOUD [IF NOT EXISTS] name (options)"],
    ['CREATE CLOUD c (type s3,)', "line 1, column 25: unexpected ')'; expected name in CREATE CLOUD [IF NOT EXISTS] name (options)"],
    ['ALTER STORAGE hot', 'line 1, column 18: unexpected end of input; expected RENAME or SET in ALTER STORAGE [IF EXISTS] name {RENAME TO new | SET (options) | SET option TO value}'],
    ['CREATE STORAGE hot path', "line 1, column 20: unexpected 'path'; expected '(', ';' or end of input in CREATE STORAGE [IF NOT EXISTS] name [(options)]"],
    ['SHOW PARTITIONS hot\n  cold', "line 2, column 3: unexpected 'cold'; expected ',', ';' or end of input after SHOW PARTITIONS [storage]"],
    ['MOVE PARTITIONS 1 TO 5 INTO x', "line 1, column 17: unexpected '1'; expected BETWEEN or FROM in MOVE PARTITIONS {BETWEEN a AND b | FROM a TO b} INTO storage"],
    ['DROP PARTITION 5 ON', 'line 1, column 20: unexpected end of input; expected STORAGE or CLOUD in DROP PARTITION [IF EXISTS] id [ON STORAGE | ON CLOUD]'],
    ['EXPLAIN', 'line 1, column 8: unexpected end of input; expected REBALANCE in [EXPLAIN] REBALANCE'],
    ['ALTER PIPELINE SET set', `line 1, column 20: unexpected 'set'; expected name in ${PIPELINE}`],
    ['DROP ORPHANS x', "line 1, column 14: unexpected 'x'; expected ';' or end of input after DROP ORPHANS"],
    ['SHOW ORPHANS 5', "line 1, column 14: unexpected '5'; expected ',', ';' or end of input after SHOW ORPHANS"],
    [
      'DROP BUCKET b',
      "line 1, column 6: unexpected 'BUCKET'; expected CLOUD, STORAGE, PARTITION, PARTITIONS or ORPHANS in DROP CLOUD [IF EXISTS] name | " +
        'DROP STORAGE [IF EXISTS] name | DROP PARTITION [IF EXISTS] id [ON STORAGE | ON CLOUD] | ' +
        'DROP PARTITIONS {BETWEEN a AND b | FROM a TO b} [ON STORAGE | ON CLOUD] | DROP ORPHANS',
    ],
    ['CREATE BUCKET b', "line 1, column 8: unexpected 'BUCKET'; expected CLOUD, STORAGE or PARTITION in CREATE CLOUD [IF NOT EXISTS] name (options) | CREATE STORAGE [IF NOT EXISTS] name [(options)] | CREATE PARTITION min max"],
    ["SET x TO 'a\nb' junk", "line 2, column 4: unexpected 'junk'; expected ';' or end of input after SET name TO value"],
  ])('%s', (text, message) => {
    const e = errorOf(text);
    expect(e.code).toBe('SYNTAX');
    expect(e.retryable).toBe(false);
    expect(e.message).toBe(`syntax error at ${message}`);
  });
});

describe('lexical errors', () => {
  test.each([
    ['SELECT @', "line 1, column 8: unexpected character '@'"],
    ['SET x TO 1.5', "line 1, column 11: unexpected character '.'"],
    ["SET x TO 'unterminated", "line 1, column 10: unterminated string: a string ends with ' (write '' for a quote inside)"],
    ['SHOW "abc', 'line 1, column 6: unterminated quoted identifier: it ends with " (write "" for a quote inside)'],
    ['SHOW ""', 'line 1, column 6: empty quoted identifier ""'],
    ['CHECKPOINT;\n\tSHOW 😀', "line 2, column 7: unexpected character '😀'"],
  ])('%s', (text, message) => {
    const e = errorOf(text);
    expect(e.code).toBe('SYNTAX');
    expect(e.message).toBe(`syntax error at ${message}`);
  });

  test('the first error in the text wins, lexical or not', () => {
    expect(errorOf('SET x TO @').message).toBe("syntax error at line 1, column 10: unexpected character '@'");
    expect(errorOf('SET x 5 @').message).toBe("syntax error at line 1, column 7: unexpected '5'; expected TO in SET name TO value");
    expect(errorOf('SET x TO 18446744073709551616 junk').message).toBe(
      'syntax error at line 1, column 10: integer 18446744073709551616 is out of range (at most 18446744073709551615)',
    );
  });

  test('a long token is shortened in the message', () => {
    expect(errorOf(`SHOW WAL '${'x'.repeat(100)}'`).message).toBe(
      `syntax error at line 1, column 10: unexpected '${`'${'x'.repeat(36)}`}...'; expected ',', ';' or end of input after SHOW WAL`,
    );
  });
});
