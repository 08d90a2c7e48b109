/**
 * The cloud side of storages: for a storage with a `cloud`, the S3 client of its
 * bucket and the keys of its objects. Clients are opened lazily, shared by the
 * storages of one cloud and bucket, dropped when the cloud changes, and closed with
 * the database.
 *
 * Object keys (docs/cloud.md): `<storage uuid>/<min, 20 digits>.<generation>.part`,
 * in the cloud's `bucket`, or in `strata-<storage uuid>` when the cloud names none.
 *
 * @module
 */
import { type Cloud, type CloudConfig, type CloudOptions, openCloud } from '../../cloud/index.ts';
import { StrataError } from '../../errors.ts';
import type { CloudRecord } from '../../manifest/index.ts';
import { partitionFileName } from '../core/paths.ts';
import type { Storage } from '../../tiering/index.ts';

/** Buckets known to exist, by client: ensured once per client. */
const bucketsReady = new WeakMap<Cloud, Promise<void>>();

/** Options of the clients opened from now on; the defaults unless a test set others. */
let clientOptions: CloudOptions = {};

/**
 * A test hook, not part of the public API: the options (retries, part size) of the
 * cloud clients that databases open from now on, in this process; returns the ones
 * it replaces. Tests use a small part size to see partitions of a few MiB go as
 * multipart uploads. Clients already open keep theirs.
 */
export function setCloudClientOptions(options: CloudOptions): CloudOptions {
  const before = clientOptions;
  clientOptions = options;
  return before;
}

/** A storage's place on its cloud. */
export class StorageCloud {
  constructor(
    /** The cloud's name. */
    readonly cloud: string,
    /** The client of the bucket. */
    readonly client: Cloud,
    /** The storage's uuid: the prefix of its keys. */
    readonly uuid: string,
  ) {}

  /** The bucket. */
  get bucket(): string {
    return this.client.bucket;
  }

  /** Key of generation `gen` of the partition starting at `min`. */
  key(min: bigint, gen: number): string {
    return `${this.uuid}/${partitionFileName(min, gen)}`;
  }

  /** The prefix of every key of the storage. */
  get prefix(): string {
    return `${this.uuid}/`;
  }

  /** `cloud:bucket/key`, for messages. */
  where(key: string): string {
    return `${this.cloud}:${this.bucket}/${key}`;
  }

  /** Creates the bucket unless done before (a failure is retried by the next call). */
  ensureBucket(): Promise<void> {
    let ready = bucketsReady.get(this.client);
    if (ready === undefined) {
      ready = this.client.ensureBucket().catch((e: unknown) => {
        bucketsReady.delete(this.client);
        throw e;
      });
      bucketsReady.set(this.client, ready);
    }
    return ready;
  }

  /**
   * Puts the local `file` of `size` bytes as `key`, streamed (Cloud.putFile: one PUT
   * or a multipart upload), and checks what the cloud then holds. The transfer
   * carries checksums the server checks (the MD5 of a single PUT, the CRC32 of each
   * part); then a HEAD must show the file's size and the entity tag the put answered
   * (the object there is the one put, not an older or a concurrent one). Both tags
   * come from the same put, single or multipart, so they compare; neither is
   * compared with an MD5 of the file: with server-side encryption by KMS or customer
   * keys, or for a multipart upload, it is not one.
   * @throws StrataError `CLOUD` when the put fails or the object does not match; `IO`
   *   when the file cannot be read.
   */
  async putFileVerified(op: string, key: string, file: string, size: number): Promise<void> {
    await this.ensureBucket();
    const etag = await this.client.putFile(key, file, size);
    const info = await this.client.head(key);
    if (info === null || info.size !== size) {
      throw new StrataError('CLOUD', `${op}: ${this.where(key)}: the object ${info === null ? 'is missing' : `has ${info.size} bytes, not ${size}`} after the put; retry`, { retryable: true });
    }
    if (etag !== undefined && info.etag !== undefined && etag !== info.etag) {
      throw new StrataError('CLOUD', `${op}: ${this.where(key)}: the object's entity tag ${info.etag} is not the put's ${etag}: another writer replaced it; retry`, { retryable: true });
    }
  }
}

/** The clients of a database's clouds. */
export class CloudLinks {
  private readonly clients = new Map<string, Cloud>();
  /** Clients of clouds that changed: cursors may still read through them; closed with the database. */
  private readonly retired: Cloud[] = [];
  /** Requests of retired clients, by cloud name and kind (SHOW CLOUD counts since open). */
  private readonly past = new Map<string, Record<string, number>>();
  /** Failed requests of retired clients, by cloud name and kind. */
  private readonly pastFailures = new Map<string, Record<string, number>>();

  /** The cloud side of `storage`, or null when it has no cloud. @throws `NOT_FOUND` if its cloud is gone. */
  of(storage: Storage, cloud: CloudRecord | undefined): StorageCloud | null {
    const name = storage.record.options.cloud;
    if (typeof name !== 'string') return null;
    if (cloud === undefined) throw new StrataError('NOT_FOUND', `cloud: storage '${storage.name}' names cloud '${name}', which does not exist; CREATE CLOUD ${name} or ALTER STORAGE ${storage.name} SET (cloud ...)`);
    return new StorageCloud(cloud.name, this.client(cloud, bucketOf(cloud, storage.uuid)), storage.uuid);
  }

  /** The client of `bucket` on `cloud` (opened on first use). */
  client(cloud: CloudRecord, bucket: string): Cloud {
    const id = `${cloud.name}\u0000${bucket}`;
    let client = this.clients.get(id);
    if (client === undefined) {
      client = openCloud(cloud.name, cloudConfig(cloud, bucket), clientOptions);
      this.clients.set(id, client);
    }
    return client;
  }

  /**
   * Stops handing out the clients of cloud `name` (it changed, was renamed to
   * `renamed`, or went): later calls open new ones with the new options. The old
   * clients stay open for the cursors that read through them, until close().
   */
  forget(name: string, renamed?: string): void {
    const past = this.past.get(name) ?? {};
    const failed = this.pastFailures.get(name) ?? {};
    for (const [id, c] of this.clients) {
      if (!id.startsWith(`${name}\u0000`)) continue;
      add(past, c.stats);
      add(failed, c.failures);
      this.retired.push(c);
      this.clients.delete(id);
    }
    this.past.delete(name);
    this.pastFailures.delete(name);
    if (renamed !== undefined || Object.keys(past).length > 0) {
      this.past.set(renamed ?? name, past);
      this.pastFailures.set(renamed ?? name, failed);
    }
  }

  /** Requests made to cloud `name` since open, by kind, summed over its buckets and its clients. */
  stats(name: string): Record<string, number> {
    const sum: Record<string, number> = { ...this.past.get(name) };
    for (const [id, c] of this.clients) if (id.startsWith(`${name}\u0000`)) add(sum, c.stats);
    return sum;
  }

  /** Of {@link stats}, the requests that failed, by kind. */
  failures(name: string): Record<string, number> {
    const sum: Record<string, number> = { ...this.pastFailures.get(name) };
    for (const [id, c] of this.clients) if (id.startsWith(`${name}\u0000`)) add(sum, c.failures);
    return sum;
  }

  /** Closes every client. */
  close(): void {
    for (const c of [...this.clients.values(), ...this.retired]) c.close();
    this.clients.clear();
    this.retired.length = 0;
  }
}

function add(sum: Record<string, number>, more: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(more)) sum[k] = (sum[k] ?? 0) + v;
}

/** The bucket a storage of cloud `c` uses: the cloud's, or one named after the storage. */
export function bucketOf(c: CloudRecord, storageUuid: string): string {
  return typeof c.options.bucket === 'string' ? c.options.bucket : `strata-${storageUuid}`;
}

/** The client configuration of cloud `c` for `bucket`. */
function cloudConfig(c: CloudRecord, bucket: string): CloudConfig {
  const o = c.options;
  const str = (name: string, fallback: string): string => (typeof o[name] === 'string' ? (o[name] as string) : fallback);
  return {
    type: 's3',
    url: str('url', ''),
    region: str('region', 'us-east-1'),
    bucket,
    access_key: str('access_key', ''),
    secret_key: str('secret_key', ''),
    path_style: o.path_style !== false,
    debug: o.debug === true,
  };
}
