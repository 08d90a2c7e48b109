/**
 * The write and scan benchmark (`npm run bench`): 100-byte events written in
 * batches of 200 and 1000, WAL on and off, then scanned through the fast path and
 * the async iterator. Each figure is printed beside a peer measured in the same run
 * (a raw append of the same bytes to a file; a bare decode loop over the same
 * records), because these machines are shared and absolute figures drift.
 *
 * Options: --events N (default 2,000,000), --value N (default 100).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchBuilder, Strata } from '../../src/index.ts';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const EVENTS = Number(args.get('events') ?? 2_000_000);
const VALUE = Number(args.get('value') ?? 100);
const MiB = 1024 * 1024;

function fmt(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : `${(n / 1e3).toFixed(1)}K`;
}

function line(name: string, events: number, bytes: number, seconds: number, peer?: number): number {
  const rate = events / seconds;
  const ratio = peer === undefined ? '' : `  (${(rate / peer).toFixed(2)}x peer)`;
  console.log(`${name.padEnd(44)} ${fmt(rate).padStart(8)} events/s ${(bytes / MiB / seconds).toFixed(0).padStart(6)} MiB/s${ratio}`);
  return rate;
}

function makeBatch(size: number): Uint8Array {
  const b = new BatchBuilder(size * (VALUE + 32));
  const value = new Uint8Array(VALUE).fill(7);
  for (let i = 0; i < size; i++) b.append(undefined, value);
  return b.finish().slice();
}

/** Peer: append the same batch bytes to a file with one writeSync each. */
function rawAppend(dir: string, batch: Uint8Array, batches: number): number {
  const fd = fs.openSync(path.join(dir, 'raw.bin'), 'w');
  const t = process.hrtime.bigint();
  for (let i = 0; i < batches; i++) fs.writeSync(fd, batch);
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  fs.closeSync(fd);
  return s;
}

async function writeRun(walOn: boolean, batchSize: number): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  try {
    const batch = makeBatch(batchSize);
    const batches = Math.ceil(EVENTS / batchSize);
    const events = batches * batchSize;
    const peerS = rawAppend(dir, batch, batches);
    const peer = events / peerS;
    const db = await Strata.open(path.join(dir, 'db'), { wal: walOn, workers: 2, refresh_wm: 2 ** 40, interval: 10_000_000n });
    const t = process.hrtime.bigint();
    for (let i = 0; i < batches; i++) await db.write(batch);
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    line(`write batch ${batchSize}, wal ${walOn ? 'on ' : 'off'}`, events, batch.length * batches, s, peer);
    if (walOn && batchSize === 1000) await scanRuns(db, events, batch.length * batches);
    await db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function scanRuns(db: Strata, events: number, bytes: number): Promise<void> {
  // memtable scan
  scan(db, 'scan memtable (fast path)', events, bytes);
  const t = process.hrtime.bigint();
  await db.checkpoint();
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  line('refresh to files (zstd 1, 2 workers)', events, bytes, s);
  scan(db, 'scan files (fast path)', events, bytes);
  scan(db, 'scan files (fast path)', events, bytes);
  let n = 0;
  const t2 = process.hrtime.bigint();
  for await (const e of db.cursor()) n += e.value.length > 0 ? 1 : 0;
  line('scan files (async iterator)', n, bytes, Number(process.hrtime.bigint() - t2) / 1e9);
}

function scan(db: Strata, name: string, events: number, bytes: number): void {
  // peer: a bare decode loop over one region-sized buffer of the same records, repeated
  const peerBuf = makeBatch(1000).subarray(16);
  const reps = Math.ceil(events / 1000);
  let sink = 0;
  const tp = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) {
    for (let o = 0; o < peerBuf.length; ) {
      sink += peerBuf[o]!;
      o += 14 + peerBuf[o + 12]! + (peerBuf[o + 8]! | (peerBuf[o + 9]! << 8) | (peerBuf[o + 10]! << 16));
    }
  }
  const peer = (reps * 1000) / (Number(process.hrtime.bigint() - tp) / 1e9);
  const c = db.cursor();
  let n = 0;
  const t = process.hrtime.bigint();
  while (c.next()) {
    sink += c.event.idLo;
    n++;
  }
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (n !== events) throw new Error(`scan: expected ${events} events, got ${n}`);
  line(name, n, bytes, s, peer);
  if (sink === -1) console.log(sink);
}

console.log(`strata bench: ${fmt(EVENTS)} events of ${VALUE} bytes per run, node ${process.version}, ${os.cpus().length} cpus`);
console.log('peer for writes: raw writeSync of the same batches to a file; for scans: a bare decode loop over in-memory records');
// warm-up: let the JIT compile the write and scan paths before anything is measured
await warmUp();
for (const walOn of [true, false]) for (const size of [200, 1000]) await writeRun(walOn, size);

async function warmUp(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-bench-'));
  const db = await Strata.open(dir, { workers: 0 });
  const batch = makeBatch(500);
  for (let i = 0; i < 1000; i++) await db.write(batch);
  const c = db.cursor();
  while (c.next());
  await db.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
