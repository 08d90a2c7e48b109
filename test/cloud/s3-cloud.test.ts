// The S3 cloud against a real S3-compatible server (s3rver), through the real AWS SDK.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Cloud, openCloud } from '../../src/cloud/index.ts';
import { FAST_RETRY, bytes, inParallel, rejection, s3Config } from './helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

let server: S3Server;
const opened: Cloud[] = [];

function open(bucket = 'strata-test', extra: Parameters<typeof s3Config>[2] = {}): Cloud {
  const c = openCloud('backup', s3Config(server.url, bucket, extra), FAST_RETRY);
  opened.push(c);
  return c;
}

/** What `cloud.stats` gained while `fn` ran. */
async function requests(cloud: Cloud, fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = { ...cloud.stats };
  await fn();
  const gained: Record<string, number> = {};
  for (const [k, v] of Object.entries(cloud.stats)) if (v !== before[k]) gained[k] = v - (before[k] ?? 0);
  return gained;
}

beforeAll(async () => {
  server = await startS3Server();
  await open().ensureBucket();
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  for (const c of opened) c.close();
  await server?.close();
});

describe('bucket', () => {
  it('ensureBucket creates a missing bucket once, then only looks', async () => {
    const c = open('strata-fresh');
    expect(await requests(c, () => c.ensureBucket())).toEqual({ bucket: 2 }); // HEAD 404, PUT
    expect(await requests(c, () => c.ensureBucket())).toEqual({ bucket: 1 }); // HEAD 200
    expect(await c.list('')).toEqual([]);
  });

  it('a bucket not made yet lists no objects', async () => {
    const c = open('strata-never-made');
    expect(await c.list('any/')).toEqual([]);
    expect(await c.head('any/key')).toBeNull();
  });
});

describe('objects', () => {
  const body = bytes(300_000, 7);

  it('put then get returns the same bytes; put replaces', async () => {
    const c = open();
    await c.put('p/one', body);
    expect(Buffer.from(await c.get('p/one')).equals(Buffer.from(body))).toBe(true);
    await c.put('p/one', body.subarray(0, 10));
    expect(await c.get('p/one')).toEqual(body.subarray(0, 10));
    await c.put('p/empty', new Uint8Array(0));
    expect((await c.get('p/empty')).byteLength).toBe(0);
  });

  it('getRange returns bytes [start, end): first, middle, last, whole', async () => {
    const c = open();
    await c.put('p/range', body);
    const n = body.byteLength;
    for (const [start, end] of [
      [0, 1],
      [0, 4096],
      [131_072, 131_072 + 65_536],
      [n - 1, n],
      [n - 100, n],
      [0, n],
    ] as const) {
      const got = await c.getRange('p/range', start, end);
      expect(got.byteLength, `[${start}, ${end})`).toBe(end - start);
      expect(Buffer.from(got).equals(Buffer.from(body.subarray(start, end))), `[${start}, ${end})`).toBe(true);
    }
  });

  it('getRange makes one ranged GET per call, none for an empty range', async () => {
    const c = open();
    await c.put('p/count', body);
    expect(await requests(c, () => c.getRange('p/count', 10, 20))).toEqual({ range: 1 });
    expect(await requests(c, () => c.getRange('p/count', 5, 5))).toEqual({});
  });

  it('getRange refuses bad ranges and ranges past the end', async () => {
    const c = open();
    await c.put('p/short', bytes(100));
    for (const [s, e] of [
      [-1, 5],
      [5, 4],
      [0.5, 3],
    ]) {
      const err = await rejection(c.getRange('p/short', s as number, e as number), 'INVALID_INPUT');
      expect(err.message).toMatch(/^cloud get range: s3 'backup' bucket 'strata-test' key 'p\/short': bad range/);
    }
    // the end past the object (206 with fewer bytes) and the start past it (416)
    for (const [s, e] of [
      [50, 101],
      [100, 200],
    ]) {
      const err = await rejection(c.getRange('p/short', s as number, e as number), 'CLOUD');
      expect(err.retryable, err.message).toBe(false);
      expect(err.message).toMatch(/^cloud get range: s3 'backup' bucket 'strata-test' key 'p\/short' range \[\d+, \d+\): /);
    }
    expect(c.stats.range).toBe(2); // not retried
  });

  it('head gives the size of a present object and null for an absent one', async () => {
    const c = open();
    // the put answers the entity tag (for a plain PUT, the MD5 of the body); head gives the same
    expect(await c.put('p/head', bytes(1234))).toBe(createHash('md5').update(bytes(1234)).digest('hex'));
    expect(await c.head('p/head')).toEqual({ key: 'p/head', size: 1234, etag: createHash('md5').update(bytes(1234)).digest('hex') });
    expect(await c.head('p/absent')).toBeNull();
    expect(c.stats.head).toBe(2);
  });

  it('delete removes a present object; an absent one is fine', async () => {
    const c = open();
    await c.put('p/del', bytes(10));
    await c.delete('p/del');
    expect(await c.head('p/del')).toBeNull();
    await c.delete('p/del');
    await c.delete('p/never-was');
    expect(c.stats.delete).toBe(3);
  });

  it('delete in a bucket that does not exist is fine: the object is absent', async () => {
    // a put is recorded for deletion before it makes the bucket; a crash in between
    // left a deletion that every open failed to do
    const c = open('strata-never-made');
    await c.delete('p/never-was');
    expect(c.stats).toMatchObject({ bucket: 0, delete: 1 });
  });

  it('get of an absent object is a CLOUD error naming cloud, bucket and key, not retried', async () => {
    const c = open();
    const err = await rejection(c.get('p/absent'), 'CLOUD');
    expect(err.message).toBe("cloud get: s3 'backup' bucket 'strata-test' key 'p/absent': 404 Not Found (NoSuchKey: The specified key does not exist.); the object is missing");
    expect(err.retryable).toBe(false);
    expect(c.stats.get).toBe(1);
  });
});

describe('list', () => {
  it('lists every object under a prefix, in key order, across pages', async () => {
    const c = open('strata-list');
    await c.ensureBucket();
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    // most objects straight into the store (fast), a few through the API
    await server.seed('strata-list', keys.slice(3).map((k) => [k, bytes(k.length)] as const));
    await inParallel([...keys.slice(0, 3), 'other/a', 'other/b', 'manyx'], 8, (k) => c.put(k, bytes(k.length)));

    let listed: Awaited<ReturnType<Cloud['list']>> = [];
    expect(await requests(c, async () => (listed = await c.list('many/')))).toEqual({ list: 2 }); // pages of 1000
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed.every((o) => o.size === o.key.length)).toBe(true);

    expect((await c.list('other/')).map((o) => o.key)).toEqual(['other/a', 'other/b']);
    expect(await c.list('none/')).toEqual([]);
    expect((await c.list('')).length).toBe(1008);
  });
});

describe('stats, debug, errors', () => {
  it('stats count every request by kind', async () => {
    const c = open();
    expect(c.stats).toEqual({ bucket: 0, put: 0, get: 0, range: 0, head: 0, delete: 0, list: 0, multipart: 0, part: 0 });
    await c.ensureBucket();
    await c.put('s/a', bytes(100));
    await c.put('s/b', bytes(100));
    await c.get('s/a');
    await c.getRange('s/a', 0, 10);
    await c.getRange('s/a', 10, 20);
    await c.getRange('s/a', 90, 100);
    await c.head('s/a');
    await c.delete('s/b');
    await c.list('s/');
    expect(c.stats).toEqual({ bucket: 1, put: 2, get: 1, range: 3, head: 1, delete: 1, list: 1, multipart: 0, part: 0 });
  });

  it('debug logs method, key, range, status and time to stderr, never a secret', async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      if (String(chunk).startsWith('strata cloud')) lines.push(String(chunk));
      return true;
    });
    const c = open('strata-test', { debug: true });
    await c.put('d/x', bytes(50));
    await c.getRange('d/x', 10, 20);
    await c.head('d/none');
    vi.restoreAllMocks();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^strata cloud 'backup': PUT 127\.0\.0\.1\/strata-test\/d\/x -> 200 \d+ ms\n$/);
    expect(lines[1]).toMatch(/^strata cloud 'backup': GET 127\.0\.0\.1\/strata-test\/d\/x bytes=10-19 -> 206 \d+ ms\n$/);
    expect(lines[2]).toMatch(/^strata cloud 'backup': HEAD 127\.0\.0\.1\/strata-test\/d\/none -> 404 \d+ ms\n$/);
    expect(lines.join('')).not.toMatch(/S3RVER|Signature|Credential/);
  });

  it('a refused key (403) is a CLOUD error, not retried, without the secret', async () => {
    const c = open('strata-test', { access_key: 'NOBODYATALL', secret_key: 'very-secret-key' });
    const err = await rejection(c.get('p/one'), 'CLOUD');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^cloud get: s3 'backup' bucket 'strata-test' key 'p\/one': 403 Forbidden \(InvalidAccessKeyId: .*\); check the access key, the secret key and the bucket permissions$/);
    expect(err.message).not.toContain('very-secret-key');
    expect(err.message).not.toContain('NOBODYATALL');
    expect(c.stats.get).toBe(1);
  });

  it('a closed cloud refuses calls with CLOSED; close is idempotent', async () => {
    const c = open();
    c.close();
    c.close();
    const err = await rejection(c.head('p/one'), 'CLOSED');
    expect(err.message).toMatch(/^cloud head: s3 'backup'/);
  });

  it('openCloud refuses a bad url, type or retry options', () => {
    expect(() => openCloud('x', s3Config('not a url', 'b'))).toThrow(/^open cloud: s3 'x': url 'not a url' is not a URL/);
    expect(() => openCloud('x', s3Config('ftp://host', 'b'))).toThrow(/not http or https/);
    expect(() => openCloud('x', { ...s3Config('http://h', 'b'), type: 'gcs' as 's3' })).toThrow(/only type is 's3'/);
    expect(() => openCloud('x', s3Config('http://h', 'b'), { attempts: 0 })).toThrow(/attempts must be a positive integer/);
  });
});
