/** The history file: where it is, its order, its size. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { HISTORY_SIZE, historyPath, loadHistory, saveHistory } from '../../repl/history.ts';
import { tempDir } from './helpers.ts';

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

test('$STRATA_HISTORY names the file, empty turns it off, else ~/.strata_history', () => {
  expect(historyPath({ STRATA_HISTORY: '/x/h' })).toBe('/x/h');
  expect(historyPath({ STRATA_HISTORY: '' })).toBeNull();
  expect(historyPath({})).toBe(path.join(os.homedir(), '.strata_history'));
});

test('the file is oldest first; readline gets newest first; the file is private', () => {
  const file = path.join(tmp.dir, 'h');
  expect(loadHistory(file)).toEqual([]);
  expect(saveHistory(file, ['SHOW WAL', 'SELECT'])).toBeNull();
  expect(fs.readFileSync(file, 'utf8')).toBe('SELECT\nSHOW WAL\n');
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(loadHistory(file)).toEqual(['SHOW WAL', 'SELECT']);
  expect(loadHistory(null)).toEqual([]);
  expect(saveHistory(null, ['x'])).toBeNull();
});

test('at most HISTORY_SIZE entries are kept; blank lines are skipped', () => {
  const file = path.join(tmp.dir, 'h');
  fs.writeFileSync(file, `${Array.from({ length: HISTORY_SIZE + 5 }, (_, i) => `SHOW ${i}`).join('\n')}\n\n  \n`);
  const entries = loadHistory(file);
  expect(entries).toHaveLength(HISTORY_SIZE);
  expect(entries[0]).toBe(`SHOW ${HISTORY_SIZE + 4}`);
});

test('a history that cannot be written gives the reason, not an exception', () => {
  expect(saveHistory(path.join(tmp.dir, 'no', 'such', 'dir', 'h'), ['x'])).toMatch(/ENOENT/);
});

test('the history file is private whatever the umask, and an existing one is made private', () => {
  const before = process.umask(0);
  try {
    const file = path.join(tmp.dir, 'h');
    expect(saveHistory(file, ["CREATE CLOUD c (secret_key 'k')"])).toBeNull();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // an older console, or the user, left it readable by others
    const old = path.join(tmp.dir, 'old');
    fs.writeFileSync(old, 'SHOW WAL\n', { mode: 0o644 });
    expect(saveHistory(old, ['SELECT', 'SHOW WAL'])).toBeNull();
    expect(fs.statSync(old).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(old, 'utf8')).toBe('SHOW WAL\nSELECT\n');
  } finally {
    process.umask(before);
  }
});
