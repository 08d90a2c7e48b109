// @ts-check
/**
 * Child process of the injection crash tests: builds a database with partitions on
 * `hot` (file + events in memory), switches error-injection point argv[3] on, runs
 * statement argv[4], and dies without closing (exit code 7) when the point is hit,
 * leaving files and manifest as a crash at that step would. Plain JavaScript on the
 * build (dist/), so that it starts fast.
 */
import { BatchBuilder, Strata } from '../../dist/src/index.js';

const [dir, point, statement] = process.argv.slice(2);
const db = await Strata.open(String(dir), { workers: 0, interval: 1000 });
await db.execute("CREATE STORAGE hot; CREATE STORAGE cold (compression lz4); ALTER PIPELINE hot, cold");
const b = new BatchBuilder();
for (let i = 0; i < 3000; i++) b.insert(i, 'k', `v${i}`);
await db.write(b);
await db.checkpoint();
const more = new BatchBuilder();
for (let i = 0; i < 3000; i += 7) more.insert(i, 'k', `w${i}`); // replaces, in memory
more.delete(5, 'k');
await db.write(more);
await db.execute(`SET ${point} TO true`);
try {
  await db.execute(String(statement));
} catch (e) {
  if (e instanceof Error && e.message.includes('error injection')) process.exit(7);
  throw e;
}
process.exit(0);
