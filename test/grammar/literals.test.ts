/**
 * Literals (integers over the full unsigned 64-bit range, numbers with units valued as
 * sizes, counts and durations, strings, quoted identifiers), comments, and scripts of
 * several statements.
 */
import { describe, expect, test } from 'vitest';
import { type Value, type ValueKind, parse, parseOne, quantityValue } from '../../grammar/index.ts';
import { formatDuration } from '../../grammar/literals.ts';

/** The value `SET x TO <literal>` parses to. */
function valueOf(literal: string): Value {
  const s = parseOne(`SET x TO ${literal}`);
  if (s.kind !== 'set') throw new Error(`not a SET: ${s.kind}`);
  return s.value;
}

/** The value of `<literal>` given to a setting of `kind` (null: a unit of another kind). */
function valued(literal: string, kind: ValueKind): bigint | null {
  const v = valueOf(literal);
  if (typeof v !== 'object') throw new Error(`not a number with a unit: ${literal}`);
  return quantityValue(v, kind);
}

const KiB = 1024n;
const S = 1_000_000n;

describe('integers', () => {
  test.each([
    ['0', 0n], ['007', 7n], ['42', 42n], ['9007199254740993', 9007199254740993n],
    ['18446744073709551615', 2n ** 64n - 1n],
  ])('%s', (text, value) => expect(valueOf(text)).toBe(value));

  test.each(['18446744073709551616', '99999999999999999999999', '000018446744073709551616'])('%s is out of range', (text) => {
    expect(() => valueOf(text)).toThrow(`syntax error at line 1, column 10: integer ${text} is out of range (at most 18446744073709551615)`);
  });

  test.each([['-3', -3n], ['- 7', -7n], ['-0', 0n]])('a value may be negative: %s', (text, value) => expect(valueOf(text)).toBe(value));

  test.each(['-10G', '-6h', "-'a'", '--3'])('only an integer may be negative: %s', (text) => {
    expect(() => valueOf(text)).toThrow(/syntax error/);
  });

  test('ids and ranges stay unsigned', () => {
    expect(() => parseOne('SELECT FROM -1')).toThrow(/syntax error/);
    expect(() => parseOne('CREATE PARTITION -5 10')).toThrow(/syntax error/);
  });
});

describe('sizes are binary and case-insensitive', () => {
  test.each([
    ['4K', 4n * KiB], ['8KB', 8n * KiB], ['64KiB', 64n * KiB], ['64kib', 64n * KiB], ['1k', KiB],
    ['2M', 2n * KiB ** 2n], ['512MB', 512n * KiB ** 2n], ['512MiB', 512n * KiB ** 2n], ['3mb', 3n * KiB ** 2n],
    ['10G', 10n * KiB ** 3n], ['10GB', 10n * KiB ** 3n], ['10GiB', 10n * KiB ** 3n], ['10g', 10n * KiB ** 3n],
    ['1T', KiB ** 4n], ['1TB', KiB ** 4n], ['1TiB', KiB ** 4n], ['0G', 0n],
    ['16777215T', 16777215n * KiB ** 4n],
  ])('%s', (text, value) => expect(valued(text, 'bytes')).toBe(value));

  test('a number with a unit stays as written in the AST', () => {
    expect(valueOf('64KiB')).toStrictEqual({ amount: 64n, unit: 'KiB' });
    expect(parseOne('ALTER PIPELINE hot (size 10g)')).toStrictEqual({
      kind: 'alter_pipeline', tiers: [{ storage: 'hot', limits: [{ name: 'size', value: { amount: 10n, unit: 'G' } }] }],
    });
  });

  test('a number past 2^64 - 1 whatever its unit means is out of range', () => {
    expect(() => valueOf('16777216T')).toThrow('number 16777216T is out of range (at most 18446744073709551615 once valued)');
  });

  test('a unit of another kind has no value', () => {
    for (const [text, kind] of [['6h', 'bytes'], ['1B', 'bytes'], ['10G', 'count'], ['64KiB', 'count'], ['1M', 'duration'], ['1K', 'id'], ['1d', 'id'], ['1K', 'boolean'], ['1K', 'string']] as const) {
      expect(valued(text, kind), `${text} as ${kind}`).toBeNull();
    }
  });
});

describe('counts are powers of ten', () => {
  test.each([
    ['10K', 10_000n], ['10k', 10_000n], ['1M', 1_000_000n], ['3m', 3_000_000n], ['2B', 2_000_000_000n], ['0B', 0n],
    ['18446744073B', 18_446_744_073_000_000_000n],
  ])('%s', (text, value) => expect(valued(text, 'count')).toBe(value));

  test('K and M are 1024-based for a size and 1000-based for a count', () => {
    expect([valued('1K', 'bytes'), valued('1K', 'count'), valued('1M', 'bytes'), valued('1M', 'count')]).toEqual([1024n, 1000n, 1048576n, 1_000_000n]);
  });

  test('a count past 2^64 - 1 is out of range', () => {
    expect(() => valueOf('18446744074B')).toThrow('number 18446744074B is out of range');
  });
});

describe('durations are microseconds', () => {
  test.each([
    ['10us', 10n], ['250ms', 250_000n], ['15s', 15n * S], ['15sec', 15n * S], ['15secs', 15n * S], ['2seconds', 2n * S],
    ['30min', 1800n * S], ['1minute', 60n * S], ['6h', 6n * 3600n * S], ['6hour', 6n * 3600n * S], ['6hours', 6n * 3600n * S],
    ['1d', 86400n * S], ['1day', 86400n * S], ['2days', 2n * 86400n * S], ['2w', 14n * 86400n * S],
    ['1week', 7n * 86400n * S], ['3weeks', 21n * 86400n * S], ['6H', 6n * 3600n * S], ['1DAY', 86400n * S], ['250MS', 250_000n],
  ])('%s', (text, value) => expect(valued(text, 'duration')).toBe(value));

  test('a duration past 2^64 - 1 µs is out of range', () => {
    expect(() => valueOf('213503982335days')).toThrow('number 213503982335days is out of range (at most 18446744073709551615 once valued)');
  });

  test('printed in their largest exact unit, as a duration literal reads them back', () => {
    const us = [21_600_000_000n, 5_400_000_000n, 1_500_000n, 604_800_000_000n, 1500n, 7n];
    expect(us.map(formatDuration)).toEqual(['6h', '90min', '1500ms', '1w', '1500us', '7us']);
    expect(us.map((n) => valued(formatDuration(n), 'duration'))).toEqual(us);
  });

  test('a plain integer is microseconds where a duration is expected', () => {
    const s = parseOne('ALTER PIPELINE hot (duration 90000000)');
    expect(s).toStrictEqual({ kind: 'alter_pipeline', tiers: [{ storage: 'hot', limits: [{ name: 'duration', value: 90000000n }] }] });
  });
});

describe('malformed numbers', () => {
  test.each(['10x', '5m3', '1GiBs', '10_000'])('%s', (text) => {
    expect(() => valueOf(text)).toThrow(`syntax error at line 1, column 10: malformed number '${text}'`);
  });
});

describe('strings, quoted identifiers and booleans', () => {
  test.each([
    ["'it''s'", "it's"], ["''", ''], ["''''", "'"], ["'a\nb'", 'a\nb'], ["'héllo ✓'", 'héllo ✓'], ["'--not a comment'", '--not a comment'],
    ['true', true], ['FALSE', false], ['True', true], ['zstd', 'zstd'], ['ZSTD', 'zstd'], ['"Zstd"', 'Zstd'],
  ])('%s', (text, value) => expect(valueOf(text)).toBe(value));

  test('a quoted identifier keeps its case and any character', () => {
    expect(parseOne('CREATE STORAGE "My ""Hot"" Disk; -- é"')).toStrictEqual({
      kind: 'create_storage', ifNotExists: false, name: 'My "Hot" Disk; -- é', options: [],
    });
  });

  test('an unquoted name folds to lowercase', () => {
    expect(parseOne('SHOW STORAGE HotDisk')).toStrictEqual({ kind: 'show_storage', name: 'hotdisk' });
  });

  test('a keyword is matched whole: a longer word is a name', () => {
    expect(parseOne('SHOW storages_old')).toStrictEqual({ kind: 'show_settings', names: ['storages_old'] });
    expect(parseOne('SHOW walrus')).toStrictEqual({ kind: 'show_settings', names: ['walrus'] });
  });
});

describe('comments and scripts', () => {
  test('comments run to the end of the line', () => {
    const text = '-- first\nCHECKPOINT -- trailing ; not a separator\n;\n  SHOW\n  WAL -- end';
    expect(parse(text)).toStrictEqual([
      { statement: { kind: 'checkpoint' }, text: 'CHECKPOINT', line: 2 },
      { statement: { kind: 'show_wal' }, text: 'SHOW\n  WAL', line: 4 },
    ]);
  });

  test('empty statements are skipped and a trailing ; is fine', () => {
    expect(parse(';;CHECKPOINT;;; REBALANCE ;').map((p) => p.text)).toEqual(['CHECKPOINT', 'REBALANCE']);
  });

  test('no statement at all gives []', () => {
    expect(parse('')).toEqual([]);
    expect(parse('  \n -- nothing\n ; ;')).toEqual([]);
  });

  test('a statement keeps its text with inner comments, without the ;', () => {
    expect(parse("INSERT (1, -- id\n 'v');SELECT")).toStrictEqual([
      { statement: { kind: 'insert', id: 1n, key: null, value: 'v' }, text: "INSERT (1, -- id\n 'v')", line: 1 },
      { statement: { kind: 'select', from: null, to: null, limit: null }, text: 'SELECT', line: 2 },
    ]);
  });

  test('parseOne takes exactly one statement', () => {
    expect(parseOne('CHECKPOINT;')).toStrictEqual({ kind: 'checkpoint' });
    expect(() => parseOne('CHECKPOINT;\n  SHOW WAL')).toThrow('syntax error at line 2, column 3: expected one statement, found 2');
    expect(() => parseOne(' -- nothing')).toThrow('syntax error at line 1, column 1: unexpected end of input; expected a statement: SET, SHOW');
  });
});
