/**
 * The {@link Cloud} of an S3-compatible endpoint, through `@aws-sdk/client-s3`.
 * Every call is one request per try (list: one per page; a multipart upload: one per
 * request of it, ./s3-upload.ts), retried by ../retry.ts, and counted in `stats`;
 * failures become `CLOUD` StrataErrors (./s3-errors.ts).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { BucketLocationConstraint, S3Client } from '@aws-sdk/client-s3';
import { StrataError, ioError } from '../../errors.ts';
import type { Cloud, CloudConfig, CloudObjectInfo, CloudOptions, GetToFileOptions } from '../cloud.ts';
import { RetryExhausted, type RetryPolicy, retryPolicy, withRetry } from '../retry.ts';
import { readBody, statusOf } from './s3-body.ts';
import { type S3Sdk, checkUrl, createS3Client, loadSdk, loadStorage } from './s3-client.ts';
import { addDebugLog } from './s3-debug.ts';
import { syncParent, writeBody } from './s3-download.ts';
import { AnswerError, describeFailure } from './s3-errors.ts';
import { DEFAULT_PART_SIZE, MAX_OBJECT_SIZE, checkPartSize, partSizeFor } from './s3-parts.ts';
import { uploadFile } from './s3-upload.ts';

/** The kinds of request `stats` counts. */
export const REQUEST_KINDS = ['bucket', 'put', 'get', 'range', 'head', 'delete', 'list', 'multipart', 'part'] as const;
type Kind = (typeof REQUEST_KINDS)[number];

/** The client, its `send` and the SDK's command classes. */
interface Connection {
  readonly client: S3Client;
  readonly send: S3Client['send'];
  readonly sdk: S3Sdk;
}

/** One call: the operation for messages, the kind for stats, what it targets. */
interface Call {
  readonly op: string;
  readonly kind: Kind;
  /** ` key 'k'`, ` prefix 'p'` or empty (the bucket). */
  readonly target: string;
}

/** A cloud of type `s3`. */
export class S3Cloud implements Cloud {
  readonly bucket: string;
  /** The SDK client, made on the first call (the SDK loads then). */
  private client: S3Client | null = null;
  private readonly policy: RetryPolicy;
  /** Bytes per part of a multipart upload; files up to this size go as one PUT. */
  private readonly partSize: number;
  private readonly counts: Record<Kind, number>;
  /** Attempts that failed (an error answer, or no answer), by kind. */
  private readonly failed: Record<Kind, number>;
  private closed = false;

  /** Throws `INVALID_INPUT` for a bad url, bad retry options or a bad part size; connects on the first call. */
  constructor(
    readonly name: string,
    private readonly config: CloudConfig,
    options: CloudOptions = {},
  ) {
    this.bucket = config.bucket;
    const { partSize = DEFAULT_PART_SIZE, ...retry } = options;
    try {
      this.policy = retryPolicy(retry);
    } catch (cause) {
      throw new StrataError('INVALID_INPUT', `open cloud: s3 '${name}': ${(cause as Error).message}`, { cause });
    }
    const bad = checkPartSize(partSize);
    if (bad !== null) throw new StrataError('INVALID_INPUT', `open cloud: s3 '${name}': ${bad}`);
    this.partSize = partSize;
    checkUrl(name, config);
    this.counts = Object.fromEntries(REQUEST_KINDS.map((k) => [k, 0])) as Record<Kind, number>;
    this.failed = Object.fromEntries(REQUEST_KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  }

  get stats(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  get failures(): Readonly<Record<string, number>> {
    return { ...this.failed };
  }

  async ensureBucket(): Promise<void> {
    const call: Call = { op: 'cloud ensure bucket', kind: 'bucket', target: '' };
    const exists = () =>
      this.run(call, async (signal, c) => {
        try {
          await c.send(new c.sdk.HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
          return true;
        } catch (e) {
          if (statusOf(e) === 404) return false;
          throw e;
        }
      });
    if (await exists()) return;
    const region = this.config.region || 'us-east-1';
    const created = await this.run(call, async (signal, c) => {
      try {
        await c.send(new c.sdk.CreateBucketCommand({
            Bucket: this.bucket,
            // us-east-1 is the default location and may not be named
            ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
          }),
          { abortSignal: signal },
        );
        return true;
      } catch (e) {
        const name = (e as { name?: unknown }).name;
        if (name === 'BucketAlreadyOwnedByYou') return true;
        if (name === 'BucketAlreadyExists') return false;
        throw e;
      }
    });
    // a bucket made meanwhile, by another process or another owner: ours if we can see it
    if (!created && !(await exists())) {
      throw new StrataError('CLOUD', `cloud ensure bucket: s3 '${this.name}' bucket '${this.bucket}': the bucket exists and is not ours; choose another bucket name`);
    }
  }

  async put(key: string, body: Uint8Array): Promise<string | undefined> {
    const md5 = createHash('md5').update(body).digest('base64');
    const out = await this.run({ op: 'cloud put', kind: 'put', target: keyTarget(key) }, (signal, c) =>
      c.send(new c.sdk.PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.byteLength, ContentMD5: md5 }), {
        abortSignal: signal,
      }),
    );
    return etagOf(out.ETag).etag;
  }

  async putFile(key: string, file: string, size: number): Promise<string | undefined> {
    const where = `s3 '${this.name}' bucket '${this.bucket}'${keyTarget(key)}`;
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_OBJECT_SIZE) {
      throw new StrataError('INVALID_INPUT', `cloud put: ${where}: size ${size} is not a byte count of at most ${MAX_OBJECT_SIZE} (5 TiB, the most S3 stores)`);
    }
    if (size <= this.partSize) return this.put(key, await readSmall(file, size));
    const c = await this.connect('cloud put', where);
    const lib = await loadStorage();
    const tag = await uploadFile(
      lib,
      c.client,
      (kind, detail, send, stop) => this.run({ op: 'cloud put', kind, target: `${keyTarget(key)} (multipart upload, ${detail})` }, (signal) => send(signal), stop),
      { bucket: this.bucket, key, file, size, partSize: partSizeFor(size, this.partSize), op: 'cloud put', where },
    );
    return etagOf(tag).etag;
  }

  async getToFile(key: string, file: string, options: GetToFileOptions = {}): Promise<number> {
    const sync = options.sync === true;
    // a try abandoned at its deadline may still be closing the file: the next waits for it
    let previous: Promise<unknown> = Promise.resolve();
    try {
      const written = await this.run({ op: 'cloud get', kind: 'get', target: keyTarget(key) }, async (signal, c, progress) => {
        await previous;
        const work = (async () => {
          const out = await c.send(new c.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
          return writeBody(out.Body, out.ContentLength, file, sync, signal, progress);
        })();
        previous = work.catch(() => undefined);
        return work;
      });
      if (sync) await syncParent(file);
      return written;
    } catch (e) {
      await previous;
      await fs.promises.rm(file, { force: true }).catch(() => undefined);
      throw e;
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new StrataError('INVALID_INPUT', `cloud get range: s3 '${this.name}' bucket '${this.bucket}'${keyTarget(key)}: bad range [${start}, ${end})`);
    }
    if (start === end) return new Uint8Array(0);
    const range = `bytes=${start}-${end - 1}`;
    const call: Call = { op: 'cloud get range', kind: 'range', target: `${keyTarget(key)} range [${start}, ${end})` };
    return this.run(call, async (signal, c) => {
      const out = await c.send(new c.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range }), { abortSignal: signal });
      return checkRange(await readBody(out.Body, signal), out.ContentRange, start, end);
    });
  }

  async get(key: string): Promise<Uint8Array> {
    return this.run({ op: 'cloud get', kind: 'get', target: keyTarget(key) }, async (signal, c) => {
      const out = await c.send(new c.sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      const bytes = await readBody(out.Body, signal);
      if (out.ContentLength !== undefined && bytes.byteLength !== out.ContentLength) {
        throw new AnswerError(`got ${bytes.byteLength} bytes instead of ${out.ContentLength}`, true);
      }
      return bytes;
    });
  }

  async head(key: string): Promise<CloudObjectInfo | null> {
    return this.run({ op: 'cloud head', kind: 'head', target: keyTarget(key) }, async (signal, c) => {
      try {
        const out = await c.send(new c.sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
        return { key, size: out.ContentLength ?? 0, ...etagOf(out.ETag) };
      } catch (e) {
        if (statusOf(e) === 404 && (e as { name?: unknown }).name !== 'NoSuchBucket') return null;
        throw e;
      }
    });
  }

  async delete(key: string): Promise<void> {
    await this.run({ op: 'cloud delete', kind: 'delete', target: keyTarget(key) }, async (signal, c) => {
      try {
        await c.send(new c.sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal });
      } catch (e) {
        // S3 answers 204 for an absent key; some compatible stores answer 404; and in
        // a bucket that does not exist (a put recorded before it made the bucket, then
        // a crash) the object is absent too
        if (statusOf(e) !== 404) throw e;
      }
    });
  }

  async list(prefix: string): Promise<CloudObjectInfo[]> {
    const found: CloudObjectInfo[] = [];
    let token: string | undefined;
    let after: string | undefined;
    const call: Call = { op: 'cloud list', kind: 'list', target: ` prefix '${prefix}'` };
    for (;;) {
      const out = await this.run(call, async (signal, c) => {
        try {
          return await c.send(new c.sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, StartAfter: token === undefined ? after : undefined }),
            { abortSignal: signal },
          );
        } catch (e) {
          // a bucket not made yet holds no objects
          if (statusOf(e) === 404 && (e as { name?: unknown }).name === 'NoSuchBucket') return { Contents: [], IsTruncated: false, NextContinuationToken: undefined };
          throw e;
        }
      });
      for (const o of out.Contents ?? []) if (o.Key !== undefined) found.push({ key: o.Key, size: o.Size ?? 0, ...etagOf(o.ETag) });
      if (!out.IsTruncated) return found;
      // a truncated page without a token: go on after its last key
      token = out.NextContinuationToken;
      const last = found.at(-1)?.key;
      if (token === undefined && (last === undefined || last === after)) {
        throw new StrataError('CLOUD', `cloud list: s3 '${this.name}' bucket '${this.bucket}' prefix '${prefix}': a truncated page gives no way on; check that the endpoint is S3-compatible`);
      }
      after = last;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client?.destroy();
  }

  /** The client and the SDK, made and loaded on the first call. @throws `CLOSED`. */
  private async connect(op: string, where: string): Promise<Connection> {
    const sdk = await loadSdk();
    if (this.closed) throw new StrataError('CLOSED', `${op}: ${where}: the cloud is closed`);
    let client = this.client;
    if (client === null) {
      client = createS3Client(sdk, this.config, this.policy);
      if (this.config.debug) addDebugLog(client, this.name, (s) => this.scrub(s));
      this.client = client;
    }
    return { client, send: client.send.bind(client) as S3Client['send'], sdk };
  }

  /**
   * Runs one call: counted, logged, retried, its failure made a StrataError. A
   * StrataError thrown by `attempt` (a local file failed) ends the call as it is; no
   * try starts once `stop` fired. `progress` restarts the try's time limit.
   */
  private async run<T>(call: Call, attempt: (signal: AbortSignal, c: Connection, progress: () => void) => Promise<T>, stop?: AbortSignal): Promise<T> {
    const where = `s3 '${this.name}' bucket '${this.bucket}'${call.target}`;
    if (this.closed) throw new StrataError('CLOSED', `${call.op}: ${where}: the cloud is closed`);
    const c = await this.connect(call.op, where);
    try {
      return await withRetry(
        this.policy,
        (signal, _n, progress) => {
          this.counts[call.kind]++;
          return attempt(signal, c, progress).catch((e: unknown) => {
            this.failed[call.kind]++;
            throw e;
          });
        },
        (e) => !this.closed && stop?.aborted !== true && !(e instanceof StrataError) && describeFailure(e).retryable,
      );
    } catch (e) {
      if (!(e instanceof RetryExhausted)) throw e;
      if (e.last instanceof StrataError) throw e.last;
      const f = describeFailure(e.last);
      const tries = e.attempts > 1 ? ` after ${e.attempts} attempts` : '';
      throw new StrataError('CLOUD', this.scrub(`${call.op}: ${where}: ${f.detail}${tries}; ${f.hint}`), { cause: e.last, retryable: f.retryable });
    }
  }

  /** Masks the keys, should an answer ever quote them (short ones would mask too much). */
  private scrub(text: string): string {
    let out = text;
    for (const secret of [this.config.secret_key, this.config.access_key]) {
      if (secret.length >= 8) out = out.split(secret).join('(secret)');
    }
    return out;
  }
}

/**
 * The whole of a file of `size` bytes (at most one part: memory stays bounded).
 * @throws StrataError `IO` when it cannot be read or has another size.
 */
async function readSmall(file: string, size: number): Promise<Uint8Array> {
  let fh: fs.promises.FileHandle | undefined;
  let read = 0;
  // one byte more than expected: a file that grew is no more read than one that shrank
  const body = Buffer.alloc(size + 1);
  try {
    fh = await fs.promises.open(file, 'r');
    for (let n = -1; n !== 0 && read < body.byteLength; read += n) n = (await fh.read(body, read, body.byteLength - read, read)).bytesRead;
  } catch (e) {
    throw ioError('cloud put', file, e);
  } finally {
    await fh?.close();
  }
  if (read !== size) throw ioError('cloud put', file, new Error(`the file has ${read > size ? `more than ${size}` : read} bytes, expected ${size}`));
  return body.subarray(0, size);
}

/** `{ etag }` without the quotes, or nothing when the server gave none. */
function etagOf(tag: string | undefined): { etag?: string } {
  return tag === undefined ? {} : { etag: tag.replace(/^(W\/)?"|"$/g, '').toLowerCase() };
}

function keyTarget(key: string): string {
  return ` key '${key}'`;
}

/**
 * The bytes [start, end) of a ranged GET's answer, checked against its Content-Range
 * (`bytes first-last/size`). A server may answer more than asked from `start` (s3rver
 * reads `bytes=0-0` as the whole object): the surplus is cut off.
 */
function checkRange(bytes: Uint8Array, contentRange: string | undefined, start: number, end: number): Uint8Array {
  const m = contentRange === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange.trim());
  if (m === null) throw new AnswerError(`the answer to a Range request has no valid Content-Range ('${contentRange ?? ''}')`, false);
  const [first, size] = [Number(m[1]), m[3] === '*' ? undefined : Number(m[3])];
  if (size !== undefined && size < end) throw new AnswerError(`the object has ${size} bytes, fewer than ${end}`, false, 'the object is shorter than the range');
  if (first !== start) throw new AnswerError(`the answer starts at byte ${first}, not ${start}`, false);
  if (bytes.byteLength < end - start) throw new AnswerError(`got ${bytes.byteLength} bytes instead of ${end - start}`, true);
  return bytes.byteLength === end - start ? bytes : bytes.subarray(0, end - start);
}
