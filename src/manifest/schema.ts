/**
 * The manifest schema, as an ordered list of migrations.
 *
 * Rule: migrations are append-only. A released migration is never edited; a schema
 * change is a new migration with the next version. Each migration runs in one
 * immediate transaction that also sets `PRAGMA user_version` to its version, so a
 * crash leaves the database at the previous version or the next, never between.
 * A database whose version is newer than {@link SCHEMA_VERSION} is refused
 * (`NOT_SUPPORTED`): an older Strata must not write a schema it does not know.
 *
 * The u64 columns (`partitions.min`, `max`, `lsn`, `operations.partition`) are TEXT of
 * 20 zero-padded decimal digits (see `values.ts`): text order is numeric order.
 * See docs/manifest.md for every column.
 *
 * @module
 */
import type Database from 'better-sqlite3';
import { StrataError } from '../errors.ts';
import { sqliteError } from './sqlite-error.ts';

/** One step of the schema: `up` takes the database from `version - 1` to `version`. */
export interface Migration {
  /** The schema version this migration produces (1, 2, ...: no gaps). */
  readonly version: number;
  /** What it changes, in a line. */
  readonly description: string;
  /** The SQL statements, run with `exec` inside the migration's transaction. */
  readonly up: string;
}

/** `PRAGMA application_id` of a Strata manifest: 'STRA' in ASCII. */
export const APPLICATION_ID = 0x53545241;

/** A CHECK that column `c` holds a u64 as 20 decimal digits. */
const u64 = (c: string): string =>
  `CHECK (length(${c}) = 20 AND ${c} NOT GLOB '*[^0-9]*' AND ${c} <= '18446744073709551615')`;

/** A CHECK that column `c` holds an integer >= 0. */
const count = (c: string): string => `CHECK (typeof(${c}) = 'integer' AND ${c} >= 0)`;

/** The value types of `config` and `storage_options`. */
const valueType = `CHECK (type IN ('string', 'number', 'boolean', 'bigint'))`;

/** All migrations, in order. The last one's version is {@link SCHEMA_VERSION}. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'config, storages, storage options, partitions, operations',
    up: `
      CREATE TABLE config (
        name  TEXT PRIMARY KEY,
        type  TEXT NOT NULL ${valueType},
        value TEXT NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE storages (
        name    TEXT PRIMARY KEY,
        uuid    TEXT NOT NULL UNIQUE,
        path    TEXT NOT NULL,
        created INTEGER NOT NULL ${count('created')}
      );

      CREATE TABLE storage_options (
        storage TEXT NOT NULL REFERENCES storages (name) ON UPDATE CASCADE ON DELETE CASCADE,
        name    TEXT NOT NULL,
        type    TEXT NOT NULL ${valueType},
        value   TEXT NOT NULL,
        PRIMARY KEY (storage, name)
      ) WITHOUT ROWID;

      CREATE TABLE partitions (
        min               TEXT PRIMARY KEY ${u64('min')},
        max               TEXT NOT NULL ${u64('max')},
        storage           TEXT NOT NULL REFERENCES storages (name) ON UPDATE CASCADE ON DELETE RESTRICT,
        file              INTEGER NOT NULL ${count('file')},
        lsn               TEXT NOT NULL ${u64('lsn')},
        events            INTEGER NOT NULL ${count('events')},
        regions           INTEGER NOT NULL ${count('regions')},
        size              INTEGER NOT NULL ${count('size')},
        size_uncompressed INTEGER NOT NULL ${count('size_uncompressed')},
        created           INTEGER NOT NULL ${count('created')},
        refreshed         INTEGER NOT NULL ${count('refreshed')},
        refreshes         INTEGER NOT NULL ${count('refreshes')},
        CHECK (min <= max)
      ) WITHOUT ROWID;
      CREATE INDEX partitions_storage ON partitions (storage);

      CREATE TABLE operations (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        kind      TEXT NOT NULL,
        partition TEXT NOT NULL ${u64('partition')},
        storage   TEXT NOT NULL,
        file      INTEGER NOT NULL ${count('file')},
        old_file  INTEGER NOT NULL ${count('old_file')},
        started   INTEGER NOT NULL ${count('started')},
        detail    TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'pipeline: the ordered tiers and their retention limits',
    up: `
      CREATE TABLE pipeline (
        position   INTEGER PRIMARY KEY ${count('position')},
        storage    TEXT NOT NULL UNIQUE REFERENCES storages (name) ON UPDATE CASCADE ON DELETE RESTRICT,
        partitions INTEGER CHECK (partitions IS NULL OR ${count('partitions').slice(7, -1)}),
        size       INTEGER CHECK (size IS NULL OR ${count('size').slice(7, -1)}),
        events     INTEGER CHECK (events IS NULL OR ${count('events').slice(7, -1)}),
        duration   TEXT CHECK (duration IS NULL OR (${u64('duration').slice(7, -1)}))
      );
    `,
  },
  {
    version: 3,
    description: 'dropped: tombstones of dropped ranges, so WAL replay never brings their events back',
    // IF NOT EXISTS: development builds created this table in version 2
    up: `
      CREATE TABLE IF NOT EXISTS dropped (
        min TEXT NOT NULL ${u64('min')},
        max TEXT NOT NULL ${u64('max')},
        lsn TEXT NOT NULL ${u64('lsn')},
        CHECK (min <= max)
      );
    `,
  },
  {
    version: 4,
    description: 'clouds: named S3-compatible endpoints',
    up: `
      CREATE TABLE clouds (
        name    TEXT PRIMARY KEY,
        type    TEXT NOT NULL,
        options TEXT NOT NULL CHECK (json_valid(options) AND json_type(options) = 'object'),
        created INTEGER NOT NULL ${count('created')}
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 5,
    description: 'cloud tier: where each partition has copies, and objects waiting to be deleted',
    up: `
      ALTER TABLE partitions ADD COLUMN on_storage INTEGER NOT NULL DEFAULT 1 CHECK (on_storage IN (0, 1));
      ALTER TABLE partitions ADD COLUMN on_cloud INTEGER NOT NULL DEFAULT 0 CHECK (on_cloud IN (0, 1));

      CREATE TABLE cloud_deletes (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        cloud   TEXT NOT NULL,
        bucket  TEXT NOT NULL,
        key     TEXT NOT NULL,
        created INTEGER NOT NULL ${count('created')}
      );
    `,
  },
];

/** The schema version this code writes and understands. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema of `db` up to {@link SCHEMA_VERSION}, one transaction per migration.
 * Returns the version found before migrating (0 for a new, empty database).
 *
 * @throws StrataError `NOT_SUPPORTED` if the database is newer than this code;
 *   `CORRUPTION` if it is a SQLite database of some other application; any
 *   SQLite failure mapped by `sqliteError`.
 */
export function migrate(db: Database.Database, path: string): number {
  const found = userVersion(db);
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (found > 0 && appId !== APPLICATION_ID) {
    throw new StrataError(
      'CORRUPTION',
      `manifest: ${path} is a SQLite database of another application (application_id ${appId}), not a Strata manifest`,
    );
  }
  if (found > SCHEMA_VERSION) {
    throw new StrataError(
      'NOT_SUPPORTED',
      `manifest: schema version ${found} is newer than this Strata (knows ${SCHEMA_VERSION}); upgrade Strata`,
    );
  }
  if (found === 0) {
    const tables = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
    if (tables > 0) {
      throw new StrataError(
        'CORRUPTION',
        `manifest: ${path} is a SQLite database with ${tables} schema objects but no Strata schema version; not a Strata manifest`,
      );
    }
  }
  for (const m of MIGRATIONS) {
    if (m.version <= found) continue;
    try {
      db.transaction(() => {
        // re-read inside the (immediate) transaction: another process may have migrated
        if (userVersion(db) >= m.version) return;
        db.exec(m.up);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    } catch (e) {
      throw sqliteError(`migrate to schema version ${m.version} (${m.description})`, e, path);
    }
  }
  return found;
}

/** `PRAGMA user_version` of `db`. */
function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
