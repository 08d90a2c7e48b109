/**
 * Every statement in every form, with the exact AST it parses to. Shared by the parse,
 * printer and property tests (mutations start from these texts).
 */
import type { Statement } from '../../grammar/index.ts';

/** A number with a unit, as the AST keeps it. */
const q = (amount: bigint, unit: string) => ({ amount, unit });
const GiB = 1024n ** 3n;
const H = 3_600_000_000n;
const U64_MAX = 2n ** 64n - 1n;

/** `[text, statement]` pairs. */
export const examples: readonly (readonly [string, Statement])[] = [
  // SET
  ['SET interval TO 1d', { kind: 'set', name: 'interval', value: q(1n, 'd') }],
  ['set Serial to TRUE', { kind: 'set', name: 'serial', value: true }],
  ['SET wal_sync TO false', { kind: 'set', name: 'wal_sync', value: false }],
  ['SET compression TO zstd', { kind: 'set', name: 'compression', value: 'zstd' }],
  ["SET compression TO 'LZ4'", { kind: 'set', name: 'compression', value: 'LZ4' }],
  ['SET mm_limit TO 512MiB', { kind: 'set', name: 'mm_limit', value: q(512n, 'MiB') }],
  ['SET ssn TO 18446744073709551615', { kind: 'set', name: 'ssn', value: U64_MAX }],
  [`SET "Odd ""name""" TO 'it''s'`, { kind: 'set', name: 'Odd "name"', value: "it's" }],
  ['SET to TO 1', { kind: 'set', name: 'to', value: 1n }],
  ['SET mm_limit_behaviour TO block', { kind: 'set', name: 'mm_limit_behaviour', value: 'block' }],
  ['SET uuid TO "My-Id"', { kind: 'set', name: 'uuid', value: 'My-Id' }],
  // SHOW settings and config
  ['SHOW CONFIG', { kind: 'show_config', name: null }],
  ['SHOW CONFIG interval', { kind: 'show_config', name: 'interval' }],
  ['SHOW CONFIG wal', { kind: 'show_config', name: 'wal' }],
  ['SHOW ALL', { kind: 'show_config', name: null }],
  ['SHOW interval', { kind: 'show_settings', names: ['interval'] }],
  ['SHOW serial, ssn, "wal"', { kind: 'show_settings', names: ['serial', 'ssn', 'wal'] }],
  ['SHOW STORAGES, PARTITIONS', { kind: 'show_many', targets: [{ kind: 'show_storages' }, { kind: 'show_partitions', storage: null }] }],
  ['SHOW interval, STORAGE cold, PARTITION 5, WAL', { kind: 'show_many', targets: [{ kind: 'show_settings', names: ['interval'] }, { kind: 'show_storage', name: 'cold' }, { kind: 'show_partition', id: 5n }, { kind: 'show_wal' }] }],
  ['SHOW "wal", "Storage"', { kind: 'show_settings', names: ['wal', 'Storage'] }],
  // SHOW views
  ['SHOW STORAGES', { kind: 'show_storages' }],
  ['SHOW STORAGE main', { kind: 'show_storage', name: 'main' }],
  ['SHOW STORAGE hot', { kind: 'show_storage', name: 'hot' }],
  ['SHOW PARTITIONS', { kind: 'show_partitions', storage: null }],
  ['SHOW PARTITIONS cold', { kind: 'show_partitions', storage: 'cold' }],
  ['SHOW PARTITION 42', { kind: 'show_partition', id: 42n }],
  ['SHOW PIPELINE', { kind: 'show_pipeline' }],
  ['SHOW CLOUDS', { kind: 'show_clouds' }],
  ['SHOW CLOUD s3', { kind: 'show_cloud', name: 's3' }],
  ['SHOW MEMORY', { kind: 'show_memory' }],
  ['SHOW WAL', { kind: 'show_wal' }],
  ['SHOW OPERATIONS', { kind: 'show_operations' }],
  ['SHOW ORPHANS', { kind: 'show_orphans' }],
  // maintenance
  ['CHECKPOINT', { kind: 'checkpoint' }],
  ['REBALANCE', { kind: 'rebalance', explain: false }],
  ['EXPLAIN REBALANCE', { kind: 'rebalance', explain: true }],
  // clouds
  [
    "CREATE CLOUD s3 (type 's3', url 'http://127.0.0.1:9000', region 'us-east-1', bucket 'b', access_key 'k', secret_key 's', path_style true, debug false)",
    {
      kind: 'create_cloud', ifNotExists: false, name: 's3',
      options: [
        { name: 'type', value: 's3' }, { name: 'url', value: 'http://127.0.0.1:9000' }, { name: 'region', value: 'us-east-1' },
        { name: 'bucket', value: 'b' }, { name: 'access_key', value: 'k' }, { name: 'secret_key', value: 's' },
        { name: 'path_style', value: true }, { name: 'debug', value: false },
      ],
    },
  ],
  [
    `CREATE CLOUD IF NOT EXISTS "My Cloud" (endpoint 'x', login 'a', password 'p')`,
    {
      kind: 'create_cloud', ifNotExists: true, name: 'My Cloud',
      options: [{ name: 'endpoint', value: 'x' }, { name: 'login', value: 'a' }, { name: 'password', value: 'p' }],
    },
  ],
  ['CREATE CLOUD c ()', { kind: 'create_cloud', ifNotExists: false, name: 'c', options: [] }],
  ['ALTER CLOUD c RENAME TO d', { kind: 'alter_cloud_rename', ifExists: false, name: 'c', to: 'd' }],
  ['ALTER CLOUD IF EXISTS c RENAME TO "D"', { kind: 'alter_cloud_rename', ifExists: true, name: 'c', to: 'D' }],
  [
    "ALTER CLOUD c SET (bucket 'x', debug true)",
    { kind: 'alter_cloud_set', ifExists: false, name: 'c', options: [{ name: 'bucket', value: 'x' }, { name: 'debug', value: true }] },
  ],
  ["ALTER CLOUD IF EXISTS c SET (login 'a')", { kind: 'alter_cloud_set', ifExists: true, name: 'c', options: [{ name: 'login', value: 'a' }] }],
  ['DROP CLOUD c', { kind: 'drop_cloud', ifExists: false, name: 'c' }],
  ['DROP CLOUD IF EXISTS c', { kind: 'drop_cloud', ifExists: true, name: 'c' }],
  // storages
  ['CREATE STORAGE hot', { kind: 'create_storage', ifNotExists: false, name: 'hot', options: [] }],
  [
    "CREATE STORAGE IF NOT EXISTS cold (path '/mnt/cold', compression zstd, compression_level 3, region_size 128KiB, refresh_wm 64MiB, " +
      "cloud s3, cloud_drop_local true, sync false, crc true, encryption 'aes-256-gcm', encryption_key 'secret', uuid 'u-1')",
    {
      kind: 'create_storage', ifNotExists: true, name: 'cold',
      options: [
        { name: 'path', value: '/mnt/cold' }, { name: 'compression', value: 'zstd' }, { name: 'compression_level', value: 3n },
        { name: 'region_size', value: q(128n, 'KiB') }, { name: 'refresh_wm', value: q(64n, 'MiB') }, { name: 'cloud', value: 's3' },
        { name: 'cloud_drop_local', value: true }, { name: 'sync', value: false }, { name: 'crc', value: true },
        { name: 'encryption', value: 'aes-256-gcm' }, { name: 'encryption_key', value: 'secret' }, { name: 'uuid', value: 'u-1' },
      ],
    },
  ],
  ['ALTER STORAGE hot RENAME TO warm', { kind: 'alter_storage_rename', ifExists: false, name: 'hot', to: 'warm' }],
  ['ALTER STORAGE IF EXISTS hot RENAME TO warm', { kind: 'alter_storage_rename', ifExists: true, name: 'hot', to: 'warm' }],
  ['ALTER STORAGE hot SET (sync true)', { kind: 'alter_storage_set', ifExists: false, name: 'hot', options: [{ name: 'sync', value: true }] }],
  ['ALTER STORAGE hot SET compression TO lz4', { kind: 'alter_storage_set', ifExists: false, name: 'hot', options: [{ name: 'compression', value: 'lz4' }] }],
  ['ALTER STORAGE IF EXISTS hot SET region_size TO 256K', { kind: 'alter_storage_set', ifExists: true, name: 'hot', options: [{ name: 'region_size', value: q(256n, 'K') }] }],
  ['DROP STORAGE hot', { kind: 'drop_storage', ifExists: false, name: 'hot' }],
  ['DROP STORAGE IF EXISTS hot', { kind: 'drop_storage', ifExists: true, name: 'hot' }],
  // pipeline
  [
    'ALTER PIPELINE hot (size 10G), cold',
    { kind: 'alter_pipeline', tiers: [{ storage: 'hot', limits: [{ name: 'size', value: q(10n, 'G') }] }, { storage: 'cold', limits: [] }] },
  ],
  [
    'ALTER PIPELINE SET hot (partitions 10, events 1000000), cold (duration 1d), archive (interval 6h)',
    {
      kind: 'alter_pipeline',
      tiers: [
        { storage: 'hot', limits: [{ name: 'partitions', value: 10n }, { name: 'events', value: 1_000_000n }] },
        { storage: 'cold', limits: [{ name: 'duration', value: q(1n, 'd') }] },
        { storage: 'archive', limits: [{ name: 'duration', value: q(6n, 'h') }] },
      ],
    },
  ],
  [
    'ALTER PIPELINE main (size 1073741824, duration 3600000000)',
    { kind: 'alter_pipeline', tiers: [{ storage: 'main', limits: [{ name: 'size', value: GiB }, { name: 'duration', value: H }] }] },
  ],
  ['alter pipeline main', { kind: 'alter_pipeline', tiers: [{ storage: 'main', limits: [] }] }],
  ['ALTER PIPELINE RESET', { kind: 'alter_pipeline_reset' }],
  // partitions
  ['CREATE PARTITION 0 999', { kind: 'create_partition', min: 0n, max: 999n }],
  ['DROP PARTITION 5', { kind: 'drop_partition', ifExists: false, id: 5n, on: null }],
  ['DROP PARTITION IF EXISTS 5 ON STORAGE', { kind: 'drop_partition', ifExists: true, id: 5n, on: 'storage' }],
  ['DROP PARTITION 5 ON CLOUD', { kind: 'drop_partition', ifExists: false, id: 5n, on: 'cloud' }],
  ['DROP PARTITIONS BETWEEN 1 AND 10', { kind: 'drop_partitions', range: { min: 1n, max: 10n }, on: null }],
  ['DROP PARTITIONS FROM 1 TO 10 ON CLOUD', { kind: 'drop_partitions', range: { min: 1n, max: 10n }, on: 'cloud' }],
  ['DROP ORPHANS', { kind: 'drop_orphans' }],
  ['drop orphans', { kind: 'drop_orphans' }],
  ['MOVE PARTITION 5 INTO cold', { kind: 'move_partition', ifExists: false, id: 5n, storage: 'cold' }],
  ['MOVE PARTITION IF EXISTS 5 INTO "Cold"', { kind: 'move_partition', ifExists: true, id: 5n, storage: 'Cold' }],
  ['MOVE PARTITIONS FROM 0 TO 100 INTO cold', { kind: 'move_partitions', range: { min: 0n, max: 100n }, storage: 'cold' }],
  ['MOVE PARTITIONS BETWEEN 0 AND 100 INTO cold', { kind: 'move_partitions', range: { min: 0n, max: 100n }, storage: 'cold' }],
  ['REFRESH PARTITION 5', { kind: 'refresh_partition', ifExists: false, id: 5n }],
  ['REFRESH PARTITION IF EXISTS 5', { kind: 'refresh_partition', ifExists: true, id: 5n }],
  ['REFRESH PARTITIONS BETWEEN 0 AND 9', { kind: 'refresh_partitions', range: { min: 0n, max: 9n } }],
  ['REFRESH PARTITIONS FROM 0 TO 9', { kind: 'refresh_partitions', range: { min: 0n, max: 9n } }],
  ['UPLOAD PARTITION 5', { kind: 'upload_partition', ifExists: false, id: 5n, ifCloud: false }],
  ['UPLOAD PARTITION IF EXISTS 5 IF CLOUD', { kind: 'upload_partition', ifExists: true, id: 5n, ifCloud: true }],
  ['UPLOAD PARTITIONS FROM 1 TO 2 IF CLOUD', { kind: 'upload_partitions', range: { min: 1n, max: 2n }, ifCloud: true }],
  ['UPLOAD PARTITIONS BETWEEN 1 AND 2', { kind: 'upload_partitions', range: { min: 1n, max: 2n }, ifCloud: false }],
  ['DOWNLOAD PARTITION 5', { kind: 'download_partition', ifExists: false, id: 5n, ifCloud: false }],
  ['DOWNLOAD PARTITION IF EXISTS 5 IF CLOUD', { kind: 'download_partition', ifExists: true, id: 5n, ifCloud: true }],
  ['DOWNLOAD PARTITIONS FROM 1 TO 2 IF CLOUD', { kind: 'download_partitions', range: { min: 1n, max: 2n }, ifCloud: true }],
  ['DOWNLOAD PARTITIONS BETWEEN 1 AND 2', { kind: 'download_partitions', range: { min: 1n, max: 2n }, ifCloud: false }],
  // data
  ["INSERT (1, 'v')", { kind: 'insert', id: 1n, key: null, value: 'v' }],
  ["INSERT (1, 'k', 'v')", { kind: 'insert', id: 1n, key: 'k', value: 'v' }],
  ["insert (18446744073709551615, '', 'it''s')", { kind: 'insert', id: U64_MAX, key: '', value: "it's" }],
  ['DELETE 5', { kind: 'delete', id: 5n, key: null }],
  ["DELETE 5 'k'", { kind: 'delete', id: 5n, key: 'k' }],
  ['SELECT', { kind: 'select', from: null, to: null, limit: null }],
  ['SELECT FROM 5', { kind: 'select', from: 5n, to: null, limit: null }],
  ['SELECT TO 10', { kind: 'select', from: null, to: 10n, limit: null }],
  ['SELECT LIMIT 3', { kind: 'select', from: null, to: null, limit: 3n }],
  ['SELECT FROM 1 TO 10 LIMIT 5', { kind: 'select', from: 1n, to: 10n, limit: 5n }],
  // names that look like keywords, where a name is expected
  ['CREATE STORAGE interval', { kind: 'create_storage', ifNotExists: false, name: 'interval', options: [] }],
  ['CREATE STORAGE "if"', { kind: 'create_storage', ifNotExists: false, name: 'if', options: [] }],
  ['SET size TO 1', { kind: 'set', name: 'size', value: 1n }],
  ['MOVE PARTITION 1 INTO storage', { kind: 'move_partition', ifExists: false, id: 1n, storage: 'storage' }],
  ['SHOW PARTITIONS partitions', { kind: 'show_partitions', storage: 'partitions' }],
  ['SHOW CLOUD cloud', { kind: 'show_cloud', name: 'cloud' }],
  ['SHOW size, events', { kind: 'show_settings', names: ['size', 'events'] }],
  ['SHOW "orphans", orphans', { kind: 'show_many', targets: [{ kind: 'show_settings', names: ['orphans'] }, { kind: 'show_orphans' }] }],
  ['SET orphans TO 1', { kind: 'set', name: 'orphans', value: 1n }],
  ['CREATE STORAGE orphans (cloud orphans)', { kind: 'create_storage', ifNotExists: false, name: 'orphans', options: [{ name: 'cloud', value: 'orphans' }] }],
  ['DROP STORAGE orphans', { kind: 'drop_storage', ifExists: false, name: 'orphans' }],
  ['DROP CLOUD IF EXISTS orphans', { kind: 'drop_cloud', ifExists: true, name: 'orphans' }],
  ['SHOW PARTITIONS orphans', { kind: 'show_partitions', storage: 'orphans' }],
  ['MOVE PARTITION 1 INTO orphans', { kind: 'move_partition', ifExists: false, id: 1n, storage: 'orphans' }],
  [
    'ALTER PIPELINE storage (size 1G), cloud, "set"',
    {
      kind: 'alter_pipeline',
      tiers: [{ storage: 'storage', limits: [{ name: 'size', value: q(1n, 'G') }] }, { storage: 'cloud', limits: [] }, { storage: 'set', limits: [] }],
    },
  ],
  [
    'CREATE STORAGE s (to 1, partitions 2, cloud c, if true, interval 1s)',
    {
      kind: 'create_storage', ifNotExists: false, name: 's',
      options: [
        { name: 'to', value: 1n }, { name: 'partitions', value: 2n }, { name: 'cloud', value: 'c' },
        { name: 'if', value: true }, { name: 'interval', value: q(1n, 's') },
      ],
    },
  ],
  ['ALTER STORAGE s SET to TO on', { kind: 'alter_storage_set', ifExists: false, name: 's', options: [{ name: 'to', value: 'on' }] }],
  ['ALTER CLOUD exists RENAME TO not', { kind: 'alter_cloud_rename', ifExists: false, name: 'exists', to: 'not' }],
];
