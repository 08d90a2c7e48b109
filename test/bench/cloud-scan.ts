/**
 * The cloud scan benchmark (`npm run bench:cloud`): one partition of 100-byte events
 * (values that compress about 2:1) in a storage on a real S3 server (s3rver, started
 * here on 127.0.0.1), scanned from the cloud region by region with a region size of
 * 64 KiB and of 1 MiB, with and without read-ahead. For each: the ranged GETs a full
 * scan makes and the scan rate, beside the peer measured in the same run: the same
 * file scanned from local disk.
 *
 * Options: --events N (default 1,000,000).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchBuilder, Strata } from '../../src/index.ts';
import { startS3Server } from '../cloud/s3-server.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 1_000_000);
const MiB = 1024 * 1024;

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}

/** Scans everything; returns events and seconds. */
async function scan(db: Strata, readAhead: number): Promise<{ n: number; s: number }> {
  const t = process.hrtime.bigint();
  let n = 0;
  const c = db.cursor({ readAhead });
  while (c.next() || (await c.nextAsync())) n++;
  return { n, s: Number(process.hrtime.bigint() - t) / 1e9 };
}

async function requests(db: Strata): Promise<number> {
  return ((await db.execute('SHOW CLOUD s3')) as { requests: Record<string, number> }).requests.range ?? 0;
}

const s3 = await startS3Server();
try {
  console.log(`${EVENTS} events of 100 bytes in one partition; cloud: s3rver on 127.0.0.1`);
  for (const regionSize of [64 * 1024, 1024 * 1024]) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-cloud-'));
    const db = await Strata.open(dir, { workers: 2, interval: 1n << 40n, wal: false });
    try {
      await db.execute(`CREATE CLOUD s3 (type 's3', url '${s3.url}', access_key 'S3RVER', secret_key 'S3RVER', path_style true)`);
      await db.execute(`CREATE STORAGE cold (cloud 's3', region_size ${regionSize}, cloud_drop_local false)`);
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
      const local = await scan(db, 0);
      const localRate = local.n / local.s;
      await db.execute('DROP PARTITION 0 ON STORAGE');
      console.log(`\nregion_size ${regionSize / 1024} KiB: ${p!.regions} regions, ${(p!.size / MiB).toFixed(1)} MiB stored (${(p!.size_uncompressed / MiB).toFixed(1)} MiB raw)`);
      console.log(`  local file (peer)            ${fmt(localRate).padStart(8)} events/s`);
      for (const ahead of [0, 4]) {
        const r0 = await requests(db);
        const r = await scan(db, ahead);
        const gets = (await requests(db)) - r0;
        if (r.n !== EVENTS) throw new Error(`scanned ${r.n} of ${EVENTS}`);
        const rate = r.n / r.s;
        // the first scan also reads the index (one ranged GET, then cached)
        const label = `  cloud, readAhead ${ahead}`.padEnd(32);
        console.log(`${label}${fmt(rate).padStart(8)} events/s ${(p!.size / MiB / r.s).toFixed(1).padStart(6)} MiB/s stored  ${gets} ranged GETs per scan  (${(rate / localRate).toFixed(2)}x peer)`);
      }
    } finally {
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
} finally {
  await s3.close();
}
