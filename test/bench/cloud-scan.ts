/**
 * The cloud scan benchmark (`npm run bench:cloud`): one partition of 100-byte events
 * (values that compress about 2:1) in a storage on a real S3 server (s3rver, started
 * here on 127.0.0.1), scanned from the cloud with a region size of 64 KiB and of
 * 1 MiB: with `readAhead` 0 (one region per request, one request at a time), 4, and the
 * default read-ahead. For each: the ranged GETs a full scan makes and the scan rate,
 * beside the peer measured in the same run: the same file scanned from local disk.
 * A last line fetches the object's bytes alone (no decoding), as fast as the server
 * gives them: the bound of any cloud scan on this machine.
 *
 * Each region size runs twice, cold in Strata's format and in Parquet (`format
 * 'parquet'`, docs/parquet-format.md), in the same run; a last line per region size
 * compares them: the cold scan rate with the default read-ahead, ranged GETs per scan,
 * and bytes on the bucket per event (Parquet over Strata's format); then `--pairs`
 * (9) pairs of cold scans of the two, in turns which first, give the median ratio of
 * the pairs and their range.
 *
 * Options: --events N (default 1,000,000), --runs N (scans of each kind, the fastest
 * counts; default 3).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openCloud } from '../../src/cloud/index.ts';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { startS3Server } from '../cloud/s3-server.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 1_000_000);
const RUNS = Number(args.get('runs') ?? 3);
/** Alternating pairs of cold scans (Strata's format, then Parquet) per region size. */
const PAIRS = Number(args.get('pairs') ?? 9);
const MiB = 1024 * 1024;

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}

/**
 * Scans everything (with the default read-ahead when `readAhead` is undefined), `RUNS`
 * times; returns the events and the seconds of the fastest run (the machines are
 * shared: the fastest run is the one least disturbed).
 */
async function scan(db: Strata, readAhead?: number): Promise<{ n: number; s: number }> {
  let best = { n: 0, s: Infinity };
  for (let run = 0; run < RUNS; run++) {
    const t = process.hrtime.bigint();
    let n = 0;
    const c = db.cursor(readAhead === undefined ? {} : { readAhead });
    while (c.next() || (await c.nextAsync())) n++;
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    if (s < best.s) best = { n, s };
  }
  return best;
}

/**
 * The server's own limit: the object's bytes by ranged GETs of 4 MiB, 4 in flight, not
 * decoded, through a client of its own; seconds of the fastest of `RUNS`.
 */
async function bytesAlone(db: Strata, url: string): Promise<number> {
  const uuid = ((await db.execute('SHOW STORAGE cold')) as { config: { uuid: string } }).config.uuid;
  const cloud = openCloud('raw', { type: 's3', url, region: '', bucket: `strata-${uuid}`, access_key: 'S3RVER', secret_key: 'S3RVER', path_style: true, debug: false });
  try {
    const [object] = await cloud.list(`${uuid}/`);
    const chunk = 4 * MiB;
    let best = Infinity;
    for (let run = 0; run < RUNS; run++) {
      let next = 0;
      const t = process.hrtime.bigint();
      const fetchOn = async (): Promise<void> => {
        while (next < object!.size) {
          const start = next;
          next = Math.min(object!.size, next + chunk);
          await cloud.getRange(object!.key, start, next);
        }
      };
      await Promise.all([fetchOn(), fetchOn(), fetchOn(), fetchOn()]);
      best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e9);
    }
    return best;
  } finally {
    cloud.close();
  }
}

/**
 * One full cold scan with the default read-ahead: its seconds, and the CPU this
 * process spent on it in ns per event (the scan's decoding and HTTP client; s3rver runs
 * in a process of its own).
 */
async function once(db: Strata): Promise<{ s: number; cpu: number }> {
  const t = process.hrtime.bigint();
  const u = process.cpuUsage();
  const c = db.cursor();
  let n = 0;
  while (c.next() || (await c.nextAsync())) n++;
  if (n !== EVENTS) throw new Error(`scanned ${n} of ${EVENTS}`);
  const used = process.cpuUsage(u);
  return { s: Number(process.hrtime.bigint() - t) / 1e9, cpu: ((used.user + used.system) * 1000) / n };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

async function requests(db: Strata): Promise<number> {
  return ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests.range ?? 0;
}

const s3 = await startS3Server();
try {
  console.log(`${EVENTS} events of 100 bytes in one partition; cloud: s3rver on 127.0.0.1`);
  for (const regionSize of [64 * 1024, 1024 * 1024]) {
    const seen = new Map<string, { rate: number; gets: number; bytes: number }>();
    const open: { db: Strata; dir: string }[] = [];
    try {
      for (const format of ['strata', 'parquet']) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-cloud-'));
        const db = await Strata.open(dir, { workers: 2, interval: 1n << 40n, wal: false });
        open.push({ db, dir });
        await db.execute(`CREATE CLOUD s3 (type 's3', url '${s3.url}', access_key 'S3RVER', secret_key 'S3RVER', path_style true)`);
        await db.execute(`CREATE STORAGE cold (cloud 's3', region_size ${regionSize}, cloud_drop_local false, format '${format}')`);
        // half of each value random, half constant: about 2:1 under zstd
        const value = new Uint8Array(100).fill(46);
        let x = 1;
        for (let i = 0; i < EVENTS; i += 1000) {
          const b = new BatchBuilder(1000 * 130);
          for (let j = i; j < i + 1000; j++) {
            for (let k = 0; k < 50; k++) {
              x ^= x << 13;
              x ^= x >>> 17;
              x ^= x << 5;
              value[k] = x & 0xff;
            }
            b.insert(j, undefined, value);
          }
          await db.write(b);
        }
        await db.execute('MOVE PARTITION 0 INTO cold');
        const [p] = (await db.execute('SHOW PARTITIONS')) as { regions: number; size: number; size_uncompressed: number }[];
        const local = await scan(db);
        const localRate = local.n / local.s;
        await db.execute('DROP PARTITION 0 ON STORAGE');
        console.log(`\nformat ${format}, region_size ${regionSize / 1024} KiB: ${p!.regions} regions, ${(p!.size / MiB).toFixed(1)} MiB stored (${(p!.size_uncompressed / MiB).toFixed(1)} MiB raw)`);
        console.log(`${'  local file (peer)'.padEnd(44)}${fmt(localRate).padStart(8)} events/s`);
        for (const ahead of [0, 4, undefined]) {
          const r0 = await requests(db);
          const r = await scan(db, ahead);
          const gets = ((await requests(db)) - r0) / RUNS;
          if (r.n !== EVENTS) throw new Error(`scanned ${r.n} of ${EVENTS}`);
          const rate = r.n / r.s;
          // the first scan also reads the index (one ranged GET, then cached): GETs are an average
          const label = `  cloud, ${ahead === undefined ? `default (${String(db.config.read_ahead)} regions, ${db.config.read_ahead_size / MiB} MiB)` : `readAhead ${ahead}`}`.padEnd(44);
          console.log(`${label}${fmt(rate).padStart(8)} events/s ${(p!.size / MiB / r.s).toFixed(1).padStart(6)} MiB/s stored  ${Math.round(gets)} ranged GETs per scan  (${(rate / localRate).toFixed(2)}x peer)`);
          if (ahead === undefined) seen.set(format, { rate, gets, bytes: p!.size / EVENTS });
        }
        // what the server and the client's HTTP stack can do at all: the bound of any scan
        const s = await bytesAlone(db, s3.url);
        const label = '  the bytes alone (4 MiB GETs x 4, no decode)'.padEnd(44);
        console.log(`${label}${fmt(EVENTS / s).padStart(8)} events/s ${(p!.size / MiB / s).toFixed(1).padStart(6)} MiB/s stored  (${(EVENTS / s / localRate).toFixed(2)}x peer)`);
      }
      // the two formats' cold scans again, alternating, so that the machine's noise falls on both
      const ratios: number[] = [];
      const cpu: [number[], number[]] = [[], []];
      for (let pair = 0; pair < PAIRS; pair++) {
        // in turns which goes first (ABBA), so that neither always follows the other's garbage
        const first = pair % 2 === 0 ? 0 : 1;
        const t1 = await once(open[first]!.db);
        const t2 = await once(open[1 - first]!.db);
        const [a, b] = first === 0 ? [t1, t2] : [t2, t1];
        ratios.push(a.s / b.s);
        cpu[0].push(a.cpu);
        cpu[1].push(b.cpu);
      }
      ratios.sort((x, y) => x - y);
      const [a, b] = [seen.get('strata')!, seen.get('parquet')!];
      console.log(
        `\nParquet beside Strata's format, region_size ${regionSize / 1024} KiB, default read-ahead: cold scan ${fmt(b.rate)} / ${fmt(a.rate)} events/s = ${(b.rate / a.rate).toFixed(2)}x ` +
          `(${PAIRS} alternating pairs: median ${ratios[ratios.length >> 1]!.toFixed(2)}x, ${ratios[0]!.toFixed(2)}-${ratios.at(-1)!.toFixed(2)}x); ` +
          `ranged GETs per scan ${Math.round(b.gets)} / ${Math.round(a.gets)}; bytes per event ${b.bytes.toFixed(1)} / ${a.bytes.toFixed(1)} = ${(b.bytes / a.bytes).toFixed(2)}x; ` +
          `this process's CPU per event scanned (median) ${median(cpu[1]).toFixed(0)} / ${median(cpu[0]).toFixed(0)} ns`,
      );
    } finally {
      for (const { db, dir } of open) {
        await db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  await s3.close();
}
