/**
 * Content assist: the keywords that may come next after the text before the cursor.
 */
import { describe, expect, test } from 'vitest';
import { complete } from '../../grammar/index.ts';

const STATEMENT_WORDS = [
  'ALTER', 'CHECKPOINT', 'CREATE', 'DELETE', 'DOWNLOAD', 'DROP', 'EXPLAIN', 'INSERT', 'MOVE',
  'REBALANCE', 'REFRESH', 'SELECT', 'SET', 'SHOW', 'UPLOAD',
];
const SHOW_WORDS = [
  'ALL', 'CLOUD', 'CLOUDS', 'CONFIG', 'MEMORY', 'OPERATIONS', 'ORPHANS', 'PARTITION', 'PARTITIONS', 'PIPELINE',
  'STORAGE', 'STORAGES', 'WAL',
];

describe('what may come next', () => {
  test.each([
    ['', STATEMENT_WORDS],
    ['   ', STATEMENT_WORDS],
    ['CHECKPOINT; ', STATEMENT_WORDS],
    ['SHOW ', SHOW_WORDS],
    ['MOVE PARTITION 5 ', ['INTO']],
    ['MOVE PARTITION ', ['IF']],
    ['MOVE ', ['PARTITION', 'PARTITIONS']],
    ['MOVE PARTITIONS ', ['BETWEEN', 'FROM']],
    ['ALTER STORAGE s ', ['RENAME', 'SET']],
    ['ALTER STORAGE "if" ', ['RENAME', 'SET']],
    ['ALTER ', ['CLOUD', 'PIPELINE', 'STORAGE']],
    ['ALTER PIPELINE ', ['RESET', 'SET']],
    ['ALTER PIPELINE hot (', ['DURATION', 'EVENTS', 'INTERVAL', 'PARTITIONS', 'SIZE']],
    ['ALTER PIPELINE hot (SIZE 1G, ', ['DURATION', 'EVENTS', 'INTERVAL', 'PARTITIONS', 'SIZE']],
    ['CREATE ', ['CLOUD', 'PARTITION', 'STORAGE']],
    ['CREATE STORAGE ', ['IF']],
    ['CREATE STORAGE IF ', ['NOT']],
    ['DROP ', ['CLOUD', 'ORPHANS', 'PARTITION', 'PARTITIONS', 'STORAGE']],
    ['DROP PARTITION 1 ', ['ON']],
    ['DROP PARTITION 1 ON ', ['CLOUD', 'STORAGE']],
    ['UPLOAD PARTITION 1 ', ['IF']],
    ['SELECT ', ['FROM', 'LIMIT', 'TO']],
    ['SELECT FROM 1 ', ['LIMIT', 'TO']],
    ['SET x TO ', ['FALSE', 'TRUE']],
    ['INSERT (', ['DEFAULT']],
  ])('%j', (text, expected) => {
    expect(complete(text)).toEqual(expected);
  });
});

describe('nothing to suggest', () => {
  test.each(['CHECKPOINT ', 'SET ', 'SHOW STORAGE ', 'MOVE PARTITION 5 INTO ', 'FOO ', 'SELECT @', "SET x TO 'open", 'SHOW WAL WAL ', 'SHOW ORPHANS ', 'DROP ORPHANS '])('%j', (text) => {
    expect(complete(text)).toEqual([]);
  });
});

describe('a word being typed is completed', () => {
  test.each([
    ['SHOW PART', ['PARTITION', 'PARTITIONS']],
    ['SHOW OR', ['ORPHANS']],
    ['drop orph', ['orphans']],
    ['show part', ['partition', 'partitions']],
    ['Show Part', ['PARTITION', 'PARTITIONS']],
    ['cr', ['create']],
    ['D', ['DELETE', 'DOWNLOAD', 'DROP']],
    ['SHOW', ['SHOW']],
    ['MOVE PARTITION 5 IN', ['INTO']],
    ['CHECKPOINT;SH', ['SHOW']],
    ['SHOW xyz', []],
  ])('%j', (text, expected) => {
    expect(complete(text)).toEqual(expected);
  });
});

test('suggestions follow the case of the last keyword typed', () => {
  expect(complete('show ')).toContain('partitions');
  expect(complete('alter storage s ')).toEqual(['rename', 'set']);
  expect(complete('ALTER STORAGE s ')).toEqual(['RENAME', 'SET']);
});
