/**
 * The Cloud interface: the small set of object-storage calls the engine depends on.
 * The engine never sees the AWS SDK; `s3/` implements this interface with it, and
 * tests put a fault-injecting proxy in front of a real server, never a fake Cloud.
 *
 * @module
 */

/** One object of a bucket, as `head` and `list` see it. */
export interface CloudObjectInfo {
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /**
   * The entity tag without quotes, when the server gave one. For an object written by
   * one plain PUT, S3 and compatible servers make it the hex MD5 of the body.
   */
  readonly etag?: string;
}

/**
 * A bucket on an object store, named as a cloud of the manifest.
 *
 * Every call retries retryable failures (5xx, throttling, timeouts, refused or reset
 * connections) with a bounded exponential backoff ({@link RetryOptions}), then rejects
 * with a `CLOUD` StrataError whose message starts with the operation (`cloud put:`),
 * names the cloud, bucket and key, and never holds a secret; `retryable` says whether
 * a later retry may help. Bad arguments reject with `INVALID_INPUT`, calls after
 * {@link Cloud.close} with `CLOSED`. Calls are independent: many may be in flight.
 */
export interface Cloud {
  /** The cloud's name in the manifest (for messages). */
  readonly name: string;
  /** The bucket this cloud's objects live in. */
  readonly bucket: string;
  /** Creates the bucket if it does not exist. Idempotent. */
  ensureBucket(): Promise<void>;
  /**
   * Writes the whole object `key`, replacing any object of that key. Durable once
   * resolved. The request carries the body's MD5 (Content-MD5): the server refuses a
   * body that arrives damaged. Resolves to the entity tag the server gave, if any.
   */
  put(key: string, body: Uint8Array): Promise<string | undefined>;
  /**
   * Writes the local file `file`, of `size` bytes, as the object `key`, replacing any
   * object of that key; durable once resolved. The file is read as a stream: memory
   * stays bounded by the part size ({@link CloudOptions.partSize}) times the parts in
   * flight, whatever the file's size. A file of at most one part goes as one PUT
   * carrying its MD5, as {@link Cloud.put} does. A bigger one goes as a multipart
   * upload: parts of the part size, or larger when the file would need more than
   * 10,000 (so objects over 5 GiB work), each retried on its own and carrying its
   * CRC32, which the server checks. An upload that fails is aborted, so the bucket
   * keeps none of its parts; when the abort fails too, the error says so.
   *
   * Resolves to the object's entity tag, if the server gave one: for a multipart
   * upload it is not the MD5 of the body. Rejects with `IO` when the file cannot be
   * read or does not hold `size` bytes, `CLOUD` as every call does.
   */
  putFile(key: string, file: string, size: number): Promise<string | undefined>;
  /**
   * Writes the object `key` into the local file `file` (created or replaced, mode
   * 0600) as it arrives, so memory stays small whatever the object's size; resolves
   * to the bytes written, which are the answer's Content-Length. With `sync` the file
   * and its directory are fsynced before it resolves. A try is abandoned when no byte
   * arrives for {@link RetryOptions.timeoutMs} (not when the whole transfer takes
   * longer), and the next try starts the file again. An answer shorter than its
   * Content-Length is refused (and retried).
   *
   * On rejection `file` does not exist. A missing object rejects with a `CLOUD` error
   * (not retryable); a file that cannot be written with `IO`.
   */
  getToFile(key: string, file: string, options?: GetToFileOptions): Promise<number>;
  /**
   * Bytes [start, end) of an object (one ranged GET). Rejects (not retryable) when the
   * object is shorter than `end`; `start === end` resolves to no bytes without a request.
   */
  getRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** The whole object. A missing object rejects with a `CLOUD` error (not retryable). */
  get(key: string): Promise<Uint8Array>;
  /** The object's size, or null when it is absent. */
  head(key: string): Promise<CloudObjectInfo | null>;
  /** Removes the object; an absent object is fine. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`, in key order (all pages); none when the bucket does not exist. */
  list(prefix: string): Promise<CloudObjectInfo[]>;
  /**
   * HTTP requests made so far, retries included, by kind: `bucket` (ensureBucket),
   * `put`, `get` (get and getToFile), `range`, `head`, `delete`, `list` (one per page),
   * and of multipart uploads `multipart` (create, complete and abort) and `part` (one
   * per part). Tests and SHOW read it.
   */
  readonly stats: Readonly<Record<string, number>>;
  /** Of those, the ones that failed (an error answer, or none), by kind. */
  readonly failures: Readonly<Record<string, number>>;
  /** Releases connections; later calls reject with `CLOSED`. Idempotent. */
  close(): void;
}

/** A cloud of the manifest, as `CREATE CLOUD` records it. */
export interface CloudConfig {
  type: 's3';
  /** Endpoint URL, such as `http://127.0.0.1:4568` or `https://s3.eu-west-1.amazonaws.com`. */
  url: string;
  region: string;
  bucket: string;
  access_key: string;
  /** Never appears in messages or logs. */
  secret_key: string;
  /** Path-style addressing (`url/bucket/key`) instead of virtual hosts (`bucket.host/key`). */
  path_style: boolean;
  /** Logs each request (method, key, range, status, ms) to stderr. */
  debug: boolean;
}

/** Options of {@link Cloud.getToFile}. */
export interface GetToFileOptions {
  /** Fsync the file and its directory before resolving (default false). */
  readonly sync?: boolean;
}

/** How calls retry. Every field is optional; the defaults suit a real endpoint. */
export interface RetryOptions {
  /** Tries per call, the first included (default 5). */
  readonly attempts?: number;
  /** Backoff before the second try, doubled for each further one (default 50 ms). */
  readonly baseMs?: number;
  /** Longest backoff (default 2000 ms). */
  readonly maxMs?: number;
  /**
   * Longest time one try may take, body transfer included (default 10000 ms): one
   * request, or one part of a multipart upload. A streamed download
   * ({@link Cloud.getToFile}) may take longer while bytes keep arriving: for it this is
   * the longest time without any.
   */
  readonly timeoutMs?: number;
}

/** Options of a cloud client: its retries, and how it cuts big uploads. */
export interface CloudOptions extends RetryOptions {
  /**
   * Bytes per part of a multipart upload ({@link Cloud.putFile}), from 5 MiB (the
   * least S3 accepts) to 5 GiB; default 16 MiB. A file of at most this size goes as one
   * PUT. A file that would need more than 10,000 parts gets larger ones.
   */
  readonly partSize?: number;
}
