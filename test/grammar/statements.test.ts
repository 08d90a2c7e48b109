/**
 * Every statement in every form (long and short, IF [NOT] EXISTS, quoted names,
 * keyword-like names, units) parses to its exact AST, in any letter case; and the
 * printer's canonical text parses back to the same AST.
 */
import { describe, expect, test } from 'vitest';
import { type StatementKind, parseOne, print } from '../../grammar/index.ts';
import { examples } from './examples.ts';
import { outsideQuotes } from './quotes.ts';

const cases = examples.map(([text, statement]) => ({ text, statement }));


describe('each form parses to its AST', () => {
  test.each(cases)('$text', ({ text, statement }) => {
    expect(parseOne(text)).toStrictEqual(statement);
  });
});

describe('keywords and unquoted names are case-insensitive', () => {
  test.each(cases)('$text', ({ text, statement }) => {
    expect(parseOne(outsideQuotes(text, (c) => c.toLowerCase()))).toStrictEqual(statement);
    expect(parseOne(outsideQuotes(text, (c) => c.toUpperCase()))).toStrictEqual(statement);
    expect(parseOne(outsideQuotes(text, (c, i) => (i % 2 === 0 ? c.toUpperCase() : c.toLowerCase())))).toStrictEqual(statement);
  });
});

describe('the printed text parses back to the same AST', () => {
  test.each(cases)('$text', ({ statement }) => {
    const text = print(statement);
    expect(parseOne(text)).toStrictEqual(statement);
    expect(print(parseOne(text))).toBe(text);
  });
});

test('the examples cover every statement kind', () => {
  const all: Record<StatementKind, true> = {
    set: true, show_config: true, show_settings: true, show_storages: true, show_storage: true, show_partitions: true,
    show_partition: true, show_pipeline: true, show_clouds: true, show_cloud: true, show_memory: true, show_wal: true,
    show_operations: true, show_orphans: true, show_many: true, checkpoint: true, rebalance: true, create_cloud: true, alter_cloud_rename: true,
    alter_cloud_set: true, drop_cloud: true, create_storage: true, alter_storage_rename: true, alter_storage_set: true,
    drop_storage: true, alter_pipeline: true, alter_pipeline_reset: true, create_partition: true, drop_partition: true,
    drop_partitions: true, drop_orphans: true, move_partition: true, move_partitions: true, refresh_partition: true, refresh_partitions: true,
    upload_partition: true, upload_partitions: true, download_partition: true, download_partitions: true, insert: true,
    delete: true, select: true,
  };
  expect(new Set(examples.map(([, s]) => s.kind))).toEqual(new Set(Object.keys(all)));
});

describe('canonical text', () => {
  test.each([
    ['alter pipeline set hot (size 10g, interval 1d, partitions 5), cold (duration 90min), x (duration 1500ms), y (size 1000)',
      'ALTER PIPELINE hot (SIZE 10G, DURATION 1d, PARTITIONS 5), cold (DURATION 90min), x (DURATION 1500ms), y (SIZE 1000)'],
    ['alter storage "Hot" set region_size to 64kib', 'ALTER STORAGE "Hot" SET (region_size 64KiB)'],
    ['create storage "if" (cloud s3)', `CREATE STORAGE "if" (cloud 's3')`],
    ['alter pipeline "set", "reset" (events 1)', 'ALTER PIPELINE "set", "reset" (EVENTS 1)'],
    ['show "config", interval, "all"', 'SHOW "config", interval, "all"'],
    ['show "orphans", orphans', 'SHOW "orphans", ORPHANS'],
    ['show orphans', 'SHOW ORPHANS'],
    ['Drop Orphans', 'DROP ORPHANS'],
    ['show all', 'SHOW CONFIG'],
    ['move partitions from 1 to 2 into "a b"', 'MOVE PARTITIONS BETWEEN 1 AND 2 INTO "a b"'],
    ["set uuid to 'it''s'", "SET uuid TO 'it''s'"],
    ['select limit 1', 'SELECT LIMIT 1'],
  ])('%s', (text, canonical) => {
    expect(print(parseOne(text))).toBe(canonical);
  });
});
