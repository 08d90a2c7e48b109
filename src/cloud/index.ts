/**
 * The cloud layer: the {@link Cloud} interface the engine depends on, and its one
 * implementation, `s3/`, the only importer of the AWS SDK. A cloud is a bucket
 * on an S3-compatible endpoint; the engine keeps partition files there as objects
 * (keys: docs/cloud.md).
 *
 * Every call retries retryable failures (5xx, 408, 429, throttling, timeouts, refused or
 * reset connections) with bounded exponential backoff and jitter (see
 * {@link RetryOptions}; the SDK's own retries are off), then rejects with a `CLOUD`
 * StrataError whose message starts with the operation and names the cloud, bucket and
 * key, and never holds a secret.
 *
 * @module
 */
import { StrataError } from '../errors.ts';
import type { Cloud, CloudConfig, CloudOptions } from './cloud.ts';
import { S3Cloud } from './s3/s3-cloud.ts';

export type { Cloud, CloudConfig, CloudObjectInfo, CloudOptions, GetToFileOptions, RetryOptions } from './cloud.ts';
export { DEFAULT_RETRY } from './retry.ts';

/**
 * Opens cloud `name` of the manifest. Connects on the first call, so opening never
 * fails for an unreachable endpoint; throws `INVALID_INPUT` for a bad url, an unknown
 * type, bad retry options or a bad part size. The caller owns the Cloud and must
 * {@link Cloud.close} it.
 */
export function openCloud(name: string, config: CloudConfig, options?: CloudOptions): Cloud {
  switch (config.type) {
    case 's3':
      return new S3Cloud(name, config, options);
    default:
      throw new StrataError('INVALID_INPUT', `open cloud: '${name}' has type '${String((config as { type: unknown }).type)}'; the only type is 's3'`);
  }
}
