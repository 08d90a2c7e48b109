/**
 * The limits of `strata serve`: a body over the limit is 413 with the limit in a
 * header; the memory limit with behaviour `error` and a full write queue are 429 with
 * Retry-After; one client's reads in flight are capped; a client that stops reading
 * holds at most a page in the server, however long the range.
 */
import * as http from 'node:http';
import parsePrometheus from 'parse-prometheus-text-format';
import { expect, test } from 'vitest';
import { BODY_LIMIT_HEADER, DEFAULT_LIMITS, startServer } from '../../src/server/index.ts';
import { scan } from '../engine/helpers.ts';
import { batch, serve } from './helpers.ts';

async function post(url: string, body: Uint8Array): Promise<Response> {
  return fetch(`${url}/v1/write`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
}

async function rejections(url: string): Promise<Record<string, number>> {
  const f = parsePrometheus(await (await fetch(`${url}/metrics`)).text()).find((x) => x.name === 'strata_rejections_total');
  return Object.fromEntries((f?.metrics ?? []).map((m) => [m.labels!.reason!, Number(m.value)]));
}

test('a body over the limit is 413 with the limit stated; nothing is written', async () => {
  const s = await serve({ limits: { bodyBytes: 4096 } });
  try {
    const r = await post(s.server.url, batch(0, 200));
    expect(r.status).toBe(413);
    expect(r.headers.get(BODY_LIMIT_HEADER)).toBe('4096');
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('TOO_LARGE');
    expect(scan(s.db)).toEqual([]);
    expect((await post(s.server.url, batch(0, 10))).status).toBe(200);
    expect(await rejections(s.server.url)).toMatchObject({ body_too_large: 1 });
  } finally {
    await s.close();
  }
});

test('over the memory limit (behaviour error) writes are 429 with Retry-After, and succeed once memory is freed', async () => {
  const s = await serve({ config: { mm_limit: true, mm_limit_wm: 1024 * 1024, mm_limit_behaviour: 'error', interval: 10_000_000n, refresh_wm: 2 ** 40 } });
  try {
    let refused: Response | null = null;
    let ok = 0;
    for (let i = 0; i < 200 && refused === null; i++) {
      const r = await post(s.server.url, batch(i * 1000, 1000, 0, 100));
      if (r.status === 200) ok++;
      else refused = r;
    }
    expect(refused).not.toBeNull();
    expect(refused!.status).toBe(429);
    expect(refused!.headers.get('retry-after')).toBe('1');
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe('OVERLOADED');
    expect(scan(s.db).length).toBe(ok * 1000); // the refused write changed nothing
    await s.db.checkpoint();
    expect((await post(s.server.url, batch(9_000_000, 10))).status).toBe(200);
    expect(await rejections(s.server.url)).toMatchObject({ overloaded: 1 });
  } finally {
    await s.close();
  }
});

test('writes beyond the queue are 429 while earlier ones are in flight', async () => {
  const s = await serve({ limits: { writeQueue: 2 } });
  // a fault: the server's database holds every write until the gate opens
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const held = new Proxy(s.db, {
    get(target, name, receiver) {
      if (name === 'write') return async (b: Uint8Array) => gate.then(() => target.write(b));
      const v = Reflect.get(target, name, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const gated = await startServer(held, { host: '127.0.0.1', port: 0, token: null, tls: null, limits: { ...DEFAULT_LIMITS, writeQueue: 2 } });
  try {
    const waiting = [post(gated.url, batch(0, 1)), post(gated.url, batch(1, 1))];
    let third: Response | null = null;
    // the first two reach the database (and wait there) in some order: until both do, a third may pass
    for (let i = 0; i < 1000 && third?.status !== 429; i++) {
      third = await post(gated.url, batch(100 + i, 1));
      if (third.status !== 429) throw new Error(`the third write was not refused: ${third.status}`);
    }
    expect(third!.status).toBe(429);
    expect(third!.headers.get('retry-after')).toBe('1');
    expect(((await third!.json()) as { error: { message: string } }).error.message).toMatch(/2 writes are in flight, the most this server queues/);
    open();
    expect((await Promise.all(waiting)).map((r) => r.status)).toEqual([200, 200]);
    expect(scan(s.db).map((r) => r.id)).toEqual([0n, 1n]);
    expect(await rejections(gated.url)).toMatchObject({ write_queue_full: 1 });
  } finally {
    open();
    await gated.close();
    await s.close();
  }
});

/** Starts a GET that reads nothing of its answer; resolves when its headers arrived. */
function stalled(url: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      res.pause();
      resolve(req);
    });
    req.on('error', reject);
  });
}

test('a client that stops reading holds one page, and its reads in flight are capped', async () => {
  // pages larger than what the kernel buffers on a socket, so that a stalled read stays in flight
  const s = await serve({ config: { interval: 100_000_000n }, limits: { streamsPerClient: 2, pageBytes: 16 * 1024 * 1024, maxPageEvents: 100_000 } });
  const held: http.ClientRequest[] = [];
  try {
    for (let i = 0; i < 300; i++) await s.db.write(batch(i * 1000, 1000, 0, 1000)); // 300,000 events, 290 MiB
    await s.db.checkpoint();
    global.gc?.();
    const before = process.memoryUsage();
    const url = `${s.server.url}/v1/events?format=ndjson&limit=100000`;
    held.push(await stalled(url), await stalled(url));
    const third = await fetch(url);
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(/reads from .* are in flight, the most one client may have/);
    const after = process.memoryUsage();
    // two pages of 16 MiB of values in flight (and their garbage), not the 290 MiB range
    expect(after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(100 * 1024 * 1024);
    for (const r of held.splice(0)) r.destroy();
    // the cap frees as the stalled reads go
    let ok = false;
    for (let i = 0; i < 1000 && !ok; i++) {
      const r = await fetch(`${s.server.url}/v1/events?limit=1`);
      ok = r.status === 200;
      await r.arrayBuffer();
      if (!ok) await new Promise((res) => setTimeout(res, 5));
    }
    expect(ok).toBe(true);
  } finally {
    for (const r of held) r.destroy();
    await s.close();
  }
});
