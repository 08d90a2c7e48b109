// Transfers without whole files in memory: putFile as one PUT or as a multipart upload
// (lib-storage) streamed from the file, getToFile streamed into a file. Against a real
// s3rver, through the fault proxy where a test needs faults. Parts are 5 MiB, the
// least S3 (and lib-storage) accepts; files of about 12 MiB make three parts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Cloud, type CloudOptions, openCloud } from '../../src/cloud/index.ts';
import { MAX_OBJECT_SIZE, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE, checkPartSize, partCount, partSizeFor } from '../../src/cloud/s3/s3-parts.ts';
import { tempDir } from '../engine/helpers.ts';
import { type FaultProxy, startFaultProxy } from './fault-proxy.ts';
import { FAST_RETRY, bytes, rejection, s3Config } from './helpers.ts';
import { type S3Server, startS3Server } from './s3-server.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const PART = 5 * MiB;
const BUCKET = 'strata-multipart';

let server: S3Server;
let proxy: FaultProxy;
let tmp: { dir: string; cleanup: () => void };
const opened: Cloud[] = [];

/** A cloud with 5 MiB parts, through the proxy (or directly), in `bucket`. */
function open(via: 'proxy' | 'direct' = 'proxy', options: CloudOptions = {}, bucket = BUCKET): Cloud {
  const c = openCloud('backup', s3Config(via === 'proxy' ? proxy.url : server.url, bucket), { ...FAST_RETRY, partSize: PART, ...options });
  opened.push(c);
  return c;
}

/** A file of `n` pseudo-random bytes (seeded), in the test's folder. */
function file(name: string, n: number, seed = 1): { path: string; body: Uint8Array } {
  const body = bytes(n, seed);
  const p = path.join(tmp.dir, name);
  fs.writeFileSync(p, body);
  return { path: p, body };
}

/** What `cloud.stats` gained while `fn` ran (kinds that did not change left out). */
async function requests(cloud: Cloud, fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const before = { ...cloud.stats };
  await fn();
  const gained: Record<string, number> = {};
  for (const [k, v] of Object.entries(cloud.stats)) if (v !== before[k]) gained[k] = v - (before[k] ?? 0);
  return gained;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The outcomes the proxy logged since the test began, as `METHOD outcome`, for requests whose URL holds `url`. */
let logStart = 0;
const seen = (url = '') =>
  proxy.log
    .slice(logStart)
    .filter((e) => e.url.includes(url))
    .map((e) => `${e.method} ${e.outcome}`);

beforeAll(async () => {
  tmp = tempDir('strata-multipart-');
  server = await startS3Server();
  proxy = await startFaultProxy(server.url);
  await open('direct').ensureBucket();
});

beforeEach(() => {
  proxy.clear();
  logStart = proxy.log.length;
});

afterAll(async () => {
  for (const c of opened) c.close();
  await proxy?.close();
  await server?.close();
  tmp?.cleanup();
});

describe('part sizes', () => {
  it('a part size that would make more than 10,000 parts grows, to whole MiB', () => {
    expect(partSizeFor(6 * GiB, 16 * MiB)).toBe(16 * MiB);
    expect(partCount(6 * GiB, 16 * MiB)).toBe(384);
    // 200 GiB in 5 MiB parts would be 40,960 parts
    expect(partSizeFor(200 * GiB, PART)).toBe(21 * MiB);
    expect(partCount(200 * GiB, 21 * MiB)).toBeLessThanOrEqual(MAX_PARTS);
    for (const size of [5 * GiB + 1, 6 * GiB, 48.828125 * GiB, 49 * GiB, 1024 * GiB, MAX_OBJECT_SIZE]) {
      for (const wanted of [PART, 16 * MiB, 100 * MiB]) {
        const p = partSizeFor(size, wanted);
        expect(p, `${size} in parts of ${wanted}`).toBeGreaterThanOrEqual(Math.max(MIN_PART_SIZE, wanted));
        expect(p).toBeLessThanOrEqual(MAX_PART_SIZE);
        expect(partCount(size, p)).toBeLessThanOrEqual(MAX_PARTS);
      }
    }
  });

  it('part counts, and the sizes a part may have', () => {
    expect(partCount(0, PART)).toBe(1);
    expect(partCount(PART, PART)).toBe(1);
    expect(partCount(PART + 1, PART)).toBe(2);
    expect(partCount(12 * MiB, PART)).toBe(3);
    expect(checkPartSize(PART)).toBeNull();
    expect(checkPartSize(MAX_PART_SIZE)).toBeNull();
    expect(checkPartSize(PART - 1)).toMatch(/^partSize must be a whole number of bytes from 5242880 \(5 MiB\) to 5368709120 \(5 GiB\), not 5242879$/);
    expect(checkPartSize(MAX_PART_SIZE + 1)).not.toBeNull();
    expect(checkPartSize(5.5 * MiB + 0.5)).not.toBeNull();
    expect(() => openCloud('x', s3Config('http://h', 'b'), { partSize: MiB })).toThrow(/^open cloud: s3 'x': partSize must be a whole number of bytes from 5242880/);
  });
});

describe('putFile', () => {
  it('a file of several parts goes as a multipart upload, and comes back byte for byte', async () => {
    const c = open('direct');
    const f = file('three-parts', 12 * MiB + 12_345, 2);
    let tag: string | undefined;
    expect(await requests(c, async () => (tag = await c.putFile('m/three', f.path, f.body.byteLength)))).toEqual({ multipart: 2, part: 3 });
    const info = await c.head('m/three');
    expect(info).toMatchObject({ size: f.body.byteLength, etag: tag });
    expect(same(await c.get('m/three'), f.body)).toBe(true);
    expect(server.uploads(BUCKET)).toEqual([]);
  });

  it('a file of at most one part goes as one PUT (with its MD5): empty, small, exactly one part', async () => {
    const c = open('direct');
    for (const [name, n] of [
      ['empty', 0],
      ['small', 1000],
      ['one-part', PART],
    ] as const) {
      const f = file(name, n, 3);
      expect(await requests(c, () => c.putFile(`m/${name}`, f.path, n))).toEqual({ put: 1 });
      expect(same(await c.get(`m/${name}`), f.body)).toBe(true);
    }
    // one byte more: two parts
    const f = file('two-parts', PART + 1, 4);
    expect(await requests(c, () => c.putFile('m/two', f.path, PART + 1))).toEqual({ multipart: 2, part: 2 });
    expect(same(await c.get('m/two'), f.body)).toBe(true);
  });

  it('the requests go through the proxy: create, the parts with their CRC32, complete', async () => {
    const c = open();
    const f = file('via-proxy', 11 * MiB, 5);
    await c.putFile('m/via', f.path, f.body.byteLength);
    expect(seen('m/via')).toEqual(['POST pass', 'PUT pass', 'PUT pass', 'PUT pass', 'POST pass']);
    const parts = proxy.log.slice(logStart).filter((e) => e.method === 'PUT');
    const numbers = parts.map((e) => Number(new URL(e.url, 'http://x').searchParams.get('partNumber')));
    expect([...numbers].sort()).toEqual([1, 2, 3]);
    // each part carries the CRC32 of its bytes (big-endian, base64), which S3 checks
    parts.forEach((e, i) => {
      const n = numbers[i]!;
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(crc32(f.body.subarray((n - 1) * PART, n * PART)) >>> 0);
      expect(e.headers['x-amz-checksum-crc32'], `part ${n}`).toBe(crc.toString('base64'));
    });
    expect(seen('m/via').length).toBe(5);
    expect(same(await c.get('m/via'), f.body)).toBe(true);
  });

  it('a file that does not hold `size` bytes is refused with IO, and nothing is left', async () => {
    const c = open('direct');
    const f = file('short', 11 * MiB, 6);
    const err = await rejection(c.putFile('m/short', f.path, 12 * MiB), 'IO');
    expect(err.message).toMatch(/^cloud put: .*short: the file has 11534336 bytes, expected 12582912/);
    const longer = await rejection(c.putFile('m/long', f.path, 10 * MiB), 'IO');
    expect(longer.message).toMatch(/the file has 11534336 bytes, expected 10485760/);
    const small = await rejection(c.putFile('m/small', f.path, 1000), 'IO');
    expect(small.message).toMatch(/the file has more than 1000 bytes, expected 1000/);
    expect(await c.head('m/short')).toBeNull();
    expect(await c.head('m/long')).toBeNull();
    expect(server.uploads(BUCKET)).toEqual([]);
    await rejection(c.putFile('m/none', path.join(tmp.dir, 'no-such-file'), 12 * MiB), 'IO');
    await rejection(c.putFile('m/none', f.path, -1), 'INVALID_INPUT');
  });
});

describe('faults during a multipart upload', () => {
  it('a part that fails twice is sent again on its own; the upload succeeds', async () => {
    const c = open();
    const f = file('retry-part', 12 * MiB, 7);
    proxy.inject({ kind: 'status', status: 500 }, 2, { method: 'PUT', url: 'partNumber=2' });
    proxy.inject({ kind: 'drop' }, 1, { method: 'PUT', url: 'partNumber=3' });
    expect(await requests(c, () => c.putFile('m/retried', f.path, f.body.byteLength))).toEqual({ multipart: 2, part: 6 });
    expect(c.failures).toMatchObject({ part: 3, multipart: 0 });
    expect(same(await c.get('m/retried'), f.body)).toBe(true);
    expect(server.uploads(BUCKET)).toEqual([]);
  });

  it('a part that fails for good: the upload is aborted, no object and no parts are left, the error names the part', async () => {
    const c = open();
    const f = file('fail-part', 12 * MiB, 8);
    proxy.inject({ kind: 'status', status: 503 }, Infinity, { method: 'PUT', url: 'partNumber=2' });
    const err = await rejection(c.putFile('m/failed', f.path, f.body.byteLength), 'CLOUD');
    expect(err.retryable).toBe(true);
    expect(err.message).toBe(
      "cloud put: s3 'backup' bucket 'strata-multipart' key 'm/failed' (multipart upload, part 2 of 3): 503 Service Unavailable (ServiceUnavailable: injected by the fault proxy) after 5 attempts; check the endpoint or retry later",
    );
    // the abort went out and was answered; the part failed exactly `attempts` times
    expect(seen('partNumber=2')).toEqual(Array(5).fill('PUT 503'));
    expect(seen('m/failed').filter((s) => s.startsWith('DELETE'))).toEqual(['DELETE pass']);
    expect(c.failures).toMatchObject({ multipart: 0 });
    expect(await c.head('m/failed')).toBeNull();
    expect(server.uploads(BUCKET)).toEqual([]);
  });

  it('a complete that fails for good: aborted too', async () => {
    const c = open();
    const f = file('fail-complete', PART * 2 + 1, 9);
    proxy.inject({ kind: 'status', status: 500 }, Infinity, { method: 'POST', url: 'uploadId=' });
    const err = await rejection(c.putFile('m/incomplete', f.path, f.body.byteLength), 'CLOUD');
    expect(err.message).toMatch(/^cloud put: s3 'backup' bucket 'strata-multipart' key 'm\/incomplete' \(multipart upload, complete\): 500 Internal Server Error .* after 5 attempts/);
    expect(await c.head('m/incomplete')).toBeNull();
    expect(server.uploads(BUCKET)).toEqual([]);
  });

  it('a create that fails for good: no upload was begun, nothing to abort', async () => {
    const c = open();
    const f = file('fail-create', PART * 2 + 1, 10);
    proxy.inject({ kind: 'status', status: 403 }, Infinity, { method: 'POST', url: 'uploads' });
    const err = await rejection(c.putFile('m/uncreated', f.path, f.body.byteLength), 'CLOUD');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^cloud put: .* key 'm\/uncreated' \(multipart upload, create\): 403 Forbidden/);
    expect(seen('m/uncreated')).toEqual(['POST 403']);
    expect(server.uploads(BUCKET)).toEqual([]);
  });

  it('an abort that fails too: the error says the parts stay', async () => {
    const bucket = 'strata-multipart-left';
    const c = open('proxy', {}, bucket);
    await c.ensureBucket();
    const f = file('fail-abort', 12 * MiB, 11);
    proxy.inject({ kind: 'status', status: 403 }, Infinity, { method: 'PUT', url: 'partNumber=3' });
    proxy.inject({ kind: 'status', status: 403 }, Infinity, { method: 'DELETE', url: 'uploadId=' });
    const err = await rejection(c.putFile('m/left', f.path, f.body.byteLength), 'CLOUD');
    expect(err.message).toMatch(/^cloud put: .* \(multipart upload, part 3 of 3\): 403 Forbidden .*; aborting the upload failed too, so its parts stay in the bucket until a lifecycle rule \(AbortIncompleteMultipartUpload\) removes them \(cloud put: .* \(multipart upload, abort\): 403 Forbidden/);
    expect(c.failures).toMatchObject({ multipart: 1 });
    expect(server.uploads(bucket)).toHaveLength(1);
  });
});

describe('getToFile', () => {
  let object: { path: string; body: Uint8Array };
  beforeAll(async () => {
    object = file('download-source', 12 * MiB + 7, 12);
    await open('direct').putFile('g/object', object.path, object.body.byteLength);
  });

  it('streams the object into a file (mode 0600) that equals it, replacing what was there', async () => {
    const c = open();
    const target = path.join(tmp.dir, 'downloaded');
    fs.writeFileSync(target, bytes(13 * MiB, 99), { mode: 0o644 });
    let n = 0;
    expect(await requests(c, async () => (n = await c.getToFile('g/object', target, { sync: true })))).toEqual({ get: 1 });
    expect(n).toBe(object.body.byteLength);
    expect(same(fs.readFileSync(target), object.body)).toBe(true);
    expect(fs.statSync(target).mode & 0o777).toBe(0o600);
    // an empty object
    await c.put('g/empty', new Uint8Array(0));
    expect(await c.getToFile('g/empty', target)).toBe(0);
    expect(fs.statSync(target).size).toBe(0);
  });

  it('an answer cut short is refused and the object fetched again', async () => {
    const c = open();
    const target = path.join(tmp.dir, 'cut-once');
    proxy.inject({ kind: 'truncate', bytes: 3 * MiB }, 1, { method: 'GET' });
    expect(await c.getToFile('g/object', target)).toBe(object.body.byteLength);
    expect(seen('g/object')).toEqual(['GET truncate', 'GET pass']);
    expect(c.failures.get).toBe(1);
    expect(same(fs.readFileSync(target), object.body)).toBe(true);
  });

  it('answers cut short every time: a retryable CLOUD error, and no file', async () => {
    const c = open();
    const target = path.join(tmp.dir, 'cut-always');
    proxy.inject({ kind: 'truncate', bytes: 1000 }, Infinity, { method: 'GET' });
    const err = await rejection(c.getToFile('g/object', target), 'CLOUD');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/^cloud get: s3 'backup' bucket 'strata-multipart' key 'g\/object': .* after 5 attempts; check the endpoint or retry later$/);
    expect(c.stats.get).toBe(5);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('a slow answer that keeps sending is not abandoned: the time limit is between bytes', async () => {
    const c = open('proxy', { timeoutMs: 500 });
    const target = path.join(tmp.dir, 'slow');
    await c.put('g/slow', object.body.subarray(0, MiB));
    // 16 pieces, 50 ms apart: twice the time limit in all
    proxy.inject({ kind: 'trickle', bytes: 64 * 1024, ms: 50 }, 1, { method: 'GET' });
    expect(await c.getToFile('g/slow', target)).toBe(MiB);
    expect(seen('g/slow')).toEqual(['PUT pass', 'GET trickle']);
    expect(c.failures.get).toBe(0);
    expect(same(fs.readFileSync(target), object.body.subarray(0, MiB))).toBe(true);
  });

  it('an answer that stalls mid-body is abandoned after the time limit and fetched again', async () => {
    const c = open('proxy', { timeoutMs: 300 });
    const target = path.join(tmp.dir, 'stalled');
    // the first piece would come after 2 s: the try gives up at 300 ms
    proxy.inject({ kind: 'trickle', bytes: 64 * 1024, ms: 2000 }, 1, { method: 'GET' });
    expect(await c.getToFile('g/object', target)).toBe(object.body.byteLength);
    expect(seen('g/object')).toEqual(['GET trickle', 'GET pass']);
    expect(c.failures.get).toBe(1);
    expect(same(fs.readFileSync(target), object.body)).toBe(true);
  });

  it('a missing object: a CLOUD error, not retried, and no file', async () => {
    const c = open();
    const target = path.join(tmp.dir, 'missing');
    const err = await rejection(c.getToFile('g/none', target), 'CLOUD');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/^cloud get: s3 'backup' bucket 'strata-multipart' key 'g\/none': 404 Not Found/);
    expect(c.stats.get).toBe(1);
    expect(fs.existsSync(target)).toBe(false);
  });

  it('a file that cannot be written: IO, not retried', async () => {
    const c = open();
    const err = await rejection(c.getToFile('g/object', path.join(tmp.dir, 'no-such-folder', 'f')), 'IO');
    expect(err.message).toMatch(/^cloud get: .*no-such-folder\/f: ENOENT/);
    expect(c.stats.get).toBe(1);
  });
});
