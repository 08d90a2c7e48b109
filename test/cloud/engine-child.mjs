/**
 * Child process of the cloud crash tests (engine-crash.test.ts):
 *
 *   node engine-child.mjs <dir> <s3 url> <injection point> <statement>
 *
 * Builds a database (WAL on) whose partitions have every kind of copy, with events in
 * memory in each, switches the injection point on, runs the statement and, when the
 * point is hit, dies at once without closing anything (exit code 7): the files, the
 * manifest and the bucket are left as a crash at that step would leave them. Exit 0:
 * the statement ended without reaching the point; 3: it failed otherwise.
 *
 * The environment variable STRATA_TEST_FORMAT gives cold's `format` (default strata).
 *
 * Layout (interval 1000, events 0..4999 with key 'k', value `v<i>`):
 *
 * | partition | storage | copies                              |
 * |-----------|---------|-------------------------------------|
 * | 0, 1000   | main    | local                               |
 * | 2000      | cold    | cloud only                          |
 * | 3000      | cold    | local only (cold has the cloud s3)  |
 * | 4000      | cold    | local and cloud                     |
 *
 * The live files are generation 1 (the checkpoint) on main and 2 (the move) on cold.
 * Then, in memory only (the WAL): every 7th event replaced by `w<i>`, events 5, 2005
 * and 3005 deleted. {@link expectedValue} is the result.
 */
import { BatchBuilder, Strata } from '../../dist/src/index.js';

const [dir, url, point, statement] = process.argv.slice(2);

/** Events the child writes: ids 0..EVENTS-1. */
export const EVENTS = 5000;

/**
 * The value event `i` has once the child's writes are all applied, or undefined when deleted.
 * @param {number} i
 * @returns {string | undefined}
 */
export function expectedValue(i) {
  if (i === 5 || i === 2005 || i === 3005) return undefined;
  return i % 7 === 0 ? `w${i}` : `v${i}`;
}

/** @returns {Promise<void>} */
async function main() {
  // workers_upload 0 as well: nothing runs in the background, the layout is exact
  const db = await Strata.open(String(dir), { workers: 0, workers_upload: 0, interval: 1000 });
  await db.execute(`CREATE CLOUD s3 (type 's3', url '${url}', access_key 'S3RVER', secret_key 'S3RVER', path_style true); CREATE STORAGE cold (cloud 's3', format '${process.env.STRATA_TEST_FORMAT ?? 'strata'}')`);
  const b = new BatchBuilder();
  for (let i = 0; i < EVENTS; i++) b.insert(i, 'k', `v${i}`);
  await db.write(b);
  await db.checkpoint();
  await db.execute('MOVE PARTITION 2000 INTO cold');
  await db.execute('MOVE PARTITION 3000 INTO cold; DOWNLOAD PARTITION 3000; DROP PARTITION 3000 ON CLOUD');
  await db.execute('MOVE PARTITION 4000 INTO cold; DOWNLOAD PARTITION 4000');
  const more = new BatchBuilder();
  for (let i = 0; i < EVENTS; i += 7) more.insert(i, 'k', `w${i}`);
  for (const i of [5, 2005, 3005]) more.delete(i, 'k');
  await db.write(more);
  await db.execute(`SET ${point} TO true`);
  try {
    await db.execute(String(statement));
  } catch (e) {
    if (e instanceof Error && e.message.includes('error injection point reached')) process.exit(7);
    throw e;
  }
  process.exit(0);
}

if (dir !== undefined && process.argv[1]?.endsWith('engine-child.mjs')) {
  main().catch((/** @type {unknown} */ e) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(3);
  });
}
