// Faults: a real s3rver behind a fault-injecting HTTP proxy (not a mock of the SDK), and
// the server itself stopped and restarted. Retries are fast here (FAST_RETRY).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Cloud, type RetryOptions, openCloud } from '../../src/cloud/index.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { FAST_RETRY, bytes, rejection, s3Config } from './helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

const BUCKET = 'strata-faults';
let server: S3Server;
let proxy: FaultProxy;
const opened: Cloud[] = [];

/** A cloud that talks to s3rver through the proxy (or directly). */
function open(options: RetryOptions = FAST_RETRY, via: 'proxy' | 'direct' = 'proxy'): Cloud {
  const c = openCloud('backup', s3Config(via === 'proxy' ? proxy.url : server.url, BUCKET), options);
  opened.push(c);
  return c;
}

/** The outcomes the proxy logged since the test began. */
let logStart = 0;
const outcomes = () => proxy.log.slice(logStart).map((e) => e.outcome);

beforeAll(async () => {
  server = await startS3Server();
  proxy = await startFaultProxy(server.url);
  const c = open();
  await c.ensureBucket();
  await c.put('f/present', bytes(1000, 3));
});

beforeEach(() => {
  proxy.clear();
  logStart = proxy.log.length;
});

afterAll(async () => {
  for (const c of opened) c.close();
  await proxy?.close();
  await server?.close();
});

describe('retryable answers', () => {
  it('two 500s, then the put succeeds on the third try', async () => {
    const c = open();
    proxy.inject({ kind: 'status', status: 500 }, 2);
    await c.put('f/a', bytes(5000, 1));
    expect(c.stats.put).toBe(3);
    expect(outcomes()).toEqual(['500', '500', 'pass']);
    expect(await c.get('f/a')).toEqual(bytes(5000, 1));
  });

  it('503, 429 and 500 each get retried, for every kind of call', async () => {
    const c = open();
    proxy.inject({ kind: 'status', status: 503 }, 1);
    expect(await c.head('f/present')).toMatchObject({ key: 'f/present', size: 1000 });
    proxy.inject({ kind: 'status', status: 429 }, 1);
    expect(await c.getRange('f/present', 100, 200)).toEqual(bytes(1000, 3).subarray(100, 200));
    proxy.inject({ kind: 'status', status: 500 }, 1);
    expect((await c.list('f/')).map((o) => o.key)).toContain('f/present');
    proxy.inject({ kind: 'status', status: 503 }, 1);
    await c.delete('f/none');
    proxy.inject({ kind: 'status', status: 500 }, 1);
    await c.ensureBucket();
    expect(c.stats).toEqual({ bucket: 2, put: 0, get: 0, range: 2, head: 2, delete: 2, list: 2, multipart: 0, part: 0 });
  });

  it('500 forever: a retryable CLOUD error after exactly `attempts` tries, in bounded time', async () => {
    const c = open();
    proxy.inject({ kind: 'status', status: 503 }, Infinity);
    const t0 = performance.now();
    const err = await rejection(c.put('f/never', bytes(10)), 'CLOUD');
    const ms = performance.now() - t0;
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(
      "cloud put: s3 'backup' bucket 'strata-faults' key 'f/never': 503 Service Unavailable (ServiceUnavailable: injected by the fault proxy) after 5 attempts; check the endpoint or retry later",
    );
    expect(c.stats.put).toBe(FAST_RETRY.attempts);
    expect(outcomes()).toEqual(['503', '503', '503', '503', '503']);
    // backoffs: at least the half-backoffs 2.5 + 5 + 10 + 20 ms (no upper bound: a slow
    // machine is no failure; the attempts counted above bound the work)
    expect(ms).toBeGreaterThanOrEqual(37);
  });

  it('the backoff grows: four retries take at least the sum of the half-backoffs', async () => {
    const c = open({ attempts: 5, baseMs: 40, maxMs: 100, timeoutMs: 2000 });
    proxy.inject({ kind: 'status', status: 500 }, Infinity);
    const t0 = performance.now();
    await rejection(c.head('f/present'), 'CLOUD');
    // half of 40, 80, 100, 100 at least; all of them at most
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(160);
  });
});

describe('answers not worth a retry', () => {
  it('403 is not retried', async () => {
    const c = open();
    proxy.inject({ kind: 'status', status: 403 }, Infinity);
    const err = await rejection(c.get('f/present'), 'CLOUD');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^cloud get: s3 'backup' bucket 'strata-faults' key 'f\/present': 403 Forbidden \(AccessDenied: .*\); check the access key/);
    expect(err.message).not.toMatch(/after \d+ attempts/);
    expect(c.stats.get).toBe(1);
    expect(outcomes()).toEqual(['403']);
  });

  it('404 on get and 400 on put are not retried', async () => {
    const c = open();
    proxy.inject({ kind: 'status', status: 404 }, 1);
    expect((await rejection(c.get('f/present'), 'CLOUD')).retryable).toBe(false);
    proxy.inject({ kind: 'status', status: 400, code: 'InvalidArgument' }, 1);
    expect((await rejection(c.put('f/b', bytes(10)), 'CLOUD')).retryable).toBe(false);
    expect(c.stats).toMatchObject({ get: 1, put: 1 });
  });

  it('a retryable failure then a final one: the final one is reported', async () => {
    const c = open();
    proxy.inject({ kind: 'status', status: 500 }, 1);
    proxy.inject({ kind: 'status', status: 403 }, 1);
    const err = await rejection(c.head('f/present'), 'CLOUD');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/: 403 Forbidden after 2 attempts; check the access key/);
    expect(outcomes()).toEqual(['500', '403']);
  });
});

describe('network faults', () => {
  it('a request held past the time limit is abandoned and retried', async () => {
    const c = open({ ...FAST_RETRY, timeoutMs: 300 });
    proxy.inject({ kind: 'delay', ms: 2000 }, 1);
    const t0 = performance.now();
    expect(await c.getRange('f/present', 0, 10)).toEqual(bytes(1000, 3).subarray(0, 10));
    const ms = performance.now() - t0;
    // two tries: the held one was abandoned (waiting for it would have answered the first)
    expect(c.stats.range).toBe(2);
    expect(ms).toBeGreaterThanOrEqual(290);
  });

  it('requests held forever: a retryable timeout after `attempts` tries, in bounded time', async () => {
    const c = open({ attempts: 3, baseMs: 5, maxMs: 20, timeoutMs: 200 });
    proxy.inject({ kind: 'delay', ms: 60_000 }, Infinity);
    const t0 = performance.now();
    const err = await rejection(c.put('f/slow', bytes(100)), 'CLOUD');
    const ms = performance.now() - t0;
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^cloud put: s3 'backup' bucket 'strata-faults' key 'f\/slow': timed out .* after 3 attempts; check the endpoint or retry later$/);
    expect(c.stats.put).toBe(3);
    expect(ms).toBeGreaterThanOrEqual(3 * 200 - 10);
  });

  it('dropped connections are retried; dropped forever is a retryable CLOUD error', async () => {
    const c = open();
    proxy.inject({ kind: 'drop' }, 2);
    await c.put('f/drop', bytes(3000, 9));
    expect(c.stats.put).toBe(3);
    expect(await c.get('f/drop')).toEqual(bytes(3000, 9));

    proxy.inject({ kind: 'drop' }, Infinity);
    const err = await rejection(c.get('f/drop'), 'CLOUD');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^cloud get: s3 'backup' bucket 'strata-faults' key 'f\/drop': connection reset \(ECONNRESET.*\) after 5 attempts; check the endpoint or retry later$/);
    expect(c.stats.get).toBe(1 + 5);
  });
});

describe('the server stopped and restarted', () => {
  it('calls fail with a retryable CLOUD error while it is down; after restart the data is there', async () => {
    const c = open({ attempts: 3, baseMs: 5, maxMs: 20, timeoutMs: 2000 }, 'direct');
    await c.put('r/before', bytes(2000, 5));
    await c.get('r/before'); // a kept-alive connection that the stop will cut

    await server.stop();
    const err = await rejection(c.put('r/during', bytes(100)), 'CLOUD');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^cloud put: s3 'backup' bucket 'strata-faults' key 'r\/during': connection (refused|reset) \(.*\) after 3 attempts; check the endpoint or retry later$/);
    expect(c.stats.put).toBe(1 + 3); // r/before, then three tries of r/during
    expect((await rejection(c.head('r/before'), 'CLOUD')).message).toMatch(/connection refused \(ECONNREFUSED/);

    await server.restart();
    expect(await c.get('r/before')).toEqual(bytes(2000, 5));
    await c.put('r/during', bytes(100));
    expect((await c.list('r/')).map((o) => o.key)).toEqual(['r/before', 'r/during']);
  });

  it('a call in its backoff when the server comes back succeeds', async () => {
    const c = open({ attempts: 10, baseMs: 100, maxMs: 200, timeoutMs: 2000 }, 'direct');
    await server.stop();
    const put = c.put('r/comeback', bytes(700, 2));
    await new Promise((r) => setTimeout(r, 150));
    await server.restart();
    await put;
    expect(c.stats.put).toBeGreaterThan(1);
    expect(await c.get('r/comeback')).toEqual(bytes(700, 2));
  });
});
