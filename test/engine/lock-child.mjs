/**
 * Child process of the lock tests. Prints `ready` once loaded, then, for each line
 * `open` on stdin, opens the database in argv[2] and prints `opened` or
 * `error <code> <message>`; when stdin ends it closes what it opened and exits.
 * Plain JavaScript on the build (dist/, brought up to date by test/global-setup.ts).
 */
import { createInterface } from 'node:readline';
import { Strata, StrataError } from '../../dist/src/index.js';

const dir = process.argv[2];
/** @type {Strata | undefined} */
let db;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line !== 'open') return;
  Strata.open(dir, { workers: 0 }).then(
    (opened) => {
      db = opened;
      process.stdout.write('opened\n');
    },
    (e) => process.stdout.write(`error ${e instanceof StrataError ? e.code : 'OTHER'} ${e.message}\n`),
  );
});
lines.on('close', () => {
  void (db?.close() ?? Promise.resolve()).then(() => process.exit(0));
});
process.stdout.write('ready\n');
