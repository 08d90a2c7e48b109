/**
 * Do moves keep up with a sustained write load? (`npm run bench:moves`)
 *
 * Serial events of 100 bytes are written in batches of 1000 as fast as the database
 * takes them, for `--seconds` (default 10), into a database with the pipeline
 * `hot (partitions 2), cold` and the background service on (default settings
 * otherwise). Every 100 ms a sampler notes the operations in flight (`SHOW
 * OPERATIONS`) and, for each partition on `hot` beyond its two newest, since when it
 * has been waiting to move. It prints, for each half of the run (so that a lag that
 * grows with the run shows): the largest number of operations in flight, the longest
 * time a partition stayed on `hot` past its limit; then how long the pipeline took to
 * settle once writes stopped. The peer: the same writes into a database without a
 * pipeline, in the same run.
 *
 * Options: --seconds N, --interval N (ids per partition; default: the database's),
 * --value N (bytes, default 100).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchBuilder, Strata } from '../../src/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const SECONDS = Number(args.get('seconds') ?? 10);
const VALUE = Number(args.get('value') ?? 100);
const INTERVAL = args.has('interval') ? BigInt(args.get('interval')!) : undefined;

interface Part {
  min: bigint;
  storage: string;
  created: number;
}

function batch(): Uint8Array {
  const b = new BatchBuilder(1000 * (VALUE + 32));
  const value = new Uint8Array(VALUE).fill(97);
  for (let i = 0; i < 1000; i++) b.append(undefined, value);
  return b.finish().slice();
}

/** Writes for SECONDS; `sample` runs every 100 ms meanwhile. Returns events/s. */
async function writeFor(db: Strata, sample: (elapsed: number) => Promise<void>): Promise<number> {
  const bytes = batch();
  const t0 = performance.now();
  let events = 0;
  let sampling = false;
  const timer = setInterval(() => {
    if (sampling) return;
    sampling = true;
    void sample((performance.now() - t0) / 1000).finally(() => (sampling = false));
  }, 100);
  try {
    while (performance.now() - t0 < SECONDS * 1000) {
      await db.write(bytes);
      events += 1000;
    }
  } finally {
    clearInterval(timer);
  }
  return events / ((performance.now() - t0) / 1000);
}

async function run(pipeline: boolean): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-move-lag-'));
  const db = await Strata.open(dir, INTERVAL === undefined ? {} : { interval: INTERVAL });
  try {
    if (!pipeline) {
      const rate = await writeFor(db, async () => undefined);
      console.log(`peer: the same writes without a pipeline   ${(rate / 1e6).toFixed(2)}M events/s`);
      return;
    }
    await db.execute('CREATE STORAGE hot; CREATE STORAGE cold; ALTER PIPELINE hot (partitions 2), cold');
    const halves = [{ ops: 0, wait: 0 }, { ops: 0, wait: 0 }];
    const over = new Map<bigint, number>(); // partition -> when it was first seen past hot's limit
    const observe = async (elapsed: number): Promise<number> => {
      const ops = ((await db.execute('SHOW OPERATIONS')) as { state: string }[]).filter((o) => o.state === 'running').length;
      const hot = ((await db.execute('SHOW PARTITIONS hot')) as Part[]).sort((a, b) => b.created - a.created || (a.min < b.min ? 1 : -1));
      const waiting = new Set(hot.slice(2).map((p) => p.min));
      let longest = 0;
      for (const min of waiting) {
        if (!over.has(min)) over.set(min, elapsed);
        longest = Math.max(longest, elapsed - over.get(min)!);
      }
      for (const min of [...over.keys()]) if (!waiting.has(min)) over.delete(min);
      const h = halves[elapsed < SECONDS / 2 ? 0 : 1]!;
      h.ops = Math.max(h.ops, ops);
      h.wait = Math.max(h.wait, longest);
      return ops + waiting.size;
    };
    const rate = await writeFor(db, async (elapsed) => void (await observe(elapsed)));
    const stop = performance.now();
    while ((await observe(SECONDS)) > 0) await new Promise((r) => setTimeout(r, 50));
    const settle = (performance.now() - stop) / 1000;
    const parts = (await db.execute('SHOW PARTITIONS')) as Part[];
    console.log(`writes with hot (partitions 2), cold         ${(rate / 1e6).toFixed(2)}M events/s, ${parts.length} partitions`);
    for (const [i, h] of halves.entries()) {
      console.log(`  ${i === 0 ? 'first' : 'second'} half: at most ${h.ops} operations in flight; a partition waited at most ${h.wait.toFixed(1)} s on hot past its limit`);
    }
    console.log(`  settled ${settle.toFixed(2)} s after the writes stopped`);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await run(true);
await run(false);
