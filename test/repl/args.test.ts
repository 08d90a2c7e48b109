/** The command line of `strata`, `strata bench` and `strata repair` (node:util parseArgs underneath). */
import { describe, expect, test } from 'vitest';
import { parseArgs } from '../../repl/args.ts';

const message = (argv: string[]): string => {
  try {
    parseArgs(argv);
  } catch (e) {
    return `${(e as { code: string }).code}: ${(e as Error).message}`;
  }
  throw new Error('expected an error');
};

describe('strata', () => {
  test('defaults: the console on ./data', () => {
    expect(parseArgs([])).toEqual({ command: 'console', dir: './data', sources: [], continueOnError: false, colour: null, walRecovery: null, settings: [] });
  });

  test('a directory, -e and -f in order, --flag=value, --continue-on-error, --no-color', () => {
    expect(parseArgs(['db', '-e', 'SHOW WAL', '--file=a.sql', '-f', '-', '--execute', 'SELECT', '--continue-on-error', '--no-color'])).toEqual({
      command: 'console',
      dir: 'db',
      sources: [
        { kind: 'sql', text: 'SHOW WAL' },
        { kind: 'file', path: 'a.sql' },
        { kind: 'file', path: '-' },
        { kind: 'sql', text: 'SELECT' },
      ],
      continueOnError: true,
      colour: false,
      walRecovery: null,
      settings: [],
    });
  });

  test('the usual conventions: -eVALUE, a value that starts with -, -- before a directory', () => {
    expect(parseArgs(['-eSHOW WAL', '-e', '-- a comment'])).toMatchObject({ sources: [{ kind: 'sql', text: 'SHOW WAL' }, { kind: 'sql', text: '-- a comment' }] });
    expect(parseArgs(['--', '-odd'])).toMatchObject({ command: 'console', dir: '-odd' });
    expect(message(['-xe', 'SELECT'])).toBe("INVALID_INPUT: strata: unknown option '-x'; strata --help lists the options");
  });

  test('--wal-recovery MODE: the setting wal_recovery of this open', () => {
    expect(parseArgs(['db', '--wal-recovery', 'skip'])).toMatchObject({ dir: 'db', walRecovery: 'skip' });
    expect(parseArgs(['--wal-recovery=point_in_time', 'db'])).toMatchObject({ dir: 'db', walRecovery: 'point_in_time' });
    expect(parseArgs(['--wal-recovery', 'tail'])).toMatchObject({ walRecovery: 'tail' });
    // --set name=value, repeatable, in order; the value stays text until the open reads it
    expect(parseArgs(['db', '--set', 'uuid=0b5c3a5e-8d4b-4a39-9a56-2f6f1e0b7c11', '--set=interval = 1M'])).toMatchObject({
      settings: [['uuid', '0b5c3a5e-8d4b-4a39-9a56-2f6f1e0b7c11'], ['interval', '1M']],
    });
    expect(() => parseArgs(['--set', 'interval'])).toThrow(/--set takes name=value/);
    expect(() => parseArgs(['--set', '=5'])).toThrow(/--set takes name=value/);
    expect(message(['--wal-recovery', 'rescue'])).toBe("INVALID_INPUT: strata: --wal-recovery takes tail, point_in_time, skip, not 'rescue'; strata --help lists the options");
    expect(message(['--wal-recovery'])).toBe('INVALID_INPUT: strata: --wal-recovery needs a value; strata --help lists the options');
  });

  test('help and version', () => {
    expect(parseArgs(['-h'])).toMatchObject({ command: 'help', text: expect.stringContaining('usage: strata [dir]') });
    expect(parseArgs(['--version'])).toEqual({ command: 'version' });
  });

  test('bad command lines say what is wrong', () => {
    expect(message(['-e'])).toBe('INVALID_INPUT: strata: -e needs a value; strata --help lists the options');
    expect(message(['-x'])).toBe("INVALID_INPUT: strata: unknown option '-x'; strata --help lists the options");
    expect(message(['a', 'b'])).toBe("INVALID_INPUT: strata: one directory only ('a', then 'b'); strata --help lists the options");
    expect(message(['--continue-on-error=yes'])).toBe('INVALID_INPUT: strata: --continue-on-error takes no value; strata --help lists the options');
  });
});

describe('strata bench', () => {
  test('defaults: a temporary directory, 100-byte values, batches of 1000, 3 seconds', () => {
    expect(parseArgs(['bench'])).toEqual({
      command: 'bench', dir: null, valueSize: 100, batch: 1000, wal: true, seconds: 3, count: null,
      workers: null, compression: null, json: false, read: false, colour: null,
    });
  });

  test('every flag, short and long, with units', () => {
    expect(parseArgs(['bench', 'db', '-s', '1K', '-b', '10k', '-n', '-d', '1.5', '-c', '2M', '-w', '0', '-z', 'LZ4', '--json', '--read'])).toMatchObject({
      dir: 'db', valueSize: 1024, batch: 10_000, wal: false, seconds: 1.5, count: 2_000_000, workers: 0, compression: 'lz4', json: true, read: true,
    });
    expect(parseArgs(['bench', '--size=64KiB', '--batch', '1', '--no-wal', '--duration', '10s', '--count', '1_000', '--workers', '4', '--compression', 'none'])).toMatchObject({
      valueSize: 65536, batch: 1, wal: false, seconds: 10, count: 1000, workers: 4, compression: 'none',
    });
    expect(parseArgs(['bench', '--help'])).toMatchObject({ command: 'help', text: expect.stringContaining('usage: strata bench') });
  });

  test('short flags group: -nw 2, -nw2', () => {
    expect(parseArgs(['bench', '-nw', '2'])).toMatchObject({ wal: false, workers: 2 });
    expect(parseArgs(['bench', '-nw2', 'db'])).toMatchObject({ dir: 'db', wal: false, workers: 2 });
  });

  test('bad values', () => {
    expect(message(['bench', '-b', '0'])).toBe("INVALID_INPUT: strata: -b takes a whole number from 1 to 1000000, not '0'; strata bench --help lists the options");
    expect(message(['bench', '-c', 'lots'])).toMatch(/-c takes a whole number from 1 to/);
    expect(message(['bench', '-d', '0'])).toMatch(/-d takes seconds, more than 0 and at most 86400, not '0'/);
    expect(message(['bench', '-z', 'gzip'])).toMatch(/-z takes zstd, lz4 or none, not 'gzip'/);
    expect(message(['bench', '-e', 'x'])).toMatch(/unknown option '-e'; strata bench --help/);
  });
});
