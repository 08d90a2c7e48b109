/**
 * Settings: their names, types, defaults, checks and when a change takes effect.
 * Names are the ones `SET` and `SHOW` use; values persist in the manifest.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Codec, MAX_ID } from '../../codec/index.ts';
import { StrataError } from '../../errors.ts';
import { WAL_RECOVERY_MODES, type WalRecovery } from '../../wal/index.ts';

/** Every setting of a database, as `Strata.open(dir, config)` takes them. */
export interface Config {
  /** Identity of the database (set at creation). */
  uuid: string;
  /** Width of a partition created by a write, in ids. */
  interval: bigint;
  /** Serial mode: events written without an id get `ssn + 1`. */
  serial: boolean;
  /** The last serial number handed out (state, persistent). */
  ssn: bigint;
  /** Write-ahead log on/off. Off: writes are durable only once refreshed. */
  wal: boolean;
  /** fdatasync the WAL before a write is acknowledged (group-committed). */
  wal_sync_on_write: boolean;
  /** fdatasync a WAL segment when it is rotated. */
  wal_sync_on_rotate: boolean;
  /** Checksum every WAL record. */
  wal_crc: boolean;
  /** Rotate the WAL segment once it reaches this many bytes. */
  wal_rotate_wm: number;
  /**
   * What this open does about WAL damage that valid records follow: `tail` refuses it
   * (`CORRUPTION`), `point_in_time` cuts the log there, `skip` drops only the damaged
   * bytes. Chosen per open, never stored (docs/wal-format.md).
   */
  wal_recovery: WalRecovery;
  /** Uncompressed bytes of events per region of a partition file. */
  region_size: number;
  /** Region compression: `zstd` or `none`. */
  compression: string;
  /** zstd compression level. */
  compression_level: number;
  /** fsync partition files and directories on every file change. */
  sync: boolean;
  /** Worker threads for refresh jobs; 0 runs them inline (deterministic). */
  workers: number;
  /** Concurrent cloud transfers (the cloud tier). */
  workers_upload: number;
  /** Memtable bytes of one partition that trigger a background refresh (workers > 0); 0: none, rollover only. */
  refresh_wm: number;
  /** Enforce a memory limit on memtables. */
  mm_limit: boolean;
  /** The memory limit: bytes of events in memory past which writes are held back. */
  mm_limit_wm: number;
  /** What a write past the limit does: `block` (wait for refresh) or `error` (OVERLOADED). */
  mm_limit_behaviour: string;
  /**
   * Bytes of freed memtable memory (arena slabs and pages) kept for reuse; memory freed
   * beyond it goes back to the garbage collector. 0: nothing is reused.
   */
  mm_cache: number;
  /** Bytes of an arena slab, the block writes copy batches into (chosen at open). */
  mm_slab_size: number;
  /** Regions of a cloud partition a cursor reads ahead, at most (its `readAhead` default). */
  read_ahead: number;
  /** Stored bytes of a cloud partition a cursor reads ahead, at most (its `readAheadSize` default). */
  read_ahead_size: number;
  /** Error injection (tests): stop a refresh after its file is written, before the switch. */
  error_refresh_before_switch: boolean;
  /** Error injection: stop a refresh after the manifest switch, before the old file goes. */
  error_refresh_after_switch: boolean;
  /** Error injection: stop a move after the copy is written, before the switch. */
  error_move_after_copy: boolean;
  /** Error injection: stop a move after the switch, before the source file goes. */
  error_move_after_switch: boolean;
  /** Error injection: stop a drop after the manifest changes, before the file goes. */
  error_drop_after_switch: boolean;
  /** Error injection: stop an upload after the object is put and verified, before the switch. */
  error_upload_before_switch: boolean;
  /** Error injection: stop an upload after the switch, before the local file goes. */
  error_upload_after_switch: boolean;
  /** Error injection: stop a download after the local file is written, before the switch. */
  error_download_before_switch: boolean;
  /** Error injection: stop a download after the switch. */
  error_download_after_switch: boolean;
}

/** Settings accepted by `Strata.open`: any subset, ids as number or bigint. */
export type OpenConfig = { readonly [K in keyof Config]?: Config[K] extends bigint ? bigint | number : Config[K] };

/** The kind of value a setting holds (`bytes` and `count` are integers with their units). */
type Kind = 'bool' | 'bytes' | 'count' | 'id' | 'codec' | 'uuid' | 'behaviour' | 'recovery';

/**
 * What a setting holds, as the statement layer values numbers with units for it: a
 * size takes `64KiB`, a count `1M`, a duration `6h`; ids, booleans and strings none.
 */
export type SettingKind = 'bytes' | 'count' | 'duration' | 'id' | 'boolean' | 'string';

/**
 * When a change takes effect: `now`; at the next `open`; or `create`: only when the
 * database is created (later changes are refused).
 */
export type Scope = 'now' | 'open' | 'create';

/** The error-injection settings: never persisted, off at every open. */
export const injectionPoints = [
  'error_refresh_before_switch',
  'error_refresh_after_switch',
  'error_move_after_copy',
  'error_move_after_switch',
  'error_drop_after_switch',
  'error_upload_before_switch',
  'error_upload_after_switch',
  'error_download_before_switch',
  'error_download_after_switch',
] as const;

interface Definition {
  readonly kind: Kind;
  readonly scope: Scope;
  readonly min?: number;
  readonly max?: number;
  /** 0 is accepted too, below `min` (it turns the setting's trigger off). */
  readonly zero?: boolean;
}

/** Definitions of every setting. */
const definitions: { readonly [K in keyof Config]: Definition } = {
  uuid: { kind: 'uuid', scope: 'create' },
  interval: { kind: 'id', scope: 'now' },
  serial: { kind: 'bool', scope: 'now' },
  ssn: { kind: 'id', scope: 'now' },
  wal: { kind: 'bool', scope: 'open' },
  wal_sync_on_write: { kind: 'bool', scope: 'open' },
  wal_sync_on_rotate: { kind: 'bool', scope: 'open' },
  wal_crc: { kind: 'bool', scope: 'open' },
  wal_rotate_wm: { kind: 'bytes', scope: 'open', min: 4096, max: 2 ** 40 },
  wal_recovery: { kind: 'recovery', scope: 'open' },
  region_size: { kind: 'bytes', scope: 'now', min: 1024, max: 64 * 1024 * 1024 },
  compression: { kind: 'codec', scope: 'now' },
  compression_level: { kind: 'count', scope: 'now', min: -7, max: 22 },
  sync: { kind: 'bool', scope: 'now' },
  workers: { kind: 'count', scope: 'open', min: 0, max: 64 },
  workers_upload: { kind: 'count', scope: 'open', min: 0, max: 64 },
  refresh_wm: { kind: 'bytes', scope: 'now', min: 1024, max: 2 ** 40, zero: true },
  mm_limit: { kind: 'bool', scope: 'now' },
  mm_limit_wm: { kind: 'bytes', scope: 'now', min: 1024 * 1024, max: 2 ** 50 },
  mm_limit_behaviour: { kind: 'behaviour', scope: 'now' },
  mm_cache: { kind: 'bytes', scope: 'now', min: 0, max: 2 ** 50 },
  mm_slab_size: { kind: 'bytes', scope: 'open', min: 64 * 1024, max: 1024 * 1024 * 1024 },
  read_ahead: { kind: 'count', scope: 'now', min: 0, max: 65536 },
  read_ahead_size: { kind: 'bytes', scope: 'now', min: 0, max: 2 ** 40 },
  error_refresh_before_switch: { kind: 'bool', scope: 'now' },
  error_refresh_after_switch: { kind: 'bool', scope: 'now' },
  error_move_after_copy: { kind: 'bool', scope: 'now' },
  error_move_after_switch: { kind: 'bool', scope: 'now' },
  error_drop_after_switch: { kind: 'bool', scope: 'now' },
  error_upload_before_switch: { kind: 'bool', scope: 'now' },
  error_upload_after_switch: { kind: 'bool', scope: 'now' },
  error_download_before_switch: { kind: 'bool', scope: 'now' },
  error_download_after_switch: { kind: 'bool', scope: 'now' },
};

/**
 * What setting `name` holds, and so which units a number given to it takes (`SET`,
 * `strata DIR --set`): `bytes` (`64KiB`), `count` (`1M` is 1,000,000), `duration`,
 * `id`, `boolean` or `string`. Undefined for a name that is no setting.
 */
export function settingKind(name: string): SettingKind | undefined {
  if (!isSetting(name)) return undefined;
  const kind = definitions[name].kind;
  switch (kind) {
    case 'bool':
      return 'boolean';
    case 'bytes':
    case 'count':
    case 'id':
      return kind;
    default:
      return 'string';
  }
}

/** The defaults of a new database. */
export function defaultConfig(): Config {
  return {
    uuid: randomUUID(),
    interval: 3_000_000n,
    serial: true,
    ssn: 0n,
    wal: true,
    wal_sync_on_write: false,
    wal_sync_on_rotate: true,
    wal_crc: true,
    wal_rotate_wm: 64 * 1024 * 1024,
    wal_recovery: 'tail',
    region_size: 128 * 1024,
    compression: 'zstd',
    compression_level: 1,
    sync: true,
    workers: Math.min(2, availableParallelism()),
    workers_upload: 1,
    // measured (docs/decisions.md): with append refreshes the work per
    // event hardly depends on it; memory held per partition being written does
    refresh_wm: 32 * 1024 * 1024,
    mm_limit: false,
    mm_limit_wm: 1024 * 1024 * 1024,
    mm_limit_behaviour: 'block',
    mm_cache: 512 * 1024 * 1024,
    mm_slab_size: 4 * 1024 * 1024,
    read_ahead: 1024,
    read_ahead_size: 16 * 1024 * 1024,
    error_refresh_before_switch: false,
    error_refresh_after_switch: false,
    error_move_after_copy: false,
    error_move_after_switch: false,
    error_drop_after_switch: false,
    error_upload_before_switch: false,
    error_upload_after_switch: false,
    error_download_before_switch: false,
    error_download_after_switch: false,
  };
}

/** Every setting name, in a stable order (the order of `SHOW CONFIG`). */
export const settingNames = Object.keys(definitions) as (keyof Config)[];

/** Whether `name` is a setting. */
export function isSetting(name: string): name is keyof Config {
  return Object.hasOwn(definitions, name);
}

/** Whether setting `name` is stored in the manifest (error injection and `wal_recovery` are not). */
export function isPersistent(name: string): boolean {
  return !(injectionPoints as readonly string[]).includes(name) && !isOpenOnly(name);
}

/**
 * Whether setting `name` is chosen by each `Strata.open` and nothing else (`SET`
 * refuses it): `wal_recovery`, since a recovery that drops data must be asked for at
 * the open that does it.
 */
export function isOpenOnly(name: string): boolean {
  return name === 'wal_recovery';
}

/** When a change of setting `name` takes effect. */
export function settingScope(name: keyof Config): Scope {
  return definitions[name].scope;
}

/**
 * Checks and normalizes `value` for setting `name` (numbers and bigints for ids,
 * integers within bounds, known codecs).
 * @throws StrataError `NOT_FOUND` for an unknown setting, `INVALID_INPUT` for a bad value.
 */
export function checkSetting(operation: string, name: string, value: unknown): Config[keyof Config] {
  if (!isSetting(name)) {
    throw new StrataError('NOT_FOUND', `${operation}: unknown setting '${name}'; SHOW CONFIG lists them`);
  }
  const def = definitions[name];
  const bad = (what: string): never => {
    throw new StrataError('INVALID_INPUT', `${operation}: ${name} must be ${what}, got ${typeof value === 'string' ? `'${value}'` : String(value)}`);
  };
  switch (def.kind) {
    case 'bool':
      return typeof value === 'boolean' ? value : bad('true or false');
    case 'id': {
      const v = typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value;
      if (typeof v !== 'bigint' || v < 0n || v > MAX_ID) return bad('an integer in 0..2^64-1');
      if (name === 'interval' && v === 0n) return bad('at least 1');
      return v;
    }
    case 'bytes':
    case 'count': {
      const v = typeof value === 'bigint' ? Number(value) : value;
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad('an integer');
      if (v === 0 && def.zero === true) return v;
      if ((def.min !== undefined && v < def.min) || (def.max !== undefined && v > def.max)) {
        return bad(`${def.zero === true ? '0 or ' : ''}in ${def.min}..${def.max}`);
      }
      return v;
    }
    case 'codec':
      return typeof value === 'string' && Object.hasOwn(Codec, value) ? value : bad(`one of ${Object.keys(Codec).join(', ')}`);
    case 'uuid':
      return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ? value.toLowerCase() : bad('a uuid');
    case 'behaviour':
      return value === 'block' || value === 'error' ? value : bad("'block' or 'error'");
    case 'recovery':
      return (WAL_RECOVERY_MODES as readonly unknown[]).includes(value) ? (value as WalRecovery) : bad(`one of ${WAL_RECOVERY_MODES.map((m) => `'${m}'`).join(', ')}`);
  }
}

/** Applies `overrides` (checked) on top of `base`; returns the names that changed. */
export function applySettings(operation: string, base: Config, overrides: Readonly<Record<string, unknown>>): string[] {
  const changed: string[] = [];
  const next = { ...base } as Record<string, unknown>;
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    next[name] = checkSetting(operation, name, value);
    changed.push(name);
  }
  Object.assign(base, next);
  return changed;
}
