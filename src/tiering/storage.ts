/**
 * Storages: named places for partition files, each a folder `<base>/<uuid>/` with
 * its own settings. An option a storage does not set falls back to the database
 * setting of the same name (compression, compression_level, region_size, sync,
 * refresh_wm), so `main` follows `SET compression ...` until it is given its own.
 *
 * @module
 */
import * as path from 'node:path';
import { Codec, Encryption, MAX_ID, generateKey, parseKey } from '../codec/index.ts';
import { StrataError } from '../errors.ts';
import type { ConfigValue, StorageRecord } from '../manifest/index.ts';
import type { FileFormat } from '../partition/index.ts';

/**
 * An option as the operator gave it (`CREATE STORAGE s (name value, ...)`), not yet
 * checked: sizes in bytes, as integers; a list keeps the order given.
 */
export interface StorageOption {
  readonly name: string;
  readonly value: bigint | string | boolean;
}

/**
 * The database settings a storage falls back to for the options it does not set (the
 * engine's settings hold them under these names).
 */
export interface StorageDefaults {
  readonly compression: string;
  readonly compression_level: number;
  readonly region_size: number;
  readonly sync: boolean;
  readonly refresh_wm: number;
}

type Kind = 'bool' | 'bytes' | 'count' | 'string' | 'path' | 'codec' | 'encryption' | 'key' | 'uuid' | 'format';

/** Every storage option: its kind, bounds, and whether it may change once the storage holds partitions. */
const options: Record<string, { readonly kind: Kind; readonly min?: number; readonly max?: number; readonly zero?: boolean; readonly whileEmpty?: boolean; readonly createOnly?: boolean }> = {
  uuid: { kind: 'uuid', createOnly: true },
  path: { kind: 'path', whileEmpty: true },
  cloud: { kind: 'string' },
  cloud_drop_local: { kind: 'bool' },
  sync: { kind: 'bool' },
  crc: { kind: 'bool' },
  refresh_wm: { kind: 'bytes', min: 1024, max: 2 ** 40, zero: true },
  region_size: { kind: 'bytes', min: 1024, max: 64 * 1024 * 1024 },
  compression: { kind: 'codec' },
  compression_level: { kind: 'count', min: -7, max: 22 },
  encryption: { kind: 'encryption', whileEmpty: true },
  encryption_key: { kind: 'key', whileEmpty: true },
  format: { kind: 'format' },
};

/** The file formats a storage writes (`format`): Strata's own, or Parquet. */
export const FILE_FORMATS = ['strata', 'parquet'] as const;

/** The option names, in the order `SHOW STORAGE` lists them. */
export const storageOptionNames = Object.keys(options);

/** What an option means when a storage has never set it. */
const unset: Record<string, ConfigValue | undefined> = { path: '', encryption: 'none' };

/** Options that never appear in `SHOW` output. */
const secret = new Set(['encryption_key']);

/** A storage's settings after falling back to the database's. */
export interface EffectiveSettings {
  readonly compression: number;
  readonly compressionLevel: number;
  readonly regionSize: number;
  readonly sync: boolean;
  readonly crc: boolean;
  readonly refreshWm: number;
  readonly encryption: number;
  /** The AES-256 key when `encryption` is aes (null when the storage lost it: see repair). */
  readonly key: Uint8Array | null;
  /** The format of the files it writes (`format`, default `strata`). */
  readonly format: FileFormat;
}

/** A storage as the engine holds it. */
export class Storage {
  /** Absolute base folder: its `path` (`''`, never set: the database directory). */
  readonly base: string;
  /** Absolute folder of its partition files, `<base>/<uuid>`. */
  readonly dir: string;

  constructor(readonly record: StorageRecord, dbDir: string) {
    this.base = path.resolve(dbDir, record.path);
    this.dir = path.join(this.base, record.uuid);
  }

  get name(): string {
    return this.record.name;
  }

  get uuid(): string {
    return this.record.uuid;
  }

  /** Memtable bytes of one partition that trigger a background refresh (0: none; rollover only). */
  refreshWm(config: StorageDefaults): number {
    return (this.record.options.refresh_wm as number | undefined) ?? config.refresh_wm;
  }

  /** The settings this storage writes files with. */
  effective(config: StorageDefaults): EffectiveSettings {
    const o = this.record.options;
    const encryption = o.encryption === 'aes' ? Encryption.aes : Encryption.none;
    return {
      compression: Codec[((o.compression as string | undefined) ?? config.compression) as keyof typeof Codec],
      compressionLevel: (o.compression_level as number | undefined) ?? config.compression_level,
      regionSize: (o.region_size as number | undefined) ?? config.region_size,
      sync: (o.sync as boolean | undefined) ?? config.sync,
      crc: (o.crc as boolean | undefined) ?? true,
      refreshWm: (o.refresh_wm as number | undefined) ?? config.refresh_wm,
      encryption,
      // a storage rebuilt by repair may have lost its key (docs/manifest.md#repair)
      key: encryption === Encryption.aes && typeof o.encryption_key === 'string' ? parseKey(o.encryption_key, 'storage') : null,
      format: o.format === 'parquet' ? 'parquet' : 'strata',
    };
  }

  /** The `config` part of `SHOW STORAGE`: every option, effective values, secrets hidden. */
  view(config: StorageDefaults): Record<string, unknown> {
    const o = this.record.options;
    const e = this.effective(config);
    return {
      uuid: this.uuid,
      path: this.record.path,
      cloud: o.cloud ?? null,
      cloud_drop_local: o.cloud_drop_local ?? true,
      sync: e.sync,
      crc: e.crc,
      refresh_wm: e.refreshWm,
      region_size: e.regionSize,
      compression: (o.compression as string | undefined) ?? config.compression,
      compression_level: e.compressionLevel,
      encryption: o.encryption ?? 'none',
      encryption_key: o.encryption_key === undefined ? null : '(secret)',
      format: e.format,
    };
  }
}

/**
 * What storage option `name` holds, as the statement layer values numbers with units
 * for it (`region_size 64KiB`); undefined for an unknown option.
 */
export function storageOptionKind(name: string): 'bytes' | 'count' | 'boolean' | 'string' | undefined {
  const kind = Object.hasOwn(options, name) ? options[name]?.kind : undefined;
  if (kind === undefined) return undefined;
  if (kind === 'bytes' || kind === 'count') return kind;
  return kind === 'bool' ? 'boolean' : 'string';
}

/** Whether `name` is an option that is never shown. */
export function isSecretOption(name: string): boolean {
  return secret.has(name);
}

function checkOption(op: string, name: string, value: unknown): ConfigValue {
  const def = Object.hasOwn(options, name) ? options[name] : undefined;
  if (def === undefined) {
    throw new StrataError('INVALID_INPUT', `${op}: unknown storage option '${name}'; the options are ${storageOptionNames.join(', ')}`);
  }
  const bad = (what: string): never => {
    const shown = secret.has(name) ? '(secret)' : typeof value === 'string' ? `'${value}'` : String(value);
    throw new StrataError('INVALID_INPUT', `${op}: storage option ${name} must be ${what}, got ${shown}`);
  };
  switch (def.kind) {
    case 'bool':
      return typeof value === 'boolean' ? value : bad('true or false');
    case 'bytes':
    case 'count': {
      const v = typeof value === 'bigint' && value <= MAX_ID ? Number(value) : value;
      if (v === 0 && def.zero === true) return v;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < def.min! || v > def.max!) {
        return bad(`an integer${def.zero === true ? ', 0 or' : ''} in ${def.min}..${def.max}`);
      }
      return v;
    }
    case 'string':
      return typeof value === 'string' ? value : bad('a string');
    case 'path':
      // where it may lead is checked by the registry (storage-path.ts)
      if (typeof value !== 'string') return bad('a string');
      if (value === '') {
        throw new StrataError('INVALID_INPUT', `${op}: path '' is empty; give a folder (absolute, or relative to the database directory: '.' is the database directory itself), or leave path out to keep the storage in the database directory`);
      }
      if (value.includes('\0')) throw new StrataError('INVALID_INPUT', `${op}: path holds a NUL byte; a path is a folder name without NUL bytes`);
      return value;
    case 'codec':
      return typeof value === 'string' && Object.hasOwn(Codec, value) ? value : bad(`one of ${Object.keys(Codec).join(', ')}`);
    case 'encryption':
      return typeof value === 'string' && Object.hasOwn(Encryption, value) ? value : bad(`one of ${Object.keys(Encryption).join(', ')}`);
    case 'key':
      if (typeof value !== 'string') return bad('64 hexadecimal digits');
      parseKey(value, op);
      return value.toLowerCase();
    case 'format':
      return typeof value === 'string' && (FILE_FORMATS as readonly string[]).includes(value) ? value : bad(`one of ${FILE_FORMATS.join(', ')}`);
    case 'uuid':
      return typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ? value.toLowerCase() : bad('a uuid');
  }
}

/**
 * Checks `list` and returns it merged over `current`. `empty` says whether the storage
 * holds no partitions (some options change only then); `creating` allows `uuid`.
 * Choosing `encryption 'aes'` without a key generates one.
 * @throws StrataError `INVALID_INPUT` for an unknown option, a bad value, a repeated
 *   option, or an option that cannot change now.
 */
export function mergeOptions(op: string, current: Readonly<Record<string, ConfigValue>>, list: readonly StorageOption[], empty: boolean, creating: boolean): Record<string, ConfigValue> {
  const next: Record<string, ConfigValue> = { ...current };
  const seen = new Set<string>();
  for (const { name, value } of list) {
    if (seen.has(name)) throw new StrataError('INVALID_INPUT', `${op}: option ${name} is given twice`);
    seen.add(name);
    const v = checkOption(op, name, value);
    const def = options[name]!;
    if (def.createOnly === true && !creating) throw new StrataError('INVALID_INPUT', `${op}: ${name} is chosen when the storage is created`);
    const was = current[name] ?? unset[name];
    if (def.whileEmpty === true && !empty && was !== v) {
      throw new StrataError('INVALID_INPUT', `${op}: ${name} can change only while the storage holds no partitions; move or drop them first`);
    }
    next[name] = v;
    // cloud '' takes the storage off its cloud
    if (name === 'cloud' && v === '') delete next.cloud;
  }
  if (next.format === 'parquet' && next.encryption === 'aes') {
    throw new StrataError('INVALID_INPUT', `${op}: format 'parquet' cannot be encrypted: Parquet modular encryption is not supported, so encryption 'aes' needs format 'strata'`);
  }
  if (next.format === 'parquet' && next.compression === 'lz4') {
    throw new StrataError('INVALID_INPUT', `${op}: format 'parquet' compresses with zstd or not at all: give compression 'zstd' or 'none'`);
  }
  if (next.encryption === 'aes' && next.encryption_key === undefined) next.encryption_key = Buffer.from(generateKey()).toString('hex');
  if (next.encryption !== 'aes' && next.encryption_key !== undefined) {
    if (seen.has('encryption_key')) throw new StrataError('INVALID_INPUT', `${op}: encryption_key needs encryption 'aes'`);
    delete next.encryption_key;
  }
  return next;
}
