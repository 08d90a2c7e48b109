/**
 * Builds the S3Client of a cloud: endpoint, region, addressing style, static
 * credentials, bounded connection and request times, and no retries of its own
 * (Strata retries around each call, see ../retry.ts).
 *
 * The SDK is loaded on first use ({@link loadSdk}, {@link loadStorage}): a database
 * without clouds, and a process that never reaches its cloud, do not pay its load time.
 *
 * @module
 */
import type * as Sdk from '@aws-sdk/client-s3';
import type * as Storage from '@aws-sdk/lib-storage';
import type { S3Client } from '@aws-sdk/client-s3';
import { StrataError } from '../../errors.ts';
import type { CloudConfig } from '../cloud.ts';
import type { RetryPolicy } from '../retry.ts';

/** Longest time to open a TCP (and TLS) connection. */
const CONNECT_MS = 5_000;

/** The AWS SDK's S3 module. */
export type S3Sdk = typeof Sdk;

/** The AWS SDK's multipart uploader. */
export type StorageSdk = typeof Storage;

let sdk: Promise<S3Sdk> | undefined;

/** Loads the SDK once per process (a failed load is retried by the next call). */
export function loadSdk(): Promise<S3Sdk> {
  sdk ??= import('@aws-sdk/client-s3').catch((e: unknown) => {
    sdk = undefined;
    throw e;
  });
  return sdk;
}

let storage: Promise<StorageSdk> | undefined;

/** Loads the SDK's multipart uploader once per process, on the first big upload. */
export function loadStorage(): Promise<StorageSdk> {
  storage ??= import('@aws-sdk/lib-storage').catch((e: unknown) => {
    storage = undefined;
    throw e;
  });
  return storage;
}

/** Throws `INVALID_INPUT` unless `config.url` is an http(s) URL. */
export function checkUrl(name: string, config: CloudConfig): void {
  let url: URL;
  try {
    url = new URL(config.url);
  } catch (cause) {
    throw new StrataError('INVALID_INPUT', `open cloud: s3 '${name}': url '${config.url}' is not a URL; write it as http(s)://host[:port]`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StrataError('INVALID_INPUT', `open cloud: s3 '${name}': url '${config.url}' is not http or https`);
  }
}

/** Opens no connection yet: the first call does. REQUIRES: {@link checkUrl} passed. */
export function createS3Client(sdk: S3Sdk, config: CloudConfig, policy: RetryPolicy): S3Client {
  const agent = { keepAlive: true, maxSockets: 64 };
  return new sdk.S3Client({
    endpoint: config.url,
    region: config.region || 'us-east-1',
    forcePathStyle: config.path_style,
    credentials: { accessKeyId: config.access_key, secretAccessKey: config.secret_key },
    maxAttempts: 1,
    // S3-compatible stores differ in their support of the newer flexible checksums:
    // send and check them only where the API requires them or a call asks (put sends
    // Content-MD5; the parts of a multipart upload ask for CRC32, s3-upload.ts)
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: {
      connectionTimeout: Math.min(CONNECT_MS, policy.timeoutMs),
      requestTimeout: policy.timeoutMs,
      throwOnRequestTimeout: true,
      httpAgent: agent,
      httpsAgent: agent,
    },
  });
}
