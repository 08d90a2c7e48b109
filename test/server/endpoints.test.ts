/**
 * Every endpoint of `strata serve` against a real server on 127.0.0.1: writes (binary
 * and Arrow), pages of events in each format with their tokens, statements with their
 * errors and HTTP statuses, the health check, Prometheus metrics parsed by a text
 * parser, and the bearer token.
 */
import { Binary, Table, Uint64, Utf8, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import parsePrometheus from 'parse-prometheus-text-format';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { StrataClient, StrataError } from '../../src/index.ts';
import { DEFAULT_LIMITS, NEXT_HEADER, startServer } from '../../src/server/index.ts';
import { scan } from '../engine/helpers.ts';
import { type Served, batch, serve } from './helpers.ts';

let s: Served;
beforeEach(async () => {
  s = await serve({ config: { interval: 1000n } });
});
afterEach(async () => {
  await s.close();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${s.server.url}${path}`, { headers });
}

async function rejected(p: Promise<unknown>): Promise<StrataError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StrataError);
  return e as StrataError;
}

describe('POST /v1/write', () => {
  test('a binary batch and an Arrow IPC stream are written, each atomically, serial ids reported', async () => {
    expect(await s.client.write(batch(0, 10))).toEqual({ events: 10, serial: null });
    const table = new Table({
      id: vectorFromArray([null, 2n ** 60n, null], new Uint64()),
      key: vectorFromArray(['a', null, 'b'], new Utf8()),
      value: vectorFromArray([new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])], new Binary()),
    });
    const r = await s.client.writeArrow(tableToIPC(table, 'stream'));
    expect(r).toEqual({ events: 3, serial: { first: 1n, last: 2n } });
    const rows = scan(s.db);
    expect(rows.length).toBe(13);
    expect(rows.at(-1)).toEqual({ id: 2n ** 60n, key: '', value: '\u0002' });
  });

  test('a bad batch is 400 with nothing written; another content type 415', async () => {
    const cut = batch(0, 5).subarray(0, 40); // a batch cut short
    const e = await rejected(s.client.write(cut));
    expect(e.code).toBe('INVALID_INPUT');
    expect(scan(s.db)).toEqual([]);
    const r = await fetch(`${s.server.url}/v1/write`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(415);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/binary batch \(application\/octet-stream\) or an Arrow IPC stream/);
  });
});

describe('GET /v1/events', () => {
  beforeEach(async () => {
    await s.client.write(batch(0, 25, 3));
  });

  test('json pages with a token in the body and the header, to the end', async () => {
    const r = await get('/v1/events?limit=10');
    const body = (await r.json()) as { events: { id: number }[]; next: string };
    expect(body.events.map((e) => e.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.headers.get(NEXT_HEADER)).toBe(body.next);
    const all = [];
    for await (const e of s.client.events({ limit: 7 })) all.push(e);
    expect(all.map((e) => e.id)).toEqual(Array.from({ length: 25 }, (_, i) => BigInt(i)));
    expect(new TextDecoder().decode(all[4]!.key)).toBe('k1');
    expect(new TextDecoder().decode(all[4]!.value)).toBe('v4'.padEnd(20, '.'));
  });

  test('ndjson and arrow pages', async () => {
    const nd = await get('/v1/events?format=ndjson&from=3&to=5');
    expect(nd.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    expect((await nd.text()).trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id)).toEqual([3, 4, 5]);
    expect(nd.headers.get(NEXT_HEADER)).toBeNull(); // the range is read
    const ar = await get('/v1/events?format=arrow&limit=4');
    const t = tableFromIPC(new Uint8Array(await ar.arrayBuffer()));
    expect(t.numRows).toBe(4);
    expect(t.getChild('id')!.toArray()).toEqual(new BigUint64Array([0n, 1n, 2n, 3n]));
    expect(ar.headers.get(NEXT_HEADER)).toMatch(/^v1\./);
  });

  test('a page ends at its byte cap; RFC 3339 times are microseconds; bad parameters are 400', async () => {
    await s.close();
    s = await serve({ limits: { pageBytes: 100 } });
    await s.client.write(batch(0, 20, 0, 40));
    const p = await s.client.page({ limit: 1000 });
    expect(p.events.length).toBe(3); // 3 x 42 bytes reach 100
    const t0 = Date.UTC(2026, 11, 2, 10, 15, 3);
    await s.client.write(batch(t0 * 1000 + 250_000, 1));
    const at = await s.client.page({ from: '2026-12-02T10:15:03.25Z', to: '2026-12-02T11:15:03.250001+01:00' });
    expect(at.events.map((e) => e.id)).toEqual([BigInt(t0) * 1000n + 250_000n]);
    for (const [q, pattern] of [
      ['limit=0', /limit is an integer in 1..100000/],
      ['limit=100001', /limit is an integer/],
      ['from=yesterday', /from is an id \(0..2\^64-1\) or an RFC 3339 time/],
      ['from=1969-12-31T23:59:59Z', /before 1970/],
      ['after=v1.garbage', /not one this server gave/],
      ['format=csv', /format is json, ndjson or arrow/],
      ['from=1&from=2', /from is given more than once/],
    ] as const) {
      const r = await get(`/v1/events?${q}`);
      expect(r.status, q).toBe(400);
      expect(((await r.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(pattern) });
    }
  });
});

describe('POST /v1/sql', () => {
  test('results of every statement, u64 values exact', async () => {
    const r = await s.client.sql("INSERT (18446744073709551615, 'k', 'max'); SELECT FROM 18446744073709551615; SHOW PARTITIONS");
    expect(r.map((x) => x.statement)).toEqual(["INSERT (18446744073709551615, 'k', 'max')", 'SELECT FROM 18446744073709551615', 'SHOW PARTITIONS']);
    expect((r[2]!.result as { max: bigint }[])[0]!.max).toBe(2n ** 64n - 1n);
  });

  test('errors carry code, message, position and status; the statements before ran', async () => {
    const cases: [string, number, string, number, number][] = [
      ['SHOW STORAGES;\nSHOW FOO BAR', 400, 'SYNTAX', 2, 10],
      ['SHOW STORAGES; DROP STORAGE nope', 404, 'NOT_FOUND', 1, 16],
      ['CREATE STORAGE a; CREATE STORAGE a', 409, 'ALREADY_EXISTS', 1, 19],
      ['SET interval TO 0', 400, 'INVALID_INPUT', 1, 1],
    ];
    for (const [sql, status, code, line, column] of cases) {
      const r = await fetch(`${s.server.url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: sql });
      expect(r.status, sql).toBe(status);
      const body = (await r.json()) as { results: unknown[]; error: { code: string; line: number; column: number; message: string } };
      expect(body.error, sql).toMatchObject({ code, line, column });
      expect(body.results.length, sql).toBe(sql.split(';').length - 1);
    }
    expect((await rejected(s.client.sql('DROP STORAGE nope'))).code).toBe('NOT_FOUND');
    expect((await s.db.execute('SHOW STORAGES')) as unknown[]).toHaveLength(2); // storage a was created
  });
});

describe('metrics, health and the token', () => {
  test('GET /metrics parses as Prometheus text, with the documented names', async () => {
    await s.client.write(batch(0, 100));
    await s.db.refresh(0);
    await get('/v1/events?limit=5');
    await get('/v1/events?limit=0');
    const text = await (await get('/metrics')).text();
    const families = new Map(parsePrometheus(text).map((f) => [f.name, f]));
    const value = (name: string, labels: Record<string, string> = {}): number => {
      const f = families.get(name);
      expect(f, name).toBeDefined();
      const m = f!.metrics.find((x) => Object.entries(labels).every(([k, v]) => x.labels?.[k] === v));
      expect(m, `${name} ${JSON.stringify(labels)}`).toBeDefined();
      return Number(m!.value ?? m!.count);
    };
    expect(value('strata_events_written_total')).toBe(100);
    expect(value('strata_bytes_written_total')).toBeGreaterThan(2000);
    expect(families.get('strata_write_seconds')!.type).toBe('HISTOGRAM');
    expect(value('strata_write_seconds')).toBe(1);
    expect(families.get('strata_wal_sync_seconds')!.type).toBe('HISTOGRAM');
    expect(value('strata_operations_total', { kind: 'refresh', result: 'ok' })).toBe(1);
    expect(value('strata_operation_bytes_total', { kind: 'refresh' })).toBeGreaterThan(0);
    expect(value('strata_storage_partitions', { storage: 'main', location: 'local' })).toBe(1);
    expect(value('strata_storage_events', { storage: 'main' })).toBe(100);
    expect(value('strata_storage_bytes', { storage: 'main', location: 'local' })).toBeGreaterThan(0);
    expect(value('strata_memtable_bytes')).toBe(0);
    expect(value('strata_memory_limit_bytes')).toBe(0);
    expect(value('strata_operations_in_flight', { kind: 'move' })).toBe(0);
    expect(value('strata_upload_lag_partitions')).toBe(0);
    expect(value('strata_upload_lag_bytes')).toBe(0);
    expect(value('strata_http_requests_total', { route: '/v1/events', method: 'GET', status: '200' })).toBe(1);
    expect(value('strata_http_requests_total', { route: '/v1/events', method: 'GET', status: '400' })).toBe(1);
    expect(families.get('strata_http_request_seconds')!.type).toBe('HISTOGRAM');
    expect(families.has('strata_rejections_total')).toBe(true);
    expect(families.has('strata_cloud_requests_total')).toBe(true);
    expect(value('strata_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const name of families.keys()) expect(name).toMatch(/^strata_/);
  });

  test('with a token: refused without it or with another, accepted with it; the health check is open', async () => {
    await s.close();
    const token = 'a-long-enough-token-0123456789';
    s = await serve({ token });
    const none = await get('/v1/events');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await get('/v1/events', { authorization: 'Bearer another-token-of-some-length' })).status).toBe(401);
    expect((await get('/v1/events', { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await get('/healthz')).status).toBe(200);
    expect((await rejected(new StrataClient(s.server.url).write(batch(0, 1)))).code).toBe('UNAUTHORIZED');
    expect(await s.client.write(batch(0, 1))).toEqual({ events: 1, serial: null });
    const text = await (await get('/metrics', { authorization: `Bearer ${token}` })).text();
    expect(parsePrometheus(text).find((f) => f.name === 'strata_rejections_total')!.metrics.find((m) => m.labels?.reason === 'unauthorized')!.value).toBe('3');
  });

  test('a host other than loopback without a token is refused before listening; a short token too', async () => {
    const base = { port: 0, tls: null, limits: DEFAULT_LIMITS };
    await expect(startServer(s.db, { ...base, host: '0.0.0.0', token: null })).rejects.toThrow(/reachable from other machines, and no token is set: give --token-file/);
    await expect(startServer(s.db, { ...base, host: '127.0.0.1', token: 'short' })).rejects.toThrow(/shorter than 16/);
    await expect(startServer(s.db, { ...base, host: '127.0.0.1', token: null, limits: { ...DEFAULT_LIMITS, pageBytes: 0 } })).rejects.toThrow(/pageBytes is an integer >= 1/);
  });
});
