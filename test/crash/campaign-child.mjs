// @ts-check
/**
 * The child of the crash campaign (campaign.ts), on the build (dist/):
 *
 *   node campaign-child.mjs <dir> <round> <mode> <in flight>
 *
 * Opens the database in <dir> (recovering whatever the previous kill left) with
 * `wal_sync_on_write` and the background service on, prints `ready`, and then:
 * mode `write` writes batch 0, 1, 2, ... of round <round> (workload.mjs), keeping up to
 * <in flight> writes unacknowledged at a time (group commit), and prints `ack <k>` when
 * batch k is acknowledged, until it is killed; mode `open` only opens and waits to be
 * killed. Acknowledgements come in batch order: a write resolves after the sync that
 * covers it, and syncs cover the WAL in order.
 */
import { BatchBuilder, Strata } from '../../dist/src/index.js';
import { batchOps } from './workload.mjs';

const [dir, roundArg, mode, inflightArg] = process.argv.slice(2);
const round = Number(roundArg);
const inflight = Number(inflightArg);

const db = await Strata.open(String(dir), {
  wal_sync_on_write: true,
  workers: 2,
  workers_upload: 1,
  refresh_wm: 48 * 1024,
  region_size: 8192,
});
process.stdout.write('ready\n');
if (mode === 'open') {
  // wait to be killed (the database's own timers do not keep a process alive)
  setInterval(() => undefined, 60_000);
  await new Promise(() => undefined);
}

/** @type {Set<Promise<void>>} */
const pending = new Set();
for (let k = 0; ; k++) {
  const b = new BatchBuilder();
  for (const op of batchOps(round, k)) {
    if (op.value === null) b.delete(op.id, op.key);
    else b.insert(op.id, op.key, op.value);
  }
  const done = db.write(b).then(() => {
    process.stdout.write(`ack ${k}\n`);
  });
  pending.add(done);
  void done.finally(() => pending.delete(done));
  if (pending.size >= inflight) await Promise.race(pending);
}
