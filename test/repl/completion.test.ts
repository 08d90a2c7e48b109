/**
 * Tab completion against a real database: keywords from the grammar, then the
 * storages, clouds, settings, storage options and partitions that exist.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { completions, quoteName } from '../../repl/completion.ts';
import { Strata } from '../../src/index.ts';
import { tempDir } from './helpers.ts';

let tmp: { dir: string; cleanup: () => void };
let db: Strata;

beforeAll(async () => {
  tmp = tempDir();
  db = await Strata.open(tmp.dir, { workers: 0 });
  await db.executeAll(`
    SET interval TO 100;
    CREATE STORAGE hot; CREATE STORAGE cold; CREATE STORAGE "Cold Archive";
    CREATE CLOUD s3 (type 's3', url 'http://127.0.0.1:1');
    INSERT (5, 'a'); INSERT (150, 'b'); INSERT (3000, 'c')`);
});
afterAll(async () => {
  await db.close();
  tmp.cleanup();
});

const complete = (line: string, before = ''): Promise<[string[], string]> => completions(db, before, line);

describe('completion', () => {
  test('keywords: a lone one gets a space; lowercase follows the user', async () => {
    expect(await complete('CREATE STO')).toEqual([['STORAGE '], 'STO']);
    expect(await complete('create sto')).toEqual([['storage '], 'sto']);
    expect(await complete('SHOW STOR')).toEqual([['STORAGE', 'STORAGES'], 'STOR']);
    expect(await complete('MOVE PARTITION 0 ')).toEqual([['INTO '], '']);
  });

  test('storage names where a storage is expected, quoted when they must be', async () => {
    expect(await complete('SHOW STORAGE ')).toEqual([['"Cold Archive"', 'cold', 'hot', 'main'], '']);
    expect(await complete('SHOW STORAGE co')).toEqual([['"Cold Archive"', 'cold'], 'co']);
    expect(await complete('SHOW STORAGE h')).toEqual([['hot '], 'h']);
    expect(await complete('MOVE PARTITION 0 INTO m')).toEqual([['main '], 'm']);
    expect(await complete('ALTER PIPELINE hot (partitions 2), c')).toEqual([['"Cold Archive"', 'cold'], 'c']);
    expect(await complete('DROP STORAGE IF EXISTS ho')).toEqual([['hot '], 'ho']);
  });

  test('after SHOW: the views (keywords), then the settings', async () => {
    const [words] = await complete('SHOW ');
    expect(words.slice(0, 3)).toEqual(['ALL', 'CLOUD', 'CLOUDS']);
    expect(words).toContain('interval');
    expect(words).toContain('mm_limit_behaviour');
    expect(await complete('SET mm_limit_b')).toEqual([['mm_limit_behaviour '], 'mm_limit_b']);
  });

  test('clouds, storage options and partition ids', async () => {
    expect(await complete('SHOW CLOUD ')).toEqual([['s3 '], '']);
    expect(await complete('ALTER STORAGE hot SET (comp')).toEqual([['compression', 'compression_level'], 'comp']);
    expect(await complete('SHOW PARTITION ')).toEqual([['0', '100', '3000'], '']);
    expect(await complete('MOVE PARTITION 3')).toEqual([['3000 '], '3']);
    expect(await complete('MOVE PARTITIONS FROM 0 TO 1')).toEqual([['100 '], '1']);
  });

  test('a statement over several lines completes with its earlier lines', async () => {
    expect(await complete('  h', 'MOVE PARTITION 0\nINTO')).toEqual([['hot '], 'h']);
  });

  test('nothing where nothing fits: a new name, a value', async () => {
    expect(await complete('CREATE STORAGE ')).toEqual([['IF '], '']);
    expect(await complete("SET interval TO 'x")).toEqual([[], '']);
  });

  test('console commands, and statement names after \\help', async () => {
    expect(await complete('\\')).toEqual([['\\help', '\\timing', '\\json', '\\q'], '\\']);
    expect(await complete('\\ti')).toEqual([['\\timing '], '\\ti']);
    expect(await complete('\\help MO')).toEqual([['MOVE PARTITION', 'MOVE PARTITIONS'], 'MO']);
    expect(await complete('\\help up')).toEqual([['UPLOAD PARTITION '], 'up']);
  });

  test('names that need quotes', () => {
    expect(quoteName('cold')).toBe('cold');
    expect(quoteName('Cold')).toBe('"Cold"');
    expect(quoteName('a"b c')).toBe('"a""b c"');
  });
});
