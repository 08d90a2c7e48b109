/**
 * The HTTP load benchmark (`npm run bench:http`): `strata serve`'s write path under a
 * bounded loopback load generator (autocannon, in a worker thread, never any address
 * but 127.0.0.1), beside `db.write` of the same batches in the same process.
 *
 * autocannon runs in a process of its own (./load-generator.ts), so that the server and
 * the load generator each have a core.
 *
 * - peer: `db.write` of binary batches of 1000 events of 100 bytes, back to back;
 * - HTTP: `POST /v1/write` of the same batch by `--connections` clients: events/s, and
 *   the latency of a request (p50, p99);
 * - overload: the same load against a database with a memory limit (`mm_limit_wm`
 *   16 MiB, behaviour `error`) that refreshes cannot keep up with: the share of 429s,
 *   and the events/s still written.
 *
 * Options: --seconds N (each run; default 10), --connections N (default 8).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFile } from 'node:child_process';
import type autocannon from 'autocannon';
import { BatchBuilder, type OpenConfig, Strata } from '../../src/index.ts';
import { DEFAULT_LIMITS, startServer } from '../../src/server/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const SECONDS = Number(args.get('seconds') ?? 10);
const CONNECTIONS = Number(args.get('connections') ?? 8);
const EVENTS = 1000;

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}

function makeBatch(): Buffer {
  const b = new BatchBuilder(EVENTS * 130);
  const value = new Uint8Array(100).fill(7);
  for (let i = 0; i < EVENTS; i++) b.append(undefined, value);
  return Buffer.from(b.finish());
}

async function withDb<T>(config: OpenConfig, run: (db: Strata) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-http-'));
  const db = await Strata.open(dir, { workers: 2, ...config });
  try {
    return await run(db);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `db.write` of the batch for SECONDS: events/s. */
async function peer(batch: Buffer): Promise<number> {
  return withDb({}, async (db) => {
    let n = 0;
    const t0 = performance.now();
    const until = t0 + SECONDS * 1000;
    while (performance.now() < until) {
      await db.write(batch);
      n += EVENTS;
    }
    return (n * 1000) / (performance.now() - t0);
  });
}

interface Load {
  readonly rate: number;
  readonly p50: number;
  readonly p99: number;
  readonly ok: number;
  readonly refused: number;
  readonly other: number;
}

/** POST /v1/write of the batch by CONNECTIONS clients for SECONDS. */
async function http(batch: Buffer, config: OpenConfig): Promise<Load> {
  return withDb(config, async (db) => {
    const server = await startServer(db, { host: '127.0.0.1', port: 0, token: null, tls: null, limits: { ...DEFAULT_LIMITS, writeQueue: 1024 } });
    const bodyFile = path.join(os.tmpdir(), `strata-bench-http-${process.pid}.bin`);
    fs.writeFileSync(bodyFile, batch);
    try {
      const r = await generate(`${server.url}/v1/write`, bodyFile);
      const ok = r['2xx'];
      const refused = r.statusCodeStats?.['429']?.count ?? 0;
      return { rate: (ok * EVENTS) / SECONDS, p50: r.latency.p50, p99: r.latency.p99, ok, refused, other: r.non2xx - refused + r.errors };
    } finally {
      fs.rmSync(bodyFile, { force: true });
      await server.close();
    }
  });
}

/** Runs the load generator (./load-generator.ts) against `url`, POSTing the file `body`; its result. */
function generate(url: string, body: string): Promise<autocannon.Result> {
  const argv = ['--import', 'tsx', path.join(import.meta.dirname, 'load-generator.ts'), url, body, String(CONNECTIONS), String(SECONDS)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err !== null) reject(err);
      else resolve(JSON.parse(stdout) as autocannon.Result);
    });
  });
}

const batch = makeBatch();
console.log(`strata bench:http: batches of ${EVENTS} events of 100 bytes, ${CONNECTIONS} connections, ${SECONDS} s per run, node ${process.version}, ${os.cpus().length} cpus`);
const direct = await peer(batch);
console.log(`db.write in process (peer)               ${fmt(direct).padStart(8)} events/s`);
const h = await http(batch, {});
console.log(`POST /v1/write                           ${fmt(h.rate).padStart(8)} events/s  (${(h.rate / direct).toFixed(2)}x peer)  p50 ${h.p50} ms  p99 ${h.p99} ms  ${h.ok} requests${h.other > 0 ? `, ${h.other} failed` : ''}`);
const o = await http(batch, { mm_limit: true, mm_limit_wm: 16 * 1024 * 1024, mm_limit_behaviour: 'error' });
const share = o.refused / Math.max(1, o.ok + o.refused);
console.log(`overload (mm_limit 16 MiB, error)        ${fmt(o.rate).padStart(8)} events/s  p50 ${o.p50} ms  p99 ${o.p99} ms  429: ${(share * 100).toFixed(1)}% of ${o.ok + o.refused} requests${o.other > 0 ? `, ${o.other} other failures` : ''}`);
