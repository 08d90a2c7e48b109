// A plain JavaScript application of the installed package (test/consumer/run.sh runs
// it under each Node version): open, write with BatchBuilder (explicit and serial
// ids, a delete), scan, execute, refresh and move in worker threads (zstd, lz4, aes),
// close, reopen and check that everything came back; an Arrow export imported into a
// second database. Exits non-zero on any error.
//
//   node app.mjs DIR
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { BatchBuilder, Strata, isStrataError, toJson } from 'strata-db';

const dir = process.argv[2];
assert.ok(dir, 'usage: node app.mjs DIR');
const text = new TextDecoder();

/** Every event, as [id, key, value] strings, through the fast path. */
function scan(db) {
  const out = [];
  const c = db.cursor();
  while (c.next()) out.push([c.event.id.toString(), text.decode(c.event.key), text.decode(c.event.value)]);
  assert.equal(c.blocked, false);
  return out;
}

// workers 1: refreshes and moves run in a worker thread, on the package's JavaScript
let db = await Strata.open(dir, { interval: 1000, workers: 1 });
assert.deepEqual(db.storages, ['main']);

const b = new BatchBuilder();
b.insert(5000n, 'sensor-1', '21.5').insert(5001, 'sensor-1', '21.6');
b.append('log', 'started').append('log', 'running');
b.delete(5001, 'sensor-1');
const w = await db.write(b);
assert.equal(w.events, 5);
assert.deepEqual(w.serial, { first: 1n, count: 2 });
assert.ok(w.lsn > 0n);

const expected = [
  ['1', 'log', 'started'],
  ['2', 'log', 'running'],
  ['5000', 'sensor-1', '21.5'],
];
assert.deepEqual(scan(db), expected);

// statements: a storage with lz4 and encryption, a move into it, results as data
await db.execute("CREATE STORAGE archive (compression 'lz4', encryption 'aes')");
assert.deepEqual(db.storages, ['archive', 'main']);
const checkpoint = await db.checkpoint(); // zstd files on main, written by the worker
assert.equal(checkpoint.partitions, 2);
await db.execute('MOVE PARTITION 0 INTO archive');
const parts = await db.execute('SHOW PARTITIONS');
assert.deepEqual(parts.map((p) => [p.min, p.storage]), [[0n, 'archive'], [5000n, 'main']]);
assert.equal(toJson(await db.execute('SELECT FROM 1 TO 2')), '[{"id":1,"key":"log","value":"started"},{"id":2,"key":"log","value":"running"}]');
const storages = await db.execute('SHOW STORAGES');
assert.equal(storages.find((s) => s.name === 'archive').config.encryption_key, '(secret)');

// errors are StrataErrors with a code
await assert.rejects(db.execute('SHOW PARTITION 1000000000000000'), (e) => isStrataError(e, 'NOT_FOUND'));
await assert.rejects(db.write(new Uint8Array(8)), (e) => isStrataError(e, 'INVALID_INPUT'));

// events only in the WAL at close come back by replay
await db.write(new BatchBuilder().append('log', 'stopping'));
await db.close();

db = await Strata.open(dir);
assert.ok(db.openReport.wal !== null && db.openReport.wal.records >= 1, 'the WAL was replayed');
const w2 = await db.write(new BatchBuilder().append('log', 'again'));
assert.deepEqual(w2.serial, { first: 4n, count: 1 }, 'serial ids go on after reopen');
assert.deepEqual(scan(db), [...expected.slice(0, 2), ['3', 'log', 'stopping'], ['4', 'log', 'again'], expected[2]]);
assert.deepEqual(db.storages, ['archive', 'main']);

// Arrow: an export as an IPC stream through a real Writable, imported into a second
// database a record batch at a time: the same events (apache-arrow on this Node)
const chunks = [];
await db.exportArrow(new Writable({ write: (c, _e, cb) => (chunks.push(c), cb()) }), { batchRows: 2 });
const copy = await Strata.open(`${dir}-arrow`, { workers: 0 });
const streamed = await copy.writeArrow(Readable.from(chunks));
assert.equal(streamed.batches, 3);
assert.deepEqual(scan(copy), scan(db));
let rows = 0;
for await (const batch of copy.scanArrow()) rows += batch.numRows;
assert.equal(rows, 5);
await copy.close();
await db.close();

console.log(`app.mjs: ok on Node ${process.version}`);
