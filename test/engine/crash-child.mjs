// @ts-check
/**
 * Child process of the crash test: writes batches to the database in argv[2] for
 * round argv[3] and prints `ack <k>` once batch k is acknowledged, until killed.
 * Plain JavaScript on the build (dist/), so that it starts fast: test/global-setup.ts
 * builds it before the tests run.
 *
 * Batch k of round r holds events `(r * 1e6 + k * 10 + j, 'k')` for j = 0..9 with value
 * `r<r>-b<k>-<j>`, and (k odd) deletes event 9 of batch k - 1. Background refreshes
 * (refresh_wm small, one worker) and periodic checkpoints run while it writes, so a
 * kill lands in every phase; a refresh whose memtable starts with an even batch (no
 * delete of an event already in the file) appends to the file, the others rewrite it.
 */
import { BatchBuilder, Strata } from '../../dist/src/index.js';

const [dir, roundArg] = process.argv.slice(2);
const round = Number(roundArg);
const db = await Strata.open(String(dir), { wal_sync_on_write: true, workers: 1, refresh_wm: 16 * 1024, interval: 5_000n, region_size: 4096 });
const base = BigInt(round) * 1_000_000n;
for (let k = 0; ; k++) {
  const b = new BatchBuilder();
  for (let j = 0; j < 10; j++) b.insert(base + BigInt(k * 10 + j), 'k', `r${round}-b${k}-${j}`.padEnd(60, '.'));
  if (k % 2 === 1) b.delete(base + BigInt((k - 1) * 10 + 9), 'k');
  await db.write(b);
  process.stdout.write(`ack ${k}\n`);
  if (k % 97 === 96) void db.checkpoint().catch(() => undefined);
}
