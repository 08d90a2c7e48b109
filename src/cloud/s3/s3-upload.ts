/**
 * Multipart uploads of a local file through the SDK's own uploader
 * (`@aws-sdk/lib-storage`). It reads the file as a stream, cuts it into parts and keeps
 * up to {@link QUEUE} of them in flight, so memory stays near (QUEUE + 1) parts
 * whatever the file's size. It sends its requests through a client of Strata's
 * making, so each request is one call of the cloud: retried on its own under the
 * per-try time limit, counted (`multipart`: create, complete, abort; `part`: one per
 * part), its failure a `CLOUD` StrataError. Each part carries its CRC32 (the SDK
 * computes it with Node's native zlib; S3 checks it, and the complete request lists
 * them all). Once a request has failed for good, the parts in flight are cancelled,
 * no other one starts, and the upload is aborted, so the bucket keeps none of its parts.
 *
 * @module
 */
import * as fs from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { StrataError, ioError, isStrataError } from '../../errors.ts';
import type { StorageSdk } from './s3-client.ts';
import { partCount } from './s3-parts.ts';

/** Parts in flight at once (lib-storage's default). */
export const QUEUE = 4;

/** The kinds of request of an upload, as `stats` counts them. */
export type UploadKind = 'multipart' | 'part';

/**
 * Sends one request of an upload as a call of the cloud: counted, retried, logged.
 * `detail` says which request it is, for messages; no try starts once `stop` fired.
 * @throws StrataError `CLOUD` when every try failed.
 */
export type SendCall = (kind: UploadKind, detail: string, send: (signal: AbortSignal) => Promise<unknown>, stop?: AbortSignal) => Promise<unknown>;

/** What to upload where. */
export interface UploadTarget {
  readonly bucket: string;
  readonly key: string;
  readonly file: string;
  /** The file's size: more than one part. */
  readonly size: number;
  /** Bytes per part (the last part may be smaller). */
  readonly partSize: number;
  /** The operation, for messages (`cloud put`). */
  readonly op: string;
  /** `s3 'name' bucket 'b' key 'k'`, for messages. */
  readonly where: string;
}

type Command = Parameters<S3Client['send']>[0];

/**
 * Uploads `t.file` as a multipart upload; resolves to the entity tag of the object.
 * @throws StrataError `CLOUD` (the first request that failed for good; the message
 *   says when the abort failed too), `IO` when the file cannot be read or is shorter
 *   than `t.size`.
 */
export async function uploadFile(lib: StorageSdk, client: S3Client, call: SendCall, t: UploadTarget): Promise<string | undefined> {
  const stop = new AbortController();
  let failure: unknown;
  let abortFailure: unknown;
  let readFailure: unknown;
  const parts = partCount(t.size, t.partSize);
  // bytes in the parts sent: the file must have held `t.size`, no more and no less
  let sent = 0;
  const body = fs.createReadStream(t.file, { highWaterMark: 1024 * 1024 });
  body.on('error', (e) => (readFailure ??= e));

  const send = async (command: Command): Promise<unknown> => {
    const name = command.constructor.name;
    if (name === 'AbortMultipartUploadCommand') {
      // its failure must not hide the one that made the upload fail
      return call('multipart', 'abort', (signal) => client.send(command, { abortSignal: signal })).catch((e: unknown) => {
        abortFailure = e;
        return {};
      });
    }
    if (failure !== undefined) throw failure;
    // the uploader sends a single PUT when the stream ends within the first part
    if (name === 'PutObjectCommand') throw ioError(t.op, t.file, new Error(`the file ended within the first part of a ${t.size}-byte upload`));
    const { PartNumber: part, Body: data } = command.input as { PartNumber?: number; Body?: Uint8Array };
    if (name === 'UploadPartCommand') sent += data?.byteLength ?? 0;
    if (name === 'CompleteMultipartUploadCommand' && sent !== t.size) {
      throw ioError(t.op, t.file, new Error(`the file has ${sent > t.size ? `more than ${t.size}` : sent} bytes, expected ${t.size}`));
    }
    const [kind, detail] = name === 'UploadPartCommand' ? ['part' as const, `part ${part} of ${parts}`] : ['multipart' as const, name === 'CreateMultipartUploadCommand' ? 'create' : 'complete'];
    try {
      return await call(kind, detail, (signal) => client.send(command, { abortSignal: AbortSignal.any([signal, stop.signal]) }), stop.signal);
    } catch (e) {
      failure ??= e;
      stop.abort();
      throw e;
    }
  };

  const upload = new lib.Upload({
    // lib-storage uses only these two of its client
    client: { config: client.config, send } as unknown as S3Client,
    params: { Bucket: t.bucket, Key: t.key, Body: body, ContentLength: t.size, ChecksumAlgorithm: 'CRC32' },
    partSize: t.partSize,
    queueSize: QUEUE,
    leavePartsOnError: false,
  });
  try {
    const out = await upload.done();
    return out.ETag;
  } catch (e) {
    const cause = readFailure !== undefined ? ioError(t.op, t.file, readFailure) : (failure ?? e);
    throw withAbortNote(await firstFailure(t, cause), abortFailure);
  } finally {
    body.destroy();
  }
}

/** The failure to report, as a StrataError: the file's (when it had another size or could not be read), else the cloud's. */
async function firstFailure(t: UploadTarget, e: unknown): Promise<StrataError> {
  if (isStrataError(e)) return e;
  const size = await fs.promises.stat(t.file).then((s) => s.size, () => undefined);
  if (size !== undefined && size !== t.size) return ioError(t.op, t.file, new Error(`the file has ${size} bytes, expected ${t.size}`));
  const detail = e instanceof Error ? e.message : String(e);
  return new StrataError('CLOUD', `${t.op}: ${t.where}: the multipart upload failed: ${detail}`, { cause: e, retryable: true });
}

/** `e`, with a note when the upload could not be aborted. */
function withAbortNote(e: StrataError, abortFailure: unknown): StrataError {
  if (abortFailure === undefined) return e;
  const detail = abortFailure instanceof Error ? abortFailure.message : String(abortFailure);
  return new StrataError(e.code, `${e.message}; aborting the upload failed too, so its parts stay in the bucket until a lifecycle rule (AbortIncompleteMultipartUpload) removes them (${detail})`, {
    cause: e,
    retryable: e.retryable,
  });
}
