/** Shared bits of the cloud tests. */
import { expect } from 'vitest';
import type { CloudConfig } from '../../src/cloud/index.ts';
import { StrataError } from '../../src/errors.ts';
import type { ErrorCode } from '../../src/errors.ts';
import { S3_CREDENTIALS } from './s3-server.ts';

/** Fast retries, so fault tests stay quick. */
export const FAST_RETRY = { attempts: 5, baseMs: 5, maxMs: 40, timeoutMs: 2000 } as const;

/** The config of a cloud at `url` (s3rver's credentials, path style). */
export function s3Config(url: string, bucket: string, extra: Partial<CloudConfig> = {}): CloudConfig {
  return { type: 's3', url, region: 'us-east-1', bucket, ...S3_CREDENTIALS, path_style: true, debug: false, ...extra };
}

/** Awaits `p`, expects it to reject with a StrataError of `code`, and returns it. */
export async function rejection(p: Promise<unknown>, code: ErrorCode): Promise<StrataError> {
  const caught = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(caught, 'expected a StrataError').toBeInstanceOf(StrataError);
  const e = caught as StrataError;
  expect(e.code, e.message).toBe(code);
  return e;
}

/** `n` bytes of a fixed pseudo-random pattern. */
export function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Runs `fn` over `items`, at most `width` at a time. */
export async function inParallel<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: width }, lane));
}
