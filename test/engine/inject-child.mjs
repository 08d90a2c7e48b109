// @ts-check
/**
 * Child process of the injection crash tests: builds a database with partitions on
 * `hot` (file + events in memory), switches error-injection point argv[3] on, runs
 * statement argv[4], and dies without closing (exit code 7) when the point is hit,
 * leaving files and manifest as a crash at that step would. Plain JavaScript on the
 * build (dist/), so that it starts fast.
 *
 * Workload `mixed` (the default): events 0..2999 in files, then replaces of every 7th
 * and a delete of 5 in memory. Workload `append` (argv[5]): the first half of each
 * partition in files of several 1 KiB regions, the second half in memory, after
 * them, so that a refresh appends.
 */
import { BatchBuilder, Strata } from '../../dist/src/index.js';

const [dir, point, statement, workload = 'mixed'] = process.argv.slice(2);
const append = workload === 'append';
const db = await Strata.open(String(dir), { workers: 0, interval: 1000 });
await db.execute(`CREATE STORAGE hot${append ? ' (region_size 1KiB)' : ''}; CREATE STORAGE cold (compression lz4); ALTER PIPELINE hot (partitions 1000), cold`);
const b = new BatchBuilder();
for (let i = 0; i < 3000; i++) if (!append || i % 1000 < 500) b.insert(i, 'k', `v${i}`);
await db.write(b);
await db.checkpoint();
const more = new BatchBuilder();
if (append) {
  for (let i = 0; i < 3000; i++) if (i % 1000 >= 500) more.insert(i, 'k', `v${i}`); // after each file's last event
} else {
  for (let i = 0; i < 3000; i += 7) more.insert(i, 'k', `w${i}`); // replaces, in memory
  more.delete(5, 'k');
}
await db.write(more);
await db.execute(`SET ${point} TO true`);
try {
  await db.execute(String(statement));
} catch (e) {
  if (e instanceof Error && e.message.includes('error injection')) process.exit(7);
  throw e;
}
process.exit(0);
