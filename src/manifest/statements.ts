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

/** Prepares every statement of the manifest on `db`. */
export function prepareStatements(db: Database.Database) {
  return {
    configAll: db.prepare<[], ValueRow>('SELECT name, type, value FROM config ORDER BY name'),
    configSet: db.prepare<[string, string, string]>(
      'INSERT INTO config (name, type, value) VALUES (?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET type = excluded.type, value = excluded.value',
    ),

    storageAll: db.prepare<[], StorageRow>('SELECT name, uuid, path, created FROM storages ORDER BY name'),
    storageGet: db.prepare<[string], StorageRow>('SELECT name, uuid, path, created FROM storages WHERE name = ?'),
    storageInsert: db.prepare<[StorageRow]>(
      'INSERT INTO storages (name, uuid, path, created) VALUES (@name, @uuid, @path, @created)',
    ),
    storageUpdate: db.prepare<[StorageRow & { old: string }]>(
      'UPDATE storages SET name = @name, uuid = @uuid, path = @path, created = @created WHERE name = @old',
    ),
    storageDelete: db.prepare<[string]>('DELETE FROM storages WHERE name = ?'),
    storagePartitions: db.prepare<[string], number>('SELECT count(*) FROM partitions WHERE storage = ?').pluck(),

    optionAll: db.prepare<[], ValueRow>('SELECT storage, name, type, value FROM storage_options ORDER BY storage, name'),
    optionOf: db.prepare<[string], ValueRow>(
      'SELECT storage, name, type, value FROM storage_options WHERE storage = ? ORDER BY name',
    ),
    optionInsert: db.prepare<[string, string, string, string]>(
      'INSERT INTO storage_options (storage, name, type, value) VALUES (?, ?, ?, ?)',
    ),
    optionClear: db.prepare<[string]>('DELETE FROM storage_options WHERE storage = ?'),

    partitionAll: db.prepare<[], PartitionRow>(`SELECT ${PARTITION_COLUMNS} FROM partitions ORDER BY min`),
    partitionGet: db.prepare<[string], PartitionRow>(`SELECT ${PARTITION_COLUMNS} FROM partitions WHERE min = ?`),
    // the partition with the greatest min <= max, other than `self`: since partitions
    // never overlap, [min, max] overlaps some partition iff it overlaps this one
    partitionBelow: db.prepare<[{ max: string; self: string }], { min: string; max: string }>(
      'SELECT min, max FROM partitions WHERE min <= @max AND min <> @self ORDER BY min DESC LIMIT 1',
    ),
    partitionInsert: db.prepare<[PartitionRow]>(
      `INSERT INTO partitions (${PARTITION_COLUMNS}) VALUES (@min, @max, @storage, @file, @lsn, @events, ` +
        '@regions, @size, @size_uncompressed, @created, @refreshed, @refreshes, @on_storage, @on_cloud)',
    ),
    partitionUpdate: db.prepare<[PartitionRow]>(
      'UPDATE partitions SET max = @max, storage = @storage, file = @file, lsn = @lsn, events = @events, ' +
        'regions = @regions, size = @size, size_uncompressed = @size_uncompressed, created = @created, ' +
        'refreshed = @refreshed, refreshes = @refreshes, on_storage = @on_storage, on_cloud = @on_cloud WHERE min = @min',
    ),
    partitionDelete: db.prepare<[string]>('DELETE FROM partitions WHERE min = ?'),

    operationAll: db.prepare<[], OperationRow>(
      'SELECT id, kind, partition, storage, file, old_file, started, detail FROM operations ORDER BY id',
    ),
    operationInsert: db.prepare<[Omit<OperationRow, 'id'>]>(
      'INSERT INTO operations (kind, partition, storage, file, old_file, started, detail) ' +
        'VALUES (@kind, @partition, @storage, @file, @old_file, @started, @detail)',
    ),
    operationDelete: db.prepare<[number]>('DELETE FROM operations WHERE id = ?'),

    cloudDeleteAll: db.prepare<[], CloudDeleteRow>('SELECT id, cloud, bucket, key, created FROM cloud_deletes ORDER BY id'),
    cloudDeleteInsert: db.prepare<[Omit<CloudDeleteRow, 'id'>]>(
      'INSERT INTO cloud_deletes (cloud, bucket, key, created) VALUES (@cloud, @bucket, @key, @created)',
    ),
    cloudDeleteRemove: db.prepare<[number]>('DELETE FROM cloud_deletes WHERE id = ?'),
    cloudDeleteHas: db.prepare<[number], number>('SELECT count(*) FROM cloud_deletes WHERE id = ?').pluck(),
    cloudDeleteGet: db.prepare<[number], CloudDeleteRow>('SELECT id, cloud, bucket, key, created FROM cloud_deletes WHERE id = ?'),
    cloudDeleteRemoveKey: db.prepare<[string, string, string]>('DELETE FROM cloud_deletes WHERE cloud = ? AND bucket = ? AND key = ?'),
    cloudDeleteRename: db.prepare<[string, string]>('UPDATE cloud_deletes SET cloud = ? WHERE cloud = ?'),
    cloudAll: db.prepare<[], CloudRow>('SELECT name, type, options, created FROM clouds ORDER BY name'),
    cloudInsert: db.prepare<[CloudRow]>('INSERT INTO clouds (name, type, options, created) VALUES (@name, @type, @options, @created)'),
    cloudUpdate: db.prepare<[CloudRow & { old: string }]>(
      'UPDATE clouds SET name = @name, type = @type, options = @options, created = @created WHERE name = @old',
    ),
    cloudDelete: db.prepare<[string]>('DELETE FROM clouds WHERE name = ?'),
    droppedAll: db.prepare<[], { min: string; max: string; lsn: string }>('SELECT min, max, lsn FROM dropped ORDER BY lsn'),
    droppedInsert: db.prepare<[string, string, string]>('INSERT INTO dropped (min, max, lsn) VALUES (?, ?, ?)'),
    droppedPrune: db.prepare<[string]>('DELETE FROM dropped WHERE lsn < ?'),
    pipelineAll: db.prepare<[], PipelineRow>('SELECT position, storage, partitions, size, events, duration FROM pipeline ORDER BY position'),
    pipelineClear: db.prepare<[]>('DELETE FROM pipeline'),
    pipelineInsert: db.prepare<[PipelineRow]>(
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
