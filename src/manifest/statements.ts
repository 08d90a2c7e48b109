/**
 * The manifest's SQL, prepared once per open database.
 *
 * Partitions sort by `min` as plain text: u64 columns are fixed-width (20 digits), so
 * text order is numeric order and the primary-key index serves `ORDER BY min`.
 *
 * @module
 */
import type Database from 'better-sqlite3';
import type { OperationRow, PartitionRow } from './records.ts';

/** A row of `config` or `storage_options`. */
export interface ValueRow {
  storage?: string;
  name: string;
  type: string;
  value: string;
}

/** A row of `storages`. */
export interface StorageRow {
  name: string;
  uuid: string;
  path: string;
  created: number;
}

const PARTITION_COLUMNS =
  'min, max, storage, file, lsn, events, regions, size, size_uncompressed, created, refreshed, refreshes, on_storage, on_cloud';

/**
 * What the manifest uses of a prepared statement: the small interface it needs, not
 * the whole of better-sqlite3's (whose namespace the declarations cannot name).
 */
export interface Prepared<P extends unknown[], R> {
  run(...params: P): Database.RunResult;
  get(...params: P): R | undefined;
  all(...params: P): R[];
}

/** Prepares every statement of the manifest on `db`. */
export function prepareStatements(db: Database.Database) {
  const pluck = <P extends unknown[], R>(sql: string): Prepared<P, R> => db.prepare<P, R>(sql).pluck();
  const prep = <P extends unknown[] = [], R = unknown>(sql: string): Prepared<P, R> => db.prepare<P, R>(sql);
  return {
    configAll: prep<[], ValueRow>('SELECT name, type, value FROM config ORDER BY name'),
    configSet: prep<[string, string, string]>(
      'INSERT INTO config (name, type, value) VALUES (?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET type = excluded.type, value = excluded.value',
    ),

    storageAll: prep<[], StorageRow>('SELECT name, uuid, path, created FROM storages ORDER BY name'),
    storageGet: prep<[string], StorageRow>('SELECT name, uuid, path, created FROM storages WHERE name = ?'),
    storageInsert: prep<[StorageRow]>(
      'INSERT INTO storages (name, uuid, path, created) VALUES (@name, @uuid, @path, @created)',
    ),
    storageUpdate: prep<[StorageRow & { old: string }]>(
      'UPDATE storages SET name = @name, uuid = @uuid, path = @path, created = @created WHERE name = @old',
    ),
    storageDelete: prep<[string]>('DELETE FROM storages WHERE name = ?'),
    storagePartitions: pluck<[string], number>('SELECT count(*) FROM partitions WHERE storage = ?'),

    optionAll: prep<[], ValueRow>('SELECT storage, name, type, value FROM storage_options ORDER BY storage, name'),
    optionOf: prep<[string], ValueRow>(
      'SELECT storage, name, type, value FROM storage_options WHERE storage = ? ORDER BY name',
    ),
    optionInsert: prep<[string, string, string, string]>(
      'INSERT INTO storage_options (storage, name, type, value) VALUES (?, ?, ?, ?)',
    ),
    optionClear: prep<[string]>('DELETE FROM storage_options WHERE storage = ?'),

    partitionAll: prep<[], PartitionRow>(`SELECT ${PARTITION_COLUMNS} FROM partitions ORDER BY min`),
    partitionGet: prep<[string], PartitionRow>(`SELECT ${PARTITION_COLUMNS} FROM partitions WHERE min = ?`),
    // the partition with the greatest min <= max, other than `self`: since partitions
    // never overlap, [min, max] overlaps some partition iff it overlaps this one
    partitionBelow: prep<[{ max: string; self: string }], { min: string; max: string }>(
      'SELECT min, max FROM partitions WHERE min <= @max AND min <> @self ORDER BY min DESC LIMIT 1',
    ),
    partitionInsert: prep<[PartitionRow]>(
      `INSERT INTO partitions (${PARTITION_COLUMNS}) VALUES (@min, @max, @storage, @file, @lsn, @events, ` +
        '@regions, @size, @size_uncompressed, @created, @refreshed, @refreshes, @on_storage, @on_cloud)',
    ),
    partitionUpdate: prep<[PartitionRow]>(
      'UPDATE partitions SET max = @max, storage = @storage, file = @file, lsn = @lsn, events = @events, ' +
        'regions = @regions, size = @size, size_uncompressed = @size_uncompressed, created = @created, ' +
        'refreshed = @refreshed, refreshes = @refreshes, on_storage = @on_storage, on_cloud = @on_cloud WHERE min = @min',
    ),
    partitionDelete: prep<[string]>('DELETE FROM partitions WHERE min = ?'),

    operationAll: prep<[], OperationRow>(
      'SELECT id, kind, partition, storage, file, old_file, started, detail FROM operations ORDER BY id',
    ),
    operationInsert: prep<[Omit<OperationRow, 'id'>]>(
      'INSERT INTO operations (kind, partition, storage, file, old_file, started, detail) ' +
        'VALUES (@kind, @partition, @storage, @file, @old_file, @started, @detail)',
    ),
    operationDelete: prep<[number]>('DELETE FROM operations WHERE id = ?'),

    cloudDeleteAll: prep<[], CloudDeleteRow>('SELECT id, cloud, bucket, key, created FROM cloud_deletes ORDER BY id'),
    cloudDeleteInsert: prep<[Omit<CloudDeleteRow, 'id'>]>(
      'INSERT INTO cloud_deletes (cloud, bucket, key, created) VALUES (@cloud, @bucket, @key, @created)',
    ),
    cloudDeleteRemove: prep<[number]>('DELETE FROM cloud_deletes WHERE id = ?'),
    cloudDeleteHas: pluck<[number], number>('SELECT count(*) FROM cloud_deletes WHERE id = ?'),
    cloudDeleteGet: prep<[number], CloudDeleteRow>('SELECT id, cloud, bucket, key, created FROM cloud_deletes WHERE id = ?'),
    cloudDeleteRemoveKey: prep<[string, string, string]>('DELETE FROM cloud_deletes WHERE cloud = ? AND bucket = ? AND key = ?'),
    cloudDeleteRename: prep<[string, string]>('UPDATE cloud_deletes SET cloud = ? WHERE cloud = ?'),
    cloudAll: prep<[], CloudRow>('SELECT name, type, options, created FROM clouds ORDER BY name'),
    cloudInsert: prep<[CloudRow]>('INSERT INTO clouds (name, type, options, created) VALUES (@name, @type, @options, @created)'),
    cloudUpdate: prep<[CloudRow & { old: string }]>(
      'UPDATE clouds SET name = @name, type = @type, options = @options, created = @created WHERE name = @old',
    ),
    cloudDelete: prep<[string]>('DELETE FROM clouds WHERE name = ?'),
    droppedAll: prep<[], { min: string; max: string; lsn: string }>('SELECT min, max, lsn FROM dropped ORDER BY lsn'),
    droppedInsert: prep<[string, string, string]>('INSERT INTO dropped (min, max, lsn) VALUES (?, ?, ?)'),
    droppedPrune: prep<[string]>('DELETE FROM dropped WHERE lsn < ?'),
    pipelineAll: prep<[], PipelineRow>('SELECT position, storage, partitions, size, events, duration FROM pipeline ORDER BY position'),
    pipelineClear: prep<[]>('DELETE FROM pipeline'),
    pipelineInsert: prep<[PipelineRow]>(
      'INSERT INTO pipeline (position, storage, partitions, size, events, duration) ' +
        'VALUES (@position, @storage, @partitions, @size, @events, @duration)',
    ),
  };
}

/** A row of `cloud_deletes`: an object to delete (see CloudDelete in records.ts). */
export interface CloudDeleteRow {
  id: number;
  cloud: string;
  bucket: string;
  key: string;
  created: number;
}

/** A row of `clouds`. */
export interface CloudRow {
  name: string;
  type: string;
  options: string;
  created: number;
}

/** A row of `pipeline`. */
export interface PipelineRow {
  position: number;
  storage: string;
  partitions: number | null;
  size: number | null;
  events: number | null;
  duration: string | null;
}

/** The prepared statements of one manifest. */
export type Statements = ReturnType<typeof prepareStatements>;
