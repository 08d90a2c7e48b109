/**
 * Clouds: named S3-compatible endpoints (`CREATE / ALTER / DROP CLOUD`). A cloud is
 * catalogued here; the S3 client that talks to it is src/cloud/s3. Rules: `type` is
 * `s3` and never changes; a cloud in use by a storage cannot be dropped; the secret
 * key never appears in `SHOW` output.
 *
 * @module
 */
import { StrataError } from '../../errors.ts';
import type { CloudRecord, Manifest } from '../../manifest/index.ts';

/**
 * An option as the operator gave it (`CREATE CLOUD c (name value, ...)`), not yet
 * checked: aliases (`endpoint`, `login`, `password`) are resolved here.
 */
export interface CloudOption {
  readonly name: string;
  readonly value: bigint | string | boolean;
}

/** Options of a cloud, with their aliases (`endpoint` is `url`, ...). */
const kinds: Record<string, 'string' | 'bool'> = {
  type: 'string',
  url: 'string',
  region: 'string',
  bucket: 'string',
  access_key: 'string',
  secret_key: 'string',
  path_style: 'bool',
  debug: 'bool',
};

const aliases: Record<string, string> = { endpoint: 'url', login: 'access_key', password: 'secret_key' };

/**
 * What cloud option `name` (or its alias: `password` is `secret_key`) holds, as the
 * statement layer values numbers with units for it; undefined for an unknown option.
 */
export function cloudOptionKind(name: string): 'string' | 'boolean' | undefined {
  const canonical = canonicalOption(name);
  const kind = Object.hasOwn(kinds, canonical) ? kinds[canonical] : undefined;
  return kind === undefined ? undefined : kind === 'bool' ? 'boolean' : 'string';
}

/** Whether cloud option `name` (or its alias) is a secret, never shown in answers or errors. */
export function isSecretCloudOption(name: string): boolean {
  return canonicalOption(name) === 'secret_key';
}

/** The option an alias stands for (`password` -> `secret_key`); other names as they are. */
function canonicalOption(name: string): string {
  return Object.hasOwn(aliases, name) ? aliases[name]! : name;
}

/** Cloud types Strata can talk to. */
const TYPES = ['s3'];

/** Named clouds. */
export class CloudRegistry {
  private readonly map = new Map<string, CloudRecord>();

  constructor(private readonly manifest: Manifest) {
    for (const c of manifest.listClouds()) this.map.set(c.name, c);
  }

  /** Every cloud, by name. */
  all(): CloudRecord[] {
    return [...this.map.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The cloud `name`, or undefined. */
  find(name: string): CloudRecord | undefined {
    return this.map.get(name);
  }

  /** The cloud `name`. @throws StrataError `NOT_FOUND`. */
  get(op: string, name: string): CloudRecord {
    const c = this.map.get(name);
    if (c === undefined) throw new StrataError('NOT_FOUND', `${op}: no cloud '${name}'; SHOW CLOUDS lists them`);
    return c;
  }

  /** CREATE CLOUD; false when it exists and `ifNotExists`. */
  create(op: string, name: string, list: readonly CloudOption[], ifNotExists: boolean): boolean {
    if (this.map.has(name)) {
      if (ifNotExists) return false;
      throw new StrataError('ALREADY_EXISTS', `${op}: cloud '${name}' already exists`);
    }
    const options = merge(op, {}, list);
    const type = options.type;
    if (type === undefined) throw new StrataError('INVALID_INPUT', `${op}: give the cloud's type, e.g. (type 's3', url 'http://127.0.0.1:9000')`);
    if (options.url === undefined) throw new StrataError('INVALID_INPUT', `${op}: give the cloud's url (or endpoint)`);
    delete options.type;
    const c: CloudRecord = { name, type: type as string, options, created: Date.now() * 1000 };
    this.manifest.insertCloud(c);
    this.map.set(name, c);
    return true;
  }

  /**
   * The options `ALTER CLOUD ... SET (list)` would give `c`, checked; changes nothing.
   * `type` cannot change.
   */
  check(op: string, c: CloudRecord, list: readonly CloudOption[]): Record<string, string | boolean> {
    const options = merge(op, { ...c.options, type: c.type }, list);
    if (options.type !== c.type) throw new StrataError('INVALID_INPUT', `${op}: the type of a cloud cannot change (it is '${c.type}'); create another cloud`);
    delete options.type;
    return options;
  }

  /** ALTER CLOUD ... SET (options): `type` cannot change. */
  alter(op: string, c: CloudRecord, list: readonly CloudOption[]): void {
    const options = this.check(op, c, list);
    const next: CloudRecord = { ...c, options };
    this.manifest.updateCloud(c.name, next);
    this.map.set(c.name, next);
  }

  /** ALTER CLOUD ... RENAME TO. */
  rename(op: string, c: CloudRecord, to: string): void {
    if (this.map.has(to)) throw new StrataError('ALREADY_EXISTS', `${op}: cloud '${to}' already exists`);
    const next: CloudRecord = { ...c, name: to };
    this.manifest.updateCloud(c.name, next);
    this.map.delete(c.name);
    this.map.set(to, next);
  }

  /** DROP CLOUD; the caller has checked that no storage uses it. */
  drop(c: CloudRecord): void {
    this.manifest.deleteCloud(c.name);
    this.map.delete(c.name);
  }

  /** A cloud as `SHOW CLOUD` describes it: every option, the secret key hidden. */
  view(c: CloudRecord): Record<string, unknown> {
    const o = c.options;
    return {
      name: c.name,
      type: c.type,
      url: o.url ?? null,
      region: o.region ?? 'us-east-1',
      bucket: o.bucket ?? null,
      access_key: o.access_key ?? null,
      secret_key: o.secret_key === undefined ? null : '(secret)',
      path_style: o.path_style ?? true,
      debug: o.debug ?? false,
    };
  }
}

/** Checks `list` (aliases resolved) and merges it over `current`. */
function merge(op: string, current: Readonly<Record<string, string | boolean>>, list: readonly CloudOption[]): Record<string, string | boolean> {
  const next = { ...current };
  const seen = new Set<string>();
  for (const o of list) {
    const name = canonicalOption(o.name);
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
    if (kind === undefined) {
      throw new StrataError('INVALID_INPUT', `${op}: unknown cloud option '${o.name}'; the options are type, url (endpoint), region, bucket, access_key (login), secret_key (password), path_style, debug`);
    }
    if (seen.has(name)) throw new StrataError('INVALID_INPUT', `${op}: option ${name} is given twice`);
    seen.add(name);
    const shown = isSecretCloudOption(name) ? '(secret)' : typeof o.value === 'string' ? `'${o.value}'` : String(o.value);
    if (kind === 'bool' && typeof o.value !== 'boolean') throw new StrataError('INVALID_INPUT', `${op}: cloud option ${name} must be true or false, got ${shown}`);
    if (kind === 'string' && typeof o.value !== 'string') throw new StrataError('INVALID_INPUT', `${op}: cloud option ${name} must be a string, got ${shown}`);
    if (kind === 'string' && o.value === '' && name !== 'access_key' && name !== 'secret_key') {
      throw new StrataError('INVALID_INPUT', `${op}: cloud option ${name} must not be empty`);
    }
    if (name === 'type' && !TYPES.includes(o.value as string)) throw new StrataError('INVALID_INPUT', `${op}: unknown cloud type '${String(o.value)}'; the types are ${TYPES.join(', ')}`);
    if (name === 'url') checkUrl(op, o.value as string);
    if (name === 'bucket') checkBucket(op, o.value as string);
    next[name] = o.value as string | boolean;
  }
  return next;
}

/** An http(s) URL with a host and no credentials in it (they go in access_key/secret_key). */
function checkUrl(op: string, text: string): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StrataError('INVALID_INPUT', `${op}: url '${text}' is not a URL; give e.g. 'http://127.0.0.1:9000'`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    throw new StrataError('INVALID_INPUT', `${op}: url must be http:// or https:// with a host, got '${text}'`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new StrataError('INVALID_INPUT', `${op}: url must not hold credentials; give them as access_key and secret_key`);
  }
}

/** The S3 bucket naming rules: 3-63 of a-z 0-9 . -, letters or digits at both ends, no "..", not an IP address. */
function checkBucket(op: string, name: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(name)) {
    throw new StrataError('INVALID_INPUT', `${op}: bucket '${name}' is not a valid S3 bucket name (3-63 lowercase letters, digits, dots, hyphens; no "..", not an IP address)`);
  }
}
